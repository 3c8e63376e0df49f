"""Training for the pages: Dask workers train, one job per browser session watches and collects.

- :func:`training_service` is the server's one :class:`~cnnviz.training.service.TrainingService`
  (``st.cache_resource``): the Dask cluster (embedded, started in the background the first time
  the Training page opens, or ``$CNNVIZ_DASK_SCHEDULER``), the queue of trainings waiting for a
  worker, identical trainings shared, finished ones kept in the run store under
  ``$CNNVIZ_CACHE_DIR/runs``.
- :func:`start_training` replaces the session's job: the old one is cancelled first, so a session
  never has two trainings queued. The job also cancels itself when the browser session is gone for
  longer than a grace period (tab closed), see :func:`_owner_alive`. Before it starts, the request is
  checked against the person's budget (the server's, tightened by their class's: :func:`person_budget`),
  the trainings they already queued in any tab (:class:`~cnnviz.training.queues.PersonQueues`), the
  training ceilings and the server's memory for sessions (:mod:`cnnviz.session_memory`); a refused
  request becomes a job that fails at once with the plain message, so every page shows it the same way.
- :func:`collect_runs` moves finished runs into :func:`cnnviz.ui.state.runs` (the list other pages
  read), :func:`live_panel` shows progress and live curves, polling with ``st.fragment(run_every=...)``,
  :func:`budget_panel`, :func:`reuse_notice` and :func:`continue_panel` the teacher's limits, a
  shared run's notice and the "train for more epochs" button.

The job's thread never calls Streamlit; only the page's script and fragments read its snapshots.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import streamlit as st

from cnnviz import plots
from cnnviz.errors import InputError
from cnnviz.settings import setting_number
from cnnviz.text import duration_text
from cnnviz.training import JobSnapshot, JobState, TrainingGate, TrainingJob, TrainingPlan, TrainingRun
from cnnviz.training.budget import Budget
from cnnviz.training.ceilings import check_training_cost, training_cost
from cnnviz.training.cluster import TrainingCluster
from cnnviz.training.estimate import training_seconds
from cnnviz.training.queues import DEFAULT_SERVER_QUEUE, SERVER_QUEUE_ENV, PersonQueues
from cnnviz.training.run import expected_run_bytes
from cnnviz.training.service import TrainingService
from cnnviz.training.store import DEFAULT_MAX_MB, RunStore, store_directory
from cnnviz.ui import state
from cnnviz.ui.class_session import PAUSED, class_limits, run_recorder
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.streamlit_patches import keep_keras_state

JOB_KEY = "training_job"
COLLECTED_KEY = "training_collected"  # how many of the current job's runs are already in "runs"
NUMBER_KEY = "training_run_number"  # runs numbered across the session: "Run 1", "Run 2", ...
STORE_MB_ENV = "CNNVIZ_RUN_STORE_MB"
RECYCLE_AFTER_ENV = "CNNVIZ_WORKER_RECYCLE_AFTER"  # trainings before a worker process is restarted
RECYCLE_MB_ENV = "CNNVIZ_WORKER_RECYCLE_MB"  # resident memory (MB) above which it is restarted
MORE_EPOCHS = 50  # most epochs one "continue" adds
MAX_RUNS = 12  # runs kept per session (each holds a small Keras model); the oldest is dropped beyond
POLL_SECONDS = 1.0  # live panel refresh (a fragment run on the server each time): at least 1/s, so it looks live
ORPHAN_GRACE_SECONDS = 30.0  # a closed tab's training is cancelled after this long (a reconnect keeps it)
BROWSER_COOKIE = "_streamlit_xsrf"  # set by Streamlit once per browser, sent by every tab of it


keep_keras_state()


@st.cache_resource(show_spinner=False)
def training_service() -> TrainingService:
    """The server's trainer (every session shares it); its cluster starts in the background now."""
    cache = Path(os.environ.get("CNNVIZ_CACHE_DIR") or Path.home() / ".cache" / "cnnviz")
    store_mb = setting_number(os.environ, STORE_MB_ENV, float, DEFAULT_MAX_MB) or DEFAULT_MAX_MB
    store = RunStore(store_directory(cache), max_bytes=int(store_mb * 2**20))
    cluster = TrainingCluster.from_environment().start_in_background()
    return TrainingService(
        cluster,
        store=store,
        budget=server_budget(),
        estimate=training_seconds,
        recycle_after=setting_number(os.environ, RECYCLE_AFTER_ENV, int, 50) or 50,
        recycle_mb=setting_number(os.environ, RECYCLE_MB_ENV, float, 1500) or 1500,
    )


