"""What a training run is asked to do: :class:`TrainConfig`, validated with messages for students."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from cnnviz.errors import InputError
from cnnviz.options import ADVERSARIAL_EPSILONS, OPTIMIZER_TITLES, OPTIMIZERS, RANDOM_STARTS

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
        if self.early_stopping_patience is not None:
            _whole(self.early_stopping_patience, "The early-stopping patience", 1, MAX_EPOCHS)
            if split == 0:
                raise InputError(
                    "Early stopping watches the validation loss: set a validation split above 0 or turn it off"
                )
        if self.keep_best and split == 0:
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
            f"val {self.validation_split:.0%}",
        ]
        if self.early_stopping_patience:
            parts.append(f"early stop {self.early_stopping_patience}")
        if self.max_train_samples:
            parts.append(f"{self.max_train_samples:,} images")
        if self.augmentation:
            parts.append("augmented")
        if self.keep_best:
            parts.append("best epoch kept")
        if self.adversarial_epsilon:
            parts.append(f"FGSM-trained ε {self.adversarial_epsilon:g}")
        return " · ".join(parts)


def _whole(value: Any, what: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{what} must be a whole number from {low:,} to {high:,}, not {value!r}")
