"""Preset kernels and reading typed kernels."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnnviz.errors import InputError
from cnnviz.kernels import MAX_KERNEL_SIDE, PRESETS, fit_to_size, format_kernel, parse_kernel


def test_presets_cover_the_course_kernels_with_explanations():
    for key in (
        "identity",
        "box_blur",
        "gaussian_blur",
        "sharpen",
        "sobel_x",
        "sobel_y",
        "prewitt_x",
        "prewitt_y",
        "laplacian",
        "emboss",
        "outline",
        "vertical_edge",
        "horizontal_edge",
        "box_blur_5x5",
        "sharpen_9",
    ):
        kernel = PRESETS[key]
        assert kernel.name and kernel.explanation.endswith(".")
        assert kernel.matrix.dtype == np.float64 and kernel.matrix.ndim == 2
        assert np.isfinite(kernel.matrix).all()


@pytest.mark.parametrize(
    "key",
    [
        "identity",
        "box_blur",
        "gaussian_blur",
        "gaussian_blur_5x5",
        "sharpen",
        "motion_blur",
        "box_blur_5x5",
        "sharpen_9",
    ],
)
def test_smoothing_and_sharpening_keep_flat_areas_unchanged(key):
    assert PRESETS[key].matrix.sum() == pytest.approx(1)


@pytest.mark.parametrize(
    "key", ["sobel_x", "sobel_y", "prewitt_x", "prewitt_y", "laplacian", "outline", "vertical_edge", "horizontal_edge"]
)
def test_edge_detectors_give_zero_on_flat_areas(key):
    flat = np.full((6, 6), 7.0)
    assert np.allclose(correlate2d(flat, PRESETS[key].matrix, mode="valid"), 0)


def test_sobel_x_responds_to_a_vertical_edge_and_not_to_a_horizontal_one():
    vertical = np.zeros((5, 5))
    vertical[:, 3:] = 1
    assert np.abs(correlate2d(vertical, PRESETS["sobel_x"].matrix, mode="valid")).max() > 0
    assert np.allclose(correlate2d(vertical, PRESETS["sobel_y"].matrix, mode="valid"), 0)


# The course's kernel text: Mh, Mv, the 5×5 blurring and the centre-9 sharpening, as it writes them.
COURSE_KERNELS = {
    "Horizontal Edge Detector": ("vertical_edge", [[1, 0, -1], [1, 0, -1], [1, 0, -1]]),
    "Vertical Edge Detector": ("horizontal_edge", [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]),
    "Blurring": ("box_blur_5x5", np.ones([5, 5]) / 25),
    "Sharpening": ("sharpen_9", [[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]]),
}


@pytest.mark.parametrize("course_name", COURSE_KERNELS)
def test_the_course_kernels_carry_the_course_names_and_numbers(course_name):
    key, matrix = COURSE_KERNELS[course_name]
    kernel = PRESETS[key]
    assert kernel.name.startswith(course_name) and kernel.name.endswith("· course")
    np.testing.assert_array_equal(kernel.matrix, np.asarray(matrix, dtype=float))


def test_the_edge_kernels_name_the_edges_they_find_in_brackets():
    """Mh (the course's "horizontal" detector) answers a vertical edge, Mv a horizontal one; the brackets say so."""
    vertical_edge = np.zeros((6, 6))
    vertical_edge[:, :3] = 10
    horizontal_edge = vertical_edge.T
    mh, mv = PRESETS["vertical_edge"], PRESETS["horizontal_edge"]
    assert "(vertical edges)" in mh.name and "(horizontal edges)" in mv.name
    assert correlate2d(vertical_edge, mh.matrix, mode="valid").max() == 30
    assert np.allclose(correlate2d(horizontal_edge, mh.matrix, mode="valid"), 0)
    assert correlate2d(horizontal_edge, mv.matrix, mode="valid").max() == 30
    assert np.allclose(correlate2d(vertical_edge, mv.matrix, mode="valid"), 0)
    for kernel in (mh, mv):
        assert "direction" in kernel.explanation and "convolve2d" in kernel.explanation


def test_the_course_convolve2d_pictures_are_the_negative_of_the_layer_sliding():
    """What the caption says: scipy.signal.convolve2d flips Mh, giving minus what a Conv2D computes."""
    from scipy.signal import convolve2d

    from cnnviz import ops

    image = np.random.default_rng(0).integers(0, 256, (9, 11)).astype(float)
    for key in ("vertical_edge", "horizontal_edge"):
        matrix = PRESETS[key].matrix
        np.testing.assert_allclose(convolve2d(image, matrix, "valid"), -ops.conv2d(image, matrix))
    for key in ("box_blur_5x5", "sharpen_9"):  # symmetric: the flip changes nothing
        matrix = PRESETS[key].matrix
        np.testing.assert_allclose(convolve2d(image, matrix, "valid"), ops.conv2d(image, matrix))


def test_presets_cannot_be_changed_by_accident():
    with pytest.raises(ValueError):
        PRESETS["identity"].matrix[1, 1] = 5


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 0 -1\n1 0 -1\n1 0 -1", [[1, 0, -1]] * 3),
        ("1, 2\n3, 4", [[1, 2], [3, 4]]),
        ("1/9 1/9\n-1/16 2/4", [[1 / 9, 1 / 9], [-1 / 16, 0.5]]),
        ("0.5 -.25 1e-1 +2", [[0.5, -0.25, 0.1, 2]]),
        ("  1 2 \n\n 3 4  \n", [[1, 2], [3, 4]]),
        ("1 2; 3 4", [[1, 2], [3, 4]]),
        ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ("1\t2\r\n3\t4", [[1, 2], [3, 4]]),
    ],
)
def test_parse_kernel_reads_rows_numbers_and_fractions(text, expected):
    parsed = parse_kernel(text)
    assert parsed.dtype == np.float64
    np.testing.assert_allclose(parsed, expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("   \n  ", "empty"),
        ("1 0 -1\nedge 0 1", "'edge' in row 2 is not a number"),
        ("nan 1", "'nan' in row 1 is not a number"),
        ("1 inf", "'inf' in row 1 is not a number"),
        ("1 -Infinity", "not a number"),
        ("1e400", "too large"),
        ("1/0 2", "divides by zero"),
        ("1 2 3\n4 5", "Row 2 has 2 numbers but row 1 has 3"),
        ("1\n2 3", "Row 2 has 2 numbers but row 1 has 1 number;"),
        ("\n".join([" ".join(["1"] * 16)] * 16), "16×16; at most 15×15"),
        (" ".join(["1"] * 16), "1×16"),
        ("1 2 // 3", "not a number"),
        ("0x10", "not a number"),
    ],
)
def test_parse_kernel_explains_what_is_wrong(text, message):
    with pytest.raises(InputError, match=message):
        parse_kernel(text)


