"""Where a window goes: output sizes, padding amounts, the sliding geometry, and the argument checks.

The one rule for sizes and padding (TensorFlow's conventions, see :mod:`cnnviz.ops`) and the checks
of images, kernels, strides and dilations that every convolution module shares: :mod:`cnnviz.ops`
(the teaching API), :mod:`cnnviz.conv_engine` (the fast arithmetic) and :mod:`cnnviz.conv_variants`
(transposed convolution, upsampling) import them from here, so the imports run one way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from cnnviz.errors import InputError

Pair = tuple[int, int]
Padding = str | int | tuple[int, int]


def positive_int(value: object, what: str) -> int:
    """``value`` as an int ≥ 1, or an InputError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{what} must be a whole number, not {value!r}")
    if value < 1:
        raise InputError(f"{what} must be at least 1")
    return int(value)


def as_pair(value: int | Iterable[int], what: str) -> Pair:
    """An int or a (rows, cols) pair of ints ≥ 1 as a pair."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        number = positive_int(value, what)
        return number, number
    try:
        rows, cols = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a whole number or a (rows, columns) pair, not {value!r}") from None
    return positive_int(rows, f"{what} (rows)"), positive_int(cols, f"{what} (columns)")


def axis_padding(padding: Padding, axis: int) -> str | int:
    """The padding of one axis (0 rows, 1 columns): "valid", "same" or a number of zeros."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in ("valid", "same"):
            raise InputError(f"Padding must be 'valid', 'same' or a number of zeros, not {padding!r}")
        return mode
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise InputError(f"Padding must be one number or a (rows, columns) pair, not {padding!r}")
        padding = padding[axis]
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)):
        raise InputError(f"Padding must be 'valid', 'same' or a whole number of zeros, not {padding!r}")
    if padding < 0:
        raise InputError("Padding cannot be negative")
    return int(padding)


def pad_amounts(n: int, kernel: int, stride: int = 1, padding: str | int = 0, dilation: int = 1) -> Pair:
    """Zeros added ``(before, after)`` one axis of length ``n`` (top/bottom or left/right).

    ``"same"`` follows TensorFlow: ``total = max((ceil(n/stride) - 1)·stride + reach - n, 0)`` with
    ``reach = dilation·(kernel - 1) + 1``, ``before = total // 2`` and the odd zero after.
    """
    n = positive_int(n, "Input size")
    kernel = positive_int(kernel, "Kernel size")
    stride = positive_int(stride, "Stride")
    dilation = positive_int(dilation, "Dilation")
    mode = axis_padding(padding, 0)
    if mode == "valid":
        return 0, 0
    if mode == "same":
        reach = dilation * (kernel - 1) + 1
        total = max((math.ceil(n / stride) - 1) * stride + reach - n, 0)
        return total // 2, total - total // 2
    assert isinstance(mode, int)  # axis_padding gives "valid", "same" or a number of zeros
    return mode, mode


def output_size(n: int, kernel: int, stride: int = 1, padding: str | int = 0, dilation: int = 1) -> int:
    """Number of output cells along one axis: ``floor((n + 2P - dilation·(kernel-1) - 1) / stride) + 1``.

    ``"valid"`` is P = 0 and ``"same"`` is ``ceil(n / stride)``. Raises :class:`InputError` when an
    argument is invalid or the kernel does not fit into the padded input (no output left).
    """
    before, after = pad_amounts(n, kernel, stride, padding, dilation)
    return _cells(n, before + after, kernel, stride, dilation)


def _cells(n: int, zeros: int, kernel: int, stride: int, dilation: int) -> int:
    """Window positions along an axis of ``n`` cells plus ``zeros`` padding; InputError when none fits."""
    reach = dilation * (kernel - 1) + 1
    if n + zeros < reach:
        spread = f" (a {kernel}-tap kernel with dilation {dilation})" if dilation > 1 else ""
        size = f"{n + zeros} after padding" if zeros else f"only {n}"
        raise InputError(
            f"The kernel spans {reach} pixels{spread} but the input is {size}: no output is left. "
            "Use a smaller kernel or dilation, or more padding."
        )
    return (n + zeros - reach) // stride + 1


@dataclass(frozen=True)
class Geometry:
    """Where a sliding window goes over an (H, W) input: pads, strides, dilations and output size."""

    pads: tuple[Pair, Pair]  # ((top, bottom), (left, right)) zeros
    stride: Pair
    dilation: Pair
    out: Pair  # output (rows, cols)


