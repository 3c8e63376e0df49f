"""Can we fool the network? The fast gradient sign method (Goodfellow et al. 2015).

``x_adv = clip(x + ε · sign(∇_x L(x, y)), 0, 1)`` with ``L = −log p_y(x)`` the cross-entropy of the
true label ``y``: every pixel moves by ε (at most, after clipping) in the direction that raises the
loss fastest. The gradient is taken from the class scores before the softmax, so it is exact even
when the network is very sure. :func:`fgsm_accuracy` is the accuracy of a model on images attacked
with each of several ε (one gradient per image serves every ε).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnnviz import limits
from cnnviz.errors import InputError
from cnnviz.explain.classifier import GRADIENT_PASSES, network

MAX_ATTACK_IMAGES = limits.ATTACK_IMAGES.most
MAX_EPSILONS = limits.ATTACK_STRENGTHS.most


def fgsm(model: Any, image: Any, label: int, epsilon: float) -> np.ndarray:
    """One image ``(H, W, C)`` float32 attacked with FGSM of strength ``epsilon`` (in [0, 1]) for the
    true class ``label``; ``‖x_adv − x‖∞ ≤ ε``."""
    net = network(model)
    x = net.image(image)
    net.check_cost(GRADIENT_PASSES, "An attacked image")
    return _attacked(net, x[None], net.labels([label], 1), [_epsilon(epsilon)])[0][0]


def fgsm_accuracy(model: Any, images: Any, labels: Any, epsilons: Sequence[float]) -> np.ndarray:
    """Accuracy ``(len(epsilons),)`` float64 of ``model`` on ``images`` attacked by FGSM with each ε
    (ε = 0: the clean accuracy). ``images``: ``(N, H, W, C)`` float32 in [0, 1] or uint8."""
    net = network(model)
    batch = net.images(images)
    if not 1 <= len(batch) <= MAX_ATTACK_IMAGES:
        raise InputError(f"The accuracy under attack is measured on 1 to {MAX_ATTACK_IMAGES:,} images.")
    truth = net.labels(labels, len(batch))
    if not 1 <= len(epsilons) <= MAX_EPSILONS:
        raise InputError(f"Give 1 to {MAX_EPSILONS} attack strengths ε.")
    strengths = [_epsilon(epsilon) for epsilon in epsilons]
    net.check_cost(len(batch) * (GRADIENT_PASSES + len(strengths)), f"Attacking {len(batch):,} images")
    correct = np.zeros(len(strengths))
    for start in range(0, len(batch), net.chunk()):
        part, part_truth = batch[start : start + net.chunk()], truth[start : start + net.chunk()]
        for index, attacked in enumerate(_attacked(net, part, part_truth, strengths)):
            correct[index] += (net.probabilities(attacked).argmax(axis=1) == part_truth).sum()
    return correct / len(batch)


def _attacked(net: Any, images: np.ndarray, labels: np.ndarray, epsilons: Sequence[float]) -> list[np.ndarray]:
    """``images`` attacked with each ε in turn (one gradient for all)."""
    _, gradients = net.loss_gradients(images, labels)
    direction = np.sign(gradients)
    return [np.clip(images + np.float32(epsilon) * direction, 0.0, 1.0) for epsilon in epsilons]


def _epsilon(value: Any) -> float:
    epsilon = float(value)
    if not 0 <= epsilon <= 1:
        raise InputError(f"The attack strength ε must be between 0 and 1 (a share of the pixel range); got {value!r}.")
    return epsilon