@st.cache_resource(show_spinner=False)
def person_queues() -> PersonQueues:
    """The trainings each person has asked this server for, over all their tabs."""
    limit = setting_number(os.environ, SERVER_QUEUE_ENV, int, DEFAULT_SERVER_QUEUE) or DEFAULT_SERVER_QUEUE
    return PersonQueues(limit)


def training_gate() -> TrainingGate:
    """The one queue of trainings waiting for a worker on this server."""
    return training_service().gate


def server_budget() -> Budget:
    """The teacher's limits: root-level keys of ``.streamlit/secrets.toml``, else environment variables."""
    settings: dict[str, object] = dict(os.environ)
    with contextlib.suppress(Exception):  # no secrets file, or one Streamlit cannot parse: environment only
        settings.update({key: value for key, value in st.secrets.items() if isinstance(value, (int, float, str))})
    return Budget.from_settings(settings)  # a malformed value gets its safe default, and the log says which


def person_budget() -> tuple[Budget, bool]:
    """``(budget, paused)`` for this session's trainings: the server's budget, tightened by the class's when
    the session is a student of one, and whether the teacher paused the class (:func:`class_limits`)."""
    return class_limits(server_budget())


def asker() -> str:
    """Who asks, for the per-person queue and the per-person share of the Inside page's background work: the
    class's student, else the browser (every tab of it sends Streamlit's XSRF cookie), else this session.
    Hashed: the keys themselves never leave this function."""
    student_key = state.class_student_key()
    if student_key:
        return "student:" + hashlib.sha256(student_key.encode()).hexdigest()[:16]
    with contextlib.suppress(Exception):  # no cookies outside a browser (AppTest, scripts)
        cookie = st.context.cookies.get(BROWSER_COOKIE)
        if cookie:
            return "browser:" + hashlib.sha256(cookie.encode()).hexdigest()[:16]
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return "session:" + (ctx.session_id if ctx is not None else "local")


def _owner_alive() -> Callable[[], bool] | None:
    """A check, safe to call from the worker thread, that this browser session is still connected.

    ``None`` outside a real server (AppTest, bare scripts), where no session can disappear.
    """
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    runtime, session_id = Runtime.instance(), ctx.session_id
    return lambda: runtime.is_active_session(session_id)


def current_job(key: str = JOB_KEY) -> TrainingJob | None:
    return st.session_state.get(key)


def start_training(plans: Sequence[TrainingPlan], *, key: str = JOB_KEY) -> TrainingJob:
    """Cancel the session's previous job (if still going) and start one for ``plans``.

    ``key`` names a job of its own whose runs do not join the session's runs (My classes' comparison);
    the session's training job is the default. A request over a limit (see the module docstring) is not
    raised: it becomes a job that fails at once with the plain message, which the page shows as it shows
    any failed training. A student's finished runs of the session's job are recorded for their class as
    they finish.
    """
    service = training_service()
    old = current_job(key)
    if old is not None:
        if key == JOB_KEY:
            collect_runs()
        if not old.done:
            old.cancel()
    owner_alive = _owner_alive()
    try:
        budget, paused = person_budget()
        if paused:
            raise InputError(PAUSED)
        plans = [replace(plan, budget=budget) for plan in plans]
        _reserve(plans, service)
        job = TrainingJob(
            plans,
            train_fn=service,
            owner_alive=owner_alive,
            orphan_grace_seconds=ORPHAN_GRACE_SECONDS,
            on_run=run_recorder() if key == JOB_KEY else None,
        )
        person_queues().admit(asker(), len(plans), budget, job, replacing=old)
    except InputError as error:
        job = TrainingJob(plans, train_fn=_refused(str(error)))
    job.start()
    st.session_state[key] = job
    if key == JOB_KEY:
        st.session_state[COLLECTED_KEY] = 0
    return job


