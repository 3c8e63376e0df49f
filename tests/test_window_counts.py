"""ops.window_counts, the numbers of "Why padding": how many windows cover each pixel, against a brute-force
count of every window and against TensorFlow (the gradient of a summed convolution with an all-ones kernel
is exactly that count)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cnnviz import ops


def brute_force(n: int, k: int, stride: int, padding: str) -> np.ndarray:
    """Place every window of the padded input and add 1 to each real pixel under it."""
    before, after = ops.pad_amounts(n, k, stride, padding)
    counts = np.zeros((n + before + after, n + before + after), np.int64)
    for top in range(0, n + before + after - k + 1, stride):
        for left in range(0, n + before + after - k + 1, stride):
            counts[top : top + k, left : left + k] += 1
    return counts[before : before + n, before : before + n]


@pytest.mark.parametrize(
    ("n", "k", "stride", "padding"),
    list(itertools.product((4, 5, 6, 7), (1, 2, 3, 5), (1, 2, 3), ("valid", "same"))),
)
def test_window_counts_equal_a_brute_force_count(n, k, stride, padding):
    if k > n:
        pytest.skip("a kernel larger than the input has no 'valid' window")
    np.testing.assert_array_equal(ops.window_counts((n, n), k, stride, padding), brute_force(n, k, stride, padding))


def test_the_course_5x5_example_counts():
    valid = ops.window_counts((5, 5), 3)
    assert valid[0, 0] == 1 and valid[2, 2] == 9 and valid.sum() == 9 * 9  # 9 windows of 9 pixels
    same = ops.window_counts((5, 5), 3, padding="same")
    assert same[0, 0] == 4 and same[0, 2] == 6 and same[2, 2] == 9 and same.sum() == (2 + 3 + 3 + 3 + 2) ** 2
    assert (same >= valid).all() and (same[1:-1, 1:-1] == 9).all()


@pytest.mark.parametrize(("n", "k", "stride"), [(5, 3, 1), (6, 3, 2), (7, 4, 1), (8, 5, 3), (6, 2, 2)])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_window_counts_equal_tensorflows_gradient_of_a_summed_convolution(n, k, stride, padding):
    import tensorflow as tf

    x = tf.Variable(tf.random.uniform((1, n, n, 1), seed=1))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.nn.conv2d(x, tf.ones((k, k, 1, 1)), strides=stride, padding=padding.upper()))
    gradient = tape.gradient(total, x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(ops.window_counts((n, n), k, stride, padding), gradient.astype(np.int64))
