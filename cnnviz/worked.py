"""The course's worked examples as data: small inputs, their kernels or pooling, and what they give.

Every output is computed by :mod:`cnnviz.ops` (the functions the Convolution page uses, pinned
against TensorFlow), so an example a student edits is recomputed by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz import ops
from cnnviz.errors import InputError

MAX_SIDE = 12  # the grid editor stays readable up to 12×12


@dataclass(frozen=True)
class WorkedExample:
    """An input grid and what is done to it: a kernel slid over it, or 2×2 max/average pooling."""

    title: str
    image: np.ndarray
    operation: str  # "convolution", "max pooling" or "average pooling"
    kernel: np.ndarray | None = None
    note: str = ""


def _edge_image() -> np.ndarray:
    return np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=float)


EXAMPLES: dict[str, WorkedExample] = {
    "edge_6x6": WorkedExample(
        "6×6 image, bright left half (10) and dark right half (0), with the [1, 0, −1] edge kernel",
        _edge_image(),
        "convolution",
        np.array([[1, 0, -1]] * 3, dtype=float),
        "Every row of the 4×4 result reads 0 30 30 0: the kernel answers only where its window straddles the "
        "boundary between 10s and 0s.",
    ),
    "image_5x5": WorkedExample(
        "5×5 image with a 3×3 kernel (no padding): a 3×3 feature map",
        np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float),
        "convolution",
        np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float),
        "5 − 3 + 1 = 3 positions fit across and down, so the output is 3×3.",
    ),
    "max_pool": WorkedExample(
        "2×2 max pooling of [[1, 3], [2, 4]]",
        np.array([[1, 3], [2, 4]], dtype=float),
        "max pooling",
        note="The window keeps its largest value: 4.",
    ),
    "avg_pool": WorkedExample(
        "2×2 average pooling of [[1, 3], [2, 4]]",
        np.array([[1, 3], [2, 4]], dtype=float),
        "average pooling",
        note="The window keeps its mean: (1 + 2 + 3 + 4) / 4 = 2.5.",
    ),
}

#: The course's 1-D example: the kernel [1, 3, 0, −1] over a signal that starts 1, 3, 2, 3, 0.
COURSE_SIGNAL = np.array([1, 3, 2, 3, 0], dtype=float)
COURSE_KERNEL_1D = np.array([1, 3, 0, -1], dtype=float)


def check_grid(values: np.ndarray, what: str) -> np.ndarray:
    """``values`` as a finite 2-D float array of at most :data:`MAX_SIDE` per side, or :class:`InputError`."""
    try:
        grid = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"Every cell of the {what} must be a number") from None
    if grid.ndim != 2 or grid.size == 0 or max(grid.shape) > MAX_SIDE:
        raise InputError(f"The {what} must be a grid of 1 to {MAX_SIDE} rows and columns")
    if not np.all(np.isfinite(grid)):
        raise InputError(f"Every cell of the {what} must be filled with a number")
    return grid


def apply(
    example: WorkedExample, image: np.ndarray, kernel: np.ndarray | None = None, *, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """The example's operation on an edited ``image`` (and ``kernel``): a 2-D output grid."""
    image = check_grid(image, "input")
    if example.operation == "convolution":
        chosen = kernel if kernel is not None else example.kernel
        if chosen is None:
            raise InputError("A convolution needs a kernel")
        kernel = check_grid(chosen, "kernel")
        return ops.conv2d(image, kernel, stride=stride, padding=padding)
    return ops.pool2d(image, 2, kind="max" if example.operation == "max pooling" else "avg")


def convolution_and_correlation(signal: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(cross-correlation, convolution)`` of a signal with a kernel, no padding.

    Cross-correlation (what CNN layers compute) slides the kernel as written:
    y[n] = Σₖ x[n + k]·g[k]. Convolution flips the kernel first: y[n] = Σₖ x[n + k]·g[K − 1 − k].
    """
    return ops.conv1d(signal, kernel), ops.conv1d(signal, kernel, flip=True)
