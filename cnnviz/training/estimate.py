"""A rough time per epoch before training starts, from the stack's multiply-adds and a measured speed.

One training step costs about three forward passes (forward, then the gradients for the inputs and
for the weights), so an epoch costs ``3 × MACs per image × images`` multiply-adds, plus a fixed cost
per image (data handling, small layers, Python). The speed constants below were measured on this
project's 2-core CPU by ``bench/bench_training.py``; a page can refine them with the speed its own
finished runs reached (:func:`observed_speed`), since the machine it runs on may be faster, slower
or busy with other trainings. It is an estimate: expect the real figure within about a factor 2.
"""

from __future__ import annotations

from typing import Any

#: Training multiply-adds per second (3 × forward MACs per image × images per second) and the
#: seconds per image that do not grow with the MACs (elementwise layers, optimizer, Keras' step
#: overhead at batch 64). bench_training.py fitted them twice over four presets from 0.4 to 10 M
#: MACs on the project's 2-core CPU while other programs shared it (35 G and 250 µs at load 2-12,
#: 28 G and 55 µs at load about 2); these middle values predict seven of the eight measured
#: speeds within 2× (the eighth was taken at load 12).
TRAIN_MACS_PER_SECOND = 30e9
SECONDS_PER_IMAGE = 100e-6
#: Seconds once per run: building the model and tracing its training and test graphs.
SETUP_SECONDS = 3.0
#: How many times dearer an epoch of adversarial (FGSM) training is: the attack's gradient plus a step on
#: twice the images (2.8× measured on the quick digits recipe, 3,000 images × 3 epochs).
ADVERSARIAL_COST = 2.8


def cost_factor(config: Any) -> float:
    """How many times a normal epoch's time one epoch with ``config`` (a TrainConfig) takes."""
    return ADVERSARIAL_COST if config.adversarial_epsilon else 1.0


def epoch_seconds(
    macs_per_image: int, images: int, *, macs_per_second: float = TRAIN_MACS_PER_SECOND, validation_images: int = 0
) -> float:
    """Estimated wall time of one epoch: training ``images`` plus one forward pass over the validation set."""
    per_image = 3 * macs_per_image / macs_per_second + SECONDS_PER_IMAGE
    return images * per_image + validation_images * per_image / 3


def setup_seconds(macs_per_image: int, test_images: int, *, macs_per_second: float = TRAIN_MACS_PER_SECOND) -> float:
    """Estimated time outside the epochs: building and tracing the model, then scoring the test set."""
    return SETUP_SECONDS + test_images * (macs_per_image / macs_per_second + SECONDS_PER_IMAGE / 3)


def observed_speed(macs_per_image: int, images_per_second: float) -> float | None:
    """The training MACs/s a finished run really reached (``None`` if it cannot tell).

    Inverts :func:`epoch_seconds`: a run's measured images/s gives back the speed constant to use
    for the next estimate on the same machine.
    """
    if images_per_second <= 0 or macs_per_image <= 0:
        return None
    spare = 1 / images_per_second - SECONDS_PER_IMAGE
    return 3 * macs_per_image / spare if spare > 0 else None


def training_seconds(
    stack: list, dataset: Any, config: Any, *, macs_per_second: float = TRAIN_MACS_PER_SECOND
) -> float:
    """Estimated wall time of a whole training of ``stack`` on ``dataset`` with ``config`` (a TrainConfig)."""
    from cnnviz import architecture
    from cnnviz.training.adapt import adapt_output

    shape = dataset.image_shape
    adapted, _ = adapt_output(stack, shape, dataset.num_classes)
    macs = architecture.totals(architecture.summarize(adapted, shape)).macs
    images = config.train_count(len(dataset.y_train))
    validation = config.validation_count(images)
    epoch = epoch_seconds(macs, images - validation, validation_images=validation, macs_per_second=macs_per_second)
    return config.epochs * epoch * cost_factor(config) + setup_seconds(
        macs, len(dataset.y_test), macs_per_second=macs_per_second
    )
