"""A teacher's budget for one server: what one training may cost, and how many a session may queue.

Set in ``.streamlit/secrets.toml`` (root-level keys) or environment variables, e.g.::

    CNNVIZ_MAX_EPOCH_IMAGES = 300000     # epochs × training images per training
    CNNVIZ_MAX_TRAINING_SECONDS = 120    # training stops (and is still scored) after this long
    CNNVIZ_MAX_QUEUED_TRAININGS = 6      # trainings one session may ask for at once (experiments)

Unset or empty means no limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cnnviz.errors import InputError

EPOCH_IMAGES_KEY = "CNNVIZ_MAX_EPOCH_IMAGES"
SECONDS_KEY = "CNNVIZ_MAX_TRAINING_SECONDS"
QUEUED_KEY = "CNNVIZ_MAX_QUEUED_TRAININGS"


@dataclass(frozen=True)
class Budget:
    """Limits per training (``None`` = none): epochs × images, seconds of training, trainings queued."""

    max_epoch_images: int | None = None
    max_seconds: float | None = None
    max_queued: int | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Budget:
        """Read the limits from secrets or ``os.environ``; a bad value raises a :class:`ValueError` naming it."""

        def number(key: str, kind: type) -> Any:
            value = settings.get(key)
            if value in (None, ""):
                return None
            try:
                parsed = kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"{key} must be a number, not {value!r}") from None
            if parsed <= 0:
                raise ValueError(f"{key} must be above 0, not {value!r}")
            return parsed

        return cls(number(EPOCH_IMAGES_KEY, int), number(SECONDS_KEY, float), number(QUEUED_KEY, int))

    @property
    def limited(self) -> bool:
        return any(v is not None for v in (self.max_epoch_images, self.max_seconds, self.max_queued))

    def check(self, epochs: int, images: int, trainings: int = 1) -> None:
        """Raise :class:`InputError` saying what to change if a request is over the budget."""
        if self.max_queued is not None and trainings > self.max_queued:
            raise InputError(
                f"This server lets one person queue at most {self.max_queued} training"
                f"{'s' if self.max_queued != 1 else ''} at once (your teacher's limit); "
                f"this asks for {trainings}."
            )
        if self.max_epoch_images is not None and epochs * images > self.max_epoch_images:
            raise InputError(
                f"This server allows at most {self.max_epoch_images:,} epochs × training images per training "
                f"(your teacher's limit); {epochs} epoch{'s' if epochs != 1 else ''} × {images:,} images = "
                f"{epochs * images:,}. Use fewer epochs or fewer training images."
            )

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
