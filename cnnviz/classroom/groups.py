"""Splitting a class into groups for a course experiment ("group A: SGD, group B: Adam").

Deterministic and balanced: students present when the teacher splits the class are dealt out in
joining order (A, B, C, A, B, C, ...); a student who joins later goes to the smallest group (the
first of the smallest on a tie). Group sizes therefore never differ by more than one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cnnviz.classroom.errors import ClassroomError
from cnnviz.classroom.models import EXPERIMENT_CHARS
from cnnviz.classroom.names import clean_text

MAX_GROUPS = 8
GROUP_LABEL_CHARS = 40


def deal(students: int, groups: int) -> list[int]:
    """The group index of each of ``students`` students taken in joining order."""
    if groups < 1:
        raise ValueError("at least one group")
    return [i % groups for i in range(students)]


def smallest_group(sizes: Sequence[int]) -> int:
    """The group a late joiner goes to: the smallest, the first one on a tie."""
    return min(range(len(sizes)), key=lambda i: (sizes[i], i))


def clean_groups(experiment: object, labels: Sequence[object]) -> tuple[str, tuple[str, ...]]:
    """The experiment's name and 2–8 distinct group labels, cleaned; :class:`ClassroomError` otherwise."""
    name = clean_text(experiment, "experiment name", EXPERIMENT_CHARS)
    cleaned = tuple(clean_text(label, "group name", GROUP_LABEL_CHARS) for label in labels)
    if not 2 <= len(cleaned) <= MAX_GROUPS:
        raise ClassroomError(f"Split the class into 2 to {MAX_GROUPS} groups")
    if len({label.casefold() for label in cleaned}) != len(cleaned):
        raise ClassroomError("Give each group a different name")
    return name, cleaned


def experiment_groups(experiment: str, stack: list[dict[str, Any]]) -> list[str]:
    """Group labels for one of the course experiments (``recipes.EXPERIMENTS``): one per variant
    ("SGD lr 0.01", "RMSprop lr 0.001", "Adam lr 0.001"); "A" and "B" for a one-run experiment."""
    from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS

    labels = [variant.label for variant in EXPERIMENTS[experiment].variants(stack, EXPERIMENT_BASE)]
    return labels if len(labels) > 1 else ["A", "B"]
