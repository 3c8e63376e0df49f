"""Training: train the stack you built on real data, watch it learn, stop it, test it, compare runs."""

import streamlit as st

from cnnviz.training import TrainingPlan
from cnnviz.ui import state
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.first_screen import stop_after_first_screen
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.streamlit_patches import require_app_navigation
from cnnviz.ui.training.ann_vs_cnn import ann_vs_cnn_section
from cnnviz.ui.training.experiments import experiments_panel, forget_experiment
from cnnviz.ui.training.form import setup_form
from cnnviz.ui.training.guards import guards_section
from cnnviz.ui.training.reproduce import reproduce_section
from cnnviz.ui.training.runs import adopt_finished_runs, results_section, show_outcome
from cnnviz.ui.training_job import budget_panel, current_job, live_panel, start_training, training_service

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
st.header("Reproduce a course notebook", anchor="reproduce-the-notebook")
course_note("reproduce-the-notebook")
reproduce_section()
stop_after_first_screen("training_first_screen", link)  # in a fresh tab, the form and the rest come in the next run

st.header("Train a network", anchor="train")
setup = setup_form()
refused = None
if setup.error is None:
    refused = budget_panel(setup.config.epochs, setup.training_images)
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
    forget_experiment()
    running = True

# ---------------------------------------------------------------- live progress, or how the last job ended
if running:
    live_panel(job)
elif job is not None:
    show_outcome(job)

# ---------------------------------------------------------------- results and comparison
runs = adopt_finished_runs()
results_section(runs)

# ---------------------------------------------------------------- the course's tasks and arguments, one click each
st.header("Experiments: the MNIST notebook's tasks", anchor="experiments")
course_note("experiments")
experiments_panel(setup, expanded=not state.has_runs() and not running)

st.header("Dense network or CNN?", anchor="ann-vs-cnn")
course_note("ann-vs-cnn")
ann_vs_cnn_section(setup, runs)

st.header("Guarding against over-fitting", anchor="guards")
guards_section(setup, runs)
share_link("training", link)
