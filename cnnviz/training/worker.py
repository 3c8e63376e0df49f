"""What runs inside a Dask worker process: the training task, its progress, its switches and its guards.

- :func:`dask_setup` is the worker's ``--preload`` hook: it imports TensorFlow/Keras once when the
  worker starts, so the first training does not pay for it.
- :func:`train_task` trains one stack with :func:`cnnviz.training.train` and returns the run as
  plain data (:func:`cnnviz.training.payload.to_payload`: weights, history, test predictions,
  timings), never a Keras object. Progress goes to the scheduler's event log
  (:mod:`cnnviz.training.channel`, readable by every web server watching) at most every
  :data:`FORWARD_SECONDS` (the latest batch event; other events always); the ``stop`` switch stops
  after the current batch, ``cancel`` abandons the run, and so does the scheduler releasing the task
  (no web server wants it any more). A :class:`_Watchdog` thread reads the switches, the process's
  memory and the clock, so a batch only reads local flags.
- Guards: the task's time limit covers the whole task (:mod:`cnnviz.training.deadline`): a task still
  running :data:`~cnnviz.training.deadline.HARD_GRACE_SECONDS` after it is ended with its worker process
  (its nanny starts a new one); a task whose process passes :data:`MEMORY_GUARD` of the worker's memory
  limit stops with a plain message (the nanny ends a worker at 95 % of it).
- :func:`recycle_due` tells the server, between tasks, whether this worker should be restarted
  (too many trainings or too much resident memory: each ``fit`` leaves a few MB inside TensorFlow).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cnnviz.memory import limit_malloc_arenas, release_free_memory
from cnnviz.text import format_bytes
from cnnviz.training.channel import CANCEL, STOP, Publisher, published_name, switch
from cnnviz.training.deadline import HARD_GRACE_SECONDS
from cnnviz.training.errors import TrainingCancelled, WorkerMemoryExceeded
from cnnviz.training.events import Event, ProgressEvent
from cnnviz.training.payload import to_payload

logger = logging.getLogger(__name__)

#: Seconds between two progress messages sent to the web server (at least 1 per second is promised).
FORWARD_SECONDS = 0.5
#: Share of the worker's memory limit at which a training stops itself with a plain message.
MEMORY_GUARD = 0.9
WATCH_SECONDS = 0.25  # how often the watchdog looks
_trainings_done = 0


def dask_setup(worker: Any) -> None:
    """``dask worker --preload cnnviz.training.worker``: import TensorFlow now, not on the first Train."""
    limit_malloc_arenas()
    import keras  # noqa: F401 - the import is the point


class _Forwarder:
    """Sends progress events to the web servers: every non-batch event, and the latest batch event
    at most every ``every`` seconds (the server's trace undoes Keras' running means, so skipping
    batch events in between loses nothing but detail)."""

    def __init__(self, publish: Callable[[Sequence[ProgressEvent]], None], every: float = FORWARD_SECONDS) -> None:
        self.publish, self.every = publish, every
        self.pending: ProgressEvent | None = None
        self.sent = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        if event["event"] == Event.BATCH:
            self.pending = event
            if time.monotonic() - self.sent >= self.every:
                self.flush()
            return
        self.flush([event])

    def flush(self, extra: Sequence[ProgressEvent] = ()) -> None:
        events = ([self.pending] if self.pending else []) + list(extra)
        self.pending = None
        if events:
            self.publish(events)
            self.sent = time.monotonic()


class _Watchdog(threading.Thread):
    """Watches one task from beside it: the stop and cancel switches, whether the scheduler still wants
    the task, the process's memory and the hard end of its time limit."""

    def __init__(
        self,
        worker: Any,
        key: str,
        publisher: Publisher,
        hard_end: float | None,
        *,
        rss: Callable[[], int] | None = None,
        end_process: Callable[[int], Any] = os._exit,
    ) -> None:
        super().__init__(name="cnnviz-watchdog", daemon=True)
        import psutil
        from distributed import Event

        self.worker, self.key, self.publisher, self.hard_end = worker, key, publisher, hard_end
        process = psutil.Process()
        self.rss = rss or (lambda: process.memory_info().rss)
        self.end_process = end_process
        self.switches = {kind: Event(switch(kind, key), client=worker.client) for kind in (STOP, CANCEL)}
        self.stop, self.cancel, self.finished = threading.Event(), threading.Event(), threading.Event()
        self.memory_limit = int(getattr(getattr(worker, "memory_manager", None), "memory_limit", 0) or 0)
        self.memory_used = 0

    def run(self) -> None:
        while not self.finished.wait(WATCH_SECONDS):
            if self.hard_end is not None and time.monotonic() > self.hard_end:
                self._expire()
            if self.memory_limit:
                rss = self.rss()
                if rss > MEMORY_GUARD * self.memory_limit:
                    self.memory_used = rss
            if not self.stop.is_set() and self._switched(STOP):
                self.stop.set()
            if not self.cancel.is_set() and (self._switched(CANCEL) or not self._wanted()):
                self.cancel.set()

    def _switched(self, kind: str) -> bool:
        try:
            return bool(self.switches[kind].is_set())
        except Exception:  # noqa: BLE001 - the scheduler is unreachable for a moment: ask again next time
            return False

    def _wanted(self) -> bool:
        """False once the scheduler has released the task (no web server holds it any more)."""
        task = self.worker.state.tasks.get(self.key)
        return task is not None and task.state != "cancelled"

    def _expire(self) -> None:
        """The task outlived its time limit by the grace period inside one step nothing can interrupt: say so
        to the watchers, then end this worker process (its nanny starts a fresh one)."""
        logger.warning(
            "Training %s passed its time limit by %s s: ending the worker process", self.key, HARD_GRACE_SECONDS
        )
        try:
            self.publisher.expired()
            time.sleep(1.0)  # the message leaves on the worker's batched stream first
        finally:
            self.finished.set()
            self.end_process(1)

    def should_stop(self) -> bool:
        """The training's ``should_stop``: raises to abandon the run, True to stop after this batch."""
        if self.cancel.is_set():
            raise TrainingCancelled
        if self.memory_used:
            raise WorkerMemoryExceeded(
                f"This training used {format_bytes(self.memory_used)} of memory, more than a training may use on "
                f"this server's workers ({format_bytes(self.memory_limit)}); it was stopped. Use a smaller batch, "
                "fewer training images or a smaller network."
            )
        return self.stop.is_set()


