"""Decode, validate and convert images.

Every image inside the app is a NumPy ``uint8`` array of shape ``(H, W, C)`` with ``C`` 1 (grayscale)
or 3 (RGB order). :func:`load_image` is the only door from user bytes to such an array: it checks the
header before decoding any pixel (:func:`read_header`), so a file that claims 100,000×100,000 pixels
never allocates, and it decodes so that memory never grows much past the image itself: JPEGs are
decoded at 1/2, 1/4 or 1/8 of their size when the caller needs less (``min_side``), other formats
are shrunk by a whole factor right after decoding, and transparency is composited onto white in
``uint8`` in bands of rows (a 5000×5000 RGBA image needs ~200 MB, not 1.4 GB of float copies).
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from cnnviz import limits
from cnnviz.errors import InputError

DEFAULT_MAX_PIXELS = limits.IMAGE_PIXELS.most
READABLE_FORMATS = {"PNG", "JPEG", "BMP", "WEBP", "GIF"}
FORMAT_LIST = "PNG, JPEG, BMP, WebP or GIF"
LUMA_WEIGHTS = (0.299, 0.587, 0.114)  # gray from R, G, B: ITU-R BT.601, what OpenCV and Pillow use
CHANNEL_NAMES = ("red", "green", "blue")
BAND_PIXELS = 1 << 20  # pixels converted at a time (a band of rows): bounds the temporary arrays
JPEG_SCALES = (8, 4, 2, 1)  # the reductions a JPEG decoder does while decoding (Pillow's draft)

# A truncated file must be refused, not silently padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True)
class ImageHeader:
    """What an image file says about itself before any pixel is decoded."""

    format: str  # Pillow's name: "PNG", "JPEG", "BMP", "WEBP", "GIF"
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height

    def decoded_pixels(self, min_side: int | None = None) -> int:
        """Pixels decoding allocates when the caller needs only ``min_side`` per side (see :func:`load_image`).

        A JPEG is decoded at the smallest of 1/8, 1/4, 1/2 or full size that keeps both sides at least
        ``min_side``; other formats are decoded whole.
        """
        if self.format != "JPEG" or not min_side:
            return self.pixels
        scale = jpeg_scale(self.width, self.height, min_side)
        return math.ceil(self.width / scale) * math.ceil(self.height / scale)

    def check(self, *, max_pixels: int = DEFAULT_MAX_PIXELS, subject: str = "This image") -> None:
        """:class:`InputError` for more than ``max_pixels`` pixels, or a shape longer and thinner than
        :data:`cnnviz.limits.IMAGE_ASPECT` allows (a 1×25,000,000 image passes the area check, but no
        page can draw it). ``subject`` starts the message."""
        size = f"{self.width:,}×{self.height:,} pixels"
        _pixels_limit(max_pixels).check(self.pixels, subject, shown=f"{size} = {self.pixels:,} pixels")
        ratio = max(self.width, self.height) / min(self.width, self.height)
        limits.IMAGE_ASPECT.check(ratio, subject, shown=f"{size}, a ratio of {ratio:,.0f}:1")


def jpeg_scale(width: int, height: int, min_side: int) -> int:
    """The largest reduction (8, 4, 2 or 1) a JPEG decoder can apply keeping both sides ≥ ``min_side``."""
    room = min(width, height) // max(1, min_side)
    return next(scale for scale in JPEG_SCALES if room >= scale or scale == 1)


def check_decoding_budget(headers: list[ImageHeader], min_side: int | None, subject: str) -> None:
    """:class:`InputError` when decoding every image of one upload would allocate more pixels than
    :data:`cnnviz.limits.UPLOAD_PIXELS` (JPEGs count at the reduced size ``min_side`` lets them decode at).

    Called with the headers alone, before any image of the upload is decoded.
    """
    decoded = sum(header.decoded_pixels(min_side) for header in headers)
    shown = f"{limits.UPLOAD_PIXELS.text(decoded)} to decode in its {len(headers):,} images"
    limits.UPLOAD_PIXELS.check(decoded, subject, shown=shown)


def read_header(data: bytes) -> ImageHeader:
    """The format and size of an image from its header alone (no pixel decoded), or :class:`InputError`.

    Refuses empty data, non-images and formats other than PNG/JPEG/BMP/WebP/GIF; the size is
    checked by :meth:`ImageHeader.check`.
    """
    picture = _open(data, DEFAULT_MAX_PIXELS, "This image")
    try:
        return _header_of(picture)
    finally:
        picture.close()


def _open(data: bytes, max_pixels: int, subject: str) -> Image.Image:
    """Pillow's lazy image (header read, no pixels yet), or InputError for what is not an image."""
    if not data:
        raise InputError("The file is empty: there is no image in it.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise InputError(f"This file is not an image: it should be {FORMAT_LIST}.") from None
    except Image.DecompressionBombError:  # Pillow's own guard, for sizes far past ours
        claimed = f"more than {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels"
        raise InputError(_pixels_limit(max_pixels).message(math.inf, subject, shown=claimed)) from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        raise InputError(f"This image could not be decoded; the file may be truncated or damaged ({error}).") from None


def _header_of(picture: Image.Image) -> ImageHeader:
    if picture.format not in READABLE_FORMATS:
        raise InputError(f"{picture.format or 'This'} files are not supported: use {FORMAT_LIST}.")
    width, height = picture.size
    if width < 1 or height < 1:
        raise InputError("This image has no pixels.")
    return ImageHeader(str(picture.format), width, height)


def _pixels_limit(max_pixels: int) -> limits.Limit:
    """:data:`cnnviz.limits.IMAGE_PIXELS` with the caller's ``max_pixels`` (a dataset's images allow fewer)."""
    return replace(limits.IMAGE_PIXELS, most=max_pixels)


def load_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, min_side: int | None = None) -> np.ndarray:
    """Decode PNG/JPEG/BMP/WebP/GIF bytes into a ``uint8`` ``(H, W, C)`` array, ``C`` 1 or 3.

    Alpha is composited onto white, 16-bit images are scaled to 8 bits, a GIF gives its first
    frame, a photo's EXIF orientation is applied (a portrait photo comes back upright), and an
    RGB image whose three channels are equal comes back as one grayscale channel.
    ``min_side``: the caller will shrink the image anyway, so it may come back smaller by a whole
    factor as long as both sides stay at least ``min_side`` (a JPEG is decoded at that size).
    Raises :class:`InputError` for empty data, non-images, truncated files, images over
    ``max_pixels`` and extreme shapes (read from the header, before the pixels are decoded).
    """
    picture = _open(data, max_pixels, "This image")
    try:
        header = _header_of(picture)
        header.check(max_pixels=max_pixels)
        orientation = picture.getexif().get(EXIF_ORIENTATION, 1)
        if header.format == "WEBP":  # Pillow's WebP decoder holds three full copies; OpenCV's one
            return oriented(_decode_webp(data, min_side), orientation)
        picture.seek(0)
        if min_side and header.format == "JPEG":
            picture.draft(None, (min_side, min_side))  # decode at 1/2, 1/4 or 1/8 when that is enough
        picture.load()
        factor = _whole_factor(picture.height, picture.width, min_side)
        if factor > 1 and picture.mode in SELF_REDUCING_MODES and "transparency" not in picture.info:
            picture, factor = _reduced(picture, factor), 1
        return oriented(_to_uint8_array(picture, factor), orientation)
    except InputError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, cv2.error) as error:
        raise InputError(f"This image could not be decoded; the file may be truncated or damaged ({error}).") from None
    finally:
        picture.close()