def test_the_largest_allowed_kernel_is_accepted():
    side = MAX_KERNEL_SIDE
    assert parse_kernel("\n".join([" ".join(["1/225"] * side)] * side)).shape == (side, side)


@pytest.mark.parametrize("key", list(PRESETS))
def test_format_kernel_round_trips_through_parse_kernel(key):
    matrix = PRESETS[key].matrix
    np.testing.assert_allclose(parse_kernel(format_kernel(matrix)), matrix, rtol=0, atol=1e-15)


def test_format_kernel_writes_simple_fractions():
    assert format_kernel(PRESETS["box_blur"].matrix).splitlines()[0] == "1/9 1/9 1/9"
    assert format_kernel(np.array([[0.3, -2.0]])) == "0.3 -2"


def test_fit_to_size_centres_grows_and_shrinks():
    sharpen = PRESETS["sharpen"].matrix
    grown = fit_to_size(sharpen, 5, 5)
    assert grown.shape == (5, 5) and np.array_equal(grown[1:4, 1:4], sharpen) and grown.sum() == sharpen.sum()
    assert np.array_equal(fit_to_size(grown, 3, 3), sharpen)
    assert fit_to_size(PRESETS["motion_blur"].matrix, 3, 3).tolist() == [[0, 0, 0], [1 / 9] * 3, [0, 0, 0]]
