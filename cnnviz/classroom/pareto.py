"""The class's best accuracy-for-size runs: the Pareto front of (parameters, test accuracy)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby


def pareto_front(points: Sequence[tuple[float, float | None]]) -> list[int]:
    """Indices of the runs no other run beats: none has at most as many parameters and at least the
    accuracy, with one of the two strictly better. ``points`` are ``(params, test_accuracy)``;
    runs without an accuracy are never on the front. Indices come smallest model first."""
    scored = sorted(
        ((params, accuracy, i) for i, (params, accuracy) in enumerate(points) if accuracy is not None),
        key=lambda p: (p[0], -p[1], p[2]),
    )
    front: list[int] = []
    best: float | None = None  # the best accuracy of all smaller models
    for _, same_size in groupby(scored, key=lambda p: p[0]):
        runs = list(same_size)
        top = runs[0][1]  # only the best of equal-size runs can be on the front (with its ties)
        if best is None or top > best:
            front.extend(i for _, accuracy, i in runs if accuracy == top)
            best = top
    return front
