"""Grouped, depthwise, separable and transposed convolutions and upsampling against TensorFlow/Keras.

References hold on every x86-64 CPU: grouped convolutions are built from one ``tf.nn.conv2d``
per group, depthwise ones from one ``tf.nn.conv2d`` per channel (``tf.nn.depthwise_conv2d`` and
``separable_conv2d`` only with equal strides, which oneDNN accepts everywhere), and transposed
convolutions from a forward ``tf.nn.conv2d`` on the zero-inserted input (``conv2d_transpose``
itself only with equal strides).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnviz import conv_variants, ops
from cnnviz.errors import InputError
from tests.helpers import random_case, tf_same_pads


def _fits(height: int, width: int, kh: int, kw: int, dilation=(1, 1)) -> tuple[int, int]:
    """Grow the image so a VALID window of the (dilated) kernel fits."""
    return max(height, dilation[0] * (kh - 1) + 1), max(width, dilation[1] * (kw - 1) + 1)


def _stride_or_dilation(rng, seed: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """TensorFlow's convolution takes dilation only with stride 1."""
    if seed % 3 == 0:
        return (1, 1), (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    return (int(rng.integers(1, 4)), int(rng.integers(1, 4))), (1, 1)


@pytest.mark.parametrize("seed", range(80))
def test_grouped_conv2d_matches_one_tf_conv2d_per_group(seed):
    rng, height, width, kh, kw, _ = random_case(seed)
    groups = int(rng.integers(1, 5))
    per_group, filters_per_group = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    stride, dilation = _stride_or_dilation(rng, seed)
    padding = ("VALID", "SAME")[seed % 2]
    height, width = _fits(height, width, kh, kw, dilation)
    x = rng.standard_normal((height, width, groups * per_group)).astype(np.float32)
    k = rng.standard_normal((kh, kw, per_group, groups * filters_per_group)).astype(np.float32)
    expected = np.concatenate(
        [
            tf.nn.conv2d(
                x[None, :, :, g * per_group : (g + 1) * per_group],
                k[..., g * filters_per_group : (g + 1) * filters_per_group],
                stride,
                padding,
                dilations=dilation,
            ).numpy()[0]
            for g in range(groups)
        ],
        axis=2,
    )
    ours = ops.conv2d(x, k, stride=stride, padding=padding.lower(), dilation=dilation, groups=groups)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


def test_grouped_conv2d_matches_a_keras_conv2d_with_groups():
    rng = np.random.default_rng(7)
    layer = keras.layers.Conv2D(6, 3, groups=3, padding="same", use_bias=False)
    x = rng.standard_normal((1, 9, 8, 6)).astype(np.float32)
    try:
        expected = layer(x).numpy()[0]
    except Exception:  # some CPU builds of TensorFlow lack grouped convolutions
        pytest.skip("this TensorFlow build cannot run a grouped Conv2D on the CPU")
    kernel = layer.get_weights()[0]
    assert kernel.shape == (3, 3, 2, 6)
    np.testing.assert_allclose(ops.conv2d(x[0], kernel, padding="same", groups=3), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(60))
def test_depthwise_conv2d_matches_one_tf_conv2d_per_channel(seed):
    rng, height, width, kh, kw, channels = random_case(seed + 1000)
    multiplier = int(rng.integers(1, 4))
    stride, dilation = _stride_or_dilation(rng, seed)
    padding = ("SAME", "VALID")[seed % 2]
    height, width = _fits(height, width, kh, kw, dilation)
    x = rng.standard_normal((height, width, channels)).astype(np.float32)
    k = rng.standard_normal((kh, kw, channels, multiplier)).astype(np.float32)
    expected = np.concatenate(
        [
            tf.nn.conv2d(x[None, :, :, c : c + 1], k[:, :, c : c + 1, :], stride, padding, dilations=dilation).numpy()[
                0
            ]
            for c in range(channels)
        ],
        axis=2,
    )  # channel c·M + m, as tf.nn.depthwise_conv2d orders them
    ours = ops.depthwise_conv2d(x, k, stride=stride, padding=padding.lower(), dilation=dilation)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(40))
