"""cnnviz.pixels: the seeds' colour examples and what resizing loses."""

import cv2
import numpy as np
import pytest

from cnnviz import pixels
from cnnviz.errors import InputError
from cnnviz.images import LUMA_WEIGHTS, canvas_to_gray
from cnnviz.pixels import hex_to_rgb, luma, luma_formula, resize_loss, rgb_to_hex, window


def test_forest_green_is_11_102_35():
    assert hex_to_rgb("#0B6623") == (11, 102, 35)
    assert rgb_to_hex((11, 102, 35)) == "#0B6623"
    assert hex_to_rgb("ff0000") == (255, 0, 0)


@pytest.mark.parametrize("bad", ["", "#12345", "#GGGGGG", "red"])
def test_bad_colour_codes(bad):
    with pytest.raises(InputError):
        hex_to_rgb(bad)


def test_luma_weights():
    assert luma((255, 255, 255)) == pytest.approx(255)
    assert luma((11, 102, 35)) == pytest.approx(0.299 * 11 + 0.587 * 102 + 0.114 * 35)


def test_the_one_luma_rule_is_opencvs_and_is_written_out_with_the_pixels_values():
    pixel = np.array([[[200, 30, 90]]], dtype=np.uint8)
    opencv = int(cv2.cvtColor(pixel, cv2.COLOR_RGB2GRAY)[0, 0])
    assert round(luma((200, 30, 90))) == opencv == int(canvas_to_gray(pixel)[0, 0, 0])
    assert luma_formula((200, 30, 90)) == "0.299·200 + 0.587·30 + 0.114·90"
    terms = [term.split("·") for term in luma_formula((200, 30, 90)).split(" + ")]
    assert sum(float(w) * float(v) for w, v in terms) == pytest.approx(np.dot(LUMA_WEIGHTS, (200, 30, 90)))


def test_window_is_clipped_to_the_image():
    image = np.arange(100, dtype=np.uint8).reshape(10, 10, 1)
    assert window(image, 8, 8, 4).shape == (2, 2, 1)
    assert window(image, 2, 3, 4)[0, 0, 0] == 23


def test_resize_loss_counts_values_and_error():
    flat = np.full((56, 56, 3), 90, np.uint8)
    loss = resize_loss(flat, 28, 28)
    assert (loss.values_before, loss.values_after) == (56 * 56 * 3, 28 * 28 * 3)
    assert loss.mean_abs_error == 0  # a flat image loses nothing
    noisy = np.random.default_rng(1).integers(0, 256, (56, 56, 1), dtype=np.uint8)
    assert resize_loss(noisy, 8, 8).mean_abs_error > 20
    assert resize_loss(noisy, 8, 8).restored.shape == noisy.shape


def test_luma_formula_written_out_computes_luma():
    from cnnviz.pixels import luma_formula

    assert luma_formula() == "0.299·R + 0.587·G + 0.114·B"
    for rgb in ((11, 102, 35), (255, 0, 0), (0, 0, 0), (200, 150, 99)):
        text = luma_formula(rgb)
        assert sum(float(a) * float(b) for a, b in (term.split("·") for term in text.split(" + "))) == pytest.approx(
            luma(rgb)
        )


def test_unit_values_and_the_share_a_resize_keeps():
    from cnnviz.images import normalize
    from cnnviz.pixels import unit_values

    values = [0, 128, 255]
    assert unit_values(values) == pytest.approx(normalize(np.array(values, dtype=np.uint8)).tolist())
    image = np.zeros((28, 28, 1), dtype=np.uint8)
    assert resize_loss(image, 14, 14).kept_percent == pytest.approx(25.0)
    assert resize_loss(image, 56, 56).kept_percent == pytest.approx(400.0)


def test_image_stats_count_every_channel():
    image = np.zeros((4, 5, 3), np.uint8)
    image[0, 0] = (10, 200, 30)
    stats = pixels.image_stats(image)
    assert (stats.count, stats.low, stats.high) == (60, 0, 200)
    assert stats.mean == pytest.approx(240 / 60)
    assert isinstance(stats.low, int) and isinstance(stats.mean, float)


@pytest.mark.parametrize(("shape", "centre"), [((28, 28, 1), (14, 14)), ((5, 3, 3), (2, 1)), ((1, 1, 1), (0, 0))])
def test_centre_pixel(shape, centre):
    assert pixels.centre_pixel(np.zeros(shape, np.uint8)) == centre


@pytest.mark.parametrize(
    ("height", "width", "block"),
    [(28, 28, (6, 6, 16)), (200, 100, (92, 42, 16)), (10, 40, (0, 15, 10)), (3, 3, (0, 0, 3))],
)
def test_centred_block_fits_and_sits_in_the_middle(height, width, block):
    top, left, size = pixels.centred_block(height, width)
    assert (top, left, size) == block
    assert top + size <= height and left + size <= width
    assert abs((height - size) - 2 * top) <= 1 and abs((width - size) - 2 * left) <= 1  # equal margins, ±1
