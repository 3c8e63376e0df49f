"""The Training page's course links: experiment captions read from the experiments, and, after a
"Reproduce the notebook" run, the notebook's published figure beside ours (plus the MNIST notebook's
worked prediction of test image 1495)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from cnnviz.errors import InputError
from cnnviz.images import enlarge
from cnnviz.plots.course import probability_stem
from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS, describe_runs, notebook_recipe
from cnnviz.training import TrainingRun
from cnnviz.ui.presentation import show_figure

WORKED_TEST_IMAGE = 1495  # the test digit the course's second MNIST notebook predicts


def experiment_captions(stack: list[dict[str, Any]]) -> str:
    """One line per experiment saying what it trains, generated from its variants of ``stack``."""
    lines = []
    for experiment in EXPERIMENTS.values():
        try:
            what = describe_runs(experiment.variants(stack, EXPERIMENT_BASE))
        except InputError as exc:
            what = str(exc)
        lines.append(f"- **{experiment.title}**: {what}.")
    return (
        "Each button trains variants of the network above one after the other (about a minute per run on "
        "a 2-core CPU) and then shows what to compare:\n" + "\n".join(lines)
    )


def notebook_comparison(run: TrainingRun) -> None:
    """If ``run`` reproduced a course notebook: the notebook's figure beside this run's, and its worked example."""
    recipe = notebook_recipe(run.label)
    if recipe is None:
        return
    ours = [f"test accuracy {run.test_accuracy:.2%}" if run.test_accuracy is not None else "no test score"]
    if run.history.get("val_accuracy"):
        best = int(np.argmax(run.history["val_accuracy"]))
        ours.append(f"best validation accuracy {run.history['val_accuracy'][best]:.2%} (epoch {best + 1})")
    ours.append(f"{run.epochs_done} epochs on {run.train_samples:,} training images in {run.seconds:,.0f} s")
    left, right = st.columns(2)
    left.markdown(f"**The notebook:** {recipe.notebook}")
    right.markdown(f"**This run:** {'; '.join(ours)}.")
    probabilities, labels = run.test_probabilities, run.test_labels
    if (
        run.dataset == "mnist"
        and probabilities is not None
        and labels is not None
        and len(probabilities) > WORKED_TEST_IMAGE
    ):
        worked_prediction(run, probabilities[WORKED_TEST_IMAGE], int(labels[WORKED_TEST_IMAGE]), WORKED_TEST_IMAGE)


def worked_prediction(run: TrainingRun, probabilities: np.ndarray, truth: int, index: int) -> None:
    """Test image ``index`` beside the network's ``probabilities`` for it as a stem plot, as the notebook draws it."""
    predicted = int(np.argmax(probabilities))
    st.markdown(
        f"**Test image {index}** (the notebook's worked example): predicted **{run.class_names[predicted]}** "
        f"with probability {probabilities[predicted]:.4f}; the label says {run.class_names[truth]}."
    )
    image_column, plot_column = st.columns([1, 2])
    if run.test_images is not None:
        image_column.image(
            enlarge(run.test_images[index, ..., 0], 224), caption=f"test image {index}", alt=f"Test image {index}"
        )
    show_figure(
        probability_stem(probabilities, run.class_names), key=f"stem_{run.label}_{index}", container=plot_column
    )
