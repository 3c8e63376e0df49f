"""Layers that make a map larger: transposed convolution (with its step-through) and upsampling.

NumPy only, TensorFlow's conventions (see :mod:`cnnviz.ops`, which re-exports these names; the
depthwise and separable convolutions are grouped ``conv2d`` calls and live there). A transposed
kernel is ``(kh, kw, C, F)``, the same layout as a ``conv2d`` layer kernel (Keras'
``Conv2DTranspose`` stores ``(kh, kw, F, C)``: swap the last two axes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.conv_geometry import (
    Padding,
    Pair,
    as_channels_last,
    as_image,
    as_pair,
    axis_padding,
    check_kernel,
    pad_amounts,
)
from cnnviz.errors import InputError

INTERPOLATIONS = ("nearest", "bilinear")


def transpose_output_size(
    n: int,
    kernel: int,
    stride: int = 1,
    padding: str | int = "valid",
    output_padding: int | None = None,
    dilation: int = 1,
) -> int:
    """Length of one axis after a transposed convolution, as Keras computes it.

    With ``output_padding``: ``(n − 1)·s − 2p + k + output_padding`` (``p`` = 0 for ``"valid"``,
    ``k // 2`` for ``"same"``, ``k`` the dilated span); without it, Keras' shortcut:
    ``n·s + max(k − s, 0)`` for ``"valid"`` and ``n·s`` for ``"same"``.
    """
    span = dilation * (kernel - 1) + 1
    mode = axis_padding(padding, 0)
    if output_padding is None:
        if mode == "valid":
            return n * stride + max(span - stride, 0)
        if mode == "same":
            return n * stride
        output_padding = 0
    if output_padding < 0 or output_padding >= stride:
        raise InputError(f"Output padding must be at least 0 and below the stride ({stride}), not {output_padding}")
    pad = mode if isinstance(mode, int) else (span // 2 if mode == "same" else 0)
    size = (n - 1) * stride - 2 * pad + span + output_padding
    if size < 1:
        raise InputError(f"A transposed convolution of {n} cells with {pad} padding on each side leaves no output")
    return size


@dataclass(frozen=True)
class TransposeGeometry:
    """Where a transposed convolution scatters: the full scatter's size, the crop and the output size."""

    out: Pair  # output (rows, cols)
    crop: Pair  # (rows, cols) cut from the top/left of the full scatter
    full: Pair  # (rows, cols) of the full scatter, (n − 1)·s + span
    stride: Pair
    dilation: Pair


def transpose_geometry(
    shape: tuple[int, ...],
    kernel_shape: tuple[int, ...],
    stride: int | Pair = 1,
    padding: Padding = "valid",
    output_padding: int | Pair | None = None,
    dilation: int | Pair = 1,
) -> TransposeGeometry:
    """The geometry of ``conv_transpose2d``: the gradient of a forward convolution whose input has the output's size.

    The forward convolution's padding (TensorFlow's ``"same"`` rule, or ``p`` zeros) is what the
    full scatter loses at the top/left.
    """
    strides, dilations = as_pair(stride, "Stride"), as_pair(dilation, "Dilation")
    extra = (
        (None, None)
        if output_padding is None
        else ((output_padding, output_padding) if isinstance(output_padding, int) else tuple(output_padding))
    )
    out, crop, full = [], [], []
    for axis in (0, 1):
        n, k, s, d = shape[axis], kernel_shape[axis], strides[axis], dilations[axis]
        mode = axis_padding(padding, axis)
        size = transpose_output_size(n, k, s, mode, extra[axis], d)
        before = pad_amounts(size, k, s, mode, d)[0]
        out.append(size)
        crop.append(before)
        full.append((n - 1) * s + d * (k - 1) + 1)
    return TransposeGeometry((out[0], out[1]), (crop[0], crop[1]), (full[0], full[1]), strides, dilations)


def conv_transpose2d(
    x: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int | Pair = 1,
    padding: Padding = "valid",
    output_padding: int | Pair | None = None,
    dilation: int | Pair = 1,
) -> np.ndarray:
    """Each input cell scatters its values times the kernel into the output; overlaps add.

    ``x`` ``(H, W)`` or ``(H, W, C)``, kernel ``(kh, kw, C, F)``; result ``(H', W', F)`` with
    :func:`transpose_output_size` rows and columns, equal to ``tf.nn.conv2d_transpose`` (and to
    Keras' ``Conv2DTranspose``) with the kernel's last two axes swapped.
    """
    x = as_channels_last(x)
    k = check_kernel(np.asarray(kernel, dtype=x.dtype), (4,))
    kh, kw, channels, filters = k.shape
    if channels != x.shape[2]:
        raise InputError(f"The kernel has {channels} input channels but the image has {x.shape[2]}")
    geo = transpose_geometry(x.shape, k.shape, stride, padding, output_padding, dilation)
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    height, width = x.shape[:2]
    full = np.zeros(
        (max(geo.full[0], geo.crop[0] + geo.out[0]), max(geo.full[1], geo.crop[1] + geo.out[1]), filters), x.dtype
    )
    flat = x.reshape(-1, channels)
    for a in range(kh):
        for b in range(kw):
            rows = slice(a * dh, a * dh + (height - 1) * sh + 1, sh)
            cols = slice(b * dw, b * dw + (width - 1) * sw + 1, sw)
            full[rows, cols] += (flat @ k[a, b]).reshape(height, width, filters)
    (top, left), (oh, ow) = geo.crop, geo.out
    return np.ascontiguousarray(full[top : top + oh, left : left + ow])


def scatter_step(
    x: np.ndarray,
    kernel: np.ndarray,
    i: int,
    j: int,
    *,
    stride: int | Pair = 1,
    padding: Padding = "valid",
    output_padding: int | Pair | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """What input cell ``(i, j)`` of a 2-D ``x`` adds to ``conv_transpose2d(x, kernel)`` and the sum so far.

    Returns ``(contribution, partial)``, both of the output's shape: the kernel scaled by ``x[i, j]``
    placed at ``(i·s, j·s)`` minus the crop, and the sum of the contributions of every cell up to
    ``(i, j)`` in reading order (the last cell's partial is the full transposed convolution).
    """
    x = np.asarray(x, dtype=np.float64)
    k = check_kernel(np.asarray(kernel, dtype=np.float64), (2,))
    if x.ndim != 2:
        raise InputError(f"The step-through needs a 2-D input, not {x.shape}")
    if not (0 <= i < x.shape[0] and 0 <= j < x.shape[1]):
        raise InputError(f"Input cell ({i}, {j}) does not exist: the input is {x.shape[0]}×{x.shape[1]}")
    layer = k[:, :, None, None]
    single = np.zeros_like(x)
    single[i, j] = x[i, j]
    contribution = conv_transpose2d(single, layer, stride=stride, padding=padding, output_padding=output_padding)
    done = np.zeros_like(x).ravel()
    done[: i * x.shape[1] + j + 1] = x.ravel()[: i * x.shape[1] + j + 1]
    partial = conv_transpose2d(
        done.reshape(x.shape), layer, stride=stride, padding=padding, output_padding=output_padding
    )
    return contribution[:, :, 0], partial[:, :, 0]


def overlap_counts(shape: Pair, kernel: Pair, stride: int | Pair = 1) -> np.ndarray:
    """How many kernel taps land on each cell of the full (uncropped) scatter: uneven counts make checkerboards."""
    ones = np.ones(shape)
    return conv_transpose2d(ones, np.ones((*kernel, 1, 1)), stride=stride)[:, :, 0]


def upsample2d(x: np.ndarray, size: int | Pair = 2, interpolation: str = "nearest") -> np.ndarray:
    """Enlarge ``(H, W)`` or ``(H, W, C)`` by whole factors, like Keras' ``UpSampling2D``.

    ``"nearest"`` repeats every cell ``size`` times; ``"bilinear"`` samples at half-pixel centres
    (``src = (o + ½)/s − ½``, clamped to the edges), as ``tf.image.resize`` does.
    """
    x = as_image(x)
    if interpolation not in INTERPOLATIONS:
        raise InputError(f"Interpolation must be one of {', '.join(INTERPOLATIONS)}, not {interpolation!r}")
    sh, sw = as_pair(size, "Upsampling size")
    if interpolation == "nearest":
        return np.repeat(np.repeat(x, sh, axis=0), sw, axis=1)
    rows = _linear_weights(x.shape[0], sh)
    cols = _linear_weights(x.shape[1], sw)
    return np.einsum("oh,pw,hw...->op...", rows, cols, x).astype(x.dtype, copy=False)


def _linear_weights(n: int, scale: int) -> np.ndarray:
    """``(n·scale, n)`` matrix of bilinear weights along one axis (half-pixel centres, clamped edges)."""
    source = np.maximum((np.arange(n * scale) + 0.5) / scale - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(int), n - 1)
    high = np.minimum(low + 1, n - 1)
    frac = source - low
    weights = np.zeros((n * scale, n))
    np.add.at(weights, (np.arange(n * scale), low), 1 - frac)
    np.add.at(weights, (np.arange(n * scale), high), frac)
    return weights
