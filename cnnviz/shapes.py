"""Hand-drawn-looking shapes (circle, cross, triangle, square) on a 280×280 canvas like the app's.

Each drawing has a random size, position, stroke width, tilt and wobble, as a student's mouse
drawings do. They fill a "My classes" starter set with one click and give benchmarks and tests a
held-out set of drawings nobody drew by hand.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

CANVAS = 280
SHAPES = ("circle", "cross", "triangle", "square")


def _outline(kind: str, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes of one shape as polylines of (x, y) points around the origin, radius about 1."""
    if kind == "circle":
        start = rng.uniform(0, 2 * math.pi)
        turns = np.linspace(start, start + rng.uniform(1.9, 2.1) * math.pi, 48)
        squash = rng.uniform(0.75, 1.0)
        return [np.stack([np.cos(turns), squash * np.sin(turns)], axis=1)]
    if kind == "cross":
        return [np.array([[-1.0, -1.0], [1.0, 1.0]]), np.array([[1.0, -1.0], [-1.0, 1.0]])]
    if kind == "triangle":
        corners = [(math.cos(a), math.sin(a)) for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
        return [np.array([*corners, corners[0]])]
    if kind == "square":
        return [np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0]])]
    raise ValueError(f"unknown shape {kind!r}: one of {', '.join(SHAPES)}")


def draw_shape(kind: str, rng: np.random.Generator) -> np.ndarray:
    """A ``uint8`` ``(280, 280, 1)`` canvas: ``kind`` in white strokes on black, randomly sized and placed."""
    radius = rng.uniform(45, 110)
    centre = rng.uniform(radius + 10, CANVAS - radius - 10, size=2)
    tilt = math.radians(rng.uniform(-20, 20))
    rotation = np.array([[math.cos(tilt), -math.sin(tilt)], [math.sin(tilt), math.cos(tilt)]])
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)
    stroke = int(rng.integers(8, 28))
    for line in _outline(kind, rng):
        dense = np.concatenate(
            [np.linspace(a, b, 12, endpoint=False) for a, b in zip(line[:-1], line[1:], strict=True)] + [line[-1:]]
        )
        wobble = np.cumsum(rng.normal(0, 0.012, dense.shape), axis=0)
        points = (dense + wobble) @ rotation.T * radius + centre
        cv2.polylines(canvas, [np.round(points).astype(np.int32)], False, 255, stroke, cv2.LINE_AA)
    return canvas[:, :, None]


def example_set(kinds: tuple[str, ...], per_class: int, seed: int = 0) -> dict[str, list[np.ndarray]]:
    """``{kind: [per_class drawings]}``, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return {kind: [draw_shape(kind, rng) for _ in range(per_class)] for kind in kinds}
