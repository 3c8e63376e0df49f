"""Which pixels made the network say this class: gradient maps, integrated gradients and occlusion.

Every map explains ``p_c(x)``, the softmax probability of class ``c`` (the predicted class unless
one is given) for one prepared image ``x`` (float32 ``(H, W, C)`` in [0, 1]).

- gradient:          ``max_channels |∂p_c/∂x|``, how much a tiny change of each pixel moves p_c;
- gradient × input:  ``Σ_channels x · ∂p_c/∂x``, signed: the first-order share of each pixel in p_c;
- SmoothGrad:        ``max_channels |mean_k ∂p_c/∂x (x + ε_k)|``, ε_k ~ N(0, noise²) (Smilkov et al. 2017);
- integrated gradients: ``(x − x') · mean_k ∂p_c/∂x (x' + α_k (x − x'))`` with α_k the midpoints of
  ``steps`` equal steps from the baseline x' to x (Sundararajan et al. 2017); its sum over pixels is
  ``p_c(x) − p_c(x')`` (completeness, :func:`completeness` measures how nearly);
- occlusion: at each pixel, the mean drop ``p_c(x) − p_c(x with a patch filled)`` over the patches
  that cover it (Zeiler & Fergus 2014).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from cnnviz import limits
from cnnviz.errors import InputError
from cnnviz.explain.classifier import GRADIENT_PASSES, MAX_SIDE, check_count, network

SALIENCY_METHODS = ("gradient", "gradient_x_input", "smoothgrad")
BASELINES = ("black", "blurred", "noise")
MAX_SAMPLES = limits.SMOOTHGRAD_SAMPLES.most  # SmoothGrad's noisy copies
MAX_STEPS = limits.IG_STEPS.most  # integrated gradients' steps
MAX_OCCLUSIONS = limits.OCCLUSIONS.most  # occluded images (patch positions) in one occlusion map


def saliency(
    model: Any,
    image: Any,
    class_index: int | None = None,
    *,
    method: str = "gradient",
    samples: int = 25,
    noise: float = 0.15,
    seed: int = 0,
) -> np.ndarray:
    """A gradient map ``(H, W)`` float32 of class ``class_index`` for one image (formulas: module doc).

    ``"gradient"`` and ``"smoothgrad"`` are ≥ 0; ``"gradient_x_input"`` is signed (positive: the pixel
    speaks for the class). SmoothGrad averages the gradients of ``samples`` copies of the image with
    Gaussian noise of standard deviation ``noise`` (a share of the [0, 1] pixel range), drawn from the
    random start ``seed`` (``np.random.default_rng(seed).normal(0, noise, (samples, H, W, C))``);
    ``samples``, ``noise`` and ``seed`` are used by SmoothGrad only.
    """
    if method not in SALIENCY_METHODS:
        raise InputError(f"Unknown saliency method {method!r}; choose one of {', '.join(SALIENCY_METHODS)}.")
    net = network(model)
    x = net.image(image)
    if method == "smoothgrad":
        check_count(samples, MAX_SAMPLES, "SmoothGrad's noisy copies")
        if not 0 <= noise <= 1:
            raise InputError("SmoothGrad's noise must be between 0 and 1 (a share of the pixel range).")
        net.check_cost(1 + GRADIENT_PASSES * samples, f"SmoothGrad with {samples} copies")
        c = net.class_index(class_index, x)
        noisy = x + np.random.default_rng(seed).normal(0.0, noise, (samples, *x.shape)).astype(np.float32)
        _, gradients = net.class_gradients(noisy, c)
        return np.abs(gradients.mean(axis=0)).max(axis=-1)
    net.check_cost(1 + GRADIENT_PASSES, "A gradient map")
    c = net.class_index(class_index, x)
    _, gradients = net.class_gradients(x[None], c)
    if method == "gradient":
        return np.abs(gradients[0]).max(axis=-1)
    return (gradients[0] * x).sum(axis=-1)


def integrated_gradients(
    model: Any, image: Any, class_index: int | None = None, *, baseline: Any = None, steps: int = 64
) -> np.ndarray:
    """Integrated-gradients attributions ``(H, W, C)`` float32 of class ``class_index``'s probability.

    ``baseline`` is an image of the same shape (None: black, all zeros; see :func:`make_baseline`).
    The path integral is the midpoint rule over ``steps`` equal steps, all in batches.
    """
    net = network(model)
    x = net.image(image)
    reference = np.zeros_like(x) if baseline is None else net.image(baseline)
    check_count(steps, MAX_STEPS, "Integrated gradients' steps")
    net.check_cost(1 + GRADIENT_PASSES * steps, f"Integrated gradients with {steps} steps")
    c = net.class_index(class_index, x)
    alphas = ((np.arange(steps, dtype=np.float32) + 0.5) / steps)[:, None, None, None]
    _, gradients = net.class_gradients(reference + alphas * (x - reference), c)
    return ((x - reference) * gradients.mean(axis=0)).astype(np.float32)


def make_baseline(image: Any, kind: str = "black", *, seed: int = 0) -> np.ndarray:
    """A baseline for integrated gradients, same shape as ``image``: ``"black"``, ``"blurred"``, ``"noise"``.

    Blurred: a Gaussian blur of the image whose σ is a tenth of its longer side (the shapes are gone,
    the overall brightness stays; Sturmfels et al. 2020). Noise: uniform random pixels in [0, 1]
    from the random start ``seed``. Attributions answer "why this class rather than for the
    baseline", so each baseline asks a different question.
    """
    x = np.asarray(image, dtype=np.float32)
    if x.ndim != 3 or max(x.shape[:2]) > MAX_SIDE:
        raise InputError(f"A baseline is made for one (H, W, C) image up to {MAX_SIDE}×{MAX_SIDE}, not {x.shape}.")
    if kind == "black":
        return np.zeros_like(x)
    if kind == "blurred":
        sigma = max(x.shape[:2]) / 10
        return cv2.GaussianBlur(x, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT).reshape(x.shape)
    if kind == "noise":
        return np.random.default_rng(seed).random(x.shape, dtype=np.float32)
    raise InputError(f"Unknown baseline {kind!r}; choose one of {', '.join(BASELINES)}.")


@dataclass(frozen=True)
class Completeness:
    """Integrated gradients' completeness: Σ attributions should equal ``p_c(x) − p_c(baseline)``."""

    attribution_sum: float
    probability: float  # p_c(x)
    baseline_probability: float  # p_c(baseline)

    @property
    def probability_change(self) -> float:
        return self.probability - self.baseline_probability

    @property
    def error(self) -> float:
        """``|Σ attributions − (p_c(x) − p_c(baseline))|``, in probability units."""
        return abs(self.attribution_sum - self.probability_change)

    @property
    def relative_error(self) -> float:
        """:attr:`error` as a share of ``|p_c(x) − p_c(baseline)|`` (infinite when that is 0)."""
        change = abs(self.probability_change)
        return self.error / change if change else float("inf")


