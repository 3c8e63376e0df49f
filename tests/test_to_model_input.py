"""to_model_input: channel conversion and resizing, and the MNIST-style preparation of drawings."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy import ndimage

from cnnviz.errors import InputError
from cnnviz.images import to_model_input
from cnnviz.samples import load_sample


def canvas_with(draw) -> np.ndarray:
    """A black 280×280 uint8 canvas (H, W, 1) with white strokes drawn by ``draw(canvas)``."""
    canvas = np.zeros((280, 280), np.uint8)
    draw(canvas)
    return canvas[:, :, None]


def ink_box(prepared: np.ndarray, level: float = 0.1) -> tuple[int, int]:
    """(rows, cols) spanned by the pixels above ``level``."""
    rows, cols = np.nonzero(prepared[:, :, 0] > level)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


OFF_CENTRE_SEVEN = canvas_with(
    lambda c: (cv2.line(c, (20, 20), (120, 20), 255, 14), cv2.line(c, (120, 20), (60, 190), 255, 14))
)


def test_centred_drawing_has_its_centre_of_mass_in_the_middle():
    prepared = to_model_input(OFF_CENTRE_SEVEN, (28, 28, 1), center=True)
    assert prepared.shape == (28, 28, 1) and prepared.dtype == np.float32
    assert prepared.min() >= 0 and prepared.max() == pytest.approx(1.0, abs=0.05)
    centre = ndimage.center_of_mass(prepared[:, :, 0])
    np.testing.assert_allclose(centre, (13.5, 13.5), atol=0.5)


def test_centred_drawing_fits_a_20_by_20_box_keeping_its_aspect_ratio():
    tall_bar = canvas_with(lambda c: cv2.rectangle(c, (200, 40), (239, 239), 255, -1))  # 200 high, 40 wide
    rows, cols = ink_box(to_model_input(tall_bar, (28, 28, 1), center=True), level=0.5)
    assert rows == 20
    assert cols == pytest.approx(4, abs=1)
    wide = canvas_with(lambda c: cv2.ellipse(c, (140, 140), (120, 30), 0, 0, 360, 255, 10))
    rows, cols = ink_box(to_model_input(wide, (28, 28, 1), center=True), level=0.5)
    assert cols == 20
    assert rows == pytest.approx(20 * 70 / 250, abs=1.5)


def test_the_box_scales_with_a_larger_input():
    prepared = to_model_input(OFF_CENTRE_SEVEN, (56, 56, 1), center=True)
    assert max(ink_box(prepared, level=0.5)) == pytest.approx(40, abs=1)
    np.testing.assert_allclose(ndimage.center_of_mass(prepared[:, :, 0]), (27.5, 27.5), atol=0.5)


def test_dark_ink_on_light_paper_is_inverted():
    paper = 255 - OFF_CENTRE_SEVEN
    np.testing.assert_allclose(
        to_model_input(paper, (28, 28, 1), center=True),
        to_model_input(OFF_CENTRE_SEVEN, (28, 28, 1), center=True),
        atol=1e-5,
    )


def test_a_grey_background_and_an_rgb_photo_give_the_same_digit():
    faint = (OFF_CENTRE_SEVEN.astype(np.float32) * 0.5 + 60).astype(np.uint8)  # grey paper, dim strokes
    colour = np.repeat(faint, 3, axis=2)
    expected = to_model_input(OFF_CENTRE_SEVEN, (28, 28, 1), center=True)
    np.testing.assert_allclose(to_model_input(colour, (28, 28, 1), center=True), expected, atol=0.02)


def test_a_blank_canvas_gives_an_empty_input():
    blank = np.zeros((280, 280, 1), np.uint8)
    prepared = to_model_input(blank, (28, 28, 1), center=True)
    assert prepared.shape == (28, 28, 1) and not prepared.any()


def test_a_real_mnist_digit_blown_up_like_a_drawing_comes_back_as_itself():
    digit = load_sample("MNIST digit 2")
    assert digit.shape == (28, 28, 1)
    drawing = cv2.resize(digit, (280, 280), interpolation=cv2.INTER_LINEAR)[:, :, None]
    prepared = to_model_input(drawing, (28, 28, 1), center=True)[:, :, 0]
    original = digit[:, :, 0] / 255.0
    correlation = np.corrcoef(prepared.ravel(), original.ravel())[0, 1]
    assert correlation > 0.85


def test_without_centring_it_resizes_and_scales_to_unit_range():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (60, 90, 3), dtype=np.uint8)
    prepared = to_model_input(photo, (30, 45, 3))
    expected = cv2.resize(photo, (45, 30), interpolation=cv2.INTER_AREA) / 255.0
    np.testing.assert_allclose(prepared, expected, atol=1e-6)
    gray = to_model_input(photo, (60, 90, 1))
    np.testing.assert_allclose(gray[:, :, 0], cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY) / 255.0, atol=1e-6)


def test_a_grayscale_image_is_repeated_for_an_rgb_model():
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8, 1)
    prepared = to_model_input(gray, (8, 8, 3))
    assert prepared.shape == (8, 8, 3)
    np.testing.assert_array_equal(prepared[:, :, 0], prepared[:, :, 2])
    np.testing.assert_allclose(prepared[:, :, 1], gray[:, :, 0] / 255.0)


@pytest.mark.parametrize(
    ("image", "shape"),
    [
        (np.zeros((0, 5, 1), np.uint8), (28, 28, 1)),
        (np.zeros((5, 5, 4), np.uint8), (28, 28, 1)),
        (np.zeros((5, 5, 1), np.uint8), (28, 28)),
        (np.zeros((5, 5, 1), np.uint8), (28, 28, 2)),
    ],
)
def test_bad_images_and_shapes_are_refused(image, shape):
    with pytest.raises(InputError):
        to_model_input(image, shape)
