"""Convolution arithmetic: output sizes, conv2d, pooling, activations and one window's multiply-and-sum.

NumPy only (no TensorFlow), so the Convolution page starts instantly. This module is the readable
API: it checks the arguments and works out where the windows go; :mod:`cnnviz.conv_engine` does the
fast arithmetic of :func:`conv2d` (OpenCV and im2col matrix products). Every function follows
TensorFlow's conventions, and the tests check the results against ``tf.nn``:

* images are ``(H, W)`` or ``(H, W, C)`` (rows, columns, channels), any real dtype; results are
  float64 for float64 input and float32 otherwise;
* ``stride``, ``dilation`` and pool ``size`` are an int or a ``(rows, cols)`` pair;
* ``padding`` is ``"valid"`` (no zeros), ``"same"`` (TensorFlow's rule: the output has
  ``ceil(n / stride)`` cells and an odd number of padding zeros puts the extra one at the
  bottom/right), an int P of zeros on every side, or a ``(P_rows, P_cols)`` pair;
* ``flip=False`` is cross-correlation (what CNN layers compute), ``flip=True`` rotates the kernel
  by 180° first (the convolution of mathematics and signal processing).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnnviz import conv_engine
from cnnviz.errors import InputError

Pair = tuple[int, int]
Padding = str | int | tuple[int, int]

# ---------------------------------------------------------------------------------------------
# Sizes and padding
# ---------------------------------------------------------------------------------------------


def _positive_int(value: object, what: str) -> int:
    """``value`` as an int ≥ 1, or an InputError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputError(f"{what} must be a whole number, not {value!r}")
    if value < 1:
        raise InputError(f"{what} must be at least 1")
    return int(value)


def _pair(value: int | Iterable[int], what: str) -> Pair:
    """An int or a (rows, cols) pair of ints ≥ 1 as a pair."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        number = _positive_int(value, what)
        return number, number
    try:
        rows, cols = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a whole number or a (rows, columns) pair, not {value!r}") from None
    return _positive_int(rows, f"{what} (rows)"), _positive_int(cols, f"{what} (columns)")


def _axis_padding(padding: Padding, axis: int) -> str | int:
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
    n = _positive_int(n, "Input size")
    kernel = _positive_int(kernel, "Kernel size")
    stride = _positive_int(stride, "Stride")
    dilation = _positive_int(dilation, "Dilation")
    mode = _axis_padding(padding, 0)
    if mode == "valid":
        return 0, 0
    if mode == "same":
        reach = dilation * (kernel - 1) + 1
        total = max((math.ceil(n / stride) - 1) * stride + reach - n, 0)
        return total // 2, total - total // 2
    assert isinstance(mode, int)  # _axis_padding gives "valid", "same" or a number of zeros
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
    strides = _pair(stride, "Stride")
    dilations = _pair(dilation, "Dilation")
    pads = tuple(
        pad_amounts(shape[axis], kernel_shape[axis], strides[axis], _axis_padding(padding, axis), dilations[axis])
        for axis in (0, 1)
    )
    out = tuple(
        _cells(shape[axis], sum(pads[axis]), kernel_shape[axis], strides[axis], dilations[axis]) for axis in (0, 1)
    )
    return Geometry(pads, strides, dilations, out)  # type: ignore[arg-type]


def dilate_kernel(kernel: np.ndarray, dilation: int | Pair) -> np.ndarray:
    """The kernel with ``dilation - 1`` zeros inserted between its taps (rows and columns of the first 2 axes)."""
    dh, dw = _pair(dilation, "Dilation")
    kernel = np.asarray(kernel)
    if (dh, dw) == (1, 1):
        return kernel
    kh, kw = kernel.shape[:2]
    spread = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1, *kernel.shape[2:]), kernel.dtype)
    spread[::dh, ::dw] = kernel
    return spread


# ---------------------------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------------------------


def _as_float(x: np.ndarray) -> np.ndarray:
    """float64 stays float64; everything else becomes float32 (exact for 8- and 16-bit images)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise InputError(f"The input must hold real numbers, not {x.dtype}")
    return x if x.dtype == np.float64 else x.astype(np.float32, copy=False)


