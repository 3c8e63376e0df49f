"""Training in a background thread: a job object a web page can poll, stop and forget safely.

- :class:`TrainingGate`: first come, first served admission of at most ``capacity`` trainings at
  once on this server (a queue, so a page can say "you are next").
- :class:`TrainingJob`: runs one or more :class:`TrainingPlan` one after the other in a daemon
  thread. The page reads :meth:`TrainingJob.snapshot` (copies taken under a lock, plain values);
  :meth:`~TrainingJob.stop` ends training within one batch and still scores the test set;
  :meth:`~TrainingJob.cancel` abandons the job (a new run replaces it, or its page is gone).
  An ``owner_alive`` check lets the job cancel itself when nobody watches it any more.
  Any exception inside the thread ends the job as ``"failed"`` with its message kept for the page.
  Its ``train_fn`` is :func:`cnnviz.training.train` (in this thread) or, in the app, the Dask
  :class:`~cnnviz.training.service.TrainingService`, which queues by itself and reports its place
  with ``{"event": "queued", "position", "wait_seconds"}`` progress events.

Nothing here imports Streamlit; the thread never touches the page.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnnviz.errors import InputError
from cnnviz.memory import release_free_memory
from cnnviz.training.config import TrainConfig
from cnnviz.training.fit import train
from cnnviz.training.run import HISTORY_KEYS, TrainingRun

logger = logging.getLogger(__name__)  # unexpected failures, with their traceback, for the operator

ACTIVE_STATES = ("new", "queued", "running", "evaluating")
#: Live curve points kept per run; older points are thinned out beyond this.
MAX_TRACE_POINTS = 2000
GATE_POLL_SECONDS = 0.25


class TrainingCancelled(Exception):
    """The job was abandoned (replaced by a new one, or its page closed); its results are dropped.

    A message, if any, is shown on the page (e.g. "You left the shared training...").
    """


class TrainingUnavailable(RuntimeError):
    """The training could not run for a reason outside the user's settings (a worker died, the
    cluster is unreachable); the message says what to do and is shown as it is."""


@dataclass(frozen=True)
class TrainingPlan:
    """One run to do: a stack, a dataset (see :func:`cnnviz.training.train`), a config, a label;
    ``start``: a finished :class:`TrainingRun` to continue up to ``config.epochs`` (its weights)."""

    stack: list[dict[str, Any]]
    dataset: Any
    config: TrainConfig = field(default_factory=TrainConfig)
    label: str = ""
    start: Any = None


class TrainingGate:
    """Admit at most ``capacity`` trainings at a time, in arrival order.

    ``acquire`` blocks until it is the caller's turn (or ``abandon()`` turns True while waiting);
    ``position`` tells a waiting ticket how many are ahead of it.
    """

    def __init__(self, capacity: int = 1) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._changed = threading.Condition()
        self._waiting: deque[object] = deque()
        self._holders: dict[int, object] = {}

    def acquire(self, ticket: object, *, abandon: Callable[[], bool] = lambda: False) -> bool:
        """Wait for a free slot; True once admitted, False if ``abandon()`` became True first."""
        with self._changed:
            self._waiting.append(ticket)
            try:
                while True:
                    if self._waiting[0] is ticket and len(self._holders) < self.capacity:
                        self._holders[id(ticket)] = ticket
                        return True
                    if abandon():
                        return False
                    self._changed.wait(GATE_POLL_SECONDS)  # abandon() is checked this often
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()

    def release(self, ticket: object) -> None:
        with self._changed:
            self._holders.pop(id(ticket), None)
            self._changed.notify_all()

    def position(self, ticket: object) -> int | None:
        """0 while admitted, 1 if next in line, 2 if one is ahead of it...; None if unknown."""
        with self._changed:
            if id(ticket) in self._holders:
                return 0
            for index, waiting in enumerate(self._waiting):
                if waiting is ticket:
                    return index + 1
            return None

    def wait_seconds(self, ticket: object, remaining: Callable[[Any], float]) -> float | None:
        """Estimated seconds until ``ticket`` starts, given each ticket's ``remaining(ticket)`` seconds.

        The running trainings free their slots as they end; each one waiting ahead takes the slot
        freed first. None if the ticket is not waiting.
        """
        with self._changed:
            if ticket not in self._waiting:
                return None
            ahead = list(itertools.takewhile(lambda t: t is not ticket, self._waiting))
            busy = [remaining(t) for t in self._holders.values()]
            slots = sorted(busy + [0.0] * max(0, self.capacity - len(busy)))
        for waiting in ahead:
            heapq.heapreplace(slots, slots[0] + remaining(waiting))
        return max(0.0, slots[0])

    def load(self) -> tuple[int, int]:
        """``(running, waiting)`` trainings right now."""
        with self._changed:
            return len(self._holders), len(self._waiting)


@dataclass(frozen=True)
class JobSnapshot:
    """A consistent copy of a job's state for one page refresh.

    ``state``: "new", "queued", "running", "evaluating", then "finished", "stopped" (by the user;
    the run is kept), "cancelled" (``error`` may say why) or "failed" (``error`` says why).
    ``queue_wait`` estimates the seconds until a queued training starts; ``watchers`` counts the
    people watching the same (shared) training. ``progress`` is the last progress
    event of the current run; ``trace`` its live points ``(epoch_float, loss, accuracy)``, each the
    mean of the batches since the previous point; ``history`` its per-epoch values so far; ``runs``
    the finished runs of the job.
    """

    state: str
    plan_index: int
    plan_count: int
    label: str
    progress: dict[str, Any]
    trace: tuple[tuple[float, float, float], ...]
    history: dict[str, list[float]]
    runs: tuple[TrainingRun, ...]
    error: str | None
    queue_position: int | None
    queue_wait: float | None = None
    watchers: int = 1

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class TrainingJob:
    """Run ``plans`` one after the other in a daemon thread (see the module docstring)."""

    def __init__(
        self,
        plans: Sequence[TrainingPlan],
        *,
        gate: TrainingGate | None = None,
        owner_alive: Callable[[], bool] | None = None,
        orphan_grace_seconds: float = 20.0,
        check_owner_every: float = 2.0,
        train_fn: Callable[..., TrainingRun] = train,
    ) -> None:
        if not plans:
            raise ValueError("a job needs at least one plan")
        self.plans = list(plans)
        self.gate = gate
        self.owner_alive = owner_alive
        self.orphan_grace_seconds = orphan_grace_seconds
        self.check_owner_every = check_owner_every
        self._train = train_fn
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._main, name="cnnviz-training", daemon=True)
        self._state = "new"
        self._plan_index = 0
        self._progress: dict[str, Any] = {}
        self._trace: list[tuple[float, float, float]] = []
        self._last_running: tuple[int, int, float, float] = (0, 0, 0.0, 0.0)
        self._history: dict[str, list[float]] = {}
        self._runs: list[TrainingRun] = []
        self._error: str | None = None
        self._queue: tuple[int | None, float | None] = (None, None)
        self._watchers = 1
        self._owner_checked = self._owner_seen = time.monotonic()

    # --- control (any thread) ---
    def start(self) -> TrainingJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop training after the current batch; the run so far is scored and kept."""
        self._stop.set()

    def cancel(self) -> None:
        """Abandon the job: training and evaluation end at the next batch and nothing is kept."""
        self._cancel.set()
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        return self._state not in ACTIVE_STATES

    def snapshot(self) -> JobSnapshot:
        position = self.gate.position(self) if self.gate is not None else None
        with self._lock:
            plan = self.plans[self._plan_index]
            wait = None
            if self.gate is None and self._state == "queued":
                position, wait = self._queue
            return JobSnapshot(
                state=self._state,
                plan_index=self._plan_index,
                plan_count=len(self.plans),
                label=plan.label,
                progress=dict(self._progress),
                trace=tuple(self._trace),
                history={k: list(v) for k, v in self._history.items()},
                runs=tuple(self._runs),
                error=self._error,
                queue_position=position,
                queue_wait=wait,
                watchers=self._watchers,
            )

    # --- the thread ---
    def _main(self) -> None:
        state, error = "finished", None
        try:
            for index, plan in enumerate(self.plans):
                if self._stop.is_set():
                    break
                self._begin_plan(index)
                if self.gate is not None and not self.gate.acquire(self, abandon=self._abandoned):
                    raise TrainingCancelled
                try:
                    self._set(state="running")
                    extra = {"start": plan.start} if plan.start is not None else {}
                    run = self._train(
                        plan.stack, plan.dataset, plan.config, self._on_progress, self._should_stop, **extra
                    )
                finally:
                    if self.gate is not None:
                        self.gate.release(self)
                run.label = plan.label
                with self._lock:
                    self._runs.append(run)
            if self._cancel.is_set():
                state = "cancelled"
            elif self._stop.is_set():
                state = "stopped"
        except TrainingCancelled as exc:
            state, error = "cancelled", str(exc) or None
        except (InputError, TrainingUnavailable) as exc:
            state, error = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - anything in the thread must reach the page, not vanish
            state, error = "failed", f"Training failed: {type(exc).__name__}: {exc}"
            logger.exception("Training job failed unexpectedly (the page shows: %s)", error)
        with self._lock:
            if state == "cancelled":
                self._runs.clear()
            self._state, self._error = state, error
        release_free_memory()  # what the training freed goes back to the system, not into the next one

    def _begin_plan(self, index: int) -> None:
        with self._lock:
            self._plan_index, self._state = index, "queued"
            self._progress, self._trace, self._history = {}, [], {}
            self._last_running = (0, 0, 0.0, 0.0)
            self._queue, self._watchers = (None, None), 1

    def _set(self, **values: Any) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self, f"_{name}", value)

    def _on_progress(self, event: dict[str, Any]) -> None:
        with self._lock:
            kind = event.get("event")
            if kind == "queued":  # from a trainer that queues on its own (the Dask service)
                self._state, self._queue = "queued", (event["position"], event.get("wait_seconds"))
                return
            if kind == "joined":
                self._watchers = event["watchers"]
                return
            if kind == "submitting":
                self._state = "running"
                return
            self._progress = event
            if kind == "start":
                self._state = "running"
            elif kind == "evaluate":
                self._state = "evaluating"
            elif kind in ("batch", "epoch") and "loss" in event:
                self._add_trace_point(event)
                if kind == "epoch":
                    for key in HISTORY_KEYS:
                        if key in event:
                            self._history.setdefault(key, []).append(event[key])

    def _add_trace_point(self, event: dict[str, Any]) -> None:
        """Append the mean loss/accuracy of the batches since the previous event.

        Keras reports running means since the start of the epoch (which flatten out and jump at
        each new epoch); undoing the average shows what the last few batches really scored.
        """
        epoch, batch = event["epoch"], event["batch"]
        loss, accuracy = event["loss"], event.get("accuracy", float("nan"))
        last_epoch, last_batch, last_loss, last_accuracy = self._last_running
        if epoch != last_epoch:
            last_batch = last_loss = last_accuracy = 0
        self._last_running = (epoch, batch, loss, accuracy)
        if batch <= last_batch:
            return  # the epoch-end event repeats the last batch event
        span = batch - last_batch
        self._trace.append(
            (
                epoch - 1 + batch / event["batches"],
                (loss * batch - last_loss * last_batch) / span,
                min(max((accuracy * batch - last_accuracy * last_batch) / span, 0.0), 1.0),
            )
        )
        if len(self._trace) > MAX_TRACE_POINTS:
            self._trace = self._trace[::2]

    def _should_stop(self) -> bool:
        if self._abandoned():
            raise TrainingCancelled
        return self._stop.is_set()

    def _abandoned(self) -> bool:
        """True once cancelled, or once ``owner_alive()`` has said False for the grace period."""
        if self._cancel.is_set():
            return True
        if self.owner_alive is None:
            return False
        now = time.monotonic()
        if now - self._owner_checked >= self.check_owner_every:
            self._owner_checked = now
            if self.owner_alive():
                self._owner_seen = now
            elif now - self._owner_seen > self.orphan_grace_seconds:
                self.cancel()
                return True
        return False
