"""Decode, validate and convert images.

Every image inside the app is a NumPy ``uint8`` array of shape ``(H, W, C)`` with ``C`` 1 (grayscale)
or 3 (RGB order). :func:`load_image` is the only door from user bytes to such an array: it checks the
header before decoding any pixel, so a file that claims 100,000×100,000 pixels never allocates.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from cnnviz.errors import InputError

DEFAULT_MAX_PIXELS = 25_000_000
READABLE_FORMATS = {"PNG", "JPEG", "BMP", "WEBP", "GIF"}
FORMAT_LIST = "PNG, JPEG, BMP, WebP or GIF"
LUMA_WEIGHTS = (0.299, 0.587, 0.114)  # gray from R, G, B: ITU-R BT.601, what OpenCV and Pillow use
CHANNEL_NAMES = ("red", "green", "blue")

# A truncated file must be refused, not silently padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False


def load_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode PNG/JPEG/BMP/WebP/GIF bytes into a ``uint8`` ``(H, W, C)`` array, ``C`` 1 or 3.

    Alpha is composited onto white, 16-bit images are scaled to 8 bits, a GIF gives its first
    frame, and an RGB image whose three channels are equal comes back as one grayscale channel.
    Raises :class:`InputError` for empty data, non-images, truncated files and images over
    ``max_pixels`` (read from the header, before the pixels are decoded).
    """
    if not data:
        raise InputError("The file is empty: there is no image in it.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
            _check_header(picture, max_pixels)
            picture.seek(0)
            picture.load()
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(f"This file is not an image: it should be {FORMAT_LIST}.") from None
    except Image.DecompressionBombError:
        raise InputError(_too_large_message(None, max_pixels)) from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        raise InputError(f"This image could not be decoded; the file may be truncated or damaged ({error}).") from None
    return _to_uint8_array(picture)


def _check_header(picture: Image.Image, max_pixels: int) -> None:
    if picture.format not in READABLE_FORMATS:
        raise InputError(f"{picture.format or 'This'} files are not supported: use {FORMAT_LIST}.")
    width, height = picture.size
    if width < 1 or height < 1:
        raise InputError("This image has no pixels.")
    if width * height > max_pixels:
        raise InputError(_too_large_message((width, height), max_pixels))


def _too_large_message(size: tuple[int, int] | None, max_pixels: int) -> str:
    claimed = f" ({size[0]:,}×{size[1]:,} pixels)" if size else ""
    return (
        f"This image is too large{claimed}: the limit is {max_pixels:,} pixels. "
        "Resize it (for example to 1000×1000) and try again."
    )


def _to_uint8_array(picture: Image.Image) -> np.ndarray:
    """Convert any decoded Pillow image to uint8 (H, W, 1) or (H, W, 3)."""
    mode = picture.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(picture, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        gray = np.clip(np.round(values / top * 255.0), 0, 255).astype(np.uint8)
        return gray[:, :, None]
    if mode == "F":
        values = np.asarray(picture, dtype=np.float64)
        top = 1.0 if values.max(initial=0) <= 1.0 else 255.0
        return np.clip(np.round(values / top * 255.0), 0, 255).astype(np.uint8)[:, :, None]
    has_alpha = mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    if has_alpha:
        rgba = np.asarray(picture.convert("RGBA"), dtype=np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        rgb = rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        return _collapse_gray(np.round(rgb).astype(np.uint8))
    if mode in ("L", "1"):
        return np.asarray(picture.convert("L"), dtype=np.uint8)[:, :, None]
    return _collapse_gray(np.asarray(picture.convert("RGB"), dtype=np.uint8))


def _collapse_gray(rgb: np.ndarray) -> np.ndarray:
    """Return one channel when R, G and B are equal everywhere (a grayscale photo saved as RGB)."""
    if np.array_equal(rgb[:, :, 0], rgb[:, :, 1]) and np.array_equal(rgb[:, :, 1], rgb[:, :, 2]):
        return np.ascontiguousarray(rgb[:, :, :1])
    return np.ascontiguousarray(rgb)


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """Luma (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B) of an (H, W, C) uint8 image, as (H, W, 1)."""
    if image.shape[2] == 1:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[:, :, None]


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize an (H, W, C) image to (height, width, C); area averaging when shrinking."""
    if height < 1 or width < 1:
        raise InputError("The new size must be at least 1×1 pixel.")
    shrinking = height * width < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    resized = cv2.resize(image, (width, height), interpolation=interpolation)
    return resized.reshape(height, width, image.shape[2])


def normalize(image: np.ndarray) -> np.ndarray:
    """Scale uint8 values 0–255 to float32 values in [0, 1] (value / 255), as networks expect."""
    return image.astype(np.float32) / 255.0


def to_uint8(values: np.ndarray) -> np.ndarray:
    """The inverse of :func:`normalize`: values in [0, 1] back to uint8 0–255 (rounded; outside values clipped)."""
    return np.round(np.clip(values, 0, 1) * 255).astype(np.uint8)


def canvas_to_gray(rgba: np.ndarray) -> np.ndarray:
    """Turn the canvas' RGBA pixels into a uint8 (H, W, 1) image of white strokes on black."""
    rgb = rgba[:, :, :3].astype(np.float32)
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0 if rgba.shape[2] == 4 else 1.0
    luma = (rgb * alpha) @ np.array(LUMA_WEIGHTS, dtype=np.float32)
    return np.clip(np.round(luma), 0, 255).astype(np.uint8)[:, :, None]


def enlarge(image: np.ndarray, min_side: int = 280, max_side: int = 1400) -> np.ndarray:
    """Blow a small image up by a whole factor with nearest-neighbour, so each pixel stays a crisp square.

    The factor brings the shorter side to about ``min_side`` without taking the longer one past
    ``max_side`` (a 10×10,000 strip is not worth 78 million display pixels).
    """
    short, long = sorted(image.shape[:2])
    factor = max(1, min(min_side // short, max_side // long))
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def subsample_for_display(values: np.ndarray, max_side: int) -> tuple[np.ndarray, int]:
    """Every k-th row and column of an array so that no side exceeds ``max_side``; returns (array, k).

    Used only to draw large images as heat maps: the numbers shown stay real pixel values.
    """
    step = max(1, -(-max(values.shape[:2]) // max_side))
    return values[::step, ::step], step


def ordinal(n: int) -> str:
    """English ordinal of a positive integer: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 102nd."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, C) uint8 image, for downloads and the browser."""
    buffer = io.BytesIO()
    Image.fromarray(image[:, :, 0] if image.shape[2] == 1 else image).save(buffer, "PNG")
    return buffer.getvalue()


def to_model_input(image: np.ndarray, input_shape: tuple[int, ...], *, center: bool = False) -> np.ndarray:
    """The float32 ``(H, W, C)`` array in [0, 1] a model with ``input_shape`` (H, W, C) expects.

    The image is converted to the model's channels (luma or repeated gray) and resized to H×W.
    ``center=True`` prepares a drawing the way the MNIST digits were prepared: light strokes on a
    dark background (a dark-on-light drawing is inverted), cropped to the strokes, scaled into a
    box of 20/28 of the input's size keeping the aspect ratio, and shifted so that the centre of
    mass sits in the middle. Without this a 99 % MNIST model misreads many canvas drawings.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3) or image.size == 0:
        raise InputError("The image must be a grayscale or RGB picture with at least one pixel.")
    if len(input_shape) != 3 or input_shape[2] not in (1, 3) or not all(input_shape):
        raise InputError(f"This model expects inputs of shape {tuple(input_shape)}; only (H, W, 1) or (H, W, 3) work.")
    height, width, channels = (int(size) for size in input_shape)
    if image.dtype != np.uint8:
        image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    if center:
        prepared = _center_like_mnist(to_grayscale(image), height, width)
    else:
        prepared = normalize(resize(to_grayscale(image) if channels == 1 else image, height, width))
    if prepared.shape[2] != channels:
        prepared = np.repeat(prepared, channels, axis=2)
    return prepared


def _center_like_mnist(gray: np.ndarray, height: int, width: int) -> np.ndarray:
    """MNIST-style (height, width, 1) float32 of a uint8 (H, W, 1) drawing; all zeros when it is blank."""
    values = gray[:, :, 0].astype(np.float32) / 255.0
    border = np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])
    background = float(np.median(border))
    if background > 0.5:  # dark ink on light paper: make the strokes the bright part
        values, background = 1.0 - values, 1.0 - background
    strokes = np.clip(values - background, 0.0, None)
    output = np.zeros((height, width, 1), np.float32)
    if strokes.max() < 0.1:
        return output
    strokes /= strokes.max()
    rows, cols = np.nonzero(strokes > 0.1)
    strokes = strokes[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    box = max(1, round(20 * min(height, width) / 28))
    scale = box / max(strokes.shape)
    new_h, new_w = max(1, round(strokes.shape[0] * scale)), max(1, round(strokes.shape[1] * scale))
    small = cv2.resize(strokes, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    small = small / max(float(small.max()), 1e-6)  # thin strokes stay as bright as MNIST's pen
    # Whole-pixel shift putting the centre of mass in the middle (a sub-pixel shift would blur the strokes).
    ys, xs = np.indices(small.shape)
    mass = small.sum()
    top = int(np.clip(round((height - 1) / 2 - (ys * small).sum() / mass), 0, height - new_h))
    left = int(np.clip(round((width - 1) / 2 - (xs * small).sum() / mass), 0, width - new_w))
    output[top : top + new_h, left : left + new_w, 0] = small
    return output