def train_task(
    stack: Sequence[Mapping[str, Any]],
    dataset: Any,
    config: Mapping[str, Any],
    key: str,
    *,
    start: Mapping[str, Any] | None = None,
    max_seconds: float | None = None,
) -> dict[str, Any]:
    """Train in this worker and return the run as plain data (see the module docstring).

    ``start`` (``{"weights": [...], "history": {...}, "task_seconds": s}``) continues a run for more
    epochs; ``max_seconds`` bounds the whole task (the run so far is still scored, see
    :mod:`cnnviz.training.deadline`). Raises :class:`~cnnviz.training.errors.TrainingCancelled` when the
    web servers cancel the run.
    """
    global _trainings_done
    from distributed import get_worker

    from cnnviz.training.config import TrainConfig
    from cnnviz.training.fit import train

    started = time.monotonic()
    worker = get_worker()
    publisher = Publisher(worker.log_event, key)
    publisher.begin(worker.address)
    forward = _Forwarder(publisher.events)
    hard_end = None if max_seconds is None else started + max_seconds + HARD_GRACE_SECONDS
    watchdog = _Watchdog(worker, key, publisher, hard_end)
    watchdog.start()
    try:
        run = train(
            stack,
            dataset,
            TrainConfig.from_dict(config),
            forward,
            watchdog.should_stop,
            progress_every=1,
            start_weights=start["weights"] if start else None,
            start_history=start["history"] if start else None,
            time_limit=None if max_seconds is None else max_seconds - (time.monotonic() - started),
        )
        forward.flush()
        payload = to_payload(run)
        payload["worker"] = worker.address
        payload["worker_pid"] = os.getpid()
        payload["task_seconds"] = time.monotonic() - started + float((start or {}).get("task_seconds", 0.0))
        payload["stopped_by_switch"] = watchdog.stop.is_set()  # by a watcher, not by the time limit
        del run
        return payload
    finally:
        watchdog.finished.set()
        with contextlib.suppress(Exception):  # no longer offered to other servers: holders keep their futures
            worker.client.unpublish_dataset(published_name(key))
        _trainings_done += 1
        release_free_memory()


def recycle_due(dask_worker: Any, max_trainings: int, max_rss_mb: float) -> bool:
    """True if this worker is idle and has trained ``max_trainings`` times or uses ``max_rss_mb`` MB or more.

    Called by the web server through ``Client.run`` between tasks; it then restarts the worker
    (``Client.restart_workers``), so a running training is never killed.
    """
    if dask_worker.state.executing_count:
        return False
    import psutil

    rss_mb = psutil.Process().memory_info().rss / 2**20
    return _trainings_done >= max_trainings or rss_mb >= max_rss_mb