def _reserve(plans: Sequence[TrainingPlan], service: TrainingService) -> None:
    """Check each plan against the training ceilings, then reserve the memory its run will hold in this session
    (:class:`InputError` when a ceiling or the server's memory for sessions refuses it)."""
    expected = 0
    for plan in plans:
        cost = training_cost(plan.stack, plan.dataset, plan.config)
        check_training_cost(cost, service.cluster.worker_memory())
        classes = len(plan.dataset.class_names)
        expected += expected_run_bytes(cost.params, plan.config.epochs, len(plan.dataset.y_test), classes)
    state.hold_runs(extra=expected, what="the runs this training would keep")


def _refused(message: str) -> Callable[..., TrainingRun]:
    """A ``train_fn`` that refuses at once with ``message`` (a request over a limit)."""

    def refuse(*args: Any, **kwargs: Any) -> TrainingRun:
        raise InputError(message)

    return refuse


def stop_training() -> None:
    """Button callback: stop after the current batch (the run so far is scored and kept)."""
    job = current_job()
    if job is not None:
        job.stop()


def collect_runs() -> list[TrainingRun]:
    """Append the current job's newly finished runs to :func:`cnnviz.ui.state.runs`; return them.

    Each gets a label "Run N · ..." numbered across the session, so tables and the inside page can
    name it.
    """
    job = current_job()
    runs = state.runs()
    if job is None:
        return []
    finished = job.snapshot().runs
    done = st.session_state.get(COLLECTED_KEY, 0)
    fresh = list(finished[done:])
    number = st.session_state.get(NUMBER_KEY, 0)
    for run in fresh:
        number += 1
        run.label = f"Run {number}" + (f" · {run.label}" if run.label else "")
        runs.append(run)
    del runs[:-MAX_RUNS]
    state.hold_runs(force=True)  # reserved when the training started; now what the runs really hold
    st.session_state[NUMBER_KEY] = number
    st.session_state[COLLECTED_KEY] = done + len(fresh)
    return fresh


def describe_wait(snapshot: JobSnapshot) -> str:
    """The queue message: "Another training is running; you are next." and the like, with the wait."""
    ahead = (snapshot.queue_position or 1) - 1
    wait = "" if snapshot.queue_wait is None else f" (in about {duration_text(snapshot.queue_wait)})"
    if ahead <= 0:
        return f"Another training is running on this server; yours is next and starts as soon as it ends{wait}."
    waiting = f"{ahead} more {'is' if ahead == 1 else 'are'} waiting"
    return (
        f"Other trainings are running on this server; {waiting} ahead of yours: you are number "
        f"{ahead + 1} in line. Yours starts by itself{wait}."
    )


def live_panel(job: TrainingJob) -> None:
    """Progress bar with ETA, live loss/accuracy curves and a Stop button, refreshed every POLL_SECONDS.

    When the job ends the fragment reruns the whole page, which then shows the results.
    """

    @st.fragment(run_every=POLL_SECONDS)
    def panel() -> None:
        snapshot = job.snapshot()
        if not snapshot.active:
            st.rerun()
        title = "Training"
        if snapshot.plan_count > 1:
            title += f" {snapshot.plan_index + 1} of {snapshot.plan_count}"
        if snapshot.label:
            title += f": {snapshot.label}"
        st.subheader(title)
        if snapshot.watchers > 1:
            st.caption(
                f":material/group: {snapshot.watchers} people asked for exactly this training on this server: "
                "you all watch the same one, which costs the server one training."
            )
        left, right = st.columns([4, 1])
        with left:
            _progress(snapshot, stopping=job.stopping)
        with right:
            st.button(
                "Stop",
                icon=":material/stop_circle:",
                key="training_stop",
                on_click=stop_training,
                shortcut="Esc",
                disabled=job.stopping,
                help="Stops after the current batch; the model so far is still tested and kept.",
                width="stretch",
            )
        if snapshot.trace or snapshot.history:
            show_figure(
                plots.training_curves(
                    [{"name": "this run", "history": snapshot.history, "trace": snapshot.trace}],
                    epochs=snapshot.progress.get("epochs"),
                ),
                key="training_live_curves",
                config={"displayModeBar": False},
            )

    panel()


