"""The live try-out of a model trained on "My classes" (Inside page): where it looked, and the data loop.

Draw or photograph an example: the Inside page predicts as you go; :func:`live_tryout` adds the
Grad-CAM of the predicted class and, when the answer is wrong, one button that adds the example to
its true class and retrains the same network with the same settings. :func:`retraining` shows that
training's progress on the Inside page and hands over the new run when it is done.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import inspection, plots
from cnnviz.datasets.examples import CENTRED, NAME
from cnnviz.errors import InputError
from cnnviz.training import TrainingPlan, TrainingRun
from cnnviz.ui import state
from cnnviz.ui.my_classes import add_example, collected_dataset, examples
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.training_job import collect_runs, current_job, live_panel, start_training

RETRAINING = "mc_retraining"  # set while a retraining started here runs


def is_my_classes(run: TrainingRun) -> bool:
    """Whether ``run`` trained on this session's collected classes."""
    return run.dataset == NAME


def centre_drawings(run: TrainingRun) -> bool:
    """Whether ``run`` trained on examples centred like MNIST (so a live drawing must be too)."""
    return CENTRED in run.source


def retraining() -> int | None:
    """Progress of a retraining started by :func:`live_tryout`; the new run's index into ``runs`` when done."""
    job = current_job()
    if not st.session_state.get(RETRAINING) or job is None:
        return None
    if not job.done:
        st.info(
            "Retraining with your new example. The model below is still the previous one until it finishes.",
            icon=":material/autorenew:",
        )
        live_panel(job)
        return None
    st.session_state.pop(RETRAINING)
    fresh = collect_runs()
    snapshot = job.snapshot()
    if snapshot.state == "failed":
        st.error(snapshot.error)
    if not fresh:
        return None
    st.success(
        f"Retrained: {fresh[-1].label}, {fresh[-1].test_accuracy or 0:.0%} on its test images. "
        "It is now the model below: try your example again."
    )
    return len(state.runs()) - 1


def live_tryout(run: TrainingRun, raw: np.ndarray, x: np.ndarray, probabilities: np.ndarray) -> None:
    """Grad-CAM of the predicted class next to the input, and "add to its true class and retrain"."""
    names = list(run.class_names)
    top = int(np.argmax(probabilities))
    st.subheader("4 · Live try-out: where it looked, and teach it")
    try:
        heat = inspection.grad_cam(run.model, x, top)
    except InputError as error:
        st.info(str(error))
    else:
        show_figure(plots.image_overlay(x, heat=heat, height=300), width="stretch", key="mc_live_cam")
        st.caption(
            f"Red: the parts of your image that pushed the score of **{names[top]}** up (Grad-CAM). "
            "Draw again or take another photo: the answer and the map follow."
        )
    with st.container(border=True):
        truth = st.selectbox(
            "What is it really?",
            range(len(names)),
            index=top,
            format_func=names.__getitem__,
            key=f"mc_live_truth_{top}",
        )  # a new answer starts from it
        wrong = truth != top
        st.caption(
            ("The network got this one wrong. " if wrong else "")
            + f"Adding it to “{names[truth]}” gives the network this example to learn from, and retraining "
            "trains the same network again with the same settings: the loop that makes models better."
        )
        add, add_and_train = st.columns(2)
        if add.button(f"Add to “{names[truth]}”", icon=":material/add:", key="mc_live_add", width="stretch"):
            _add(names[truth], raw)
        retrain = add_and_train.button(
            "Add and retrain",
            icon=":material/autorenew:",
            key="mc_live_retrain",
            type="primary" if wrong else "secondary",
            width="stretch",
        )
        if retrain and _add(names[truth], raw):
            _retrain(run)


def _add(name: str, raw: np.ndarray) -> bool:
    if name not in examples():
        st.error(f"Your classes no longer include “{name}” (renamed or deleted on the Datasets page).")
        return False
    try:
        add_example(name, raw)
    except InputError as error:
        st.error(str(error))
        return False
    st.toast(f"Added to {name}: it now has {len(examples()[name])} examples.", icon=":material/check_circle:")
    return True


def _retrain(run: TrainingRun) -> None:
    try:
        dataset = collected_dataset(run.input_shape[0])
    except InputError as error:
        st.error(f"Cannot retrain: {error}")
        return
    base = run.label.split(" · ", 1)[-1] if " · " in run.label else "My classes"
    label = base.removesuffix(" + your examples").removesuffix(" + your example") + " + your examples"
    start_training([TrainingPlan(list(run.stack), dataset, run.config, label=label)])
    st.session_state[RETRAINING] = True
    st.rerun()
