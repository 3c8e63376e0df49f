"""What runs inside a Dask worker process: the training task, its progress channel and stop switch.

- :func:`dask_setup` is the worker's ``--preload`` hook: it imports TensorFlow/Keras once when the
  worker starts, so the first training does not pay for it.
- :func:`train_task` trains one stack with :func:`cnnviz.training.train` and returns the run as
  plain data (:func:`cnnviz.training.payload.to_payload`: weights, history, test predictions,
  timings), never a Keras object. Progress goes to ``distributed.Queue("progress-<key>")`` at most
  every :data:`FORWARD_SECONDS` (the latest batch event; epoch and evaluate events always);
  ``distributed.Event("stop-<key>")`` stops after the current batch, ``Event("cancel-<key>")``
  abandons the run. A thread waits on each event, so a batch only reads a local flag.
- :func:`recycle_due` tells the server, between tasks, whether this worker should be restarted
  (too many trainings or too much resident memory: each ``fit`` leaves a few MB inside TensorFlow).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cnnviz.memory import limit_malloc_arenas, release_free_memory
from cnnviz.training.errors import TrainingCancelled
from cnnviz.training.events import Event, ProgressEvent
from cnnviz.training.payload import to_payload

#: Seconds between two progress messages sent to the web server (at least 1 per second is promised).
FORWARD_SECONDS = 0.5
_trainings_done = 0


def dask_setup(worker: Any) -> None:
    """``dask worker --preload cnnviz.training.worker``: import TensorFlow now, not on the first Train."""
    limit_malloc_arenas()
    import keras  # noqa: F401 - the import is the point


class _Forwarder:
    """Sends progress events to the web server: every non-batch event, and the latest batch event
    at most every ``every`` seconds (the server's trace undoes Keras' running means, so skipping
    batch events in between loses nothing but detail)."""

    def __init__(self, queue: Any, every: float = FORWARD_SECONDS) -> None:
        self.queue, self.every = queue, every
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
            self.queue.put(events)
            self.sent = time.monotonic()


def _watch(event: Any, flag: threading.Event, finished: threading.Event) -> threading.Thread:
    """A daemon thread that sets ``flag`` as soon as the Dask ``event`` is set (until ``finished``)."""

    def wait() -> None:
        while not finished.is_set():
            if event.wait(timeout=0.5):
                flag.set()
                return

    thread = threading.Thread(target=wait, name="cnnviz-watch", daemon=True)
    thread.start()
    return thread


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

    ``start`` (``{"weights": [...], "history": {...}}``) continues a run for more epochs;
    ``max_seconds`` stops training at the server's time limit (the run so far is still scored).
    Raises :class:`~cnnviz.training.errors.TrainingCancelled` when the web server cancels the run.
    """
    global _trainings_done
    from distributed import Event, Queue, get_client, get_worker

    from cnnviz.training.config import TrainConfig
    from cnnviz.training.fit import train

    client = get_client()
    forward = _Forwarder(Queue(f"progress-{key}", client=client))
    stop, cancel, finished = threading.Event(), threading.Event(), threading.Event()
    _watch(Event(f"stop-{key}", client=client), stop, finished)
    _watch(Event(f"cancel-{key}", client=client), cancel, finished)
    started = time.monotonic()
    timed_out = threading.Event()

    def should_stop() -> bool:
        if cancel.is_set():
            raise TrainingCancelled
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            timed_out.set()
        return stop.is_set() or timed_out.is_set()

    try:
        run = train(
            stack,
            dataset,
            TrainConfig.from_dict(config),
            forward,
            should_stop,
            progress_every=1,
            start_weights=start["weights"] if start else None,
            start_history=start["history"] if start else None,
        )
        forward.flush()
        if timed_out.is_set():
            run.notes = [
                note.replace("Stopped by you", f"Stopped at this server's limit of {max_seconds:g} s per training")
                for note in run.notes
            ]
        payload = to_payload(run)
        payload["worker"] = get_worker().address
        payload["worker_pid"] = os.getpid()
        payload["task_seconds"] = time.monotonic() - started
        del run
        return payload
    finally:
        finished.set()
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