#: Modes Pillow's ``reduce`` shrinks without a full-size copy (for RGBA and LA it first makes a premultiplied
#: copy of every pixel; P and 1 it cannot reduce): those are shrunk band by band after conversion instead.
SELF_REDUCING_MODES = ("L", "RGB", "I;16", "I", "F")


def _whole_factor(height: int, width: int, min_side: int | None) -> int:
    """The largest whole factor both sides can be divided by and stay at least ``min_side`` (1: none)."""
    return max(1, min(height, width) // min_side) if min_side else 1


def _reduced(picture: Image.Image, factor: int) -> Image.Image:
    """``picture`` shrunk by ``factor`` (Pillow's box reduction), the full-size pixels freed."""
    smaller = picture.reduce(factor)
    picture.close()
    return smaller


def _decode_webp(data: bytes, min_side: int | None) -> np.ndarray:
    """A WebP's first frame through OpenCV (decoded straight into one array), alpha on white, shrunk, in bands."""
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise InputError("This image could not be decoded; the file may be truncated or damaged.")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    factor = _whole_factor(pixels.shape[0], pixels.shape[1], min_side)
    order = [2, 1, 0, 3][: pixels.shape[2]] if pixels.shape[2] >= 3 else [0]  # BGR(A) → RGB(A)
    rows = _band_rows(pixels.shape[1], factor)
    bands = ((top, pixels[top : top + rows][:, :, order]) for top in range(0, pixels.shape[0], rows))
    return _assembled(pixels.shape[:2], 1 if len(order) == 1 else 3, bands, factor)


def _band_rows(width: int, factor: int) -> int:
    """Rows per band: about :data:`BAND_PIXELS` pixels, a whole number of ``factor`` (so bands shrink alike)."""
    return max(factor, BAND_PIXELS // width // factor * factor)


def _picture_bands(picture: Image.Image, mode: str, factor: int = 1) -> Iterator[tuple[int, np.ndarray]]:
    """``(top row, pixels)`` of a Pillow image in bands of about :data:`BAND_PIXELS`, each converted to ``mode``
    on its own: no full-size copy is made (a palette image with transparency is never converted whole)."""
    width, height = picture.size
    rows = _band_rows(width, factor)
    for top in range(0, height, rows):
        band = picture.crop((0, top, width, min(height, top + rows)))
        yield top, np.asarray(band if band.mode == mode else band.convert(mode))


def _assembled(
    shape: tuple[int, ...], channels: int, bands: Iterator[tuple[int, np.ndarray]], factor: int
) -> np.ndarray:
    """One ``uint8`` ``(H/factor, W/factor, C)`` array (sides rounded up, as Pillow's ``reduce``) from bands of
    gray, RGB or RGBA rows, each composited onto white (RGBA) and box-shrunk by ``factor`` on its own.

    ``C`` is 1 for gray bands and for colour bands whose three channels are equal everywhere (a grayscale
    picture saved as RGB): rows are kept as one channel until a band with colour comes, so a gray image
    never needs three channels' memory. Compositing before shrinking is what a reduction of premultiplied
    colours then compositing gives.
    """
    height, width = shape[:2]
    size = (-(-height // factor), -(-width // factor))
    gray = np.empty((*size, 1), np.uint8)
    colour: np.ndarray | None = None
    for top, band in bands:
        pixels = composite_on_white(band) if band.ndim == 3 and band.shape[2] == 4 else band
        pixels = pixels.reshape(*pixels.shape[:2], -1)
        if factor > 1:
            shrunk = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).reduce(factor)
            pixels = np.asarray(shrunk).reshape(shrunk.height, shrunk.width, -1)
        rows = slice(top // factor, top // factor + len(pixels))
        if colour is None and channels == 3 and not _all_gray(pixels):
            colour = np.repeat(gray, 3, axis=2)  # the rows so far, as three equal channels
            gray = np.empty((0, 0, 1), np.uint8)  # frees the gray rows
        if colour is not None:
            colour[rows] = pixels
        else:
            gray[rows] = pixels[:, :, :1]
    return colour if colour is not None else gray


def _all_gray(pixels: np.ndarray) -> bool:
    """Whether every pixel of an ``(H, W, C)`` band has equal channels (always for one channel)."""
    return pixels.shape[2] == 1 or bool(
        (pixels[:, :, 0] == pixels[:, :, 1]).all() and (pixels[:, :, 1] == pixels[:, :, 2]).all()
    )


EXIF_ORIENTATION = 0x0112  # the EXIF tag a camera writes instead of rotating the pixels
_ORIENTATIONS = {  # EXIF orientation → how to turn the stored pixels upright (what ImageOps.exif_transpose does)
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


def oriented(image: np.ndarray, orientation: int) -> np.ndarray:
    """An ``(H, W, C)`` image turned upright according to its EXIF ``orientation`` (1–8; others: unchanged)."""
    turn = _ORIENTATIONS.get(int(orientation)) if isinstance(orientation, int) else None
    return np.ascontiguousarray(turn(image)) if turn else image


def _to_uint8_array(picture: Image.Image, factor: int = 1) -> np.ndarray:
    """Any decoded Pillow image as uint8 (H, W, 1) or (H, W, 3), shrunk by ``factor``, one band of rows at a time."""
    mode = picture.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return _scaled_to_uint8(picture)
    has_alpha = mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    target = "RGBA" if has_alpha else "L" if mode in ("L", "1") else "RGB"
    if factor == 1 and mode == target == "L":
        return np.asarray(picture, dtype=np.uint8)[:, :, None]
    channels = 1 if target == "L" else 3
    return _assembled((picture.height, picture.width), channels, _picture_bands(picture, target, factor), factor)


def composite_on_white(rgba: np.ndarray) -> np.ndarray:
    """``uint8`` RGB of ``uint8`` RGBA pixels laid on white: ``round((c·a + 255·(255 − a)) / 255)``, in integers.

    Exact (255 is odd, so there are no ties to round) and 4 bytes of temporary per value instead of float32's 16.
    """
    alpha = rgba[..., 3:4].astype(np.uint16)
    mixed = rgba[..., :3] * alpha + 255 * (255 - alpha) + 127  # at most 65,152: fits uint16
    return (mixed // 255).astype(np.uint8)


def _scaled_to_uint8(picture: Image.Image) -> np.ndarray:
    """16-bit, 32-bit integer or float gray → uint8 (H, W, 1): 16-bit over 65535, floats ≤ 1 over 1, others over 255."""
    mode = picture.mode
    width, height = picture.size
    highest = float(picture.getextrema()[1])  # type: ignore[arg-type]  # one band: (min, max)
    if mode == "F":
        top = 1.0 if highest <= 1.0 else 255.0
    else:
        top = 65535.0 if mode.startswith("I;16") or highest > 255 else 255.0
    out = np.empty((height, width, 1), np.uint8)
    for start, band in _picture_bands(picture, mode):
        values = band.astype(np.float32) if mode == "F" else band.astype(np.float64)
        out[start : start + len(band), :, 0] = np.clip(np.round(values / top * 255.0), 0, 255)
    return out


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


def thumbnail(image: np.ndarray, width: int, max_height: int | None = None) -> np.ndarray:
    """A small picture of ``image`` within ``width`` × ``max_height`` (default twice the width) pixels.

    Small images are blown up with crisp square pixels (:func:`enlarge`), large ones shrunk with area
    averaging; a long thin strip keeps at least one pixel across. Drawn at its own width, it never
    asks the browser (or Streamlit's resizer) for a zero-pixel or 100,000-pixel side.
    """
    max_height = max_height or 2 * width
    height, image_width = image.shape[:2]
    scale = min(width / image_width, max_height / height)
    if scale >= 1:
        return enlarge(image, min(width, max_height), max(width, max_height))
    size = (max(1, round(image_width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], image.shape[2])


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
