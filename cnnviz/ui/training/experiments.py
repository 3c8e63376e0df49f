"""The Training page's one-click experiments: the MNIST notebook's six tasks for the reader.

A click trains the experiment's variants of the form's stack; when their runs come in,
:func:`announce_experiment` opens the results on what the experiment's question is about.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from cnnviz.errors import InputError
from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS
from cnnviz.training import TrainingPlan, TrainingRun
from cnnviz.ui.training.course_figures import experiment_captions
from cnnviz.ui.training.form import Setup, queue_settings
from cnnviz.ui.training.results import show_first
from cnnviz.ui.training_job import start_training

EXPERIMENT_KEY = "tr_experiment"  # the experiment whose runs are on their way
COLUMNS = 3


def experiments_panel(setup: Setup, *, expanded: bool) -> None:
    """One button per experiment, each with its question; a click starts its trainings."""
    with st.expander(
        ":material/science: One-click experiments: the MNIST notebook's six tasks for the reader", expanded=expanded
    ):
        st.markdown(experiment_captions(setup.stack))
        columns = st.columns(COLUMNS)
        for position, (key, experiment) in enumerate(EXPERIMENTS.items()):
            if columns[position % COLUMNS].button(
                experiment.title,
                key=f"tr_exp_{key}",
                disabled=setup.error is not None,
                help=experiment.question,
                width="stretch",
            ):
                _start(key, setup)


def _start(key: str, setup: Setup) -> None:
    experiment = EXPERIMENTS[key]
    try:
        variants = experiment.variants(setup.stack, EXPERIMENT_BASE)
    except InputError as exc:
        st.error(str(exc))
        return
    try:
        data = setup.training_dataset()  # resized only now, when a training starts
        start_training([TrainingPlan(v.stack, data, v.config, label=v.label) for v in variants])
    except InputError as exc:
        st.error(str(exc))
        return
    st.session_state[EXPERIMENT_KEY] = key
    queue_settings(variants[-1].config)
    st.rerun()


def forget_experiment() -> None:
    """A training started by hand replaces the experiment's: its runs are no longer awaited."""
    st.session_state.pop(EXPERIMENT_KEY, None)


def announce_experiment(runs: Sequence[TrainingRun]) -> None:
    """When an experiment's runs came in: open the results on its view, with its question answered."""
    experiment = EXPERIMENTS.get(st.session_state.pop(EXPERIMENT_KEY, ""))
    if experiment is not None:
        show_first(runs, experiment.look_at)  # the runs are labelled by collect_runs
        st.success(f"**{experiment.title}**: {experiment.question} The runs are compared at the bottom.")
