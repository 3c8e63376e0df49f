"""Trainings sent to the Dask cluster, shared between identical requests, reused from the run store.

:class:`TrainingService` is a ``train_fn`` for :class:`cnnviz.training.TrainingJob`: called in a
job's thread with ``(stack, dataset, config, on_progress, should_stop)``, it returns a
:class:`TrainingRun` like :func:`cnnviz.training.train`, but the web server never trains:

1. a run with the same :func:`~cnnviz.training.keys.training_key` already in the
   :class:`~cnnviz.training.store.RunStore` is returned at once (``run.reused == "stored"``);
2. one running on this server is joined: the caller replays its progress so far and then sees
   the same live events (a ``JOINED`` event first);
3. otherwise a :class:`SharedTraining` waits for a free worker slot (the :class:`TrainingGate`:
   place and estimated wait are sent as ``QUEUED`` events), submits
   :func:`cnnviz.training.worker.train_task` under the key ``cnnviz-train-<hash>-<random>`` and pumps
   its progress queue until the result (plain data) comes back.

Stop: a training watched by one job stops after the current batch; when others watch it too,
the one who pressed Stop leaves it (:class:`TrainingDetached`). Cancel (new run, closed tab)
cancels the task when nobody watches it any more. A worker that dies mid-training fails the
training with a message to try again (the nanny restarts the worker). Between tasks, a worker
that trained ``recycle_after`` times or uses ``recycle_mb`` MB is restarted.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cnnviz.errors import InputError
from cnnviz.training.budget import Budget
from cnnviz.training.cluster import TrainingCluster
from cnnviz.training.config import TrainConfig
from cnnviz.training.errors import TrainingCancelled, TrainingUnavailable
from cnnviz.training.events import Event, JoinedEvent, ProgressEvent, ProgressFn, QueuedEvent, SubmittingEvent
from cnnviz.training.gate import TrainingGate
from cnnviz.training.keys import dataset_fingerprint, training_key, weights_fingerprint
from cnnviz.training.payload import from_payload
from cnnviz.training.run import TrainingRun
from cnnviz.training.store import RunStore

logger = logging.getLogger(__name__)  # what the student sees as a plain message, with its traceback

POLL_SECONDS = 0.2
QUEUED_EVERY = 1.0  # seconds between two QUEUED events of a waiting training
KEPT_DATASETS = 3  # datasets kept scattered on the cluster (the least recently used is released)
NO_WORKER_SECONDS = 90  # a cluster without any worker for this long fails the training instead of hanging
NO_WORKER = (
    "No computer is connected to train networks at the moment (the training cluster has no worker). "
    "Try again in a minute, or ask whoever runs this server."
)
WORKER_LOST = (
    "The computer process that was training your network stopped unexpectedly (it may have run out "
    "of memory, or the server restarted it). Nothing is wrong with your settings: press Train to try "
    "again."
)


class TrainingDetached(TrainingCancelled):
    """The user stopped a training that others watch too: it goes on for them, this job leaves it."""


class SharedTraining:
    """One training on the cluster and the jobs of this server watching it (thread-safe)."""

    def __init__(self, key: str, estimate_seconds: float) -> None:
        self.key, self.estimate_seconds = key, estimate_seconds
        self.task_key = ""
        self.events: list[ProgressEvent] = []
        self.watchers: set[int] = set()
        self.stop_requested = self.cancel_requested = False
        self.done = threading.Event()
        self.payload: dict[str, Any] | None = None
        self.error: BaseException | None = None
        self.running_since: float | None = None
        self.queued_sent = 0.0  # when a waiting training last told its watchers their place (monotonic)
        self._lock = threading.Lock()

    def add_events(self, events: Sequence[ProgressEvent]) -> None:
        with self._lock:
            self.events.extend(events)
            if self.running_since is None and any(e["event"] == Event.START for e in events):
                self.running_since = time.monotonic()

    def events_since(self, cursor: int) -> list[ProgressEvent]:
        with self._lock:
            return self.events[cursor:]

    def join(self, watcher: int) -> int:
        """Add a watcher; returns how many watch now."""
        with self._lock:
            self.watchers.add(watcher)
            return len(self.watchers)

    def leave(self, watcher: int, *, stop: bool) -> bool:
        """Remove a watcher. With ``stop``, the last one stops the training (True) instead of cancelling it."""
        with self._lock:
            self.watchers.discard(watcher)
            if not self.watchers:
                if stop:
                    self.stop_requested = True
                else:
                    self.cancel_requested = True
                return True
            return False

    @property
    def abandoned(self) -> bool:
        with self._lock:
            return self.cancel_requested

    @property
    def joinable(self) -> bool:
        with self._lock:
            return not (self.stop_requested or self.cancel_requested or self.done.is_set())

    def remaining_seconds(self) -> float:
        """Seconds this training still needs: its last ETA while running, the estimate while waiting."""
        with self._lock:
            etas = [e["eta_seconds"] for e in self.events if e["event"] == Event.BATCH or e["event"] == Event.EPOCH]
            return etas[-1] if etas else self.estimate_seconds


class TrainingService:
    """The pages' ``train_fn`` (see the module docstring)."""

    def __init__(
        self,
        cluster: TrainingCluster,
        *,
        store: RunStore | None = None,
        budget: Budget | None = None,
        recycle_after: int = 50,
        recycle_mb: float = 1500.0,
        estimate: Callable[[Any, Any, TrainConfig], float] | None = None,
    ) -> None:
        self.cluster, self.store, self.budget = cluster, store, budget or Budget()
        self.recycle_after, self.recycle_mb = recycle_after, recycle_mb
        self.estimate = estimate or (lambda stack, dataset, config: 60.0)
        self.gate = TrainingGate(capacity=cluster.workers)
        self._running: dict[str, SharedTraining] = {}
        self._datasets: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._watcher_ids = itertools.count(1)
        self.tasks_submitted = 0

    # --- the job's side ---
    def __call__(
        self,
        stack: Sequence[Mapping[str, Any]],
        dataset: Any,
        config: TrainConfig,
        on_progress: ProgressFn,
        should_stop: Callable[[], bool],
        *,
        start: TrainingRun | None = None,
    ) -> TrainingRun:
        config.validate()
        images = config.train_count(len(dataset.y_train))
        self.budget.check(config.epochs - (start.epochs_done if start else 0), images)
        start_data: dict[str, Any] | None = None
        start_id = ""
        if start is not None:
            start_data = {"weights": [w for w in _weights(start)], "history": start.history}
            start_id = weights_fingerprint(start_data["weights"], start.history)
        key = training_key(list(stack), dataset_fingerprint(dataset), config.to_dict(), start_id)
        if self.store is not None and (stored := self.store.get(key)) is not None:
            return from_payload(stored, dataset, reused="stored")

        watcher = next(self._watcher_ids)
        shared, joined = self._join(key, stack, dataset, config, start_data, watcher)
        if joined:
            on_progress(JoinedEvent(event=Event.JOINED, watchers=len(shared.watchers)))
        cursor = 0
        try:
            while True:
                finished = shared.done.wait(POLL_SECONDS)
                events = shared.events_since(cursor)
                cursor += len(events)
                for event in events:
                    on_progress(event)
                if finished:
                    break
                if should_stop():  # raises TrainingCancelled when the job is abandoned
                    if not shared.leave(watcher, stop=True):
                        raise TrainingDetached(
                            f"You left the shared training; it goes on for the {len(shared.watchers)} other "
                            f"{'person' if len(shared.watchers) == 1 else 'people'} who asked for the same one."
                        )
                    watcher = 0  # left already
        except TrainingCancelled:
            if watcher:
                shared.leave(watcher, stop=False)
            raise
        if shared.error is not None:
            raise shared.error
        assert shared.payload is not None  # a job ends with its payload or its error
        return from_payload(shared.payload, dataset, reused="joined" if joined else "")

    def _join(
        self, key: str, stack: Any, dataset: Any, config: TrainConfig, start: Any, watcher: int
    ) -> tuple[SharedTraining, bool]:
        with self._lock:
            shared = self._running.get(key)
            if shared is not None and shared.joinable:
                shared.join(watcher)
                return shared, True
            shared = SharedTraining(key, self.estimate(stack, dataset, config))
            shared.join(watcher)
            self._running[key] = shared
        threading.Thread(
            target=self._pump, args=(shared, list(stack), dataset, config, start), name="cnnviz-pump", daemon=True
        ).start()
        return shared, False

    # --- the server's side: one thread per shared training ---
    def _pump(self, shared: SharedTraining, stack: list, dataset: Any, config: TrainConfig, start: Any) -> None:
        admitted = False
        try:
            admitted = self.gate.acquire(shared, abandon=lambda: self._waiting(shared))
            if not admitted:
                raise TrainingCancelled
            shared.add_events([SubmittingEvent(event=Event.SUBMITTING)])
            try:
                client = self.cluster.client()
            except RuntimeError as error:
                raise TrainingUnavailable(str(error)) from None
            self.gate.capacity = self.cluster.slots()
            data = self._scattered(client, dataset)
            shared.task_key = f"{shared.key}-{uuid.uuid4().hex[:8]}"  # unique: its queue and events are its own
            payload = self._run_task(client, shared, stack, data, config, start)
            if self.store is not None and not payload["stopped"]:
                self.store.put(shared.key, payload)
            shared.payload = payload
            self._recycle(client, payload.get("worker", ""))
        except TrainingCancelled as error:
            shared.error = error
        except InputError as error:
            shared.error = error
        except Exception as error:  # noqa: BLE001 - every failure must reach the watchers
            shared.error = _explain(error)
            if shared.error is not error:  # the plain message replaces the worker's error: keep it in the log
                logger.warning("Training %s lost its worker: %s", shared.key, shared.error, exc_info=error)
            if isinstance(shared.error, TrainingUnavailable):
                with self._lock:
                    self._datasets.clear()  # what a dead worker held is gone
        finally:
            if admitted:
                self.gate.release(shared)
            with self._lock:
                if self._running.get(shared.key) is shared:
                    del self._running[shared.key]
            shared.done.set()

    def _waiting(self, shared: SharedTraining) -> bool:
        """The gate's poll while ``shared`` waits: send its place and wait, and say if it was abandoned."""
        now = time.monotonic()
        if now - shared.queued_sent >= QUEUED_EVERY:
            shared.queued_sent = now
            position = self.gate.position(shared)
            if position:
                wait = self.gate.wait_seconds(shared, _remaining)
                shared.add_events([QueuedEvent(event=Event.QUEUED, position=position, wait_seconds=wait)])
        return shared.abandoned or shared.stop_requested  # stopped before it started: nothing to keep

    def _scattered(self, client: Any, dataset: Any) -> Any:
        """The dataset as a future on the cluster, sent once and reused while it stays in use."""
        fingerprint = dataset_fingerprint(dataset)
        with self._lock:
            future = self._datasets.get(fingerprint)
            if future is not None and future.status == "finished":
                self._datasets.move_to_end(fingerprint)
                return future
        # A fresh key each time: re-sending under a key the scheduler is still releasing (a finished
        # service's copy, or one evicted here) raced inside the scheduler and took the worker down.
        key = f"cnnviz-data-{fingerprint[:16]}-{uuid.uuid4().hex[:8]}"
        # On every worker: data locality would otherwise pull every training onto the one that holds it.
        future = client.scatter({key: dataset}, hash=False, broadcast=True)[key]
        with self._lock:
            self._datasets[fingerprint] = future
            while len(self._datasets) > KEPT_DATASETS:
                self._datasets.popitem(last=False)
        return future

    def _run_task(
        self, client: Any, shared: SharedTraining, stack: list, data: Any, config: TrainConfig, start: Any
    ) -> dict[str, Any]:
        from distributed import Event, Queue

        from cnnviz.training.worker import train_task

        key = shared.task_key
        queue = Queue(f"progress-{key}", client=client)
        events = {name: Event(f"{name}-{key}", client=client) for name in ("stop", "cancel")}
        future = client.submit(
            train_task,
            stack,
            data,
            config.to_dict(),
            key,
            start=start,
            max_seconds=self.budget.max_seconds,
            key=key,
            pure=False,
        )
        self.tasks_submitted += 1
        sent: set[str] = set()
        alone_since = None  # when the cluster was first seen without any worker
        try:
            while not future.done():
                shared.add_events([e for batch in queue.get(batch=True) for e in batch])
                if client.scheduler_info(n_workers=1)["workers"]:
                    alone_since = None
                elif time.monotonic() - (alone_since := alone_since or time.monotonic()) > NO_WORKER_SECONDS:
                    raise TrainingUnavailable(NO_WORKER)
                for name, wanted in (("stop", shared.stop_requested), ("cancel", shared.cancel_requested)):
                    if wanted and name not in sent:
                        events[name].set()
                        sent.add(name)
                time.sleep(POLL_SECONDS)
            shared.add_events([e for batch in queue.get(batch=True) for e in batch])
            return future.result()
        finally:
            future.release()
            for event in events.values():
                event.clear()

    def _recycle(self, client: Any, worker: str) -> None:
        """Restart ``worker`` if it is idle and has trained enough or grown too big (between tasks)."""
        from cnnviz.training.worker import recycle_due

        if not worker:
            return
        try:
            due = client.run(
                recycle_due, max_trainings=self.recycle_after, max_rss_mb=self.recycle_mb, workers=[worker]
            ).get(worker)
            if due:
                with self._lock:
                    self._datasets.clear()
                client.restart_workers([worker], timeout=120, raise_for_error=False)
        except Exception:  # noqa: BLE001 - recycling is housekeeping: the training result is already safe
            logger.warning("Could not recycle the training worker %s", worker, exc_info=True)

    def running(self) -> int:
        with self._lock:
            return len(self._running)


def _remaining(ticket: object) -> float:
    """Seconds a gate ticket still needs (0 for a ticket that is not a shared training)."""
    return ticket.remaining_seconds() if isinstance(ticket, SharedTraining) else 0.0


def _weights(run: TrainingRun) -> list:
    return list(run.weights) if run.weights is not None else run.model.get_weights()


def _explain(error: BaseException) -> BaseException:
    """A worker's death (or the loss of the data it held) as a plain message; other errors as they are."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    if isinstance(error, (KilledWorker, FutureCancelledError)):
        return TrainingUnavailable(WORKER_LOST)
    return error
