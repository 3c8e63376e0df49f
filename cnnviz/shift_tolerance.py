"""Max pooling's tolerance of small shifts: move a map a few pixels and measure how much each view changes.

The convolution page's "Does max pooling tolerate small shifts?" panel; pure NumPy on :mod:`cnnviz.ops`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnviz import ops


class ShiftChanges(NamedTuple):
    """Relative change (0 = identical) of a map, its max-pooled and its average-pooled version after a shift."""

    feature_map: float
    max_pooled: float
    average_pooled: float


def shift_right(values: np.ndarray, shift: int) -> np.ndarray:
    """The map moved ``shift`` columns to the right, zeros coming in from the left."""
    moved = np.zeros_like(values)
    moved[:, shift:] = values[:, : values.shape[1] - shift]
    return moved


def toy_map() -> np.ndarray:
    """An 8×8 map with four features on even columns: a 1-pixel shift keeps each inside its 2×2 pool window."""
    toy = np.zeros((8, 8))
    toy[[1, 2, 5, 6], [0, 2, 4, 6]] = [9, 7, 8, 6]
    return toy


def relative_change(before: np.ndarray, after: np.ndarray) -> float:
    """Σ |after − before| ÷ Σ |before| over every cell (the denominator kept above 0 for an empty map)."""
    return float(np.abs(after - before).sum() / max(float(np.abs(before).sum()), 1e-12))


def shift_changes(values: np.ndarray, shift: int, window: int) -> ShiftChanges:
    """How much ``values`` and its ``window``×``window`` max and average pooling change when shifted right.

    Raises :class:`cnnviz.errors.InputError` when the window does not fit the map.
    """
    shifted = shift_right(values, shift)
    return ShiftChanges(
        relative_change(values, shifted),
        relative_change(ops.pool2d(values, window), ops.pool2d(shifted, window)),
        relative_change(ops.pool2d(values, window, kind="avg"), ops.pool2d(shifted, window, kind="avg")),
    )
