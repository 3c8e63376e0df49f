"""Named training recipes (a dataset, a layer stack and a :class:`~cnnviz.training.TrainConfig` that
work well on a 2-core CPU), the course notebooks' own trainings ("Reproduce the notebook") and the six
one-click experiments of the MNIST notebook's "tasks for the reader".

The accuracy and time each recipe reaches are measured by ``scripts/measure_recipes.py`` and written
into ``measured`` below by hand (with the date and the machine's load), so the page can say what to
expect. No TensorFlow here: stacks are lists of dicts in Keras' vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cnnviz.architecture.presets import FASHION_MNIST, MNIST, MNIST_SAME, NEU, NOTEBOOK_PRESETS
from cnnviz.datasets import NATIVE_SIZE, examples
from cnnviz.errors import InputError
from cnnviz.options import NOTEBOOK_VALIDATION_FIRST, OPTIMIZER_TITLES
from cnnviz.training.config import TrainConfig


@dataclass(frozen=True)
class Recipe:
    """A ready-to-train experiment. ``image_size`` resizes the dataset (None keeps its size)."""

    title: str
    dataset: str
    stack: list[dict[str, Any]]
    config: TrainConfig
    description: str
    image_size: int | None = None
    measured: str = ""
    notebook: str = ""  # what the course notebook itself reported, shown beside a finished run

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """The ``(H, W, 1)`` images this recipe trains on (its dataset's own size unless resized)."""
        side = self.image_size or {**NATIVE_SIZE, examples.NAME: examples.DEFAULT_SIZE}[self.dataset]
        return (side, side, 1)


def _conv(filters: int, **more: Any) -> dict[str, Any]:
    return {"type": "Conv2D", "filters": filters, "kernel_size": 3, "padding": "same", "activation": "relu", **more}


def _conv_bn(filters: int) -> list[dict[str, Any]]:
    """Convolution without bias, batch normalisation, then ReLU (the bias would be cancelled by BN).

    Momentum 0.9 (Keras' default is 0.99) lets BN's running averages, used at test time, settle within
    a few dozen steps: a short or stopped run then tests as well as it trained.
    """
    return [
        {"type": "Conv2D", "filters": filters, "kernel_size": 3, "padding": "same", "use_bias": False},
        {"type": "BatchNormalization", "momentum": 0.9},
        {"type": "Activation", "activation": "relu"},
    ]


_POOL = {"type": "MaxPooling2D", "pool_size": 2}
SHIFTS = {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1, "fill_mode": "constant"}

#: The course's digit classifier (Conv32-Pool-Conv64-Pool-Dense128), the base of the quick experiments.
COURSE_STACK: list[dict[str, Any]] = [dict(layer) for layer in NOTEBOOK_PRESETS[MNIST][1]]

#: Training-time changes for a small collected set: tilted, zoomed and shifted a little every epoch.
MY_CLASSES_AUGMENTATION = (
    {"type": "RandomRotation", "factor": 0.05, "fill_mode": "constant"},
    {"type": "RandomZoom", "height_factor": 0.15, "fill_mode": "constant"},
    SHIFTS,
)

#: Few digits: each shown slightly rotated, zoomed and shifted every epoch.
DIGIT_AUGMENTATION = (
    {"type": "RandomRotation", "factor": 0.03, "fill_mode": "constant"},
    {"type": "RandomZoom", "height_factor": 0.1, "fill_mode": "constant"},
    SHIFTS,
)
#: Steel textures look the same flipped or shifted (reflected at the border, not padded with black).
TEXTURE_AUGMENTATION = (
    {"type": "RandomFlip", "mode": "horizontal_and_vertical"},
    {"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1, "fill_mode": "reflect"},
)


def _long_schedule(epochs: int, batch_size: int, learning_rate: float, augmentation: tuple) -> TrainConfig:
    """The long recipes' schedule: 10 % of the images held out, a cosine-decaying learning rate, augmentation."""
    return TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        validation_split=0.1,
        cosine_decay=True,
        augmentation=augmentation,
    )


RECIPES: dict[str, Recipe] = {
    "quick_mnist": Recipe(
        title="Quick demo: digits in about 20 seconds",
        dataset="mnist",
        stack=COURSE_STACK,
        config=TrainConfig(epochs=3, batch_size=64, max_train_samples=3000),
        description="The course's Conv32-Pool-Conv64-Pool-Dense128 network on 3,000 digits for 3 epochs: "
        "enough to watch the curves move in a lesson.",
    ),
    "my_classes_tiny": Recipe(
        title="My classes: a tiny CNN in seconds",
        dataset="my_classes",
        stack=[
            _conv(8),
            _POOL,
            _conv(16),
            _POOL,
            {"type": "Flatten"},
            {"type": "Dropout", "rate": 0.3},
            {"type": "Dense", "units": 2, "activation": "softmax"},
        ],
        config=TrainConfig(
            epochs=40, batch_size=16, learning_rate=3e-3, validation_split=0.0, augmentation=MY_CLASSES_AUGMENTATION
        ),
        description="Two small convolutions (8 and 16 filters) for the classes you collected on the Datasets "
        "page: with about 20 examples per class, every epoch shows each one slightly tilted, zoomed and shifted, "
        "so the network learns the shapes rather than your exact strokes.",
        measured="On generated drawings (scripts/measure_my_classes.py), 20 per class: circle vs cross 100 % of 200 "
        "held-out drawings after 12–18 s of training; circle, cross, triangle, square 94–97 % of 400 after 22–27 s "
        "(random starts 0–2; 2-core CPU shared at load 13–16, 2026-11-30; 10 s at load 5).",
    ),
    "my_classes_transfer": Recipe(
        title="My classes: reuse the digit network's features",
        dataset="my_classes",
        image_size=examples.DEFAULT_SIZE,
        stack=[
            {"type": "Pretrained", "model": "mnist", "trainable": False},
            {"type": "Dropout", "rate": 0.2},
            {"type": "Dense", "units": 2, "activation": "softmax"},
        ],
        config=TrainConfig(epochs=40, batch_size=16, learning_rate=1e-2, validation_split=0.0),
        description="Transfer learning, as Teachable Machine does: the convolutional part of the digit demo "
        "network, frozen, turns each of your drawings into 128 features (computed once), and only a new "
        "output layer (129 weights per class) learns your classes from them. Few examples are enough for "
        "drawings; photos are far from the digits it learned on.",
        measured="",
    ),
    "fashion_mnist_3min": Recipe(
        title="Fashion-MNIST ≥ 91.5 % in under 3 minutes",
        dataset="fashion_mnist",
        stack=[
            *_conv_bn(16),
            _POOL,
            *_conv_bn(32),
            _POOL,
            *_conv_bn(64),
            _POOL,
            {"type": "Flatten"},
            {"type": "Dense", "units": 128, "activation": "relu"},
            {"type": "Dropout", "rate": 0.3},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ],
        config=TrainConfig(epochs=8, batch_size=128, learning_rate=2e-3, validation_split=0.05, cosine_decay=True),
        description="Three small convolution blocks with batch normalisation (16, 32, 64 filters: few "
        "multiply-adds, so an epoch of all 60,000 clothes takes 12 to 20 s on 2 cores), dropout before the "
        "output against over-fitting and a learning rate that shrinks along a cosine; 8 epochs.",
        measured="91.8 % test accuracy after 133 s of training (8 epochs, random start 0; 2-core CPU at load 0.8–2, "
        "2026-11-21).",
    ),
    "mnist_5k_augmented": Recipe(
        title="MNIST from only 5,000 digits ≥ 98 % (augmented)",
        dataset="mnist",
        stack=[
            _conv(32),
            _conv(32),
            _POOL,
            _conv(64),
            _conv(64),
            _POOL,
            {"type": "Flatten"},
            {"type": "Dropout", "rate": 0.4},
            {"type": "Dense", "units": 128, "activation": "relu"},
            {"type": "Dropout", "rate": 0.4},
            {"type": "Dense", "units": 10, "activation": "softmax"},
        ],
        config=_long_schedule(epochs=30, batch_size=64, learning_rate=2e-3, augmentation=DIGIT_AUGMENTATION),
        description="With few examples, show the network each digit slightly rotated, zoomed and shifted "
        "every epoch (augmentation): it learns shapes, not pixel positions.",
        measured="99.0 % test accuracy on the 10,000 test digits after 146 s (30 epochs, random start 0; 2-core CPU at "
        "load 2, 2026-11-21). On all 60,000 training digits it should reach about 99.6 %: a power law fitted to "
        "runs on 900, 1,800, 2,700 and 4,500 digits (97.5, 98.5, 98.8, 99.0 %) extrapolates to 99.6–99.8 %.",
    ),
    "neu_64": Recipe(
        title="NEU steel defects at 64×64 ≥ 97 %",
        dataset="neu",
        image_size=64,
        stack=[
            *_conv_bn(16),
            _POOL,
            *_conv_bn(32),
            _POOL,
            *_conv_bn(64),
            _POOL,
            *_conv_bn(96),
            _POOL,
            {"type": "GlobalAveragePooling2D"},
            {"type": "Dropout", "rate": 0.3},
            {"type": "Dense", "units": 6, "activation": "softmax"},
        ],
        config=_long_schedule(epochs=60, batch_size=32, learning_rate=3e-3, augmentation=TEXTURE_AUGMENTATION),
        description="Steel textures look the same flipped or shifted, so flips and shifts multiply the "
        "1,400 training images; four conv/BN blocks and global average pooling keep it small.",
        measured="99.4 % on the stratified test split (354 images) after 128 s (60 epochs, random start 0; 2-core CPU "
        "at load 2, 2026-11-21).",
    ),
}


def _notebook(
    preset: str, dataset: str, title: str, config: TrainConfig, description: str, notebook: str, **more: Any
) -> Recipe:
    """A recipe that trains a course notebook's exact model with the notebook's own settings.

    ``notebook`` is what the notebook itself reported; ``more`` are further :class:`Recipe` fields.
    """
    stack = [dict(layer) for layer in NOTEBOOK_PRESETS[preset][1]]  # a copy: the preset stays as the notebook has it
    return Recipe(f"Reproduce the notebook: {title}", dataset, stack, config, description, notebook=notebook, **more)


def _adam(epochs: int, batch_size: int) -> TrainConfig:
    """``model.compile(optimizer='adam')`` then ``fit`` without validation data, as the MNIST and NEU notebooks."""
    return TrainConfig(epochs=epochs, batch_size=batch_size, optimizer="adam", learning_rate=1e-3, validation_split=0.0)


#: The notebooks' trainings: their optimizer (Keras' default learning rate), batch size and epochs.
NOTEBOOK_RECIPES: dict[str, Recipe] = {
    "notebook_mnist": _notebook(
        MNIST,
        "mnist",
        "MNIST digits",
        _adam(epochs=5, batch_size=32),
        "The course's MNIST network, Adam, batch 32, 5 epochs, every training image, scored on the 10,000 test "
        "digits (the notebook used them as its validation data too).",
        "99.01 % test accuracy (test loss 0.0305) after 5 epochs on all 60,000 training digits.",
        measured="97.0 % test accuracy (loss 0.099) on the 5,000-digit offline subset after 11 s of training "
        "(5 epochs, random start 0; 2-core CPU at load 3, 2026-11-30; 17 s at load 18 on 2026-12-07, the same "
        "97.0 %). With 12× fewer digits than the notebook.",
    ),
    "notebook_mnist_same": _notebook(
        MNIST_SAME,
        "mnist",
        "MNIST with 'same' padding",
        _adam(epochs=3, batch_size=50),
        "The course's second MNIST network ('same' padding), Adam, batch 50, 3 epochs; then, as in the "
        "notebook, the prediction for test image 1495 with its ten probabilities.",
        "no accuracy printed; the notebook shows test image 1495 and its probability stem plot.",
        measured="96.5 % test accuracy on the 5,000-digit offline subset after 7 s (3 epochs, random start 0; "
        "2-core CPU at load 3, 2026-11-30).",
    ),
    "notebook_fashion": _notebook(
        FASHION_MNIST,
        "fashion_mnist",
        "Fashion-MNIST",
        TrainConfig(
            epochs=10,
            batch_size=32,
            optimizer="rmsprop",
            learning_rate=1e-3,
            validation_first=NOTEBOOK_VALIDATION_FIRST,
            early_stopping_patience=10,
            keep_best=True,
            loss="categorical_crossentropy",
        ),
        "The course's Fashion-MNIST network as the notebook trains it: RMSprop on one-hot labels (categorical "
        "cross-entropy), batch 32, 10 epochs, the first 5,000 training images held out for validation, early "
        "stopping on the validation loss (patience 10) and a checkpoint that keeps the best epoch.",
        "best validation accuracy 90.54 % (epoch 7); it kept epoch 4 (lowest validation loss 0.286, "
        "validation accuracy 90.40 %).",
        measured="best validation accuracy 90.54 % (epoch 9); kept epoch 4 (lowest validation loss 0.279, "
        "validation accuracy 90.14 %), 89.2 % on the 10,000 test images, after 373 s of training (10 epochs, "
        "random start 0; 2-core CPU shared, load 10–18, 2026-12-07).",
    ),
    "notebook_neu": _notebook(
        NEU,
        "neu",
        "NEU steel defects at 200×200",
        _adam(epochs=10, batch_size=50),
        "The course's steel-defect network on full 200×200 images, Adam, batch 50, 10 epochs. Slow on a "
        "CPU: 10.3 million parameters and about 0.39 G multiply-adds per image.",
        "no accuracy printed; the notebook shows one random test image and its six probabilities.",
        image_size=200,
        measured="not trained to the end here: one epoch on the 1,416 training images took 265 s (6 images/s, "
        "2-core CPU at load 12–16, 2026-11-30) and scored 32.5 % on the 354 test images, so the 10 epochs "
        "take about 45 minutes on such a machine.",
    ),
}
RECIPES.update(NOTEBOOK_RECIPES)


def notebook_recipe(label: str) -> Recipe | None:
    """The "Reproduce the notebook" recipe a run was trained with, from the run's label ("Run 2 · <title>")."""
    return next(
        (
            recipe
            for recipe in NOTEBOOK_RECIPES.values()
            if label == recipe.title or label.endswith(f" · {recipe.title}")
        ),
        None,
    )


# ---------------------------------------------------------------- the MNIST notebook's six "tasks for the reader"
@dataclass(frozen=True)
class Variant:
    """One run of an experiment: a label for tables and legends, the stack and the config."""

    label: str
    stack: list[dict[str, Any]]
    config: TrainConfig


@dataclass(frozen=True)
class Experiment:
    """A one-click experiment: variants of the current stack and config to train and compare."""

    title: str
    question: str
    look_at: str  # "curves" or "mistakes": the result the page should show first
    make: Any  # (stack, config) -> list[Variant]; raises InputError if the stack does not allow it

    def variants(self, stack: list[dict[str, Any]], config: TrainConfig) -> list[Variant]:
        return self.make(stack, config)


def scale_filters(stack: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    """The stack with every Conv2D's ``filters`` multiplied by ``factor`` (at least 1)."""
    return [
        {**layer, "filters": max(1, round(layer["filters"] * factor))} if layer["type"] == "Conv2D" else dict(layer)
        for layer in stack
    ]


def swap_pooling(stack: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The stack with every MaxPooling2D / AveragePooling2D replaced by ``kind`` (same window and stride)."""
    pools = ("MaxPooling2D", "AveragePooling2D")
    return [{**layer, "type": kind} if layer["type"] in pools else dict(layer) for layer in stack]


def _filters(stack: list[dict[str, Any]], config: TrainConfig) -> list[Variant]:
    if not any(layer["type"] == "Conv2D" for layer in stack):
        raise InputError("This stack has no Conv2D layer whose filters could change: add one in the layer builder")
    return [
        Variant(f"filters ×{name}", scale_filters(stack, factor), config)
        for name, factor in (("¼", 0.25), ("1", 1.0), ("2", 2.0))
    ]


def _epochs(stack: list[dict[str, Any]], config: TrainConfig) -> list[Variant]:
    return [Variant(f"{n} epochs", stack, replace(config, epochs=n, early_stopping_patience=None)) for n in (2, 8)]


def _pooling(stack: list[dict[str, Any]], config: TrainConfig) -> list[Variant]:
    if not any(layer["type"] in ("MaxPooling2D", "AveragePooling2D") for layer in stack):
        raise InputError("This stack has no pooling layer to switch: add MaxPooling2D in the layer builder")
    return [
        Variant("max pooling", swap_pooling(stack, "MaxPooling2D"), config),
        Variant("average pooling", swap_pooling(stack, "AveragePooling2D"), config),
    ]


def _optimizers(stack: list[dict[str, Any]], config: TrainConfig) -> list[Variant]:
    # Each with its usual learning rate: SGD needs a larger step than the adaptive optimizers.
    usual = (("sgd", "SGD", 0.01), ("rmsprop", "RMSprop", 1e-3), ("adam", "Adam", 1e-3))
    return [
        Variant(f"{title} lr {rate:g}", stack, replace(config, optimizer=name, learning_rate=rate, cosine_decay=False))
        for name, title, rate in usual
    ]


def _one_run(epochs: int, validation: float):
    def make(stack: list[dict[str, Any]], config: TrainConfig) -> list[Variant]:
        return [Variant("baseline", stack, replace(config, epochs=epochs, validation_split=validation))]

    return make


#: A network without convolutions: every pixel wired to each of 128 units (the course's "ANN").
DENSE_STACK: list[dict[str, Any]] = [
    {"type": "Flatten"},
    {"type": "Dense", "units": 128, "activation": "relu"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]
#: The four runs of "Dense network or CNN?": (label, stack, pixels shuffled).
ANN_VS_CNN = (
    ("dense network", DENSE_STACK, False),
    ("CNN", COURSE_STACK, False),
    ("dense network, pixels shuffled", DENSE_STACK, True),
    ("CNN, pixels shuffled", COURSE_STACK, True),
)

#: What the four runs reached on MNIST (``scripts/measure_recipes.py --ann-vs-cnn mnist --seeds 0 1``).
ANN_VS_CNN_MEASURED = (
    "On MNIST (3,000 training images, 3 epochs): the dense network 90.0 % and 89.3 % with its pixels in place, "
    "89.8 % and 89.5 % shuffled; the CNN 94.7 % and 94.0 % in place, 81.8 % and 83.0 % shuffled (random starts "
    "0 and 1; 12–37 s of training each on a 2-core CPU shared at load 12–20, 2026-12-07)."
)


def ann_vs_cnn(config: TrainConfig) -> list[Variant]:
    """The dense network and the course's CNN on the same data, then both on pixels shuffled the same way."""
    return [Variant(label, stack, replace(config, shuffle_pixels=shuffled)) for label, stack, shuffled in ANN_VS_CNN]


#: Quick settings the experiments start from, so each finishes in a lesson (about a minute on 2 cores).
EXPERIMENT_BASE = TrainConfig(epochs=3, batch_size=64, max_train_samples=3000, validation_split=0.1)


def describe_runs(variants: list[Variant]) -> str:
    """What an experiment trains, read from its variants: "2 runs (2 epochs, 8 epochs), each on 3,000 images…"."""
    configs = [variant.config for variant in variants]
    common = []
    if len({c.epochs for c in configs}) == 1:
        common.append(f"{configs[0].epochs} epochs")
    samples = {c.max_train_samples for c in configs}
    common.append(
        f"on {next(iter(samples)):,} images" if len(samples) == 1 and None not in samples else "on the training images"
    )
    if len({(c.optimizer, c.learning_rate) for c in configs}) == 1:
        common.append(f"with {OPTIMIZER_TITLES[configs[0].optimizer]} (learning rate {configs[0].learning_rate:g})")
    runs = f"{len(variants)} runs ({', '.join(v.label for v in variants)}), each" if len(variants) > 1 else "1 run,"
    return f"{runs} {' '.join(common)}"


EXPERIMENTS: dict[str, Experiment] = {
    "filters": Experiment(
        "Number of filters", "Do more filters learn better features, and what do they cost in time?", "curves", _filters
    ),
    "epochs": Experiment(
        "Number of epochs", "Does training longer keep helping, or does validation stop improving?", "curves", _epochs
    ),
    "pooling": Experiment(
        "Max vs average pooling",
        "Keep the strongest response or the average one: which classifies better?",
        "curves",
        _pooling,
    ),
    "mistakes": Experiment(
        "Find wrong predictions",
        "Which test images does the network get wrong, and are they hard for you too?",
        "mistakes",
        _one_run(3, 0.1),
    ),
    "optimizers": Experiment(
        "SGD vs RMSprop vs Adam", "Which optimizer brings the loss down fastest?", "curves", _optimizers
    ),
    "curves": Experiment(
        "Plot the learning curves",
        "When do training and validation curves part ways (over-fitting)?",
        "curves",
        _one_run(8, 0.2),
    ),
}
