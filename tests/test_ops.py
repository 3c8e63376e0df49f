"""cnnviz.ops against TensorFlow's tf.nn ops, scipy's convolve2d and a direct sum over windows.

Random cases come from seeded generators, so a failure names a reproducible case id.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from scipy.signal import convolve2d

from cnnviz import conv_engine, ops
from cnnviz.errors import InputError
from cnnviz.kernels import PRESETS
from tests.conftest import ROOT
from tests.helpers import random_case, tf_same_pads

# ---------------------------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------------------------


def naive_conv(x: np.ndarray, k: np.ndarray, stride: tuple[int, int], pads, dilation: tuple[int, int]) -> np.ndarray:
    """The definition: out[i, j, f] = Σ_{a,b,c} xpad[i·sh + a·dh, j·sw + b·dw, c] · k[a, b, c, f]."""
    xp = np.pad(x.astype(np.float64), (*pads, (0, 0)))
    kh, kw, _, filters = k.shape
    (sh, sw), (dh, dw) = stride, dilation
    oh = (xp.shape[0] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[1] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((oh, ow, filters))
    for i in range(oh):
        for j in range(ow):
            window = xp[i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw]
            out[i, j] = np.einsum("abc,abcf->f", window, k)
    return out


def tf_per_channel_conv2d(x: np.ndarray, k: np.ndarray, stride, padding: str, dilation=(1, 1)) -> np.ndarray:
    """A photo filter by TensorFlow: the (kh, kw) kernel as a (kh, kw, 1, 1) ``tf.nn.conv2d`` on each channel.

    ``tf.nn.depthwise_conv2d`` would be the natural reference, but without oneDNN (AMD CPUs, or
    ``TF_ENABLE_ONEDNN_OPTS=0``) it refuses unequal row and column strides; ``tf.nn.conv2d`` accepts
    them on every x86-64 CPU. The channels ride in the batch axis, so one call filters them all.
    """
    channels_first = np.moveaxis(x.astype(np.float32), 2, 0)[..., None]
    out = tf.nn.conv2d(channels_first, k.astype(np.float32)[:, :, None, None], stride, padding, dilations=dilation)
    return np.moveaxis(out.numpy()[..., 0], 0, 2)


def fitting_dilation(rng, height: int, width: int, kh: int, kw: int) -> tuple[int, int]:
    """A random dilation pair that still lets the kernel fit (so VALID has an output)."""
    dh = int(rng.integers(1, max(2, (height - 1) // max(kh - 1, 1) + 1)))
    dw = int(rng.integers(1, max(2, (width - 1) // max(kw - 1, 1) + 1)))
    return min(dh, 4), min(dw, 4)


# ---------------------------------------------------------------------------------------------
# output_size and padding
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, kernel, stride, padding, dilation, expected",
    [
        (6, 3, 1, 0, 1, 4),  # the course's 6×6 image with a 3×3 kernel
        (7, 3, 2, 0, 1, 3),
        (32, 5, 1, 2, 1, 32),  # ⌊(32 + 4 − 5) / 1⌋ + 1
        (227, 11, 4, "valid", 1, 55),  # AlexNet's first layer
        (28, 5, 1, "same", 1, 28),
        (5, 3, 2, "same", 1, 3),  # ⌈5 / 2⌉
        (7, 3, 1, 0, 2, 3),  # dilation 2 makes the 3-tap kernel span 5
        (4, 4, 5, 0, 1, 1),
    ],
)
def test_output_size_examples(n, kernel, stride, padding, dilation, expected):
    assert ops.output_size(n, kernel, stride, padding, dilation) == expected


@pytest.mark.parametrize(
    "args, message",
    [
        ((5, 3, 0), "Stride must be at least 1"),
        ((5, 3, 1, -1), "negative"),
        ((5, 3, 1, "full"), "'valid', 'same'"),
        ((5, 0), "Kernel size must be at least 1"),
        ((5, 3, 1.5), "whole number"),
        ((5, 3, 1, 0, 0), "Dilation must be at least 1"),
        ((2, 3), "no output is left"),
        ((5, 3, 1, 0, 3), "no output is left"),
        ((0, 1), "Input size must be at least 1"),
    ],
)
def test_output_size_rejects_bad_arguments_with_a_readable_message(args, message):
    with pytest.raises(InputError, match=message):
        ops.output_size(*args)


@pytest.mark.parametrize("n, kernel, stride, expected", [(5, 3, 2, (1, 1)), (6, 3, 2, (0, 1)), (4, 2, 1, (0, 1))])
def test_same_padding_puts_the_odd_zero_after(n, kernel, stride, expected):
    assert ops.pad_amounts(n, kernel, stride, "same") == expected


def test_output_size_formula_substitutes_the_numbers():
    assert ops.output_size_formula(6, 3, 1, 0) == r"\left\lfloor \frac{6 + 2\cdot0 - 3}{1} \right\rfloor + 1 = 4"
    assert ops.output_size_formula(5, 3, 2, "same").endswith("= 3")
    assert r"(2\cdot(3-1)+1)" in ops.output_size_formula(9, 3, 1, 1, 2)


# ---------------------------------------------------------------------------------------------
# conv2d against TensorFlow
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_layer_kernel_matches_tf_conv2d(seed):
    rng, height, width, kh, kw, channels = random_case(seed)
    filters = int(rng.integers(1, 5))
    padding = ("VALID", "SAME")[seed % 2]
    if seed % 3 == 0:  # TensorFlow allows dilation only with stride 1
        stride, dilation = (1, 1), fitting_dilation(rng, height, width, kh, kw)
    else:
        stride, dilation = (int(rng.integers(1, 4)), int(rng.integers(1, 4))), (1, 1)
    if padding == "VALID" and (height < dilation[0] * (kh - 1) + 1 or width < dilation[1] * (kw - 1) + 1):
        height, width = height + dilation[0] * kh, width + dilation[1] * kw
    x = rng.standard_normal((height, width, channels)).astype(np.float32)
    k = rng.standard_normal((kh, kw, channels, filters)).astype(np.float32)
    expected = tf.nn.conv2d(x[None], k, stride, padding, dilations=dilation).numpy()[0]
    ours = ops.conv2d(x, k, stride=stride, padding=padding.lower(), dilation=dilation)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(60))
def test_photo_filter_matches_tf_per_channel_conv2d(seed):
    rng, height, width, kh, kw, channels = random_case(seed + 1000, max_kernel=8)
    padding = ("VALID", "SAME")[seed % 2]
    if seed % 3 == 0:
        stride, dilation = (1, 1), fitting_dilation(rng, height, width, kh, kw)
    else:
        stride, dilation = (int(rng.integers(1, 5)), int(rng.integers(1, 5))), (1, 1)
    if padding == "VALID" and (height < dilation[0] * (kh - 1) + 1 or width < dilation[1] * (kw - 1) + 1):
        height, width = height + dilation[0] * kh, width + dilation[1] * kw
    x = rng.integers(0, 256, (height, width, channels)).astype(np.uint8)
    k = rng.standard_normal((kh, kw)).astype(np.float32)
    expected = tf_per_channel_conv2d(x, k, stride, padding, dilation)
    ours = ops.conv2d(x, k, stride=stride, padding=padding.lower(), dilation=dilation)
    assert ours.dtype == np.float32
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("size", [11, 13, 15])
def test_large_kernels_use_fft_in_opencv_and_still_match_tf(size):
    rng = np.random.default_rng(size)
    x = rng.random((40, 37, 3)).astype(np.float32)
    k = rng.standard_normal((size, size)).astype(np.float32)
    for stride in (1, 2, 3):
        expected = tf_per_channel_conv2d(x, k, stride, "SAME")
        np.testing.assert_allclose(ops.conv2d(x, k, stride=stride, padding="same"), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("seed", range(24))
def test_stride_with_dilation_and_explicit_padding_match_the_definition(seed):
    """TensorFlow refuses stride > 1 with dilation > 1, so these compare with the direct sum."""
    rng, height, width, kh, kw, channels = random_case(seed + 2000, max_side=16, max_kernel=4)
    stride = (int(rng.integers(1, 4)), int(rng.integers(2, 4)))
    dilation = (int(rng.integers(2, 4)), int(rng.integers(1, 4)))
    pads = (int(rng.integers(0, 4)), int(rng.integers(0, 4)))
    height = max(height, dilation[0] * (kh - 1) + 1)
    width = max(width, dilation[1] * (kw - 1) + 1)
    x = rng.standard_normal((height, width, channels))
    k = rng.standard_normal((kh, kw, channels, 2))
    expected = naive_conv(x, k, stride, ((pads[0], pads[0]), (pads[1], pads[1])), dilation)
    ours = ops.conv2d(x, k, stride=stride, padding=pads, dilation=dilation)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-10)
    photo = ops.conv2d(x, k[:, :, 0, 0], stride=stride, padding=pads, dilation=dilation)
    for c in range(channels):  # the photo filter too, channel by channel
        plane = naive_conv(x[:, :, c : c + 1], k[:, :, :1, :1], stride, ((pads[0],) * 2, (pads[1],) * 2), dilation)
        np.testing.assert_allclose(photo[:, :, c], plane[:, :, 0], rtol=1e-10, atol=1e-10)


def test_same_padding_with_stride_and_dilation_matches_the_definition():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((13, 10, 2))
    k = rng.standard_normal((3, 2, 2, 3))
    stride, dilation = (2, 3), (2, 2)
    pads = (tf_same_pads(13, 3, 2, 2), tf_same_pads(10, 2, 3, 2))
    np.testing.assert_allclose(
        ops.conv2d(x, k, stride=stride, padding="same", dilation=dilation),
        naive_conv(x, k, stride, pads, dilation),
        atol=1e-10,
    )


def test_float64_input_keeps_float64_and_matches_tf():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((9, 11, 3))
    k = rng.standard_normal((3, 3, 3, 4))
    ours = ops.conv2d(x, k, padding="same")
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, tf.nn.conv2d(x[None], k, 1, "SAME").numpy()[0], rtol=1e-12, atol=1e-12)


def test_large_layer_uses_several_blocks_and_threads_and_matches_tf():
    rng = np.random.default_rng(4)
    x = rng.random((150, 170, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 16)).astype(np.float32)
    for stride in (1, 2):
        expected = tf.nn.conv2d(x[None], k, stride, "SAME").numpy()[0]
        np.testing.assert_allclose(ops.conv2d(x, k, stride=stride, padding="same"), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride", [(1, 1), (2, 2), (3, 1), (2, 3)])
@pytest.mark.parametrize("padding", ["same", "valid", 2, (0, 3), (4, 1)])
@pytest.mark.parametrize("chunk_bytes", [1, 6_000, 10**9])
def test_layer_blocks_and_tasks_match_the_definition(monkeypatch, stride, padding, chunk_bytes):
    """Cache blocks of one or two output rows on several threads, the input rows prepared one block, a few
    blocks or a whole band at a time: every block and chunk edge (rows in the top or bottom padding,
    columns cut by 'valid', windows that see only padding) gives the definition's sums."""
    monkeypatch.setattr(conv_engine, "_BLOCK_BYTES", 3 * 3 * 6 * 8 * 11)  # a row or two of columns per block
    monkeypatch.setattr(conv_engine, "_CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(conv_engine, "_PARALLEL_MACS", 0)  # always several tasks on the thread pool
    rng = np.random.default_rng(sum(stride) * 10 + len(str(padding)))
    x = rng.standard_normal((17, 14, 6))
    for dilation, groups in [((1, 1), 1), ((2, 1), 1), ((1, 3), 3), ((2, 2), 2)]:
        k = rng.standard_normal((3, 2, 6 // groups, 6))
        pads = tuple(
            tf_same_pads(x.shape[axis], k.shape[axis], stride[axis], dilation[axis])
            if padding == "same"
            else (0, 0)
            if padding == "valid"
            else (padding[axis],) * 2
            if isinstance(padding, tuple)
            else (padding, padding)
            for axis in (0, 1)
        )
        per = 6 // groups
        expected = np.concatenate(
            [
                naive_conv(x[:, :, g * per : (g + 1) * per], k[..., g * per : (g + 1) * per], stride, pads, dilation)
                for g in range(groups)
            ],
            axis=2,
        )
        ours = ops.conv2d(x, k, stride=stride, padding=padding, dilation=dilation, groups=groups)
        np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-10)
        single = ops.conv2d(
            x.astype(np.float32), k.astype(np.float32), stride=stride, padding=padding, dilation=dilation, groups=groups
        )
        np.testing.assert_allclose(single, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("itemsize", [4, 8])
def test_im2col_rows_start_in_different_cache_sets(itemsize):
    """Rows of 4 × 512 positions (8 KiB apart, all in one cache set) get an odd number of 64-byte lines."""
    for count in (1, 16, 2048, 2049, 2304):
        length = conv_engine._spread(count, itemsize)
        lines, rest = divmod(length * itemsize, 64)
        assert length >= count and rest == 0 and lines % 2 == 1 and length - count <= 128 // itemsize


@pytest.mark.parametrize("stride, padding", [((2, 2), "same"), ((3, 2), "valid"), ((2, 4), 3), ((1, 3), (0, 5))])
def test_both_strided_photo_filter_strategies_agree(monkeypatch, stride, padding):
    """Full resolution then every stride-th cell, and the polyphase split, give the same numbers."""
    rng = np.random.default_rng(11)
    x = rng.random((31, 29, 3)).astype(np.float32)
    for size in (3, 6):
        k = rng.standard_normal((size, size - 1)).astype(np.float32)
        results = []
        for split in (False, True):
            monkeypatch.setattr(conv_engine, "_split_pays", lambda kernel, strides, split=split: split)
            results.append(ops.conv2d(x, k, stride=stride, padding=padding, dilation=(1, 2)))
        np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-5)


def test_a_2d_image_with_a_2d_kernel_gives_a_2d_map():
    x = np.arange(20.0).reshape(4, 5)
    assert ops.conv2d(x, np.ones((2, 2))).shape == (3, 4)
    assert ops.conv2d(x[:, :, None], np.ones((2, 2))).shape == (3, 4, 1)


@pytest.mark.parametrize("seed", range(30))
def test_flip_true_is_scipy_convolve2d(seed):
    rng, height, width, kh, kw, _ = random_case(seed + 3000, max_kernel=7)
    height, width = height + kh, width + kw
    x = rng.standard_normal((height, width))
    k = rng.standard_normal((kh, kw))
    np.testing.assert_allclose(ops.conv2d(x, k, flip=True), convolve2d(x, k, mode="valid"), atol=1e-10)
    np.testing.assert_allclose(
        ops.conv2d(x, k, flip=True, padding=(kh - 1, kw - 1)), convolve2d(x, k, mode="full"), atol=1e-10
    )
    if kh % 2 and kw % 2:  # scipy centres "same" differently from TensorFlow for even kernels
        np.testing.assert_allclose(
            ops.conv2d(x, k, flip=True, padding="same"), convolve2d(x, k, mode="same"), atol=1e-10
        )


def test_flip_false_differs_from_convolution_for_an_asymmetric_kernel():
    x = np.arange(25.0).reshape(5, 5)
    sobel = PRESETS["sobel_x"].matrix
    assert np.allclose(ops.conv2d(x, sobel), -ops.conv2d(x, sobel, flip=True))


@pytest.mark.parametrize(
    "kernel, message",
    [
        (np.ones((3, 3, 2, 1)), "2 input channels but the image has 3"),
        (np.ones(3), "kernel must have shape"),
        (np.array([[1.0, np.nan]]), "finite"),
        (np.ones((9, 9)), "no output is left"),
    ],
)
def test_conv2d_rejects_mismatched_or_oversized_kernels(kernel, message):
    with pytest.raises(InputError, match=message):
        ops.conv2d(np.zeros((8, 8, 3)), kernel)


# ---------------------------------------------------------------------------------------------
# One window
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_window_step_sum_is_the_conv2d_output(seed):
    rng, height, width, kh, kw, channels = random_case(seed + 4000, max_side=12, max_kernel=5)
    stride = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    dilation = (int(rng.integers(1, 3)), 1)
    padding = ("same", "valid", (int(rng.integers(0, 3)), int(rng.integers(0, 3))))[seed % 3]
    height, width = max(height, 2 * kh), max(width, kw)
    x = rng.standard_normal((height, width, channels))
    k = rng.standard_normal((kh, kw, channels))
    flip = bool(seed % 2)
    full = ops.conv2d(x, k[:, :, :, None], stride=stride, padding=padding, dilation=dilation, flip=flip)[:, :, 0]
    plane = ops.conv2d(x[:, :, 0], k[:, :, 0], stride=stride, padding=padding, dilation=dilation, flip=flip)
    for i, j in [(0, 0), (full.shape[0] - 1, full.shape[1] - 1), (full.shape[0] // 2, full.shape[1] // 3)]:
        step = ops.window_step(x, k, i, j, stride=stride, padding=padding, dilation=dilation, flip=flip)
        assert step.total == pytest.approx(full[i, j], abs=1e-9)
        assert step.products.shape == step.patch.shape == step.is_padding.shape == k.shape
        outside = ((step.rows < 0) | (step.rows >= height))[:, None] | ((step.cols < 0) | (step.cols >= width))[None]
        assert np.array_equal(step.is_padding[:, :, 0], outside)
        assert np.all(step.patch[step.is_padding] == 0)
        one = ops.window_step(
            x[:, :, 0], k[:, :, 0], i, j, stride=stride, padding=padding, dilation=dilation, flip=flip
        )
        assert one.total == pytest.approx(plane[i, j], abs=1e-9)


def test_window_step_marks_padding_cells_in_the_corner():
    x = np.arange(1.0, 17.0).reshape(4, 4)
    step = ops.window_step(x, np.ones((3, 3)), 0, 0, padding=1)
    assert step.is_padding.tolist() == [[True, True, True], [True, False, False], [True, False, False]]
    assert step.patch.tolist() == [[0, 0, 0], [0, 1, 2], [0, 5, 6]]
    assert step.total == 1 + 2 + 5 + 6


def test_padded_crop_fills_zeros_outside_the_image():
    x = np.arange(1.0, 10.0).reshape(3, 3)
    values, is_padding = ops.padded_crop(x, -1, 1, 3, 4)
    assert values.tolist() == [[0, 0, 0, 0], [2, 3, 0, 0], [5, 6, 0, 0]]
    assert is_padding.tolist() == [[True] * 4, [False, False, True, True], [False, False, True, True]]
    assert ops.padded_crop(x, 5, 5, 2, 2)[1].all()


def test_window_step_outside_the_output_is_an_input_error():
    with pytest.raises(InputError, match="output is 4×4"):
        ops.window_step(np.zeros((6, 6)), np.ones((3, 3)), 4, 0)


# ---------------------------------------------------------------------------------------------
# Worked examples from the course material
# ---------------------------------------------------------------------------------------------


def test_vertical_edge_example_six_by_six_gives_zero_thirty_thirty_zero():
    image = np.zeros((6, 6))
    image[:, :3] = 10
    result = ops.conv2d(image, PRESETS["vertical_edge"].matrix)
    assert result.tolist() == [[0, 30, 30, 0]] * 4
    step = ops.window_step(image, PRESETS["vertical_edge"].matrix, 0, 1)
    assert step.products.tolist() == [[10, 0, 0]] * 3
    assert step.total == 30


def test_one_dimensional_example_kernel_1_3_0_minus1():
    signal = np.array([1, 2, 3, 4, 5, 6])
    kernel = np.array([1, 3, 0, -1])
    # windows [1 2 3 4], [2 3 4 5], [3 4 5 6]: 1+6+0-4 = 3, 2+9+0-5 = 6, 3+12+0-6 = 9
    assert ops.conv1d(signal, kernel).tolist() == [3, 6, 9]
    assert np.allclose(ops.conv1d(signal, kernel), np.correlate(signal, kernel, mode="valid"))
    assert np.allclose(ops.conv1d(signal, kernel, flip=True), np.convolve(signal, kernel, mode="valid"))
    assert np.allclose(ops.conv1d(signal, kernel, padding=3), np.correlate(signal, kernel, mode="full"))
    assert ops.conv1d(signal, kernel, stride=2).tolist() == [3, 9]
    assert ops.conv1d(signal, kernel, padding="same").shape == (6,)


def test_pooling_example_region_1_3_2_4():
    region = np.array([[1.0, 3.0], [2.0, 4.0]])
    assert ops.pool2d(region, 2, kind="max").tolist() == [[4.0]]
    assert ops.pool2d(region, 2, kind="avg").tolist() == [[2.5]]


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_pooling_matches_tf_max_and_avg_pool(seed):
    rng = np.random.default_rng(seed + 5000)
    height, width = (int(v) for v in rng.integers(3, 20, 2))
    size = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    stride = None if seed % 4 == 0 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = ("VALID", "SAME")[seed % 2]
    x = rng.standard_normal((height, width, int(rng.integers(1, 4)))).astype(np.float32)
    strides = size if stride is None else stride
    for kind, reference in (("max", tf.nn.max_pool2d), ("avg", tf.nn.avg_pool2d)):
        expected = reference(x[None], size, strides, padding).numpy()[0]
        ours = ops.pool2d(x, size, stride, padding.lower(), kind)
        assert ours.shape == expected.shape
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


def test_pool2d_on_a_2d_map_and_global_pooling():
    x = np.arange(16.0).reshape(4, 4)
    assert ops.pool2d(x, 2).tolist() == [[5, 7], [13, 15]]
    assert ops.pool2d(x, 3, 1, "same", "avg")[0, 0] == pytest.approx(np.mean([0, 1, 4, 5]))
    maps = np.stack([x, -x], axis=2)
    np.testing.assert_allclose(ops.global_pool(maps, "avg"), tf.reduce_mean(maps, axis=(0, 1)).numpy())
    np.testing.assert_allclose(ops.global_pool(maps, "max"), [15, 0])


@pytest.mark.parametrize("args, message", [((2, None, "valid", "median"), "max, avg"), ((0,), "Pool size")])
def test_pool2d_rejects_bad_arguments(args, message):
    with pytest.raises(InputError, match=message):
        ops.pool2d(np.zeros((4, 4)), *args)


def test_max_pooling_tolerates_a_one_pixel_shift_inside_its_window():
    """Seed 003's invariance question: a bright pixel moving inside one pooling window changes nothing."""
    image = np.zeros((8, 8))
    image[2, 2] = 1
    moved = np.roll(image, 1, axis=1)
    assert np.array_equal(ops.pool2d(image, 2), ops.pool2d(moved, 2))
    assert not np.array_equal(image, moved)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------

TF_ACTIVATIONS = {
    "linear": tf.identity,
    "relu": tf.nn.relu,
    "leaky_relu": tf.nn.leaky_relu,
    "elu": tf.nn.elu,
    "sigmoid": tf.nn.sigmoid,
    "tanh": tf.nn.tanh,
    "softplus": tf.nn.softplus,
    "silu": tf.nn.silu,
}


@pytest.mark.parametrize("name", list(ops.ACTIVATIONS))
def test_activations_match_tensorflow(name):
    x = np.concatenate([np.linspace(-30, 30, 601), [-1000.0, 1000.0]]).astype(np.float32)
    expected = TF_ACTIVATIONS[name](x).numpy()
    ours = ops.activation(x, name)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


def test_unknown_activation_names_the_choices():
    with pytest.raises(InputError, match="relu"):
        ops.activation(np.zeros(3), "swishy")


def test_tensorflow_references_hold_without_onednn():
    """AMD CPUs run TensorFlow's plain Eigen kernels, not Intel's oneDNN ones: the references above must
    work there too (``tf.nn.depthwise_conv2d`` with unequal strides did not). ``TF_ENABLE_ONEDNN_OPTS=0``
    gives those kernels on any x86-64 CPU, so this reruns the TensorFlow comparisons with it."""
    selection = "tf_per_channel or tf_conv2d or match_tf or matches_tf"
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-k",
            f"({selection}) and not without_onednn",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
