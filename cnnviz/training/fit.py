"""Train a layer stack on a dataset with live progress, a stop switch and a test-set evaluation.

:func:`train` is the whole pipeline: adapt the output layer to the classes, take a stratified subset
and validation split, build the Keras model from the stack, ``fit`` with a callback that reports
progress as plain Python dicts and stops within one batch when asked, then score the test set.
TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnviz import architecture
from cnnviz.datasets.dataset import stratified_split
from cnnviz.errors import InputError
from cnnviz.training.adapt import adapt_output
from cnnviz.training.config import TrainConfig, shuffled_pixels
from cnnviz.training.deadline import Deadline
from cnnviz.training.evaluation import loss_and_accuracy
from cnnviz.training.events import EvaluateEvent, Event, ProgressFn, StopFn
from cnnviz.training.internals import TRAINING_BUDGET, internals_recorder, probe_batch
from cnnviz.training.run import TrainingRun
from cnnviz.training.snapshots import weight_recorder
from cnnviz.training.transfer import head_training

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

#: ``on_progress`` gets a BATCH event every this many batches (and always at the end of an epoch).
PROGRESS_EVERY = 10
PREDICT_BATCH = 500
#: The internals probe's multiply-adds per record: fewer probe images for a large network (8 to 64).
PROBE_MACS = 2e9


def subset_indices(labels: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """Indices of a stratified, seeded random subset of ``size`` samples (all, shuffled, if None)."""
    labels = np.asarray(labels)
    order = np.random.default_rng(seed).permutation(len(labels))
    if size is None or size >= len(labels):
        return order
    _, chosen = stratified_split(labels, seed, test_fraction=size / len(labels))
    return chosen if len(chosen) else order[:size]  # fewer images than classes: a plain random pick


def validation_indices(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train, validation)`` index arrays: ``fraction`` of every class held out, seeded.

    Keras' own ``validation_split`` takes the *last* samples, which for class-sorted data (the
    offline MNIST 5k subset) would validate on a single class.
    """
    if fraction == 0:
        return np.random.default_rng(seed).permutation(len(labels)), np.zeros(0, np.int64)
    return stratified_split(np.asarray(labels), seed + 1, test_fraction=fraction)


