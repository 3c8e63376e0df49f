"""The vocabulary of a training's life: the progress events it sends and the states a job goes through.

A training reports to whoever watches it with plain dicts (they cross from the Dask worker to the web
server): ``{"event": Event.BATCH, "epoch": 2, "loss": 0.31, ...}``. Each kind is a TypedDict below, so
a misspelt kind or field is a type error, and :data:`ProgressEvent` is their union. Who sends what:

- the Keras callback (:mod:`cnnviz.training.progress`): ``START``, ``BATCH`` (every few batches),
  ``EPOCH`` (each finished epoch, with the validation scores);
- :func:`cnnviz.training.train`: ``EVALUATE`` before the test set is scored;
- the Dask service (:mod:`cnnviz.training.service`): ``QUEUED`` (place and estimated wait while the
  training waits for a worker), ``SUBMITTING`` (it has a worker) and ``JOINED`` (an identical
  training was already running: how many people watch it).

:class:`JobState` is what :class:`cnnviz.training.TrainingJob` reports to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Final, Literal, TypedDict


class Event:
    """The kinds of progress event (the ``"event"`` value): plain strings, so an event stays plain data
    from the worker to the page; each is the ``Literal`` tag of its TypedDict below."""

    START: Final = "start"
    BATCH: Final = "batch"
    EPOCH: Final = "epoch"
    EVALUATE: Final = "evaluate"
    QUEUED: Final = "queued"
    SUBMITTING: Final = "submitting"
    JOINED: Final = "joined"


class JobState(str, Enum):
    """Where a training job is: the first four while it is active, then how it ended."""

    NEW = "new"
    QUEUED = "queued"
    RUNNING = "running"
    EVALUATING = "evaluating"
    FINISHED = "finished"
    STOPPED = "stopped"  # by the user: the run so far is scored and kept
    CANCELLED = "cancelled"  # abandoned: nothing is kept
    FAILED = "failed"


ACTIVE_STATES = (JobState.NEW, JobState.QUEUED, JobState.RUNNING, JobState.EVALUATING)


class StartEvent(TypedDict):
    event: Literal["start"]
    epochs: int
    batches: int  # per epoch
    train_samples: int
    val_samples: int


class Scores(TypedDict, total=False):
    """Keras' running means since the epoch started (absent when Keras logged none)."""

    loss: float
    accuracy: float


class PositionEvent(Scores):
    """Where training is and how fast it goes (the fields of batch and epoch events)."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based, within the epoch
    batches: int
    step: int  # batches done in all
    steps: int
    images_per_second: float
    eta_seconds: float
    elapsed_seconds: float


class BatchEvent(PositionEvent):
    event: Literal["batch"]


class ValidationScores(TypedDict, total=False):
    val_loss: float
    val_accuracy: float


class EpochEvent(PositionEvent, ValidationScores):
    """The end of an epoch: its history values (``val_*`` with a validation split)."""

    event: Literal["epoch"]


class EvaluateEvent(TypedDict):
    event: Literal["evaluate"]
    test_samples: int


class QueuedEvent(TypedDict):
    event: Literal["queued"]
    position: int  # 1 = next in line
    wait_seconds: float | None


class SubmittingEvent(TypedDict):
    event: Literal["submitting"]


class JoinedEvent(TypedDict):
    event: Literal["joined"]
    watchers: int


ProgressEvent = StartEvent | BatchEvent | EpochEvent | EvaluateEvent | QueuedEvent | SubmittingEvent | JoinedEvent
#: Called with each progress event.
ProgressFn = Callable[[ProgressEvent], None]
#: Asked after every batch: True stops training after it (it may also raise to abandon the run).
StopFn = Callable[[], bool]
