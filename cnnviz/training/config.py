"""What a training run is asked to do: :class:`TrainConfig`, validated with messages for students."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from cnnviz.errors import InputError
from cnnviz.options import ADVERSARIAL_EPSILONS, LOSSES, OPTIMIZER_TITLES, OPTIMIZERS, RANDOM_STARTS

MAX_EPOCHS = 200
MAX_BATCH_SIZE = 4096
MIN_TRAIN_SAMPLES = 10

#: Keras preprocessing layers allowed in ``TrainConfig.augmentation`` (they only act while training).
AUGMENTATION_TYPES = ("RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomContrast")


@dataclass(frozen=True)
class TrainConfig:
    """How to train a stack: every field has a default that trains quickly on a 2-core CPU.

    - ``epochs``: passes over the training images.
    - ``batch_size``: images per gradient step (64 is fast on a CPU and still learns quickly).
    - ``optimizer``: ``"adam"``, ``"sgd"`` (plain, no momentum, as in the course) or ``"rmsprop"``.
    - ``learning_rate``: step size of the optimizer.
    - ``validation_split``: fraction of each class held out of training to watch over-fitting
      (0 = no validation). Taken stratified and seeded, never "the last samples".
    - ``early_stopping_patience``: stop after this many epochs without a lower validation loss and
      restore the best epoch's weights (``None`` = off).
    - ``max_train_samples``: train on a stratified random subset of this many images (``None`` = all).
    - ``seed``: makes the shuffle, the split, the subset and the initial weights repeatable.
    - ``augmentation``: Keras preprocessing layers in the stack vocabulary, e.g.
      ``({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},)``; applied to
      training batches only (Keras turns them off for validation, test and prediction).
    - ``cosine_decay``: lower the learning rate along a cosine to 2 % of its start by the last epoch.
    - ``keep_best``: the checkpoint of the course notebooks (``ModelCheckpoint(save_best_only=True)``):
      the model ends with the weights of the epoch with the lowest validation loss, not the last one.
    - ``validation_first``: hold out the first this many training images in their files' order instead of
      ``validation_split`` (the Fashion-MNIST notebook's ``x_train[:5000]``); ``None`` = off.
    - ``loss``: ``"sparse_categorical_crossentropy"`` (labels as class numbers) or
      ``"categorical_crossentropy"`` (one-hot labels, as the Fashion-MNIST notebook): the same number.
    - ``shuffle_pixels``: put the pixels of every image (training, validation and test) in one fixed random
      order (:func:`pixel_order`): a dense network does not notice, a CNN loses its neighbourhoods.
    - ``adversarial_epsilon``: adversarial training (Goodfellow et al. 2015): every training batch is
      trained on together with its FGSM copy of this strength ε (a share of the pixel range; 0 = off).
    """

    epochs: int = 5
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    validation_split: float = 0.1
    early_stopping_patience: int | None = None
    max_train_samples: int | None = None
    seed: int = 0
    augmentation: tuple[Mapping[str, Any], ...] = field(default=())
    cosine_decay: bool = False
    keep_best: bool = False
    validation_first: int | None = None
    loss: str = "sparse_categorical_crossentropy"
    shuffle_pixels: bool = False
    adversarial_epsilon: float = 0.0

    def __post_init__(self) -> None:
        # Lists from JSON become tuples so the config stays hashable-looking and immutable.
        object.__setattr__(self, "augmentation", tuple(dict(a) for a in self.augmentation))

    def validate(self) -> TrainConfig:
        """Return ``self`` if every value is usable; raise :class:`InputError` saying what to change."""
        _whole(self.epochs, "The number of epochs", 1, MAX_EPOCHS)
        _whole(self.batch_size, "The batch size", 1, MAX_BATCH_SIZE)
        if self.optimizer not in OPTIMIZERS:
            raise InputError(f"Unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not (math.isfinite(rate) and 0 < rate <= 10):
            raise InputError(f"The learning rate must be a number above 0 and at most 10, not {rate!r}")
        split = self.validation_split
        if isinstance(split, bool) or not isinstance(split, (int, float)) or not 0 <= split <= 0.5:
            raise InputError(f"The validation split must be between 0 and 0.5 (half the data), not {split!r}")
        if self.validation_first is not None:
            _whole(self.validation_first, "The number of first images held out", 1, 10**9)
        validates = split > 0 or self.validation_first is not None
        if self.early_stopping_patience is not None:
            _whole(self.early_stopping_patience, "The early-stopping patience", 1, MAX_EPOCHS)
            if not validates:
                raise InputError(
                    "Early stopping watches the validation loss: set a validation split above 0 or turn it off"
                )
        if self.loss not in LOSSES:
            raise InputError(f"Unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        if self.keep_best and not validates:
            raise InputError("Keeping the best epoch needs a validation split above 0 to tell which epoch is best")
        if self.max_train_samples is not None:
            _whole(self.max_train_samples, "The number of training images", MIN_TRAIN_SAMPLES, 10**9)
        _whole(self.seed, "The random start", RANDOM_STARTS.low, RANDOM_STARTS.high)
        epsilon = self.adversarial_epsilon
        top = max(ADVERSARIAL_EPSILONS)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0 <= epsilon <= top:
            raise InputError(f"The adversarial training's ε must be a number from 0 (off) to {top:g}, not {epsilon!r}")
        for position, layer in enumerate(self.augmentation, start=1):
            kind = layer.get("type")
            if kind not in AUGMENTATION_TYPES:
                raise InputError(
                    f"Augmentation {position}: {kind!r} is not an augmentation layer; use one of "
                    f"{', '.join(AUGMENTATION_TYPES)}"
                )
        return self

    def train_count(self, available: int) -> int:
        """How many of ``available`` training images a run uses: all, or ``max_train_samples`` if fewer."""
        return min(self.max_train_samples or available, available)

    def validation_count(self, images: int) -> int:
        """About how many of ``images`` training images are held out for validation (for time estimates)."""
        if self.validation_first:
            return min(self.validation_first, images)
        return round(images * self.validation_split)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        values = asdict(self)
        values["augmentation"] = [dict(a) for a in self.augmentation]
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """The inverse of :meth:`to_dict`; unknown keys are ignored (files from newer versions)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def describe(self) -> str:
        """One line for tables and captions: "Adam lr 0.001 · batch 64 · 5 epochs · val 10 %"."""
        parts = [
            f"{OPTIMIZER_TITLES[self.optimizer]} lr {self.learning_rate:g}"
            + (" (cosine)" if self.cosine_decay else ""),
            f"batch {self.batch_size}",
            f"{self.epochs} epoch{'s' if self.epochs != 1 else ''}",
            f"val first {self.validation_first:,}" if self.validation_first else f"val {self.validation_split:.0%}",
        ]
        if self.early_stopping_patience:
            parts.append(f"early stop {self.early_stopping_patience}")
        if self.max_train_samples:
            parts.append(f"{self.max_train_samples:,} images")
        if self.augmentation:
            parts.append("augmented")
        if self.keep_best:
            parts.append("best epoch kept")
        if self.loss != "sparse_categorical_crossentropy":
            parts.append("one-hot labels")
        if self.shuffle_pixels:
            parts.append("pixels shuffled")
        if self.adversarial_epsilon:
            parts.append(f"FGSM-trained ε {self.adversarial_epsilon:g}")
        return " · ".join(parts)


#: Where the fixed order of ``shuffle_pixels`` comes from: one order for every run, whatever its random start.
PIXEL_ORDER_START = 2024


def pixel_order(pixels: int) -> np.ndarray:
    """The fixed random order ``shuffle_pixels`` puts an image's ``pixels`` (height × width) values in."""
    return np.random.default_rng(PIXEL_ORDER_START).permutation(pixels)


def shuffled_pixels(images: np.ndarray) -> np.ndarray:
    """``(N, H, W, C)`` images with every image's pixels moved by :func:`pixel_order` (channels stay together)."""
    n, height, width, channels = images.shape
    flat = np.asarray(images).reshape(n, height * width, channels)
    return flat[:, pixel_order(height * width)].reshape(images.shape)


def _whole(value: Any, what: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{what} must be a whole number from {low:,} to {high:,}, not {value!r}")
