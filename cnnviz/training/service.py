"""Trainings sent to the Dask cluster, shared between identical requests, across web servers, and reused.

:class:`TrainingService` is a ``train_fn`` for :class:`cnnviz.training.TrainingJob`: called in a
job's thread with ``(stack, dataset, config, on_progress, should_stop)``, it returns a
:class:`TrainingRun` like :func:`cnnviz.training.train`, but the web server never trains:

0. the request is checked before any work: the budget (:mod:`.budget`: epochs × images of the whole
   run, continued runs included; the time left) and the ceilings (:mod:`.ceilings`: parameters,
   multiply-adds, a batch's layer outputs, the worker's memory);
1. a run with the same :func:`~cnnviz.training.keys.training_key` already in the
   :class:`~cnnviz.training.store.RunStore` is returned at once (``run.reused == "stored"``);
2. one this server already watches is joined in memory: the caller replays its progress so far and
   then sees the same live events (a ``JOINED`` event first);
3. one running on the cluster for another web server (the same scheduler) is attached to: the task key
   is the training key itself (plus the time limit, when there is one), so the scheduler says which
   trainings run, and the submitting server publishes the task's future under that name
   (``Client.publish_dataset``) for others to hold too;
4. otherwise a :class:`SharedTraining` waits for a free worker slot (the :class:`TrainingGate`:
   place and estimated wait are sent as ``QUEUED`` events), submits
   :func:`cnnviz.training.worker.train_task` under that key and reads its progress from the scheduler's
   event log (:mod:`.channel`: every server watching reads it, a late one replays it) until the result
   (plain data) comes back.

Stop: a training watched by one job stops after the current batch; when others watch it too (here or on
another server), the one who pressed Stop leaves it (:class:`TrainingDetached`). Cancel (new run, closed
tab) cancels the task when nobody watches it any more. A worker that dies mid-training fails the
training with a message to try again (the nanny restarts the worker); a cluster that cannot be reached
gives the one message :data:`~cnnviz.training.cluster.UNREACHABLE` (the cluster heals on a later
training). Anything unexpected reaches the student as a plain message and the log with its traceback.
Between tasks, a worker that trained ``recycle_after`` times or uses ``recycle_mb`` MB is restarted.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnnviz.errors import InputError
from cnnviz.training.budget import Budget
from cnnviz.training.ceilings import check_training_cost, training_cost
from cnnviz.training.channel import CANCEL, STOP, ProgressLog, forget, published_name, switch
from cnnviz.training.cluster import UNREACHABLE, TrainingCluster
from cnnviz.training.config import TrainConfig
from cnnviz.training.errors import UNEXPECTED, TrainingCancelled, TrainingUnavailable
from cnnviz.training.events import Event, JoinedEvent, ProgressEvent, ProgressFn, QueuedEvent, SubmittingEvent
from cnnviz.training.gate import TrainingGate
from cnnviz.training.keys import dataset_fingerprint, training_key, weights_fingerprint
from cnnviz.training.payload import from_payload
from cnnviz.training.run import TrainingRun
from cnnviz.training.store import RunStore

logger = logging.getLogger(__name__)  # what the student sees as a plain message, with its traceback

POLL_SECONDS = 0.2
READ_EVERY = 0.5  # seconds between two reads of a task's progress log (the worker writes at most every 0.5 s)
QUEUED_EVERY = 1.0  # seconds between two QUEUED events of a waiting training (and looks at the scheduler)
KEPT_DATASETS = 3  # datasets kept scattered on the cluster (the least recently used is released)
NO_WORKER_SECONDS = 90  # a cluster without any worker for this long fails the training instead of hanging
BUSY_KEY_SECONDS = 60  # a key still ending after this long is left alone: this training gets a private key
START_LOCKS, START_LOCK_SECONDS = 64, 30
RUNNING_STATES = frozenset({"waiting", "no-worker", "queued", "processing", "memory"})
FREE_STATES = frozenset({None, "released", "forgotten"})
WORKER_LOST = (
    "The computer process that was training your network stopped unexpectedly (it may have run out "
    "of memory, or the server restarted it). Nothing is wrong with your settings: press Train to try "
    "again."
)
EXPIRED = (
    "This training did not end within this server's time limit for one training, even after stopping "
    "early: one step of it takes too long here. Use a smaller network, a smaller batch or fewer test images."
)
OTHERS_STOPPED = (
    "The identical training you were watching was stopped by the person who started it. Press Train to "
    "train it again for you."
)


@dataclass(frozen=True)
class _Request:
    """What one training is asked to do (on every server alike): the task's arguments."""

    stack: list
    dataset: Any
    config: TrainConfig
    start: dict[str, Any] | None
    max_seconds: float | None