def _as_image(x: np.ndarray) -> np.ndarray:
    """``x`` as a float ``(H, W)`` or ``(H, W, C)`` array (see :func:`_as_float`), or a clear error."""
    x = _as_float(x)
    if x.ndim not in (2, 3):
        raise InputError(f"The input must be (H, W) or (H, W, C), not {x.shape}")
    return x


def _check_kernel(kernel: np.ndarray, ndims: tuple[int, ...]) -> np.ndarray:
    if kernel.ndim not in ndims or kernel.size == 0:
        raise InputError(f"The kernel must have shape {' or '.join(_SHAPES[n] for n in ndims)}, not {kernel.shape}")
    if not np.isfinite(kernel).all():
        raise InputError("The kernel must contain only finite numbers (no NaN or infinity)")
    return kernel


_SHAPES = {2: "(kh, kw)", 3: "(kh, kw, C)", 4: "(kh, kw, C, F)"}


def conv2d(
    x: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int | Pair = 1,
    padding: Padding = "valid",
    dilation: int | Pair = 1,
    flip: bool = False,
    groups: int = 1,
) -> np.ndarray:
    """Slide ``kernel`` over ``x`` and sum the products in each window, like ``tf.nn.conv2d``.

    ``x`` is ``(H, W)`` or ``(H, W, C)``. A ``(kh, kw)`` kernel filters every channel on its own
    (a photo filter, TensorFlow's depthwise convolution) and returns ``(H', W')`` or ``(H', W', C)``;
    a ``(kh, kw, C, F)`` kernel is a convolution layer: ``F`` filters, each summed over the ``C``
    input channels, giving ``(H', W', F)``. ``H'`` and ``W'`` follow :func:`output_size`.

    ``groups=g`` (Keras' ``Conv2D(groups=g)``) splits the channels into ``g`` groups: the kernel is
    ``(kh, kw, C/g, F)`` and filters ``f·F/g … (f+1)·F/g − 1`` see only the channels of group ``f``.
    """
    x = _as_image(x)
    k = _check_kernel(np.asarray(kernel, dtype=x.dtype), (2, 4))
    if flip:
        k = k[::-1, ::-1]
    geo = geometry(x.shape, k.shape, stride, padding, dilation)
    if k.ndim == 2:
        return conv_engine.filter_channels(x, np.ascontiguousarray(dilate_kernel(k, geo.dilation)), geo)
    channels = x.shape[2] if x.ndim == 3 else 1
    groups = _positive_int(groups, "Groups")
    if channels % groups or k.shape[3] % groups:
        raise InputError(
            f"Groups ({groups}) must divide both the input channels ({channels}) and the filters ({k.shape[3]})"
        )
    if k.shape[2] * groups != channels:
        per_group = f" per group ({groups} groups)" if groups > 1 else ""
        raise InputError(f"The kernel has {k.shape[2]} input channels{per_group} but the image has {channels}")
    x = x.reshape(*x.shape[:2], channels)
    if groups == 1:
        return conv_engine.layer(x, k, geo)
    width, filters = channels // groups, k.shape[3] // groups
    return np.concatenate(
        [
            conv_engine.layer(
                np.ascontiguousarray(x[:, :, g * width : (g + 1) * width]), k[..., g * filters : (g + 1) * filters], geo
            )
            for g in range(groups)
        ],
        axis=2,
    )


def conv1d(
    signal: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int = 1,
    padding: str | int = "valid",
    dilation: int = 1,
    flip: bool = False,
) -> np.ndarray:
    """1-D version of :func:`conv2d` for a ``(n,)`` signal and a ``(k,)`` kernel; returns ``(n',)``."""
    signal, kernel = np.asarray(signal), np.asarray(kernel)
    if signal.ndim != 1 or kernel.ndim != 1:
        raise InputError("A 1-D convolution needs a 1-D signal and a 1-D kernel")
    pads = padding if isinstance(padding, str) else (0, padding)
    return conv2d(
        signal[None, :], kernel[None, :], stride=(1, stride), padding=pads, dilation=(1, dilation), flip=flip
    )[0]


