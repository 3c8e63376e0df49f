"""Background training for the pages: one server-wide queue, one job per browser session.

- :func:`training_gate` is the server's single :class:`~cnnviz.training.TrainingGate`
  (``st.cache_resource``): at most ``$CNNVIZ_MAX_TRAININGS`` (default 1) trainings run at once,
  the others wait in line and are told their place.
- :func:`start_training` replaces the session's job: the old one is cancelled first, so a session
  never has two trainings burning CPU. The job also cancels itself when the browser session is
  gone for longer than a grace period (tab closed), see :func:`_owner_alive`.
- :func:`collect_runs` moves finished runs into ``st.session_state["runs"]`` (the list other pages
  read), :func:`live_panel` shows progress and live curves, polling with ``st.fragment(run_every=...)``.

The worker thread never calls Streamlit; only the page's script and fragments read its snapshots.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

import streamlit as st

from cnnviz import plots
from cnnviz.training import JobSnapshot, TrainingGate, TrainingJob, TrainingPlan, TrainingRun
from cnnviz.ui.presentation import show_figure

JOB_KEY = "training_job"
RUNS_KEY = "runs"
COLLECTED_KEY = "training_collected"  # how many of the current job's runs are already in "runs"
NUMBER_KEY = "training_run_number"  # runs numbered across the session: "Run 1", "Run 2", ...
MAX_TRAININGS_ENV = "CNNVIZ_MAX_TRAININGS"
MAX_RUNS = 12  # runs kept per session (each holds a small Keras model); the oldest is dropped beyond
POLL_SECONDS = 1.5  # how often the live panel refreshes (each refresh is a fragment run on the server)
ORPHAN_GRACE_SECONDS = 30.0  # a closed tab's training is cancelled after this long (a reconnect keeps it)


def keep_keras_state() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit's script runner (``_clean_problem_modules``) clears Keras' global state after each
    script and fragment run. With a training thread building and fitting a model meanwhile, that
    throws away the thread's Keras state, TensorFlow's default graph and kernel cache once per
    page refresh: the model is traced again and again and a 10-second training did not finish in
    minutes. Models are shared by the server's sessions anyway, so nothing here wants the global
    state cleared (see DESIGN.md). Streamlit's matplotlib clean-up is kept. Idempotent.
    """
    from streamlit.runtime.scriptrunner import script_runner

    if getattr(script_runner._clean_problem_modules, "keeps_keras_state", False):
        return

    def clean_problem_modules_but_keras() -> None:
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_problem_modules_but_keras.keeps_keras_state = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_problem_modules_but_keras


keep_keras_state()


@st.cache_resource(show_spinner=False)
def training_gate() -> TrainingGate:
    """The one queue of trainings for this server (every session shares it)."""
    return TrainingGate(capacity=max(1, int(os.environ.get(MAX_TRAININGS_ENV, "1"))))


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


def current_job() -> TrainingJob | None:
    return st.session_state.get(JOB_KEY)


def start_training(plans: Sequence[TrainingPlan]) -> TrainingJob:
    """Cancel the session's previous job (if still going) and start one for ``plans``."""
    old = current_job()
    if old is not None:
        collect_runs()
        if not old.done:
            old.cancel()
    job = TrainingJob(plans, gate=training_gate(), owner_alive=_owner_alive(),
                      orphan_grace_seconds=ORPHAN_GRACE_SECONDS).start()
    st.session_state[JOB_KEY] = job
    st.session_state[COLLECTED_KEY] = 0
    return job


def stop_training() -> None:
    """Button callback: stop after the current batch (the run so far is scored and kept)."""
    job = current_job()
    if job is not None:
        job.stop()


def session_runs() -> list[TrainingRun]:
    """Every finished run of this session, oldest first (``st.session_state["runs"]``)."""
    collect_runs()
    return st.session_state.setdefault(RUNS_KEY, [])


def collect_runs() -> list[TrainingRun]:
    """Append the current job's newly finished runs to ``st.session_state["runs"]``; return them.

    Each gets a label "Run N · ..." numbered across the session, so tables and the inside page can
    name it.
    """
    job = current_job()
    runs = st.session_state.setdefault(RUNS_KEY, [])
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
    st.session_state[NUMBER_KEY] = number
    st.session_state[COLLECTED_KEY] = done + len(fresh)
    return fresh


def describe_wait(snapshot: JobSnapshot) -> str:
    """The queue message: "Another training is running; you are next." and the like."""
    ahead = (snapshot.queue_position or 1) - 1
    if ahead <= 0:
        return "Another training is running on this server; yours is next and starts as soon as it ends."
    waiting = f"{ahead} more {'is' if ahead == 1 else 'are'} waiting"
    return f"Other trainings are running on this server; {waiting} ahead of yours. Yours starts by itself."


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
        left, right = st.columns([4, 1])
        with left:
            _progress(snapshot, stopping=job.stopping)
        with right:
            st.button("Stop", icon=":material/stop_circle:", key="training_stop", on_click=stop_training,
                      shortcut="Esc", disabled=job.stopping,
                      help="Stops after the current batch; the model so far is still tested and kept.",
                      width="stretch")
        if snapshot.trace or snapshot.history:
            show_figure(
                plots.training_curves([{"name": "this run", "history": snapshot.history, "trace": snapshot.trace}],
                                      epochs=snapshot.progress.get("epochs")),
                key="training_live_curves", config={"displayModeBar": False},
            )

    panel()


def _progress(snapshot: JobSnapshot, *, stopping: bool) -> None:
    event = snapshot.progress
    if snapshot.state in ("new", "queued") and snapshot.queue_position not in (None, 0):
        st.progress(0.0, text="Waiting in line")
        st.info(describe_wait(snapshot))
        return
    if snapshot.state == "evaluating":
        st.progress(1.0, text=f"Testing the model on {event.get('test_samples', 0):,} test images…")
        return
    if "steps" not in event:
        st.progress(0.0, text="Building the model and preparing the data…")
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


def duration_text(seconds: float) -> str:
    """"42 s" or "3 min 05 s"."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
