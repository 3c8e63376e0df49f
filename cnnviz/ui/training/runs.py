"""The Training page's runs: how the session's last training ended, then the chosen run's results
(the latest unless another is picked) and the comparison of all runs."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from cnnviz.training import TrainingJob, TrainingRun
from cnnviz.ui import state
from cnnviz.ui.training.course_figures import notebook_comparison
from cnnviz.ui.training.experiments import announce_experiment
from cnnviz.ui.training.form import remember_speed
from cnnviz.ui.training.results import comparison, download, run_results
from cnnviz.ui.training_job import collect_runs, continue_panel, current_job, reuse_notice

SELECTED_KEY = "tr_selected"  # the run whose results are shown


def show_outcome(job: TrainingJob) -> None:
    """How the job ended when it did not finish: its error or its cancellation."""
    snapshot = job.snapshot()
    if snapshot.state == "failed":
        st.error(snapshot.error)
    elif snapshot.state == "cancelled":
        st.warning(snapshot.error or "The last training was cancelled before it finished.")


def adopt_finished_runs() -> list[TrainingRun]:
    """The session's runs, oldest first, after the job's newly finished runs joined them.

    The newest new run is selected, the speed it reached is kept for the next estimate, and an experiment's
    question is answered. The page calls this once per run, after the live panel: a job can finish while
    the page runs, and its runs must be adopted as these whichever part of the page sees them first."""
    fresh = collect_runs()
    for run in fresh:
        remember_speed(run)
    job = current_job()
    if fresh and job is not None:
        st.session_state[SELECTED_KEY] = fresh[-1].label
        announce_experiment(job.snapshot().runs)
    return state.runs()


def results_section(runs: Sequence[TrainingRun]) -> None:
    """The chosen run's results, the course's figure beside them, continue and download; then the comparison."""
    if not runs:
        return
    st.subheader("3 · Results")
    labels = [run.label for run in runs]
    if st.session_state.get(SELECTED_KEY) not in labels:
        st.session_state[SELECTED_KEY] = labels[-1]
    index = labels.index(st.selectbox("Run", labels, key=SELECTED_KEY))
    reuse_notice(runs[index])
    run_results(runs, index)
    notebook_comparison(runs[index], index)
    continue_panel(runs[index])
    download(runs[index], index)
    if len(runs) > 1:
        st.subheader("4 · Compare runs")
        comparison(runs)
