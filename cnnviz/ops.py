"""Convolution arithmetic: output sizes, conv2d, pooling, activations and one window's multiply-and-sum.

NumPy only (no TensorFlow), so the Convolution page starts instantly. This module is the readable
API: it checks the arguments and works out where the windows go (:mod:`cnnviz.conv_geometry`, the one
rule for sizes and padding); :mod:`cnnviz.conv_engine` does the fast arithmetic of :func:`conv2d`
(OpenCV and im2col matrix products). Depthwise and separable convolutions are grouped :func:`conv2d`
calls; the transposed convolution and upsampling live in :mod:`cnnviz.conv_variants`. Every function follows
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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnnviz import conv_engine
from cnnviz.conv_geometry import (
    Geometry,
    Padding,
    Pair,
    as_channels_last,
    as_float,
    as_image,
    as_pair,
    check_kernel,
    dilate_kernel,
    geometry,
    output_size,
    output_size_formula,
    pad_amounts,
    positive_int,
    window_counts,
)
from cnnviz.conv_variants import (
    INTERPOLATIONS,
    TransposeGeometry,
    conv_transpose2d,
    overlap_counts,
    scatter_step,
    transpose_geometry,
    transpose_output_size,
    upsample2d,
)
from cnnviz.errors import InputError

#: The teaching API, with the sizes (:mod:`cnnviz.conv_geometry`) and the transposed convolution and
#: upsampling (:mod:`cnnviz.conv_variants`) re-exported from where they live.
__all__ = [
    "ACTIVATIONS",
    "INTERPOLATIONS",
    "LEAKY_RELU_SLOPE",
    "POOL_KINDS",
    "Geometry",
    "Padding",
    "Pair",
    "TransposeGeometry",
    "WindowStep",
    "activation",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "depthwise_conv2d",
    "dilate_kernel",
    "geometry",
    "global_pool",
    "output_size",
    "output_size_formula",
    "overlap_counts",
    "window_counts",
    "pad_amounts",
    "padded_crop",
    "pool2d",
    "scatter_step",
    "separable_conv2d",
    "transpose_geometry",
    "transpose_output_size",
    "upsample2d",
    "window_step",
]


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
    x = as_image(x)
    k = check_kernel(np.asarray(kernel, dtype=x.dtype), (2, 4))
    if flip:
        k = k[::-1, ::-1]
    geo = geometry(x.shape, k.shape, stride, padding, dilation)
    if k.ndim == 2:
        return conv_engine.filter_channels(x, np.ascontiguousarray(dilate_kernel(k, geo.dilation)), geo)
    channels = x.shape[2] if x.ndim == 3 else 1
    groups = positive_int(groups, "Groups")
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


def depthwise_conv2d(
    x: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int | Pair = 1,
    padding: Padding = "valid",
    dilation: int | Pair = 1,
) -> np.ndarray:
    """Filter each channel with its own ``M`` kernels, like ``tf.nn.depthwise_conv2d``: ``(H', W', C·M)``.

    A grouped convolution with one group per channel, so it reuses :func:`conv2d`.
    """
    x = as_channels_last(x)
    k = check_kernel(np.asarray(kernel, dtype=x.dtype), (4,))
    kh, kw, channels, multiplier = k.shape
    if channels != x.shape[2]:
        raise InputError(f"The depthwise kernel has {channels} channels but the image has {x.shape[2]}")
    return conv2d(
        x,
        k.reshape(kh, kw, 1, channels * multiplier),
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=channels,
    )


def separable_conv2d(
    x: np.ndarray,
    depthwise_kernel: np.ndarray,
    pointwise_kernel: np.ndarray,
    *,
    stride: int | Pair = 1,
    padding: Padding = "valid",
    dilation: int | Pair = 1,
) -> np.ndarray:
    """Depthwise ``(kh, kw, C, M)`` then pointwise ``(1, 1, C·M, F)``, like ``tf.nn.separable_conv2d``."""
    spatial = depthwise_conv2d(x, depthwise_kernel, stride=stride, padding=padding, dilation=dilation)
    return conv2d(spatial, pointwise_kernel)


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
    k = check_kernel(np.asarray(kernel, dtype=np.float64), (2, 3))
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
    x = as_image(x)
    ph, pw = as_pair(size, "Pool size")
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
    x = as_float(x)
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
    x = as_float(x)
    return ACTIVATIONS[name](x).astype(x.dtype, copy=False)
