"""The Keras callback behind :func:`cnnviz.training.train`: progress events (:mod:`.events`) and a stop switch.

Importing this module imports Keras (the class subclasses ``keras.callbacks.Callback``), so
:mod:`cnnviz.training.fit` imports it inside ``train`` only, when TensorFlow is needed anyway.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np

from cnnviz.training.events import (
    BatchEvent,
    EpochEvent,
    Event,
    PositionEvent,
    ProgressEvent,
    ProgressFn,
    Scores,
    StartEvent,
    StopFn,
    ValidationScores,
)
from cnnviz.training.run import HISTORY_KEYS


class TrainingProgress(keras.callbacks.Callback):
    """Turns Keras' batch and epoch hooks into plain-dict progress events and a stop switch."""

    def __init__(
        self,
        on_progress: ProgressFn | None,
        should_stop: StopFn | None,
        *,
        every: int,
        epochs: int,
        steps: int,
        batch_size: int,
        samples: int,
        val_samples: int,
        history: dict[str, list[float]],
    ) -> None:
        super().__init__()
        self.on_progress, self.should_stop, self.every = on_progress, should_stop, every
        self.epochs, self.steps, self.batch_size = epochs, steps, batch_size
        self.samples, self.val_samples = samples, val_samples
        self.history = history  # a continued run's epochs so far, then this training's
        self._first_epoch = len(history.get("loss", []))
        self.stop_requested = False
        self.stopped_at: tuple[int, int] | None = None  # (epoch, batch), 1-based
        self.images_per_second = 0.0
        self._epoch = self._first_epoch
        self._train_seconds = 0.0  # time inside training batches of the finished epochs
        self._val_seconds = 0.0  # time of the last validation pass
        self.steps_done = 0
        self._first_step = 0.0  # seconds of the first batch (includes building the graph)

    # --- training ---
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._started = time.perf_counter()
        self._emit(
            StartEvent(
                event=Event.START,
                epochs=self.epochs,
                batches=self.steps,
                train_samples=self.samples,
                val_samples=self.val_samples,
            )
        )

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch
        self._epoch_started = self._last_batch_end = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.steps_done += 1
        self._last_batch_end = time.perf_counter()
        if self.steps_done == 1:
            self._first_step = self._last_batch_end - self._epoch_started
        if self.should_stop is not None and not self.stop_requested and self.should_stop():
            self.stop_requested = True
            self.stopped_at = (self._epoch + 1, batch + 1)
            self.model.stop_training = True
        if (batch + 1) % self.every == 0 or self.stop_requested:
            event = BatchEvent(event=Event.BATCH, **self._position(batch))
            event.update(_scores(logs))
            self._emit(event)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        in_epoch = self._last_batch_end - self._epoch_started
        if self.stop_requested and self.stopped_at and self.stopped_at[1] < self.steps:
            for key in [k for k in logs if k.startswith("val_")]:
                del logs[key]  # half an epoch's numbers would mislead EarlyStopping and the curves
        else:
            for key, value in _floats(logs, HISTORY_KEYS).items():
                self.history.setdefault(key, []).append(value)
            last = {key: values[-1] for key, values in self.history.items()}
            event = EpochEvent(event=Event.EPOCH, **self._position(self.steps - 1, validated=True))
            event.update(_scores(last))
            event.update(_validation_scores(last))
            self._emit(event)
        self._train_seconds += in_epoch

    # --- validation inside fit, and the final prediction ---
    def on_test_begin(self, logs: dict | None = None) -> None:
        self._val_started = time.perf_counter()

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        if self.stop_requested:
            self.model.stop_evaluating = True  # a stopped run need not validate a half epoch

    def on_test_end(self, logs: dict | None = None) -> None:
        self._val_seconds = time.perf_counter() - self._val_started

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.should_stop is not None:
            self.should_stop()  # only so that an abandoning should_stop can raise here too

    # --- helpers ---
    def _position(self, batch: int, *, validated: bool = False) -> PositionEvent:
        in_epoch = self._last_batch_end - self._epoch_started
        seen = (batch + 1) * self.batch_size
        if self.steps_done > 1:  # the first step also traces the graph: leave it out of the pace
            per_step = (self._train_seconds + in_epoch - self._first_step) / (self.steps_done - 1)
        else:
            per_step = self._first_step
        if self._epoch == self._first_epoch and batch > 0:
            seen, in_epoch = seen - self.batch_size, in_epoch - self._first_step
        self.images_per_second = min(seen, self.samples) / max(in_epoch, 1e-9)
        remaining_steps = self.epochs * self.steps - (self._epoch * self.steps + batch + 1)
        remaining_vals = (self.epochs - self._epoch - validated) if self.val_samples else 0
        val_guess = self._val_seconds or self.val_samples / max(3 * self.images_per_second, 1e-9)
        return PositionEvent(
            epoch=self._epoch + 1,
            epochs=self.epochs,
            batch=batch + 1,
            batches=self.steps,
            step=self._epoch * self.steps + batch + 1,
            steps=self.epochs * self.steps,
            images_per_second=self.images_per_second,
            eta_seconds=remaining_steps * per_step + remaining_vals * val_guess,
            elapsed_seconds=time.perf_counter() - self._started,
        )

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def notes(self, stopper: Any) -> list[str]:
        """Plain-words notes on how training ended."""
        out = []
        if self.stopped_at:
            epoch, batch = self.stopped_at
            kept = len(self.history.get("loss", []))
            out.append(
                f"Stopped by you after batch {batch} of {self.steps} in epoch {epoch}; the history "
                f"holds the {kept} complete epoch{'s' if kept != 1 else ''}."
            )
        if stopper is not None and stopper.stopped_epoch > 0 and not self.stopped_at:
            out.append(
                f"Early stopping: the validation loss had not improved for {stopper.patience} epochs, "
                f"so training stopped after epoch {stopper.stopped_epoch + 1}."
            )
        if stopper is not None and stopper.best_weights is not None and self.history.get("val_loss"):
            best = int(np.argmin(self.history["val_loss"])) + 1
            out.append(f"The model keeps the weights of epoch {best}, the lowest validation loss.")
        return out


def _scores(values: Mapping[str, Any] | None) -> Scores:
    """The loss and accuracy among ``values`` (Keras logs, or the last epoch's history) as plain floats."""
    scores = Scores()
    if values and "loss" in values:
        scores["loss"] = float(values["loss"])
    if values and "accuracy" in values:
        scores["accuracy"] = float(values["accuracy"])
    return scores


def _validation_scores(values: Mapping[str, Any]) -> ValidationScores:
    scores = ValidationScores()
    if "val_loss" in values:
        scores["val_loss"] = float(values["val_loss"])
    if "val_accuracy" in values:
        scores["val_accuracy"] = float(values["val_accuracy"])
    return scores


def _floats(logs: Mapping[str, Any] | None, keys: Sequence[str]) -> dict[str, float]:
    """The named Keras log values as plain Python floats (logs may hold NumPy or tensor scalars)."""
    return {key: float(logs[key]) for key in keys if logs and key in logs}