def _progress(snapshot: JobSnapshot, *, stopping: bool) -> None:
    event = snapshot.progress
    if snapshot.state == JobState.QUEUED:
        st.progress(0.0, text="Waiting in line")
        st.info(describe_wait(snapshot))
        return
    if snapshot.state == "evaluating":
        st.progress(1.0, text=f"Testing the model on {event.get('test_samples', 0):,} test images…")
        return
    if "steps" not in event:
        st.progress(0.0, text="Starting a training worker, building the model and preparing the data…")
        return
    done = event["step"] / event["steps"]
    text = (
        f"Epoch {event['epoch']}/{event['epochs']} · batch {event['batch']}/{event['batches']} · "
        f"{event['images_per_second']:,.0f} images/s · about {duration_text(event['eta_seconds'])} left"
    )
    if "loss" in event:
        text += f" · loss {event['loss']:.3f} · accuracy {event['accuracy']:.1%}"
    if stopping:
        text = "Stopping after this batch… " + text
    st.progress(min(done, 1.0), text=text)


def budget_panel(epochs: int, images: int) -> str | None:
    """Show the teacher's limits (if any: the server's, tightened by a student's class); return the reason a
    training of this size is refused (the class is paused, or it is over the limits), or None."""
    budget, paused = person_budget()
    if paused:
        st.warning(PAUSED, icon=":material/pause_circle:")
        return PAUSED
    if not budget.limited:
        return None
    where = "for your class" if state.class_student_key() else "on this server"
    st.caption(f":material/school: Limits {where}: {budget.describe()}.")
    try:
        budget.check(epochs, images)
    except InputError as error:
        st.error(str(error))
        return str(error)
    return None


def _plan_label(run: TrainingRun) -> str:
    """The run's own label without the session's "Run N · " number."""
    return re.sub(r"^Run \d+( · )?", "", run.label)


def reuse_notice(run: TrainingRun) -> None:
    """Say plainly when a run was shared or reused, with a one-click "train my own copy"."""
    if not run.reused:
        return
    how = (
        "was already trained on this server with exactly these settings and the same random start, so you "
        "got its result at once"
        if run.reused == "stored"
        else "was the same as one another person had started, so you watched that one"
    )
    st.info(f"This run {how}: training again would give the same network.", icon=":material/recycling:")
    if run.train_data is not None and st.button(
        "Train my own copy with a new random start", icon=":material/casino:", key="tr_own_copy"
    ):
        config = replace(run.config, seed=random.randrange(2**31 - 1))
        start_training([TrainingPlan(run.stack, run.train_data, config, label=_plan_label(run))])
        st.rerun()


def continue_panel(run: TrainingRun) -> None:
    """ "Continue for N more epochs" for a finished or stopped run, from its weights and epoch count."""
    if run.train_data is None or not run.history:
        return
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    more = left.number_input("More epochs", 1, MORE_EPOCHS, 3, key="tr_more_epochs")
    total = run.epochs_done + int(more)
    if right.button(
        f"Continue this run to {total} epochs",
        icon=":material/fast_forward:",
        key="tr_continue",
        help="Trains on from this run's weights (the optimizer starts afresh) on the same data.",
    ):
        config = replace(run.config, epochs=total)
        try:
            budget, _ = person_budget()
            budget.check(total, run.train_samples + run.val_samples)  # the run's epochs so far count too
            budget.seconds_left(run.task_seconds)  # and so does the time it already used
            start_training(
                [TrainingPlan(run.stack, run.train_data, config, label=f"{_plan_label(run)} · continued", start=run)]
            )
        except InputError as error:
            st.error(str(error))
        else:
            st.rerun()
