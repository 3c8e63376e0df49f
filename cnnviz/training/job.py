"""Training in a background thread: a job object a web page can poll, stop and forget safely.

:class:`TrainingJob` runs one or more :class:`TrainingPlan` one after the other in a daemon thread.
The page reads :meth:`TrainingJob.snapshot` (copies taken under a lock, plain values);
:meth:`~TrainingJob.stop` ends training within one batch and still scores the test set;
:meth:`~TrainingJob.cancel` abandons the job (a new run replaces it, or its page is gone). An
``owner_alive`` check lets the job cancel itself when nobody watches it any more. Any exception
inside the thread ends the job as ``"failed"`` with its message kept for the page. ``on_run(plan, run)``
is called in the thread as each run finishes (a student's class records it at once, whatever page
the student is on).

Its ``train_fn`` is, in the app, the Dask :class:`~cnnviz.training.service.TrainingService` (the
web server never trains: the service waits for a worker, reporting its place with ``QUEUED`` events,
and relays the worker's progress), or :func:`cnnviz.training.train` itself, in this thread.

Nothing here imports Streamlit; the thread never touches the page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnnviz.errors import InputError
from cnnviz.memory import release_free_memory
from cnnviz.training.config import TrainConfig
from cnnviz.training.errors import UNEXPECTED, TrainingCancelled, TrainingUnavailable
from cnnviz.training.events import ACTIVE_STATES, Event, JobState, PositionEvent, ProgressEvent
from cnnviz.training.fit import train
from cnnviz.training.run import HISTORY_KEYS, TrainingRun

logger = logging.getLogger(__name__)  # unexpected failures, with their traceback, for the operator

#: Live curve points kept per run; older points are thinned out beyond this.
MAX_TRACE_POINTS = 2000


@dataclass(frozen=True)
class TrainingPlan:
    """One run to do: a stack, a dataset (see :func:`cnnviz.training.train`), a config, a label;
    ``start``: a finished :class:`TrainingRun` to continue up to ``config.epochs`` (its weights);
    ``budget``: the limits this person's training obeys (a :class:`~cnnviz.training.budget.Budget`, e.g. a
    class's, combined with the server's), passed to a ``train_fn`` that takes one (the Dask service)."""

    stack: list[dict[str, Any]]
    dataset: Any
    config: TrainConfig = field(default_factory=TrainConfig)
    label: str = ""
    start: Any = None
    budget: Any = None


@dataclass(frozen=True)
class JobSnapshot:
    """A consistent copy of a job's state for one page refresh.

    ``state``: a :class:`~cnnviz.training.events.JobState` ("cancelled" and "failed" with ``error``
    saying why, if known). ``queue_position`` (1 = next) and ``queue_wait`` (estimated seconds) of a
    queued training; ``watchers`` counts the people watching the same (shared) training.
    ``progress`` is a copy of the current run's last START, BATCH, EPOCH or EVALUATE event (empty
    before the first; see :mod:`cnnviz.training.events` for its fields); ``trace``
    its live points ``(epoch_float, loss, accuracy)``, each the mean of the batches since the
    previous point; ``history`` its per-epoch values so far; ``runs`` the finished runs of the job.
    """

    state: JobState
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
        owner_alive: Callable[[], bool] | None = None,
        orphan_grace_seconds: float = 20.0,
        check_owner_every: float = 2.0,
        train_fn: Callable[..., TrainingRun] = train,
        on_run: Callable[[TrainingPlan, TrainingRun], None] | None = None,
    ) -> None:
        if not plans:
            raise ValueError("a job needs at least one plan")
        self.plans = list(plans)
        self.owner_alive = owner_alive
        self.orphan_grace_seconds = orphan_grace_seconds
        self.check_owner_every = check_owner_every
        self._train = train_fn
        self._on_run = on_run
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._main, name="cnnviz-training", daemon=True)
        self._state = JobState.NEW
        self._plan_index = 0
        self._progress: ProgressEvent | dict[str, Any] = {}
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
    def pending(self) -> int:
        """Trainings of this job not finished yet: 0 once it has ended or been cancelled."""
        with self._lock:
            if self._state not in ACTIVE_STATES or self._cancel.is_set():
                return 0
            return len(self.plans) - len(self._runs)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        return self._state not in ACTIVE_STATES

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            plan = self.plans[self._plan_index]
            position, wait = self._queue if self._state == JobState.QUEUED else (None, None)
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
        state, error = JobState.FINISHED, None
        try:
            for index, plan in enumerate(self.plans):
                if self._stop.is_set():
                    break
                self._begin_plan(index)
                extra = {"start": plan.start} if plan.start is not None else {}
                if plan.budget is not None:
                    extra["budget"] = plan.budget
                run = self._train(plan.stack, plan.dataset, plan.config, self._on_progress, self._should_stop, **extra)
                run.label = plan.label
                with self._lock:
                    self._runs.append(run)
                self._finished(plan, run)
            if self._cancel.is_set():
                state = JobState.CANCELLED
            elif self._stop.is_set():
                state = JobState.STOPPED
        except TrainingCancelled as exc:
            state, error = JobState.CANCELLED, str(exc) or None
        except (InputError, TrainingUnavailable) as exc:
            state, error = JobState.FAILED, str(exc)
        except Exception as exc:  # noqa: BLE001 - anything in the thread must reach the page, not vanish
            state, error = JobState.FAILED, UNEXPECTED  # the student never sees an internal error's text
            logger.exception(
                "Training job failed unexpectedly: %s: %s (the page shows a plain message)", type(exc).__name__, exc
            )
        with self._lock:
            if state == JobState.CANCELLED:
                self._runs.clear()
            self._state, self._error = state, error
        release_free_memory()  # what the training freed goes back to the system, not into the next one

    def _finished(self, plan: TrainingPlan, run: TrainingRun) -> None:
        """Tell ``on_run`` (a class recording the run) at once; its failure never fails the training."""
        if self._on_run is None:
            return
        try:
            self._on_run(plan, run)
        except Exception:  # noqa: BLE001 - the run is the student's whatever happens to its record
            logger.exception("Recording a finished run failed (the run itself is kept)")

    def _begin_plan(self, index: int) -> None:
        with self._lock:
            # Running until the trainer says it waits for a worker (the Dask service's QUEUED events).
            self._plan_index, self._state = index, JobState.RUNNING
            self._progress, self._trace, self._history = {}, [], {}
            self._last_running = (0, 0, 0.0, 0.0)
            self._queue, self._watchers = (None, None), 1

    def _on_progress(self, event: ProgressEvent) -> None:
        with self._lock:
            if event["event"] == Event.QUEUED:
                self._state, self._queue = JobState.QUEUED, (event["position"], event["wait_seconds"])
            elif event["event"] == Event.JOINED:
                self._watchers = event["watchers"]
            elif event["event"] == Event.SUBMITTING:
                self._state = JobState.RUNNING
            else:
                self._progress = event
                if event["event"] == Event.START:
                    self._state = JobState.RUNNING
                elif event["event"] == Event.EVALUATE:
                    self._state = JobState.EVALUATING
                elif event["event"] in (Event.BATCH, Event.EPOCH) and "loss" in event:
                    self._add_trace_point(event)
                    if event["event"] == Event.EPOCH:
                        for key in HISTORY_KEYS:
                            if key in event:
                                self._history.setdefault(key, []).append(event[key])  # type: ignore[literal-required]

    def _add_trace_point(self, event: PositionEvent) -> None:
        """Append the mean loss/accuracy of the batches since the previous event.

        Keras reports running means since the start of the epoch (which flatten out and jump at
        each new epoch); undoing the average shows what the last few batches really scored.
        """
        epoch, batch = event["epoch"], event["batch"]
        loss, accuracy = event.get("loss", float("nan")), event.get("accuracy", float("nan"))
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