def completeness(
    model: Any, image: Any, attributions: Any, class_index: int | None = None, *, baseline: Any = None
) -> Completeness:
    """How far ``attributions`` (from :func:`integrated_gradients` with the same class and baseline)
    are from summing to ``p_c(image) − p_c(baseline)``. Two forward passes."""
    net = network(model)
    x = net.image(image)
    reference = np.zeros_like(x) if baseline is None else net.image(baseline)
    total = np.asarray(attributions, dtype=np.float64)
    if total.shape != x.shape:
        raise InputError(f"The attributions must have the image's shape {x.shape}, not {total.shape}.")
    net.check_cost(3, "The completeness check")
    c = net.class_index(class_index, x)
    probabilities = net.probabilities(np.stack([x, reference]))[:, c]
    return Completeness(float(total.sum()), float(probabilities[0]), float(probabilities[1]))


def occlusion(
    model: Any, image: Any, class_index: int | None = None, *, patch: int = 4, stride: int = 2, fill: float = 0.0
) -> np.ndarray:
    """Occlusion map ``(H, W)`` float32: the mean drop in class ``class_index``'s probability when a
    ``patch``×``patch`` square covering the pixel is set to ``fill``, over every such square.

    Squares start every ``stride`` pixels and one more touches the bottom/right edge, so every pixel
    is covered; all occluded images are scored in batches. Positive: hiding the pixel hurts the class.
    """
    net = network(model)
    x = net.image(image)
    height, width, _ = x.shape
    check_count(patch, min(height, width), "The occluding patch's side")
    check_count(stride, patch, "The occlusion stride")
    if not 0 <= fill <= 1:
        raise InputError("The occlusion fill must be a pixel value between 0 and 1.")
    rows, cols = _starts(height, patch, stride), _starts(width, patch, stride)
    positions = [(row, col) for row in rows for col in cols]
    if len(positions) > MAX_OCCLUSIONS:
        raise InputError(
            f"That is {len(positions):,} occluded images, more than {MAX_OCCLUSIONS:,}: use a larger stride."
        )
    net.check_cost(1 + len(positions), f"Occlusion with {len(positions):,} patches")
    c = net.class_index(class_index, x)
    clean = float(net.probabilities(x[None])[0, c])
    drops = np.empty(len(positions), dtype=np.float64)
    step = net.chunk()
    for start in range(0, len(positions), step):
        batch = np.repeat(x[None], len(positions[start : start + step]), axis=0)
        for image_index, (row, col) in enumerate(positions[start : start + step]):
            batch[image_index, row : row + patch, col : col + patch] = fill
        drops[start : start + len(batch)] = clean - net.probabilities(batch)[:, c]
    total, count = np.zeros((height, width)), np.zeros((height, width))
    for (row, col), drop in zip(positions, drops, strict=True):
        total[row : row + patch, col : col + patch] += drop
        count[row : row + patch, col : col + patch] += 1
    return (total / count).astype(np.float32)


def _starts(size: int, patch: int, stride: int) -> list[int]:
    """Top/left corners every ``stride`` pixels, plus one flush with the far edge if the last falls short."""
    starts = list(range(0, size - patch + 1, stride))
    return starts if starts[-1] == size - patch else [*starts, size - patch]