# ---------------------------------------------------------------------------------------------
# One window, step by step
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WindowStep:
    """The arithmetic behind one output cell ``(i, j)``: the window, its products and their sum.

    ``rows``/``cols`` are the input rows/columns under each kernel tap (unpadded coordinates:
    below 0 or past the edge means a padding zero). ``patch``, ``is_padding``, ``kernel`` and
    ``products`` share the kernel's shape ``(kh, kw)`` or ``(kh, kw, C)``.
    """

    i: int
    j: int
    rows: np.ndarray  # (kh,) int
    cols: np.ndarray  # (kw,) int
    patch: np.ndarray  # input values under the taps, 0 on padding (float64)
    is_padding: np.ndarray  # True where the tap falls on a padding zero
    kernel: np.ndarray  # the kernel as applied (rotated 180° when flip=True)
    products: np.ndarray  # patch * kernel
    total: float  # products.sum(): the output value at (i, j)
    top: int  # row of the window's first tap in the padded input
    left: int  # column of the window's first tap in the padded input


def window_step(
    x: np.ndarray,
    kernel: np.ndarray,
    i: int,
    j: int,
    *,
    stride: int | Pair = 1,
    padding: Padding = "valid",
    dilation: int | Pair = 1,
    flip: bool = False,
) -> WindowStep:
    """The window of output cell ``(i, j)`` of ``conv2d(x, kernel, ...)``, with its products and sum.

    ``x`` ``(H, W)`` goes with a ``(kh, kw)`` kernel; ``x`` ``(H, W, C)`` with a ``(kh, kw, C)``
    kernel (one filter of a layer: the sum runs over the channels too). ``total`` equals the
    corresponding ``conv2d`` output. Raises :class:`InputError` when ``(i, j)`` is outside the output.
    """
    x = np.asarray(x, dtype=np.float64)
    k = _check_kernel(np.asarray(kernel, dtype=np.float64), (2, 3))
    if x.ndim == 3 and k.ndim == 2 and x.shape[2] == 1:
        x = x[:, :, 0]
    if x.ndim != k.ndim or (x.ndim == 3 and x.shape[2] != k.shape[2]):
        raise InputError(f"A {x.shape} input needs a kernel with matching channels, not {k.shape}")
    if flip:
        k = k[::-1, ::-1]
    geo = geometry(x.shape, k.shape, stride, padding, dilation)
    (oh, ow), (sh, sw), (dh, dw) = geo.out, geo.stride, geo.dilation
    if not (0 <= i < oh and 0 <= j < ow):
        raise InputError(f"Output cell ({i}, {j}) does not exist: the output is {oh}×{ow}")
    top, left = i * sh, j * sw
    rows = top - geo.pads[0][0] + dh * np.arange(k.shape[0])
    cols = left - geo.pads[1][0] + dw * np.arange(k.shape[1])
    inside = ((rows >= 0) & (rows < x.shape[0]))[:, None] & ((cols >= 0) & (cols < x.shape[1]))[None, :]
    patch = x[np.clip(rows, 0, x.shape[0] - 1)][:, np.clip(cols, 0, x.shape[1] - 1)]
    if k.ndim == 3:
        inside = np.repeat(inside[:, :, None], k.shape[2], axis=2)
    patch = np.where(inside, patch, 0.0)
    products = patch * k
    return WindowStep(i, j, rows, cols, patch, ~inside, k, products, float(products.sum()), top, left)