def first_in_files(chosen: np.ndarray, file_order: np.ndarray | None, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train, validation)`` positions in ``chosen``: validation holds the images among the first ``count``
    of their files (the notebook's ``x_train[:count]``), or the first ``count`` of the dataset's own order
    when its images have no file order."""
    position = np.asarray(chosen) if file_order is None else np.asarray(file_order)[chosen]
    first = position < count
    return np.flatnonzero(~first), np.flatnonzero(first)


def train(
    stack: Sequence[Mapping[str, Any]],
    dataset: Any,
    config: TrainConfig = TrainConfig(),  # noqa: B008 - frozen dataclass, safe as a default
    on_progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    *,
    progress_every: int = PROGRESS_EVERY,
    start_weights: Sequence[np.ndarray] | None = None,
    start_history: Mapping[str, Sequence[float]] | None = None,
    time_limit: float | None = None,
) -> TrainingRun:
    """Train ``stack`` on ``dataset`` (a :class:`cnnviz.datasets.Dataset`) and score its test set.

    Images (uint8 ``(N, H, W, 1)``) are scaled to float32 in [0, 1]; the model's input shape is the
    dataset's. ``on_progress(event)`` receives plain dicts (:mod:`cnnviz.training.events`): ``START``,
    a ``BATCH`` event every ``progress_every`` batches (epoch, batch, loss, accuracy,
    images_per_second, eta_seconds, ...), an ``EPOCH`` event at every epoch end (adds
    ``val_loss``/``val_accuracy``) and ``EVALUATE`` before the test set is scored.
    ``should_stop()`` is called after every batch: when it returns True, training ends after that
    batch (an unfinished epoch is left out of the history) and the test set is still scored. It may
    also raise to abandon the run altogether; the exception propagates.

    To continue a run for more epochs, pass its ``start_weights`` (``model.get_weights()``) and
    ``start_history``: training resumes at epoch ``len(start_history["loss"]) + 1`` up to
    ``config.epochs`` with a fresh optimizer, and the history continues the old one.

    ``time_limit`` (seconds from the call) bounds the whole call (:class:`~cnnviz.training.deadline.Deadline`):
    training stops in time for the test set to be scored, validation and the test prediction stop at the
    limit (the test set is then scored on the images predicted so far), and the notes say so.

    Raises :class:`InputError` for an invalid config, stack or dataset.
    """
    import keras

    from cnnviz.training.progress import TrainingProgress

    config.validate()
    started = time.monotonic()
    data = _prepare(stack, dataset, config)
    history = {key: [float(v) for v in values] for key, values in (start_history or {}).items()}
    first_epoch = len(history.get("loss", []))
    if first_epoch >= config.epochs:
        raise InputError(f"This run already has {first_epoch} epochs: ask for more than {first_epoch} in all")
    deadline = None
    if time_limit is not None:
        macs = architecture.totals(architecture.summarize(data.stack, data.input_shape)).macs
        deadline = Deadline(time_limit, test_images=len(dataset.y_test), macs=macs, started=started)
    keras.utils.set_random_seed(config.seed)
    model = _build(data, start_weights, first_epoch)
    # The internals probe the whole network on training images, so take them before a frozen base's features
    # replace them; the head's layers are the model's own, so the probe sees what the head learns.
    internals = _internals(model, data, config, first_epoch)
    head = head_training(model, data.stack, config, data.x_fit, data.validation)  # a frozen base: features once
    if head is not None:
        data = replace(data, x_fit=head.x_fit, validation=head.validation, notes=[*data.notes, head.note])
    fit_model = (
        head.model
        if head is not None
        else _with_adversarial(_with_augmentation(model, config, data.input_shape), config, data.notes)
    )
    steps = -(-len(data.x_fit) // config.batch_size)
    _compile(fit_model, config, steps)
    if fit_model is not model:  # the saved model needs no augmentation but should be ready to evaluate
        _compile(model, config, steps)

    progress = TrainingProgress(
        on_progress,
        should_stop,
        every=max(1, progress_every),
        epochs=config.epochs,
        steps=steps,
        batch_size=config.batch_size,
        samples=len(data.x_fit),
        val_samples=data.val_samples,
        history=history,
        deadline=deadline,
    )
    recorder = weight_recorder(model, keep_best=config.keep_best and data.validation is not None)  # the scrubber
    stopper = _early_stopping(config, data)
    # internals before the callbacks that restore the best weights
    callbacks = [progress, *([internals] if internals else []), recorder, *([stopper] if stopper else [])]
    seconds = _fit(fit_model, data, config, first_epoch, callbacks)
    seconds += head.seconds if head is not None else 0.0
    data.notes += progress.notes(stopper) + _batch_norm_notes(data.stack, progress.steps_done)
    probabilities, labels = _predict_test_set(model, dataset, config, on_progress, progress, deadline)
    test_cut = len(labels) < len(dataset.y_test)
    data.notes += _cut_test_notes(len(labels), len(dataset.y_test))
    for trained in (fit_model, model):  # the same model twice without augmentation: harmless
        # Drop the traced training, test and predict graphs: a kept run needs only its weights, and the
        # graphs of every run of every session would otherwise stay in memory. They are retraced if used.
        trained.train_function = trained.test_function = trained.predict_function = None

    test_loss, test_accuracy = loss_and_accuracy(probabilities, labels) if len(labels) else (None, None)
    return TrainingRun(
        model=model,
        history=progress.history,
        test_loss=test_loss,
        test_accuracy=test_accuracy,
        seconds=seconds,
        config=config,
        stack=data.stack,
        input_shape=data.input_shape,
        class_names=data.class_names,
        notes=data.notes,
        dataset=str(getattr(dataset, "name", "")),
        source=str(getattr(dataset, "source", "")),
        stopped=progress.stop_requested or test_cut,
        train_samples=len(data.x_fit),
        val_samples=data.val_samples,
        images_per_second=progress.images_per_second,
        test_probabilities=probabilities if len(labels) else None,
        test_labels=labels if len(labels) else None,
        test_images=dataset.x_test if len(labels) else None,
        internals=internals.result(len(progress.history.get("loss", []))) if internals else None,
        **recorder.result(len(progress.history.get("loss", []))),
    )


@dataclass
class _Prepared:
    """The training's inputs: the adapted stack, the images to fit and validate on, and notes for the run."""

    stack: list[dict[str, Any]]
    input_shape: tuple[int, int, int]
    class_names: list[str]
    x_fit: np.ndarray
    y_fit: np.ndarray
    validation: tuple[np.ndarray, np.ndarray] | None
    notes: list[str]

    @property
    def val_samples(self) -> int:
        return 0 if self.validation is None else len(self.validation[1])


def _prepare(stack: Sequence[Mapping[str, Any]], dataset: Any, config: TrainConfig) -> _Prepared:
    """Check the dataset, adapt the stack's output to its classes and take the subset and validation split."""
    x_all, y_all = np.asarray(dataset.x_train), np.asarray(dataset.y_train)
    if x_all.dtype != np.uint8 or x_all.ndim != 4 or len(x_all) == 0:
        raise InputError("The dataset must hold uint8 images of shape (N, H, W, C); this one is empty or not images")
    height, width, channels = (int(s) for s in x_all.shape[1:])
    class_names = list(dataset.class_names)
    adapted, notes = adapt_output(stack, (height, width, channels), len(class_names))
    if config.shuffle_pixels:
        x_all = shuffled_pixels(x_all)
        notes.append(
            "The pixels of every image (training, validation and test) were put in one fixed random order: "
            "the same image content, its neighbourhoods gone."
        )
    (x_fit, y_fit), validation, subset_note = _training_data(x_all, y_all, config, getattr(dataset, "file_order", None))
    return _Prepared(adapted, (height, width, channels), class_names, x_fit, y_fit, validation, notes + subset_note)


def _build(data: _Prepared, start_weights: Sequence[np.ndarray] | None, first_epoch: int) -> Any:
    """The Keras model of the stack, with the weights of the run it continues (if any)."""
    model = architecture.to_keras(data.stack, data.input_shape)
    if start_weights is not None:
        try:
            model.set_weights(list(start_weights))
        except ValueError as error:
            raise InputError(f"The weights to continue from do not fit this network: {error}") from None
        data.notes.append(
            f"Continued from epoch {first_epoch} with the weights reached there (the optimizer starts "
            "afresh, so the first steps can move a little more than they would have)."
        )
    return model


def _internals(model: Any, data: _Prepared, config: TrainConfig, first_epoch: int) -> Any:
    """The training-internals callback (:mod:`cnnviz.training.internals`) on a fixed probe batch of the
    training images, within :data:`TRAINING_BUDGET` of the training time; None for a network it cannot
    read (the training goes on without it)."""
    from cnnviz.explain.classifier import GRADIENT_PASSES, forward_macs

    size = int(min(64, max(8, PROBE_MACS // (GRADIENT_PASSES * forward_macs(model)))))
    try:
        return internals_recorder(
            model,
            *probe_batch(data.x_fit, data.y_fit, size=size, seed=config.seed),
            first_epoch=first_epoch,
            budget=TRAINING_BUDGET,
        )
    except InputError:
        return None


def _early_stopping(config: TrainConfig, data: _Prepared) -> Any:
    """Keras' EarlyStopping on the validation loss (restoring the best weights), or None when it is off."""
    if not config.early_stopping_patience or data.validation is None:
        return None
    import keras

    return keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=config.early_stopping_patience, restore_best_weights=True
    )


def _fit(fit_model: Any, data: _Prepared, config: TrainConfig, first_epoch: int, callbacks: list[Any]) -> float:
    """Keras' ``fit`` from ``first_epoch`` to ``config.epochs``; the wall time in seconds."""
    labels = _targets(config, len(data.class_names))
    validation = None if data.validation is None else (data.validation[0], labels(data.validation[1]))
    started = time.perf_counter()
    with warnings.catch_warnings():
        # A stopped, unfinished epoch has no val_loss on purpose; EarlyStopping would warn about it.
        warnings.filterwarnings("ignore", message="Early stopping conditioned on metric")
        fit_model.fit(
            data.x_fit,
            labels(data.y_fit),
            batch_size=config.batch_size,
            epochs=config.epochs,
            verbose=0,
            initial_epoch=first_epoch,
            shuffle=True,
            validation_data=validation,
            callbacks=callbacks,
        )
    return time.perf_counter() - started


def _targets(config: TrainConfig, classes: int) -> Any:
    """What ``fit`` gets as labels: class numbers, or one-hot rows for categorical cross-entropy."""
    if config.loss == "categorical_crossentropy":
        return lambda labels: np.eye(classes, dtype=np.float32)[labels]
    return lambda labels: labels


def _predict_test_set(
    model: Any,
    dataset: Any,
    config: TrainConfig,
    on_progress: ProgressFn | None,
    progress: Any,
    deadline: Deadline | None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(probabilities, labels)`` of the test set (both empty without test images), after an EVALUATE event.

    With a ``deadline``, batches of about half a second each until it passes: the labels are cut to the
    images predicted (none if it passed before the first batch).
    """
    labels = np.asarray(dataset.y_test).astype(np.int64)
    if not len(labels) or (deadline is not None and deadline.passed()):
        return np.zeros((0, 0), np.float32), labels[:0]
    if on_progress:
        on_progress(EvaluateEvent(event=Event.EVALUATE, test_samples=len(labels)))
    batch = PREDICT_BATCH
    if deadline is not None:
        batch = int(min(PREDICT_BATCH, max(8, 0.5 / max(deadline.seconds_per_test_image, 1e-9))))
    x_test = np.asarray(dataset.x_test)
    probabilities = model.predict(
        _scaled(shuffled_pixels(x_test) if config.shuffle_pixels else x_test),
        batch_size=batch,
        verbose=0,
        callbacks=[progress],
    )
    return probabilities.astype(np.float32), labels[: len(probabilities)]


def _cut_test_notes(tested: int, total: int) -> list[str]:
    """What the run says when the time limit cut its test (nothing when all ``total`` images were tested)."""
    if tested == total:
        return []
    if not tested:
        return ["Not tested: this server's time limit for one training came before the test."]
    return [
        f"Tested on the first {tested:,} of the {total:,} test images: this server's time limit for one training "
        "came first."
    ]


def _batch_norm_notes(stack: Sequence[Mapping[str, Any]], steps: int) -> list[str]:
    """A warning when BatchNormalization's running averages (used at test time) cannot have settled.

    They move by ``1 - momentum`` per step, so they need about ``3 / (1 - momentum)`` steps (300 for
    Keras' default 0.99); before that the test accuracy can be far below the training accuracy.
    """
    momenta = [layer.get("momentum", 0.99) for layer in stack if layer["type"] == "BatchNormalization"]
    if not momenta or steps >= 3 / (1 - max(momenta)):
        return []
    return [
        f"BatchNormalization tests with running averages that move {1 - max(momenta):.0%} per step: after only "
        f"{steps} steps they have not settled, so the test accuracy can be much lower than the training accuracy. "
        "Train longer or give BatchNormalization a momentum of 0.9."
    ]


def _training_data(
    x_all: np.ndarray, y_all: np.ndarray, config: TrainConfig, file_order: np.ndarray | None = None
) -> tuple[tuple, tuple | None, list[str]]:
    """``(x, y)`` to fit, ``(x, y)`` to validate (None without a split) as float32 in [0, 1], and a note."""
    chosen = subset_indices(y_all, config.max_train_samples, config.seed)
    if config.validation_first:
        fit_part, val_part = first_in_files(chosen, file_order, config.validation_first)
    else:
        fit_part, val_part = validation_indices(y_all[chosen], config.validation_split, config.seed)
    if len(fit_part) == 0:
        raise InputError("No training images are left after the validation split: use more images")
    fit = (_scaled(x_all[chosen[fit_part]]), y_all[chosen[fit_part]].astype(np.int64))
    validation = None
    if len(val_part):
        validation = (_scaled(x_all[chosen[val_part]]), y_all[chosen[val_part]].astype(np.int64))
    notes = []
    if config.validation_first:
        where = "of the training files" if file_order is not None else "of this dataset's training images"
        notes.append(
            f"Validation: the first {config.validation_first:,} {where} ({len(val_part):,} of them in this run), "
            "held out in their own order as the Fashion-MNIST notebook does."
        )
    if len(chosen) < len(y_all):
        notes.append(
            f"Trained on a random {len(chosen):,} of the {len(y_all):,} training images "
            "(the same share of every class)."
        )
    return fit, validation, notes


def _compile(model: Any, config: TrainConfig, steps_per_epoch: int) -> None:
    model.compile(optimizer=_optimizer(config, steps_per_epoch), loss=config.loss, metrics=["accuracy"])


def _scaled(images: np.ndarray) -> np.ndarray:
    """uint8 images → float32 in [0, 1] (one multiply, no float64 temporary)."""
    out = images.astype(np.float32)
    out *= np.float32(1 / 255)
    return out


def _optimizer(config: TrainConfig, steps_per_epoch: int) -> Any:
    import keras

    rate: Any = config.learning_rate
    if config.cosine_decay:
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=config.epochs * steps_per_epoch, alpha=0.02)
    kinds = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD, "rmsprop": keras.optimizers.RMSprop}
    return kinds[config.optimizer](learning_rate=rate)


def _with_adversarial(fit_model: Any, config: TrainConfig, notes: list[str]) -> Any:
    """``fit_model`` itself, or a model that trains on every batch together with its FGSM copy.

    The copy is ``clip(x + ε · sign(∇_x L), 0, 1)`` (Goodfellow et al. 2015), the gradient taken from the
    network as it stands in inference mode (no dropout); the step then trains on both halves, so the
    training loss and accuracy are their mean. Validation and test images stay clean. The wrapper has no
    weights of its own: ``fit_model`` learns.
    """
    epsilon = config.adversarial_epsilon
    if not epsilon:
        return fit_model
    import keras

    class FgsmTraining(keras.Model):
        def __init__(self, inner: Any) -> None:
            super().__init__(name="fgsm_training")
            self.inner = inner

        def call(self, x: Any, training: bool = False) -> Any:
            return self.inner(x, training=training)

        def train_step(self, data: Any) -> Any:
            return super().train_step(fgsm_batch(self.inner, data[0], data[1], epsilon))

    notes.append(
        f"Adversarial training: every batch was trained on together with its FGSM copy (ε = {epsilon:g}), so "
        "the training loss and accuracy are the mean over clean and attacked images; validation and test "
        "images are clean."
    )
    return FgsmTraining(fit_model)


# The exported notebook holds this function's source (cnnviz.training.notebook): plain Keras, no cnnviz.
def fgsm_batch(inner: keras.Model, x: tf.Tensor, y: tf.Tensor, epsilon: float) -> tuple[tf.Tensor, tf.Tensor]:
    """The batch ``x`` (labels ``y``) and its FGSM copy ``clip(x + ε·sign(∇x loss), 0, 1)``, with their labels:
    what one step of adversarial training trains on."""
    import keras
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(y, inner(x, training=False))
    attacked = tf.clip_by_value(x + epsilon * tf.sign(tape.gradient(loss, x)), 0.0, 1.0)
    return tf.concat([x, attacked], 0), tf.concat([y, y], 0)


def _with_augmentation(model: Any, config: TrainConfig, input_shape: tuple[int, ...]) -> Any:
    """``model`` itself, or a model that first passes training batches through the augmentation layers.

    Keras' preprocessing layers are identity outside training, so validation sees clean images; the
    returned wrapper shares ``model``'s weights and only ``model`` is kept in the run.
    """
    if not config.augmentation:
        return model
    import keras

    inputs = keras.Input(input_shape)
    x = inputs
    for position, spec in enumerate(config.augmentation, start=1):
        kwargs = {k: v for k, v in spec.items() if k != "type"}
        try:
            layer = getattr(keras.layers, spec["type"])(
                seed=config.seed + position, name=f"augment_{position}", **kwargs
            )
        except (TypeError, ValueError) as error:
            raise InputError(f"Augmentation {position} ({spec['type']}): {error}") from None
        x = layer(x)
    return keras.Model(inputs, model(x), name="augmented_training")
