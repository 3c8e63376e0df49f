"""A preview of training-time augmentation with OpenCV, so the Datasets page shows it without TensorFlow.

:func:`augment_preview` draws random variants of one image with the ranges of Keras' preprocessing
layers as written in ``TrainConfig.augmentation`` (``RandomRotation``, ``RandomZoom``,
``RandomTranslation``, ``RandomFlip``, ``RandomContrast``), combined into one affine warp with
black (``fill_mode="constant"``) borders. It shows what the ranges mean; during training Keras
draws its own random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np


def _range(value: Any) -> tuple[float, float]:
    """Keras' factor convention: a number f means the range [-f, f], a pair is (low, high)."""
    if isinstance(value, (int, float)):
        return -float(value), float(value)
    low, high = value
    return float(low), float(high)


def augment_preview(
    image: np.ndarray, augmentation: Sequence[Mapping[str, Any]], count: int = 8, seed: int = 0
) -> np.ndarray:
    """``count`` random variants of a ``uint8`` ``(H, W, 1)`` image, ``uint8`` ``(count, H, W, 1)``.

    Rotation ``factor`` is a fraction of a full turn; zoom factors above 0 zoom out (the content
    shrinks by ``1 + z``); translation factors are fractions of the height and width.
    """
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    out = np.empty((count, height, width, 1), np.uint8)
    for i in range(count):
        angle, scale_y, scale_x, shift_y, shift_x, flip_y, flip_x, contrast = 0.0, 1.0, 1.0, 0.0, 0.0, 1, 1, 1.0
        for spec in augmentation:
            kind = spec.get("type")
            if kind == "RandomRotation":
                angle = rng.uniform(*_range(spec["factor"])) * 360.0
            elif kind == "RandomZoom":
                scale_y = 1.0 / (1.0 + rng.uniform(*_range(spec["height_factor"])))
                width_factor = spec.get("width_factor")
                scale_x = scale_y if width_factor is None else 1.0 / (1.0 + rng.uniform(*_range(width_factor)))
            elif kind == "RandomTranslation":
                shift_y = rng.uniform(*_range(spec["height_factor"])) * height
                shift_x = rng.uniform(*_range(spec["width_factor"])) * width
            elif kind == "RandomFlip":
                mode = spec.get("mode", "horizontal_and_vertical")
                flip_x = -1 if "horizontal" in mode and rng.random() < 0.5 else 1
                flip_y = -1 if "vertical" in mode and rng.random() < 0.5 else 1
            elif kind == "RandomContrast":
                low, high = _range(spec["factor"])
                contrast = 1.0 + rng.uniform(low, high)
        out[i, :, :, 0] = _warp(
            image[:, :, 0], angle, (scale_y * flip_y, scale_x * flip_x), (shift_y, shift_x), contrast
        )
    return out


def _warp(
    gray: np.ndarray, angle: float, scale: tuple[float, float], shift: tuple[float, float], contrast: float
) -> np.ndarray:
    """Scale (and flip), rotate by ``angle`` degrees about the centre, shift; black outside; contrast about the mean."""
    height, width = gray.shape
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    turn = math.radians(angle)
    # Counter-clockwise on screen for a positive angle, as Keras' RandomRotation (rows grow downwards).
    rotation = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]])
    linear = rotation @ np.diag([scale[1], scale[0]])
    offset = centre - linear @ centre + np.array([shift[1], shift[0]])
    warped = cv2.warpAffine(
        gray,
        np.hstack([linear, offset[:, None]]).astype(np.float32),
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    if contrast != 1.0:
        mean = float(warped.mean())
        warped = np.clip(np.round((warped.astype(np.float32) - mean) * contrast + mean), 0, 255).astype(np.uint8)
    return warped
