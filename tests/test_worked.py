"""The course's worked examples: their outputs, checked against TensorFlow and NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz import worked
from cnnviz.errors import InputError


def test_the_six_by_six_edge_example_gives_0_30_30_0_like_tensorflow():
    tf = pytest.importorskip("tensorflow")
    example = worked.EXAMPLES["edge_6x6"]
    out = worked.apply(example, example.image)
    assert out.tolist() == [[0, 30, 30, 0]] * 4
    reference = tf.nn.conv2d(
        example.image[None, :, :, None].astype(np.float32),
        example.kernel[:, :, None, None].astype(np.float32),
        1,
        "VALID",
    )
    np.testing.assert_allclose(out, reference.numpy()[0, :, :, 0])


def test_the_five_by_five_example_gives_three_by_three_and_padding_keeps_five():
    example = worked.EXAMPLES["image_5x5"]
    out = worked.apply(example, example.image)
    assert out.shape == (3, 3)
    assert out[0, 0] == pytest.approx((example.image[:3, :3] * example.kernel).sum())
    assert worked.apply(example, example.image, padding=1).shape == (5, 5)
    assert worked.apply(example, example.image, stride=2).shape == (2, 2)


def test_pooling_one_two_by_two_window_gives_4_and_2_5():
    assert worked.apply(worked.EXAMPLES["max_pool"], worked.EXAMPLES["max_pool"].image).tolist() == [[4.0]]
    assert worked.apply(worked.EXAMPLES["avg_pool"], worked.EXAMPLES["avg_pool"].image).tolist() == [[2.5]]


def test_convolution_flips_the_kernel_and_correlation_does_not():
    correlation, convolution = worked.convolution_and_correlation(worked.COURSE_SIGNAL, worked.COURSE_KERNEL_1D)
    np.testing.assert_allclose(correlation, np.correlate(worked.COURSE_SIGNAL, worked.COURSE_KERNEL_1D, "valid"))
    np.testing.assert_allclose(convolution, np.convolve(worked.COURSE_SIGNAL, worked.COURSE_KERNEL_1D, "valid"))
    assert correlation.tolist() == [7, 9] and convolution.tolist() == [8, 6]


def test_an_edited_grid_with_a_hole_or_too_many_cells_is_refused():
    example = worked.EXAMPLES["edge_6x6"]
    holed = example.image.copy()
    holed[2, 2] = np.nan
    for bad in (holed, np.zeros((13, 13)), np.zeros((0, 3))):
        with pytest.raises(InputError):
            worked.apply(example, bad)
    with pytest.raises(InputError):
        worked.apply(example, np.ones((2, 2)))  # a 3×3 kernel does not fit a 2×2 input


@pytest.mark.parametrize("name", ["edge_6x6", "image_5x5"])
@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 0), (1, 1), (2, 2)])
def test_every_step_of_a_worked_example_sums_what_tensorflow_computes(name, stride, padding):
    """The stepper's products, cell by cell, add up to tf.nn.conv2d's output with the same zeros and stride."""
    tf = pytest.importorskip("tensorflow")
    from cnnviz import ops

    example = worked.EXAMPLES[name]
    output = worked.apply(example, example.image, example.kernel, stride=stride, padding=padding)
    padded = np.pad(example.image, padding)[None, :, :, None].astype(np.float32)
    kernel = example.kernel[:, :, None, None].astype(np.float32)
    expected = tf.nn.conv2d(padded, kernel, strides=stride, padding="VALID").numpy()[0, :, :, 0]
    np.testing.assert_allclose(output, expected)
    for i, j in np.ndindex(output.shape):
        step = ops.window_step(example.image, example.kernel, i, j, stride=stride, padding=padding)
        np.testing.assert_allclose(step.products, step.patch * step.kernel)
        assert step.total == pytest.approx(expected[i, j])
