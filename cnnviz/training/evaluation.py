"""Scores computed with NumPy from a model's test-set probabilities (no TensorFlow needed).

``probabilities`` is float ``(N, K)`` (one softmax row per test image), ``labels`` int ``(N,)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Keras clips probabilities to [EPSILON, 1 - EPSILON] before the log in cross-entropy.
EPSILON = 1e-7


@dataclass(frozen=True)
class Example:
    """One test image's prediction: its index in the test set, the classes and the confidence."""

    index: int
    predicted: int
    true: int
    confidence: float  # probability the model gave to its prediction
    true_probability: float  # probability it gave to the right class

    @property
    def correct(self) -> bool:
        return self.predicted == self.true


def loss_and_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Mean sparse categorical cross-entropy and accuracy, as Keras' ``evaluate`` reports them."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    rows = probabilities / probabilities.sum(axis=1, keepdims=True)
    picked = np.clip(rows[np.arange(len(labels)), labels], EPSILON, 1 - EPSILON)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
    return float(-np.log(picked).mean()), accuracy


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """``(K, K)`` int64 counts: row = true class, column = predicted class."""
    labels = np.asarray(labels).astype(np.int64)
    predicted = np.asarray(predicted).astype(np.int64)
    counts = np.bincount(labels * num_classes + predicted, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Float ``(K,)``: the fraction of each true class predicted right (NaN for a class with no images)."""
    matrix = np.asarray(matrix)
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


def misclassified(probabilities: np.ndarray, labels: np.ndarray) -> list[Example]:
    """Every wrong prediction, most confident first (the most surprising mistakes lead the gallery)."""
    probabilities = np.asarray(probabilities)
    wrong = probabilities.argmax(axis=1) != np.asarray(labels)
    return _examples(probabilities, labels, np.flatnonzero(wrong), most_confident_first=True)


def random_examples(probabilities: np.ndarray, labels: np.ndarray, count: int, seed: int = 0) -> list[Example]:
    """``count`` test images drawn at random without replacement (the Fashion-MNIST notebook's 32), in the
    order drawn, right and wrong alike."""
    probabilities = np.asarray(probabilities)
    chosen = np.random.default_rng(seed).choice(len(probabilities), size=min(count, len(probabilities)), replace=False)
    return _examples(probabilities, labels, chosen, most_confident_first=None)


def cell_examples(probabilities: np.ndarray, labels: np.ndarray, true: int, predicted: int) -> list[Example]:
    """The test images of one confusion-matrix cell: class ``true`` predicted as ``predicted``.

    Off the diagonal the most confident mistakes come first; on it (correct predictions) the least
    confident come first, since those are the ones worth looking at.
    """
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    in_cell = (labels == true) & (probabilities.argmax(axis=1) == predicted)
    return _examples(probabilities, labels, np.flatnonzero(in_cell), most_confident_first=true != predicted)


def _examples(
    probabilities: np.ndarray, labels: np.ndarray, indices: np.ndarray, *, most_confident_first: bool | None
) -> list[Example]:
    """The examples of ``indices``: most or least confident first, or in the given order (None)."""
    labels = np.asarray(labels).astype(np.int64)
    guess = probabilities[indices].argmax(axis=1)
    confidence = probabilities[indices, guess]
    if most_confident_first is None:
        order = np.arange(len(indices))
    else:
        order = np.argsort(-confidence if most_confident_first else confidence, kind="stable")
    return [
        Example(
            int(indices[i]),
            int(guess[i]),
            int(labels[indices[i]]),
            float(confidence[i]),
            float(probabilities[indices[i], labels[indices[i]]]),
        )
        for i in order
    ]