class TrainingDetached(TrainingCancelled):
    """The user stopped a training that others watch too: it goes on for them, this job leaves it."""


class SharedTraining:
    """One training on the cluster and the jobs of this server watching it (thread-safe)."""

    def __init__(self, key: str, task_key: str, estimate_seconds: float) -> None:
        self.key, self.task_key, self.estimate_seconds = key, task_key, estimate_seconds
        self.registered_as = task_key  # its name among this server's trainings (task_key may turn private)
        self.events: list[ProgressEvent] = []
        self.watchers: set[int] = set()
        self.stop_requested = self.cancel_requested = False
        self.remote = False  # attached to a task another web server started
        self.reused = ""  # "joined" (another server's task) or "stored" (it finished meanwhile) for the run
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
    def left(self) -> bool:
        """Every watcher on this server has stopped or cancelled."""
        with self._lock:
            return self.stop_requested or self.cancel_requested

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
        budget: Budget | None = None,
    ) -> TrainingRun:
        budget = budget or self.budget
        config.validate()
        budget.check(config.epochs, config.train_count(len(dataset.y_train)))  # continued epochs count too
        max_seconds = budget.seconds_left(start.task_seconds if start is not None else 0.0)
        check_training_cost(training_cost(stack, dataset, config), self.cluster.worker_memory())
        start_data: dict[str, Any] | None = None
        start_id = ""
        if start is not None:
            start_data = {"weights": _weights(start), "history": start.history, "task_seconds": start.task_seconds}
            start_id = weights_fingerprint(start_data["weights"], start.history)
        key = training_key(list(stack), dataset_fingerprint(dataset), config.to_dict(), start_id)
        if self.store is not None and (stored := self.store.get(key)) is not None:
            return from_payload(stored, dataset, reused="stored")
        # A time-limited run is shared only with requests under the same limit (it may end stopped).
        task_key = key if max_seconds is None else f"{key}-t{round(max_seconds)}"

        watcher = next(self._watcher_ids)
        request = _Request(list(stack), dataset, config, start_data, max_seconds)
        shared, joined = self._join(key, task_key, request, watcher)
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
                        raise TrainingDetached(_detached_message(len(shared.watchers)))
                    watcher = 0  # left already; the pump stops the task, or leaves it to other servers
        except TrainingCancelled:
            if watcher:
                shared.leave(watcher, stop=False)
            raise
        if shared.error is not None:
            raise shared.error
        assert shared.payload is not None  # a job ends with its payload or its error
        return from_payload(shared.payload, dataset, reused="joined" if joined else shared.reused)

    def _join(self, key: str, task_key: str, request: _Request, watcher: int) -> tuple[SharedTraining, bool]:
        with self._lock:
            shared = self._running.get(task_key)
            if shared is not None and shared.joinable:
                shared.join(watcher)
                return shared, True
            shared = SharedTraining(key, task_key, self.estimate(request.stack, request.dataset, request.config))
            shared.join(watcher)
            self._running[task_key] = shared
        threading.Thread(target=self._pump, args=(shared, request), name="cnnviz-pump", daemon=True).start()
        return shared, False

    # --- the server's side: one thread per shared training ---
    def _pump(self, shared: SharedTraining, request: _Request) -> None:
        admitted = False
        try:
            client = self.cluster.client()
            future, admitted = self._obtain(client, shared)
            if isinstance(future, dict):  # another server finished it meanwhile: from the store
                shared.payload = future
                return
            if future is None:
                future = self._submit(client, shared, request)
            payload = self._follow(client, shared, future)
            if self.store is not None and not payload["stopped"]:
                self.store.put(shared.key, payload)
            shared.payload = payload
            self._recycle(client, payload.get("worker", ""))
        except (TrainingCancelled, InputError, TrainingUnavailable) as error:
            shared.error = error
        except Exception as error:  # noqa: BLE001 - every failure must reach the watchers, as a plain message
            shared.error = self._explain(error)
            logger.warning("Training %s failed (the student reads: %s)", shared.task_key, shared.error, exc_info=error)
        finally:
            if admitted:
                self.gate.release(shared)
            with self._lock:
                if self._running.get(shared.registered_as) is shared:
                    del self._running[shared.registered_as]
                if isinstance(shared.error, TrainingUnavailable):
                    self._datasets.clear()  # what a dead worker or a lost scheduler held is gone
            shared.done.set()

    def _obtain(self, client: Any, shared: SharedTraining) -> tuple[Any, bool]:
        """``(what to follow, admitted)``: a future attached to the task another server runs, a stored payload
        (dict) it finished meanwhile, or None once this server may submit it (``admitted`` by the gate)."""
        admitted, busy_since = False, time.monotonic()
        while True:
            state, future = self._attach(client, shared)
            if future is not None:
                return future, admitted
            if self.store is not None and (stored := self.store.get(shared.key)) is not None:
                shared.reused = "stored"
                return stored, admitted
            if state in FREE_STATES:
                if admitted:
                    return None, admitted
                admitted = self.gate.acquire(shared, abandon=lambda: self._waiting(shared, client))
                if not admitted and shared.left:
                    raise TrainingCancelled  # stopped or abandoned before it started: nothing to keep
                continue  # admitted, or the gate was left because another server started it: look again
            if shared.left:
                raise TrainingCancelled
            if time.monotonic() - busy_since > BUSY_KEY_SECONDS:  # held ending, or erred, by someone else
                shared.task_key = f"{shared.task_key}-{uuid.uuid4().hex[:8]}"
            time.sleep(POLL_SECONDS)

    def _attach(self, client: Any, shared: SharedTraining) -> tuple[str | None, Any]:
        """``(the task's state on the scheduler, a future attached to it or None)``: attached when another server
        runs it (and its last watcher is not ending it), through the future that server published."""
        state = _task_state(client, shared.task_key)
        if state not in RUNNING_STATES or _ending(client, shared.task_key):
            return state, None
        future = client.get_dataset(published_name(shared.task_key), default=None)
        if future is not None:
            shared.remote, shared.reused = True, "joined"
            shared.add_events([JoinedEvent(event=Event.JOINED, watchers=len(shared.watchers) + 1)])
        return state, future

    def _waiting(self, shared: SharedTraining, client: Any) -> bool:
        """The gate's poll while ``shared`` waits: send its place, and say whether to leave the line (abandoned,
        or another server started the same training meanwhile)."""
        now = time.monotonic()
        if now - shared.queued_sent >= QUEUED_EVERY:
            shared.queued_sent = now
            position = self.gate.position(shared)
            if position:
                wait = self.gate.wait_seconds(shared, _remaining)
                shared.add_events([QueuedEvent(event=Event.QUEUED, position=position, wait_seconds=wait)])
            if _task_state(client, shared.task_key) in RUNNING_STATES:
                return True
        return shared.left

    def _submit(self, client: Any, shared: SharedTraining, request: _Request) -> Any:
        """Submit the task under its key (fresh switches and progress log) and publish it for other servers; or
        attach to it, if another server submitted it meanwhile (checked under a scheduler-side lock)."""
        from distributed import Event as DaskEvent

        from cnnviz.training.worker import train_task

        shared.add_events([SubmittingEvent(event=Event.SUBMITTING)])
        client.wait_for_workers(1, timeout=NO_WORKER_SECONDS)  # a (re)started cluster's workers are starting
        self.gate.capacity = self.cluster.slots()
        data = self._scattered(client, request.dataset)
        key = shared.task_key
        with _start_lock(client, key):
            _, future = self._attach(client, shared)
            if future is not None:
                return future
            for kind in (STOP, CANCEL):
                DaskEvent(switch(kind, key), client=client).clear()
            forget(client, key)
            future = client.submit(
                train_task,
                request.stack,
                data,
                request.config.to_dict(),
                key,
                start=request.start,
                max_seconds=request.max_seconds,
                key=key,
                pure=False,
            )
            self.tasks_submitted += 1
            # Published before the lock is released: the scheduler then knows the task (publishing waits for it).
            client.publish_dataset(future, name=published_name(key), override=True)
        return future

    def _follow(self, client: Any, shared: SharedTraining, future: Any) -> dict[str, Any]:
        """Relay the task's progress until its result; stop, cancel or leave it when this server's watchers do."""
        from distributed import Event as DaskEvent

        log = ProgressLog(client, shared.task_key)
        alone_since = None  # when the cluster was first seen without any worker
        read_at = 0.0  # the log is read as often as the worker writes it: each read returns the whole topic
        switched = ""  # the switch this server set, if any
        try:
            while not future.done():
                if time.monotonic() - read_at >= READ_EVERY:
                    read_at = time.monotonic()
                    shared.add_events(log.new_events())
                if log.expired:
                    raise _expired(client, log.worker)
                if client.scheduler_info(n_workers=1)["workers"]:
                    alone_since = None
                elif time.monotonic() - (alone_since := alone_since or time.monotonic()) > NO_WORKER_SECONDS:
                    raise TrainingUnavailable(UNREACHABLE)
                if shared.left and not switched:
                    if _watched_elsewhere(client, shared.task_key):
                        if shared.stop_requested:
                            raise TrainingDetached(_detached_message(0))
                        raise TrainingCancelled
                    switched = STOP if shared.stop_requested and not shared.cancel_requested else CANCEL
                    DaskEvent(switch(switched, shared.task_key), client=client).set()
                time.sleep(POLL_SECONDS)
            shared.add_events(log.new_events())
            if log.expired:
                raise _expired(client, log.worker)
            try:
                payload = future.result()
            except TrainingCancelled:
                if not switched:  # a race: joined just as its last watcher (on another server) cancelled it
                    raise TrainingUnavailable(OTHERS_STOPPED) from None
                raise
            if payload["stopped"] and payload.get("stopped_by_switch") and switched != STOP:
                raise TrainingUnavailable(OTHERS_STOPPED)  # the same race, with a stop
            return payload
        finally:
            if future.done():
                client.unpublish_dataset(published_name(shared.task_key))
            future.release()

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

    def _explain(self, error: BaseException) -> BaseException:
        """A plain message for what went wrong outside the user's settings: a lost worker, a lost cluster, or
        anything unexpected (logged by the caller with its traceback)."""
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        if not self.cluster.ready or isinstance(error, (OSError, TimeoutError)):
            return TrainingUnavailable(UNREACHABLE)
        if isinstance(error, (KilledWorker, FutureCancelledError)):
            return TrainingUnavailable(WORKER_LOST)
        return TrainingUnavailable(UNEXPECTED)

    def running(self) -> int:
        with self._lock:
            return len(self._running)


