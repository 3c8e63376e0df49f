"""Small calculations behind the Pixels page: an image's numbers, colours as numbers, what resizing loses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cnnviz.errors import InputError
from cnnviz.images import LUMA_WEIGHTS, resize

WORKED_COLOURS = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "white": (255, 255, 255),
    "black": (0, 0, 0),
    "forest green #0B6623": (11, 102, 35),
}


def hex_to_rgb(code: str) -> tuple[int, int, int]:
    """``"#0B6623"`` → ``(11, 102, 35)``: two hexadecimal digits per channel."""
    digits = code.strip().removeprefix("#")
    if len(digits) != 6:
        raise InputError(f"{code!r} is not a colour code like #0B6623.")
    try:
        red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        raise InputError(f"{code!r} is not a colour code like #0B6623.") from None
    return red, green, blue


def rgb_to_hex(rgb: tuple[int, int, int]) -> str:
    """``(11, 102, 35)`` → ``"#0B6623"``."""
    return "#" + "".join(f"{int(value):02X}" for value in rgb)


def luma(rgb: tuple[int, int, int]) -> float:
    """Gray value of one RGB pixel: 0.299·R + 0.587·G + 0.114·B (not rounded)."""
    return float(np.dot(LUMA_WEIGHTS, rgb))


def luma_formula(rgb: tuple[int, int, int] | None = None) -> str:
    """The luma weights written out: ``0.299·R + 0.587·G + 0.114·B``, or with a pixel's values in place of R, G, B."""
    values = ("R", "G", "B") if rgb is None else tuple(int(v) for v in rgb)
    return " + ".join(f"{weight}·{value}" for weight, value in zip(LUMA_WEIGHTS, values, strict=True))


def unit_values(values: list[int]) -> list[float]:
    """0–255 pixel values scaled to [0, 1] (value / 255), as networks get them."""
    return [value / 255 for value in values]


@dataclass(frozen=True)
class ImageStats:
    """An image's numbers at a glance: how many, the smallest, the largest and their mean."""

    count: int
    low: int
    high: int
    mean: float


def image_stats(image: np.ndarray) -> ImageStats:
    """How many numbers a uint8 image holds (every channel counts), and their range and mean."""
    return ImageStats(int(image.size), int(image.min()), int(image.max()), float(image.mean()))


def centre_pixel(image: np.ndarray) -> tuple[int, int]:
    """``(row, column)`` of an image's centre pixel (the lower-right one of the middle four when a side is even)."""
    return image.shape[0] // 2, image.shape[1] // 2


def centred_block(height: int, width: int, largest: int = 16) -> tuple[int, int, int]:
    """``(top, left, size)`` of the largest square block up to ``largest`` wide, centred in a height × width image."""
    size = min(largest, height, width)
    return max(0, height // 2 - size // 2), max(0, width // 2 - size // 2), size


def window(image: np.ndarray, top: int, left: int, size: int) -> np.ndarray:
    """The ``size``×``size`` block of an (H, W, C) image starting at (top, left), clipped to the image."""
    top = int(np.clip(top, 0, image.shape[0] - 1))
    left = int(np.clip(left, 0, image.shape[1] - 1))
    return image[top : top + size, left : left + size]


@dataclass(frozen=True)
class ResizeLoss:
    """What shrinking an image to (height, width) keeps and loses."""

    small: np.ndarray  # the shrunk image
    restored: np.ndarray  # shrunk then enlarged back to the original size
    values_before: int
    values_after: int
    mean_abs_error: float  # average |original - restored| in 0–255 units

    @property
    def kept_percent(self) -> float:
        """The numbers kept, as a percentage of the original's."""
        return 100 * self.values_after / self.values_before


def resize_loss(image: np.ndarray, height: int, width: int) -> ResizeLoss:
    """Shrink (or grow) an image and measure the detail lost by resizing it back."""
    small = resize(image, height, width)
    restored = resize(small, image.shape[0], image.shape[1])
    error = np.abs(image.astype(np.int16) - restored.astype(np.int16)).mean()
    return ResizeLoss(small, restored, image.size, small.size, float(error))
