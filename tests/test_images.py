"""cnnviz.images: decoding every supported format, refusing bad files, conversions."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from cnnviz.errors import InputError
from cnnviz.images import (
    canvas_to_gray,
    encode_png,
    enlarge,
    load_image,
    normalize,
    ordinal,
    resize,
    subsample_for_display,
    to_grayscale,
    to_uint8,
)

RNG = np.random.default_rng(0)


def encode(array: np.ndarray, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **options)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims a huge size, followed by almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "WEBP"])
def test_lossless_colour_formats_round_trip_exactly(fmt):
    colour = RNG.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    options = {"lossless": True} if fmt == "WEBP" else {}
    decoded = load_image(encode(colour, fmt, **options))
    assert decoded.dtype == np.uint8 and decoded.shape == (17, 23, 3)
    np.testing.assert_array_equal(decoded, colour)


def test_jpeg_decodes_close_to_the_original():
    smooth = np.tile(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], (48, 1, 3))
    smooth[:, :, 0] = 200
    decoded = load_image(encode(smooth, "JPEG", quality=95))
    assert decoded.shape == (48, 64, 3)
    assert np.abs(decoded.astype(int) - smooth).mean() < 3


def test_grayscale_stays_one_channel_and_gray_rgb_collapses():
    gray = RNG.integers(0, 256, (10, 12), dtype=np.uint8)
    assert load_image(encode(gray, "PNG")).shape == (10, 12, 1)
    as_rgb = np.repeat(gray[:, :, None], 3, axis=2)
    decoded = load_image(encode(as_rgb, "PNG"))
    assert decoded.shape == (10, 12, 1)
    np.testing.assert_array_equal(decoded[:, :, 0], gray)


def test_gif_gives_its_first_frame():
    frames = [Image.fromarray(np.full((8, 8), value, np.uint8)) for value in (30, 220)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    decoded = load_image(buffer.getvalue())
    assert decoded.shape[:2] == (8, 8)
    assert abs(int(decoded.mean()) - 30) <= 2


def test_alpha_is_composited_onto_white():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[:, :, 0] = 255  # red ...
    rgba[:2, :, 3] = 255  # ... opaque in the top half, fully transparent below
    decoded = load_image(encode(rgba, "PNG"))
    np.testing.assert_array_equal(decoded[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(decoded[3, 0], [255, 255, 255])


def test_sixteen_bit_images_are_scaled_to_eight_bits():
    deep = np.array([[0, 257, 65535]], dtype=np.uint16)
    decoded = load_image(encode(deep, "PNG"))
    np.testing.assert_array_equal(decoded[:, :, 0], [[0, 1, 255]])


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"hello, I am text", "not an image"),
        (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "not an image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", "not an image"),
    ],
)
def test_non_images_are_refused_with_a_clear_message(data, message):
    with pytest.raises(InputError, match=message):
        load_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_files_are_refused(fmt):
    data = encode(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8), fmt)
    with pytest.raises(InputError, match="truncated or damaged"):
        load_image(data[: len(data) // 2])


def test_huge_header_is_refused_before_decoding():
    with pytest.raises(InputError, match="too big: more than .* pixels; the most allowed is 25,000,000 pixels"):
        load_image(png_claiming(100_000, 100_000))
    with pytest.raises(InputError, match="too big: 6,000×6,000 pixels = 36,000,000 pixels; the most allowed is 25,000"):
        load_image(png_claiming(6_000, 6_000))


def test_max_pixels_is_checked_from_the_header():
    data = encode(np.zeros((100, 100), np.uint8), "PNG")
    with pytest.raises(InputError, match="100×100"):
        load_image(data, max_pixels=9_999)
    assert load_image(data, max_pixels=10_000).shape == (100, 100, 1)


def test_extreme_but_valid_shapes_load():
    assert load_image(encode(np.zeros((1, 1), np.uint8), "PNG")).shape == (1, 1, 1)
    assert load_image(encode(np.zeros((10, 10_000), np.uint8), "PNG")).shape == (10, 10_000, 1)


def test_grayscale_uses_bt601_weights():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [11, 102, 35]]], np.uint8)
    gray = to_grayscale(rgb)[0, :, 0].astype(float)
    expected = rgb[0].astype(float) @ [0.299, 0.587, 0.114]
    assert np.abs(gray - expected).max() <= 1


def test_resize_keeps_channels_and_averages_when_shrinking():
    image = np.zeros((4, 4, 1), np.uint8)
    image[:2, :2] = 200
    small = resize(image, 2, 2)
    assert small.shape == (2, 2, 1)
    np.testing.assert_array_equal(small[:, :, 0], [[200, 0], [0, 0]])
    assert resize(np.zeros((5, 7, 3), np.uint8), 28, 28).shape == (28, 28, 3)
    with pytest.raises(InputError):
        resize(image, 0, 3)


def test_normalize_maps_0_255_to_0_1():
    scaled = normalize(np.array([[[0], [128], [255]]], np.uint8))
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled.ravel(), [0.0, 128 / 255, 1.0])


def test_to_uint8_undoes_normalize_and_clips():
    every_value = np.arange(256, dtype=np.uint8).reshape(16, 16, 1)
    back = to_uint8(normalize(every_value))
    assert back.dtype == np.uint8 and np.array_equal(back, every_value)
    assert to_uint8(np.array([-0.5, 0.499 / 255, 0.501 / 255, 1.7])).tolist() == [0, 0, 1, 255]


def test_canvas_to_gray_reads_white_strokes_on_black():
    rgba = np.zeros((5, 5, 4), np.uint8)
    rgba[:, :, 3] = 255
    rgba[2, :, :3] = 255
    gray = canvas_to_gray(rgba)
    assert gray.shape == (5, 5, 1) and gray.dtype == np.uint8
    assert gray[2].min() == 255 and gray[0].max() == 0


def test_display_helpers():
    tiny = np.arange(4, dtype=np.uint8).reshape(2, 2, 1)
    big = enlarge(tiny, 10)
    assert big.shape == (10, 10, 1) and big[4, 4, 0] == 0 and big[9, 9, 0] == 3
    assert enlarge(np.zeros((10, 10_000, 1), np.uint8)).shape == (10, 10_000, 1)
    assert enlarge(np.zeros((10, 100, 1), np.uint8)).shape == (140, 1400, 1)
    sampled, step = subsample_for_display(np.zeros((1000, 300)), 100)
    assert step == 10 and sampled.shape == (100, 30)


def test_encode_png_round_trips():
    colour = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(load_image(encode_png(colour)), colour)


@pytest.mark.parametrize(
    "n, text",
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (102, "102nd"),
        (111, "111th"),
    ],
)
def test_ordinals_read_as_english(n, text):
    assert ordinal(n) == text