def _expired(client: Any, worker: str, timeout: float = 30.0) -> TrainingUnavailable:
    """The error for a task its worker ended at the time limit's hard end, once that worker has left the scheduler
    (it says so a moment before it exits: a training sent meanwhile would land on a dying worker)."""
    deadline = time.monotonic() + timeout
    while worker and time.monotonic() < deadline:
        try:
            if worker not in client.scheduler_info(n_workers=-1)["workers"]:
                break
        except Exception:  # noqa: BLE001 - the answer is the same plain message either way
            break
        time.sleep(POLL_SECONDS)
    return TrainingUnavailable(EXPIRED)


def _detached_message(others: int) -> str:
    if others:
        return (
            f"You left the shared training; it goes on for the {others} other "
            f"{'person' if others == 1 else 'people'} who asked for the same one."
        )
    return "You left the shared training; it goes on for the people on other servers who asked for the same one."


@contextlib.contextmanager
def _start_lock(client: Any, key: str) -> Iterator[None]:
    """A scheduler-side lock around "does the task run? else submit it", so identical requests from two servers
    at once make one submission: one of :data:`START_LOCKS` locks, chosen by the key (a lock per key would stay
    on the scheduler forever). Without it in time, go on: the scheduler still runs one task per key."""
    from distributed import Lock

    number = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % START_LOCKS
    lock = Lock(f"cnnviz-start-{number}", scheduler_rpc=client.scheduler, loop=client.loop)
    try:
        held = lock.acquire(timeout=START_LOCK_SECONDS)
    except Exception:  # noqa: BLE001 - the lock is an optimisation; the key is what guarantees one task
        held = False
    try:
        yield
    finally:
        if held:
            with contextlib.suppress(Exception):
                lock.release()
        if getattr(lock, "refresh_callback", None) is not None:
            lock.refresh_callback.stop()


