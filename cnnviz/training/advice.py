"""Plain-words advice around a training run: a learning rate that suits each optimizer, a run name
that says what was changed, and whether a finished run learned anything at all.

A class compares runs by their names and trusts the suggested settings, so both must be right:
plain SGD (no momentum) with Adam's 0.001 barely moves in a lesson's few epochs and ends at
chance level with every image called the same class.
"""

from __future__ import annotations

from cnnviz.options import OPTIMIZER_TITLES
from cnnviz.training.config import TrainConfig

#: A learning rate that trains the course's networks in a few epochs with each optimizer. Plain SGD on
#: the quick digits recipe (3 epochs, 3,000 images): 0.001 → 13 %, 0.01 → 57 %, 0.03 → 82 %, 0.1 → 92 %.
SUGGESTED_RATES = {"adam": 1e-3, "rmsprop": 1e-3, "sgd": 1e-1}
#: Share of the way from chance to 100 % below which a run "did not learn" (10 classes: under 19 %).
LEARNED_MARGIN = 0.1


def suggested_rate(optimizer: str) -> float:
    """The learning rate to start from with ``optimizer`` ("adam", "sgd", "rmsprop")."""
    return SUGGESTED_RATES[optimizer]


def run_name(network: str, config: TrainConfig, base: TrainConfig) -> str:
    """``network`` when ``config`` is the ``base`` it started from, else only what was changed.

    "SGD lr 0.01 · 8 epochs" for a recipe whose optimizer and epochs were changed: a class can
    tell its runs apart by name, and a changed recipe no longer carries the title of its settings.
    """
    changes = []
    if (config.optimizer, config.learning_rate, config.cosine_decay) != (
        base.optimizer,
        base.learning_rate,
        base.cosine_decay,
    ):
        changes.append(
            f"{OPTIMIZER_TITLES[config.optimizer]} lr {config.learning_rate:g}"
            + (" (cosine)" if config.cosine_decay else "")
        )
    if config.epochs != base.epochs:
        changes.append(f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}")
    if config.batch_size != base.batch_size:
        changes.append(f"batch {config.batch_size}")
    if config.max_train_samples != base.max_train_samples:
        changes.append(f"{config.max_train_samples:,} images" if config.max_train_samples else "all images")
    if config.validation_split != base.validation_split:
        changes.append(f"validation {config.validation_split:.0%}")
    if config.early_stopping_patience != base.early_stopping_patience:
        patience = config.early_stopping_patience
        changes.append(f"early stop after {patience}" if patience else "no early stop")
    if bool(config.augmentation) != bool(base.augmentation):
        changes.append("augmented" if config.augmentation else "not augmented")
    if config.adversarial_epsilon != base.adversarial_epsilon:
        epsilon = config.adversarial_epsilon
        changes.append(f"FGSM-trained ε {epsilon:g}" if epsilon else "not FGSM-trained")
    if config.seed != base.seed:
        changes.append(f"random start {config.seed}")
    if config.shuffle_pixels != base.shuffle_pixels:
        changes.append("pixels shuffled" if config.shuffle_pixels else "pixels in place")
    if config.validation_first != base.validation_first:
        changes.append(
            f"validation: first {config.validation_first:,}" if config.validation_first else "validation split"
        )
    return " · ".join(changes) or network


def chance_level(num_classes: int) -> float:
    """The accuracy of guessing (or of always answering the same class on balanced data)."""
    return 1 / max(num_classes, 1)


def did_not_learn(accuracy: float | None, num_classes: int) -> bool:
    """Whether a test accuracy is so close to chance that the network learned next to nothing."""
    if accuracy is None or num_classes < 2:
        return False
    chance = chance_level(num_classes)
    return accuracy < chance + LEARNED_MARGIN * (1 - chance)


def not_learning_advice(config: TrainConfig) -> str:
    """What to change after a run that ended near chance level, from its optimizer and learning rate."""
    suggestion = suggested_rate(config.optimizer)
    title = OPTIMIZER_TITLES[config.optimizer]
    if config.learning_rate < suggestion:
        return f"Try a larger learning rate: {suggestion:g} suits {title} (this run used {config.learning_rate:g})."
    if config.learning_rate > 10 * suggestion:
        return (
            f"Try a smaller learning rate: {suggestion:g} suits {title}; steps of {config.learning_rate:g} "
            "jump over the good weights."
        )
    return "Train for more epochs or on more images, or check that the network ends with one unit per class."
