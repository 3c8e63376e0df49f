"""Training: train the stack you built on real data, watch it learn, stop it, test it, compare runs."""

import streamlit as st

from cnnviz.errors import InputError
from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS
from cnnviz.training import TrainingPlan
from cnnviz.ui import state
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.notebook_results import experiment_captions, notebook_comparison
from cnnviz.ui.streamlit_patches import require_app_navigation
from cnnviz.ui.training_form import queue_settings, remember_speed, setup_form
from cnnviz.ui.training_job import (
    budget_panel,
    collect_runs,
    continue_panel,
    current_job,
    live_panel,
    reuse_notice,
    session_runs,
    start_training,
    training_service,
)
from cnnviz.ui.training_results import comparison, download, run_results, show_first

ss = st.session_state

require_app_navigation()
st.title("Training")
link = open_link("training")
st.markdown(
    "Training shows the network thousands of labelled images and nudges every weight to make its answers a "
    "little less wrong (**loss** down, **accuracy** up). Pick data and a network, press **Train** and watch both "
    "curves move. Part of the training images is held back for **validation**: when training keeps improving but "
    "validation does not, the network is memorising instead of learning (over-fitting)."
)

training_service()  # starts the training workers in the background while the form is filled in
setup = setup_form()
refused = None
if setup.error is None:
    refused = budget_panel(setup.config.epochs, setup.config.train_count(len(setup.dataset.y_train)))
job = current_job()
running = job is not None and not job.done
if st.button(
    "▶ Train",
    type="primary",
    disabled=setup.error is not None or refused is not None,
    shortcut="Ctrl+Enter",
    help="Replaces your training that is still running, if any.",
):
    job = start_training([TrainingPlan(setup.stack, setup.training_dataset(), setup.config, label=setup.label)])
    ss.pop("tr_experiment", None)
    running = True

# ---------------------------------------------------------------- live progress, or how the last job ended
if running:
    live_panel(job)
elif job is not None:
    fresh = collect_runs()
    snapshot = job.snapshot()
    if snapshot.state == "failed":
        st.error(snapshot.error)
    elif snapshot.state == "cancelled":
        st.warning(snapshot.error or "The last training was cancelled before it finished.")
    for run in fresh:
        remember_speed(run)
    if fresh:
        ss["tr_selected"] = fresh[-1].label
        experiment = EXPERIMENTS.get(ss.pop("tr_experiment", ""))
        if experiment is not None:
            show_first(snapshot.runs, experiment.look_at)  # the runs are labelled by collect_runs
            st.success(f"**{experiment.title}**: {experiment.question} The runs are compared at the bottom.")

# ---------------------------------------------------------------- the course's six tasks, one click each
with st.expander(
    ":material/science: One-click experiments: the MNIST notebook's six tasks for the reader",
    expanded=not state.has_runs() and not running,
):
    st.markdown(experiment_captions(setup.stack))
    columns = st.columns(3)
    for position, (key, experiment) in enumerate(EXPERIMENTS.items()):
        if columns[position % 3].button(
            experiment.title,
            key=f"tr_exp_{key}",
            disabled=setup.error is not None,
            help=experiment.question,
            width="stretch",
        ):
            try:
                variants = experiment.variants(setup.stack, EXPERIMENT_BASE)
            except InputError as exc:
                st.error(str(exc))
            else:
                try:
                    data = setup.training_dataset()
                    start_training([TrainingPlan(v.stack, data, v.config, label=v.label) for v in variants])
                except InputError as exc:
                    st.error(str(exc))
                else:
                    ss["tr_experiment"] = key
                    queue_settings(variants[-1].config)
                    st.rerun()

# ---------------------------------------------------------------- results and comparison
runs = session_runs()
if runs:
    st.subheader("3 · Results")
    labels = [run.label for run in runs]
    if ss.get("tr_selected") not in labels:
        ss["tr_selected"] = labels[-1]
    index = labels.index(st.selectbox("Run", labels, key="tr_selected"))
    reuse_notice(runs[index])
    run_results(runs, index)
    notebook_comparison(runs[index])
    continue_panel(runs[index])
    download(runs[index], index)
    if len(runs) > 1:
        st.subheader("4 · Compare runs")
        comparison(runs)
share_link("training", link)