def _task_state(client: Any, key: str) -> str | None:
    """The scheduler's state of the task ``key`` (None if it does not know it)."""
    return client.sync(client.scheduler.get_task_status, keys=[key]).get(key)


def _ending(client: Any, key: str) -> bool:
    """The task's last watcher stopped or cancelled it: it is ending, so it cannot be joined."""
    from distributed import Event as DaskEvent

    return any(DaskEvent(switch(kind, key), client=client).is_set() for kind in (STOP, CANCEL))


def _watched_elsewhere(client: Any, key: str) -> bool:
    """Whether another web server's client holds the task ``key`` (asked of the scheduler)."""

    def others(key: str, me: str, dask_scheduler: Any = None) -> int:  # runs on the scheduler, pickled by value
        task = dask_scheduler.tasks.get(key)
        holders = [c.client_key for c in (task.who_wants or ())] if task is not None else []
        return sum(1 for c in holders if c != me and not c.startswith(("published-", "fire-and-forget")))

    return client.run_on_scheduler(others, key, client.id) > 0


def _remaining(ticket: object) -> float:
    """Seconds a gate ticket still needs (0 for a ticket that is not a shared training)."""
    return ticket.remaining_seconds() if isinstance(ticket, SharedTraining) else 0.0


def _weights(run: TrainingRun) -> list:
    return list(run.weights) if run.weights is not None else run.model.get_weights()