def test_depthwise_and_separable_match_tf_with_equal_strides(seed):
    rng, height, width, kh, kw, channels = random_case(seed + 2000)
    multiplier, filters = int(rng.integers(1, 3)), int(rng.integers(1, 5))
    step = int(rng.integers(1, 3))
    padding = ("SAME", "VALID")[seed % 2]
    height, width = _fits(height, width, kh, kw)
    x = rng.standard_normal((1, height, width, channels)).astype(np.float32)
    depthwise = rng.standard_normal((kh, kw, channels, multiplier)).astype(np.float32)
    pointwise = rng.standard_normal((1, 1, channels * multiplier, filters)).astype(np.float32)
    strides = [1, step, step, 1]
    np.testing.assert_allclose(
        ops.depthwise_conv2d(x[0], depthwise, stride=step, padding=padding.lower()),
        tf.nn.depthwise_conv2d(x, depthwise, strides, padding).numpy()[0],
        rtol=1e-4,
        atol=1e-4,
    )
    np.testing.assert_allclose(
        ops.separable_conv2d(x[0], depthwise, pointwise, stride=step, padding=padding.lower()),
        tf.nn.separable_conv2d(x, depthwise, pointwise, strides, padding).numpy()[0],
        rtol=1e-4,
        atol=1e-4,
    )


def scatter_reference(x, k, stride, padding, out_shape, dilation=(1, 1)):
    """Transposed convolution from forward ``tf.nn.conv2d`` at stride 1 (works on every CPU).

    Insert ``s − 1`` zeros between the input cells, pad by the kernel's span − 1 and cross-correlate
    with the kernel rotated by 180°: that is the full scatter. Then drop what the forward
    convolution's padding (TensorFlow's SAME rule for the output's size) would have added.
    """
    (sh, sw), (dh, dw) = stride, dilation
    kh, kw = k.shape[:2]
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    spread = np.zeros(((x.shape[0] - 1) * sh + 1, (x.shape[1] - 1) * sw + 1, x.shape[2]), np.float32)
    spread[::sh, ::sw] = x
    padded = np.pad(spread, ((span[0] - 1,) * 2, (span[1] - 1,) * 2, (0, 0)))
    full = tf.nn.conv2d(padded[None], k[::-1, ::-1].copy(), 1, "VALID", dilations=dilation).numpy()[0]
    crop = [
        tf_same_pads(out_shape[axis], k.shape[axis], stride[axis], dilation[axis])[0] if padding == "same" else 0
        for axis in (0, 1)
    ]
    full = np.pad(
        full,
        (
            (0, max(0, crop[0] + out_shape[0] - full.shape[0])),
            (0, max(0, crop[1] + out_shape[1] - full.shape[1])),
            (0, 0),
        ),
    )
    return full[crop[0] : crop[0] + out_shape[0], crop[1] : crop[1] + out_shape[1]]


@pytest.mark.parametrize("seed", range(100))
def test_conv_transpose2d_matches_the_zero_insertion_reference_and_keras_shapes(seed):
    rng, height, width, kh, kw, channels = random_case(seed + 3000, max_side=12)
    filters = int(rng.integers(1, 4))
    if seed % 4 == 0:  # Keras refuses dilation with strides > 1
        stride, dilation = (1, 1), (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    else:
        stride, dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4))), (1, 1)
    padding = ("valid", "same")[seed % 2]
    extra = None if seed % 3 == 0 else (int(rng.integers(0, stride[0])), int(rng.integers(0, stride[1])))
    x = rng.standard_normal((height, width, channels)).astype(np.float32)
    k = rng.standard_normal((kh, kw, channels, filters)).astype(np.float32)
    try:
        ours = conv_variants.conv_transpose2d(
            x, k, stride=stride, padding=padding, output_padding=extra, dilation=dilation
        )
    except InputError:  # "same" with a large kernel and no room: Keras leaves no output either
        assert padding == "same"
        return
    layer = keras.layers.Conv2DTranspose(
        filters, (kh, kw), strides=stride, padding=padding, output_padding=extra, dilation_rate=dilation, use_bias=False
    )
    assert (1, *ours.shape) == tuple(layer.compute_output_shape((1, height, width, channels)))
    expected = scatter_reference(x, k, stride, padding, ours.shape[:2], dilation)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(30))
