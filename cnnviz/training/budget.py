"""A teacher's budget for one server: what one training may cost, and how many a person may queue.

Set in ``.streamlit/secrets.toml`` (root-level keys) or environment variables, e.g.::

    CNNVIZ_MAX_EPOCH_IMAGES = 300000     # epochs × training images per training (continued runs count together)
    CNNVIZ_MAX_TRAINING_SECONDS = 120    # the whole task (build, training, testing) ends within a few s of this
    CNNVIZ_MAX_QUEUED_TRAININGS = 6      # trainings one person may have asked this server for at once

Unset or empty means no limit. A value that is not a number above 0 fails *closed*: that setting gets
its :data:`SAFE_DEFAULTS` value (never "no limit") and the log says which setting was bad, once.
A class's budget (:mod:`cnnviz.classroom`) combines with the server's through :func:`effective_budget`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cnnviz.errors import InputError
from cnnviz.settings import setting_number
from cnnviz.text import duration_text

EPOCH_IMAGES_KEY = "CNNVIZ_MAX_EPOCH_IMAGES"
SECONDS_KEY = "CNNVIZ_MAX_TRAINING_SECONDS"
QUEUED_KEY = "CNNVIZ_MAX_QUEUED_TRAININGS"
#: What a malformed setting means instead (bounded, generous enough for the course's notebooks).
SAFE_DEFAULTS: dict[str, int | float] = {EPOCH_IMAGES_KEY: 600_000, SECONDS_KEY: 600.0, QUEUED_KEY: 6}


@dataclass(frozen=True)
class Budget:
    """Limits per training (``None`` = none): epochs × images, seconds of the whole task, trainings queued."""

    max_epoch_images: int | None = None
    max_seconds: float | None = None
    max_queued: int | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Budget:
        """Read the limits from secrets or ``os.environ``; a malformed value gets its safe default (logged)."""
        return cls(
            setting_number(settings, EPOCH_IMAGES_KEY, int, SAFE_DEFAULTS[EPOCH_IMAGES_KEY]),
            setting_number(settings, SECONDS_KEY, float, SAFE_DEFAULTS[SECONDS_KEY]),
            setting_number(settings, QUEUED_KEY, int, SAFE_DEFAULTS[QUEUED_KEY]),
        )

    @property
    def limited(self) -> bool:
        return any(v is not None for v in (self.max_epoch_images, self.max_seconds, self.max_queued))

    def check(self, epochs: int, images: int, trainings: int = 1) -> None:
        """Raise :class:`InputError` saying what to change if a request is over the budget.

        ``epochs`` counts every epoch of the run, those of the runs it continues included, so "Continue"
        cannot add epochs without end; ``trainings`` is how many the person would have queued in all.
        """
        if self.max_queued is not None and trainings > self.max_queued:
            raise InputError(
                f"This server lets one person queue at most {self.max_queued} training"
                f"{'s' if self.max_queued != 1 else ''} at once (your teacher's limit, counting every tab); "
                f"this asks for {trainings}. Wait for yours to finish, or stop one."
            )
        if self.max_epoch_images is not None and epochs * images > self.max_epoch_images:
            raise InputError(
                f"This server allows at most {self.max_epoch_images:,} epochs × training images per training "
                f"(your teacher's limit; a continued run counts with the run it continues); {epochs} "
                f"epoch{'s' if epochs != 1 else ''} × {images:,} images = {epochs * images:,}. "
                "Use fewer epochs or fewer training images."
            )

    def seconds_left(self, spent: float) -> float | None:
        """The time limit for a task that continues runs which already used ``spent`` seconds (None: no limit).

        Raises :class:`InputError` when a continued run has (almost) nothing left, so continuing cannot train
        without end; a new run (``spent`` 0) gets the whole limit, however short.
        """
        if self.max_seconds is None:
            return None
        left = self.max_seconds - spent
        if spent > 0 and left < 1:
            raise InputError(
                f"This run has used the {duration_text(self.max_seconds)} this server allows for one training "
                "(your teacher's limit; a continued run counts with the run it continues). Start a new run instead."
            )
        return left

    def describe(self) -> str:
        """One line for the form, e.g. "at most 300,000 epochs × images and 2 min per training"."""
        parts = []
        if self.max_epoch_images is not None:
            parts.append(f"{self.max_epoch_images:,} epochs × images")
        if self.max_seconds is not None:
            parts.append(f"{self.max_seconds:g} s of training (then it stops and is tested)")
        text = "at most " + " and ".join(parts) + " per training" if parts else ""
        if self.max_queued is not None:
            text += (
                "; " if text else ""
            ) + f"{self.max_queued} training{'s' if self.max_queued != 1 else ''} queued per person"
        return text


def _stricter(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def effective_budget(server: Budget, class_budget: Budget) -> Budget:
    """The limits a class's training obeys: each the stricter of the server's and the class's, so a
    teacher's class budget can tighten the server's budget but never loosen it."""
    return Budget(
        _stricter(server.max_epoch_images, class_budget.max_epoch_images),
        _stricter(server.max_seconds, class_budget.max_seconds),
        _stricter(server.max_queued, class_budget.max_queued),
    )
