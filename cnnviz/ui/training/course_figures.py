"""The Training page's course links: experiment captions read from the experiments, and, after a
"Reproduce the notebook" run, the notebook's published figure beside ours (plus the MNIST notebook's
worked prediction of test image 1495)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.course import NOTEBOOK_EPOCHS
from cnnviz.errors import InputError
from cnnviz.images import enlarge
from cnnviz.plots.course import probability_stem
from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS, NOTEBOOK_RECIPES, describe_runs, notebook_recipe
from cnnviz.training import TrainingRun, random_examples
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.training.results import gallery

WORKED_TEST_IMAGE = 1495  # the test digit the course's second MNIST notebook predicts
GALLERY_SIZE = 32  # the Fashion-MNIST notebook's random test predictions
#: How many training images each notebook had (the MNIST ones all 60,000; the offline copy has 5,000).
NOTEBOOK_TRAINING_IMAGES = {"notebook_mnist": 60_000, "notebook_mnist_same": 60_000, "notebook_fashion": 60_000}


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


def notebook_curves(run: TrainingRun, notebook: Mapping[str, Sequence[float]], name: str) -> None:
    """This run's curves with the notebook's own per-epoch numbers drawn over them, and how the two differ."""
    series = [{"name": "this run", "history": run.history}, {"name": "the course notebook", "history": notebook}]
    show_figure(
        plots.training_curves(series, epochs=max(len(notebook["loss"]), run.epochs_done)), key=f"nb_curves_{run.label}"
    )
    differences = notebook_differences(run, name)
    st.caption(
        "Lines: this run and the notebook's printed numbers, epoch by epoch (training solid, validation dashed). "
        + (" ".join(differences) if differences else "Same network, same settings: only the random start differs.")
    )


def notebook_differences(run: TrainingRun, name: str) -> list[str]:
    """What this run did differently from the notebook it reproduces, in words (empty: nothing but chance)."""
    recipe = NOTEBOOK_RECIPES[name]
    notes = []
    if run.train_samples + run.val_samples < NOTEBOOK_TRAINING_IMAGES.get(name, 0):
        notes.append(
            f"It trained on {run.train_samples + run.val_samples:,} training images; the notebook on "
            f"{NOTEBOOK_TRAINING_IMAGES[name]:,}."
        )
    if run.config.validation_first != recipe.config.validation_first or (
        run.config.validation_split != recipe.config.validation_split and not run.config.validation_first
    ):
        notes.append("Its validation images were not chosen as the notebook chose them.")
    if name == "notebook_mnist":
        notes.append("The notebook validated on the 10,000 test digits; this run's curves have no validation line.")
    return notes


def notebook_comparison(run: TrainingRun, run_index: int = 0) -> None:
    """If ``run`` reproduced a course notebook: the notebook's numbers and curves beside this run's, its
    worked example (MNIST) or its 32 random predictions (Fashion-MNIST)."""
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
    name = next(key for key, known in NOTEBOOK_RECIPES.items() if known is recipe)
    if name in NOTEBOOK_EPOCHS and run.history:
        notebook_curves(run, NOTEBOOK_EPOCHS[name], name)
    probabilities, labels = run.test_probabilities, run.test_labels
    if name == "notebook_fashion" and probabilities is not None and labels is not None:
        st.markdown(
            f"**{GALLERY_SIZE} random test predictions**, as the notebook draws them: the prediction in "
            ":blue[blue] when right, :red[red] when wrong, the true class below."
        )
        gallery(
            run,
            run_index,
            random_examples(probabilities, labels, GALLERY_SIZE),
            key=f"nb_gallery_{run_index}",
            per_page=GALLERY_SIZE,
        )
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
            enlarge(run.test_images[index, ..., 0], 224),
            caption=f"test image {index}",
            alt=f"Test image {index}",
            output_format="PNG",
        )
    show_figure(
        probability_stem(probabilities, run.class_names), key=f"stem_{run.label}_{index}", container=plot_column
    )