def geometry(
    shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    stride: int | Pair = 1,
    padding: Padding = "valid",
    dilation: int | Pair = 1,
) -> Geometry:
    """The sliding geometry of a ``kernel_shape[:2]`` window over an input of ``shape[:2]``."""
    strides = as_pair(stride, "Stride")
    dilations = as_pair(dilation, "Dilation")
    pads = tuple(
        pad_amounts(shape[axis], kernel_shape[axis], strides[axis], axis_padding(padding, axis), dilations[axis])
        for axis in (0, 1)
    )
    out = tuple(
        _cells(shape[axis], sum(pads[axis]), kernel_shape[axis], strides[axis], dilations[axis]) for axis in (0, 1)
    )
    return Geometry(pads, strides, dilations, out)  # type: ignore[arg-type]


def dilate_kernel(kernel: np.ndarray, dilation: int | Pair) -> np.ndarray:
    """The kernel with ``dilation - 1`` zeros inserted between its taps (rows and columns of the first 2 axes)."""
    dh, dw = as_pair(dilation, "Dilation")
    kernel = np.asarray(kernel)
    if (dh, dw) == (1, 1):
        return kernel
    kh, kw = kernel.shape[:2]
    spread = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1, *kernel.shape[2:]), kernel.dtype)
    spread[::dh, ::dw] = kernel
    return spread


def as_float(x: np.ndarray) -> np.ndarray:
    """float64 stays float64; everything else becomes float32 (exact for 8- and 16-bit images)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise InputError(f"The input must hold real numbers, not {x.dtype}")
    return x if x.dtype == np.float64 else x.astype(np.float32, copy=False)


def as_image(x: np.ndarray) -> np.ndarray:
    """``x`` as a float ``(H, W)`` or ``(H, W, C)`` array (see :func:`as_float`), or a clear error."""
    x = as_float(x)
    if x.ndim not in (2, 3):
        raise InputError(f"The input must be (H, W) or (H, W, C), not {x.shape}")
    return x


def as_channels_last(x: np.ndarray) -> np.ndarray:
    """``x`` as a float ``(H, W, C)`` array (see :func:`as_image`; a 2-D image gets one channel)."""
    x = as_image(x)
    return x.reshape(*x.shape[:2], -1)


def check_kernel(kernel: np.ndarray, ndims: tuple[int, ...]) -> np.ndarray:
    """``kernel`` if it has one of ``ndims`` dimensions, is not empty and holds only finite numbers."""
    if kernel.ndim not in ndims or kernel.size == 0:
        raise InputError(f"The kernel must have shape {' or '.join(_SHAPES[n] for n in ndims)}, not {kernel.shape}")
    if not np.isfinite(kernel).all():
        raise InputError("The kernel must contain only finite numbers (no NaN or infinity)")
    return kernel


_SHAPES = {2: "(kh, kw)", 3: "(kh, kw, C)", 4: "(kh, kw, C, F)"}


def output_size_formula(n: int, kernel: int, stride: int = 1, padding: str | int = 0, dilation: int = 1) -> str:
    """LaTeX of the output-size formula with these numbers substituted, ending in the result.

    ``⌊(n + 2P − F) / S⌋ + 1`` (with ``F`` replaced by ``dilation·(F−1) + 1`` when dilated), or
    ``⌈n / S⌉`` for ``"same"``.
    """
    result = output_size(n, kernel, stride, padding, dilation)
    if padding == "same":
        return rf"\left\lceil \frac{{{n}}}{{{stride}}} \right\rceil = {result}"
    zeros = 0 if padding == "valid" else int(padding)
    span = f"{kernel}" if dilation == 1 else rf"({dilation}\cdot({kernel}-1)+1)"
    return rf"\left\lfloor \frac{{{n} + 2\cdot{zeros} - {span}}}{{{stride}}} \right\rfloor + 1 = {result}"


def window_counts(
    shape: Pair, kernel: int | Pair, stride: int | Pair = 1, padding: str | int = "valid", dilation: int = 1
) -> np.ndarray:
    """How many sliding windows cover each pixel of an ``(H, W)`` input: int64 ``(H, W)``.

    A pixel near the border is under fewer windows than one in the middle ('valid' padding: a corner pixel of
    a 3×3 kernel is under 1 window, an inner pixel under 9); padding adds windows that reach the border.
    Each axis is counted on its own and the two counts multiply.
    """
    counts = []
    for axis, n in enumerate(shape):
        k, s = as_pair(kernel, "The kernel size")[axis], as_pair(stride, "The stride")[axis]
        before, _ = pad_amounts(n, k, s, padding, dilation)
        taps = np.arange(k) * dilation
        covered = np.zeros(n, np.int64)
        for start in range(output_size(n, k, s, padding, dilation)):
            positions = start * s - before + taps
            np.add.at(covered, positions[(positions >= 0) & (positions < n)], 1)
        counts.append(covered)
    return np.outer(counts[0], counts[1])