def test_conv_transpose2d_matches_tf_conv2d_transpose_with_equal_strides(seed):
    rng, height, width, kh, kw, channels = random_case(seed + 3500, max_side=12)
    filters, step = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    kh, kw = max(kh, step), max(kw, step)
    padding = ("valid", "same")[seed % 2]
    x = rng.standard_normal((height, width, channels)).astype(np.float32)
    k = rng.standard_normal((kh, kw, channels, filters)).astype(np.float32)
    ours = conv_variants.conv_transpose2d(x, k, stride=step, padding=padding)
    expected = tf.nn.conv2d_transpose(
        x[None], k.transpose(0, 1, 3, 2), (1, *ours.shape), step, padding.upper()
    ).numpy()[0]
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


def test_transpose_output_size_is_the_course_formula_and_undoes_the_forward_shape():
    # (i − 1)·s − 2p + k + output_padding
    assert conv_variants.transpose_output_size(4, 3, 2, "valid", 1) == (4 - 1) * 2 - 0 + 3 + 1
    assert conv_variants.transpose_output_size(4, 3, 2, 1, 1) == (4 - 1) * 2 - 2 + 3 + 1
    for n in range(3, 20):
        forward = ops.output_size(n, 3, 2, "same")
        assert conv_variants.transpose_output_size(forward, 3, 2, "same") in (n, n + 1)
    with pytest.raises(InputError, match="below the stride"):
        conv_variants.transpose_output_size(4, 3, 2, "valid", 2)


def test_scatter_steps_add_up_to_the_transposed_convolution():
    rng = np.random.default_rng(3)
    x, k = rng.standard_normal((3, 4)), rng.standard_normal((3, 3))
    full = conv_variants.conv_transpose2d(x, k[:, :, None, None], stride=2)[:, :, 0]
    total = np.zeros_like(full)
    for i in range(3):
        for j in range(4):
            contribution, partial = conv_variants.scatter_step(x, k, i, j, stride=2)
            total += contribution
            np.testing.assert_allclose(partial, total, atol=1e-12)
            np.testing.assert_allclose(contribution[2 * i : 2 * i + 3, 2 * j : 2 * j + 3], x[i, j] * k, atol=1e-12)
    np.testing.assert_allclose(total, full, atol=1e-12)
    with pytest.raises(InputError, match="does not exist"):
        conv_variants.scatter_step(x, k, 3, 0)


def test_overlap_counts_show_the_checkerboard_when_the_stride_does_not_divide_the_kernel():
    uneven = conv_variants.overlap_counts((4, 4), (3, 3), 2)[2:-2, 2:-2]
    even = conv_variants.overlap_counts((4, 4), (4, 4), 2)[2:-2, 2:-2]
    assert set(np.unique(uneven)) == {1.0, 2.0, 4.0}
    assert set(np.unique(even)) == {4.0}


@pytest.mark.parametrize("seed", range(40))
def test_upsample2d_matches_keras_upsampling2d(seed):
    rng = np.random.default_rng(seed + 5000)
    height, width, channels = (int(v) for v in rng.integers(1, 9, 3))
    size = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    interpolation = conv_variants.INTERPOLATIONS[seed % 2]
    x = rng.standard_normal((height, width, channels)).astype(np.float32)
    expected = keras.layers.UpSampling2D(size, interpolation=interpolation)(x[None]).numpy()[0]
    np.testing.assert_allclose(conv_variants.upsample2d(x, size, interpolation), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ops.conv2d(np.ones((5, 5, 4)), np.ones((3, 3, 2, 3)), groups=2), "must divide"),
        (lambda: ops.conv2d(np.ones((5, 5, 4)), np.ones((3, 3, 4, 4)), groups=2), "per group"),
        (lambda: ops.depthwise_conv2d(np.ones((5, 5, 3)), np.ones((3, 3, 2, 1))), "3"),
        (lambda: conv_variants.conv_transpose2d(np.ones((5, 5, 2)), np.ones((3, 3, 1, 1))), "input channels"),
        (lambda: conv_variants.upsample2d(np.ones((2, 2)), 2, "bicubic"), "nearest, bilinear"),
        (lambda: conv_variants.upsample2d(np.ones((2, 2)), 0), "at least 1"),
    ],
)
def test_variants_reject_bad_arguments_with_a_readable_message(call, message):
    with pytest.raises(InputError, match=message):
        call()