def padded_crop(x: np.ndarray, top: int, left: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``top…top+height-1`` and columns ``left…left+width-1`` of ``x`` as if surrounded by zeros.

    ``top``/``left`` are input coordinates and may be negative (inside the padding). Returns the
    values (float64, the shape of ``x`` with the first two axes cut) and a boolean ``(height, width)``
    mask that is True on padding cells. Used to draw a window on the padded input.
    """
    x = np.asarray(x, dtype=np.float64)
    values = np.zeros((height, width, *x.shape[2:]))
    is_padding = np.ones((height, width), dtype=bool)
    r0, r1 = max(top, 0), min(top + height, x.shape[0])
    c0, c1 = max(left, 0), min(left + width, x.shape[1])
    if r0 < r1 and c0 < c1:
        values[r0 - top : r1 - top, c0 - left : c1 - left] = x[r0:r1, c0:c1]
        is_padding[r0 - top : r1 - top, c0 - left : c1 - left] = False
    return values, is_padding


# ---------------------------------------------------------------------------------------------
# Pooling and activations
# ---------------------------------------------------------------------------------------------

POOL_KINDS = ("max", "avg")


def pool2d(
    x: np.ndarray,
    size: int | Pair = 2,
    stride: int | Pair | None = None,
    padding: Padding = "valid",
    kind: str = "max",
) -> np.ndarray:
    """Max or average pooling of ``(H, W)`` or ``(H, W, C)``, like ``tf.nn.max_pool2d`` / ``avg_pool2d``.

    ``stride`` defaults to ``size``. With ``"same"`` padding the padded cells never win a max and
    are left out of an average (TensorFlow's rule).
    """
    if kind not in POOL_KINDS:
        raise InputError(f"Pooling must be one of {', '.join(POOL_KINDS)}, not {kind!r}")
    x = _as_image(x)
    ph, pw = _pair(size, "Pool size")
    geo = geometry(x.shape, (ph, pw), (ph, pw) if stride is None else stride, padding, 1)
    (oh, ow), (sh, sw) = geo.out, geo.stride
    (top, bottom), (left, right) = geo.pads
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((top, bottom), (left, right)) + ((0, 0),) * (x.ndim - 2), constant_values=fill)
    combine: Callable[..., np.ndarray] = np.maximum if kind == "max" else np.add
    result = None
    for a in range(ph):
        for b in range(pw):
            window = xp[a : a + (oh - 1) * sh + 1 : sh, b : b + (ow - 1) * sw + 1 : sw]
            result = window.copy() if result is None else combine(result, window, out=result)
    assert result is not None  # the pool has at least one cell (size ≥ 1)
    if kind == "avg":
        counts = np.outer(_real_cells(x.shape[0], ph, sh, top, oh), _real_cells(x.shape[1], pw, sw, left, ow))
        result /= counts.reshape(oh, ow, *([1] * (x.ndim - 2))).astype(x.dtype)
    return result


def _real_cells(n: int, size: int, stride: int, before: int, count: int) -> np.ndarray:
    """How many of each pooling window's cells along one axis lie inside the real input."""
    starts = np.arange(count) * stride - before
    return np.minimum(starts + size, n) - np.maximum(starts, 0)


def global_pool(x: np.ndarray, kind: str = "avg") -> np.ndarray:
    """One number per channel: the mean (``"avg"``) or maximum (``"max"``) of an ``(H, W, C)`` map."""
    if kind not in POOL_KINDS:
        raise InputError(f"Pooling must be one of {', '.join(POOL_KINDS)}, not {kind!r}")
    x = _as_float(x)
    return x.max(axis=(0, 1)) if kind == "max" else x.mean(axis=(0, 1))


#: Negative slope of the "leaky_relu" activation string: the default of the function
#: ``keras.activations.leaky_relu`` and ``tf.nn.leaky_relu`` (0.2). Keras' ``LeakyReLU`` *layer* defaults to 0.3.
LEAKY_RELU_SLOPE = 0.2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # same as 1 / (1 + e^-x), without overflow


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x.copy(),
    "relu": lambda x: np.maximum(x, 0),
    "leaky_relu": lambda x: np.where(x >= 0, x, LEAKY_RELU_SLOPE * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": lambda x: np.logaddexp(0, x),
    "silu": lambda x: x * _sigmoid(x),
}


def activation(x: np.ndarray, name: str) -> np.ndarray:
    """Apply the named activation element-wise (Keras' formulas and defaults); see :data:`ACTIVATIONS`."""
    if name not in ACTIVATIONS:
        raise InputError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    x = _as_float(x)
    return ACTIVATIONS[name](x).astype(x.dtype, copy=False)


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


# The convolutions beyond the plain layer live in cnnviz.conv_variants (which builds on this module);
# their names are part of ``ops`` too, resolved on first use so neither module imports the other at load.
_VARIANTS = frozenset(
    {
        "INTERPOLATIONS",
        "conv_transpose2d",
        "depthwise_conv2d",
        "overlap_counts",
        "scatter_step",
        "separable_conv2d",
        "transpose_geometry",
        "transpose_output_size",
        "upsample2d",
    }
)


def __getattr__(name: str) -> Any:
    if name in _VARIANTS:
        from cnnviz import conv_variants

        return getattr(conv_variants, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
