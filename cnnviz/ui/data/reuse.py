"""My classes, trained two ways (issue 28): from scratch, or reusing what the digit network already learned.

:func:`train_my_classes` offers both recipes side by side on the session's examples (each starts a training
and opens the Training page, where it runs and its results appear), and a one-click comparison: the same few
examples per class (2, 5, 10 and 20, as many as the classes have), both ways, scored on the same held-out
examples; accuracy and time side by side and the "how many examples does each way need?" curve. The
comparison is a job of its own (session key :data:`COMPARE_JOB`): its runs do not crowd the Training page's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.datasets import Dataset
from cnnviz.datasets.examples import DEFAULT_SIZE
from cnnviz.errors import InputError
from cnnviz.recipes import RECIPES
from cnnviz.text import duration_text
from cnnviz.training import TrainingJob, TrainingPlan
from cnnviz.training.transfer import few_per_class
from cnnviz.ui.my_classes import collected_dataset
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.training_job import current_job, live_panel, start_training

TRAINING_PAGE = "pages/training.py"
SCRATCH, REUSE = "my_classes_tiny", "my_classes_transfer"
WAYS = {SCRATCH: "From scratch", REUSE: "Reusing the digit network"}
SIZES = (2, 5, 10, 20)
COMPARE_JOB = "mc_compare_job"
COMPARED = "mc_compared"  # the last comparison's rows, kept after its job is forgotten
COMPARE_FAILED = "mc_compare_failed"  # why the last comparison failed (a refusal), kept until the next one


@dataclass(frozen=True)
class Row:
    """One training of the comparison: examples per class, the way, accuracy on the held-out examples, seconds."""

    per_class: int
    way: str
    accuracy: float
    seconds: float


def train_my_classes() -> None:
    """The two ways to train on the session's classes, and the comparison of both."""
    try:
        dataset = collected_dataset(DEFAULT_SIZE)  # 28×28 both ways: the digit network's own size
    except InputError:
        return  # the section above says what is missing
    st.subheader("Train a network on your classes")
    scratch, reuse = st.columns(2, gap="large")
    for column, name in ((scratch, SCRATCH), (reuse, REUSE)):
        recipe = RECIPES[name]
        with column, st.container(border=True):
            st.markdown(f"**{WAYS[name]}**")
            st.caption(recipe.description)
            if st.button(WAYS[name], key=f"mc_train_{name}", icon=":material/play_arrow:", width="stretch"):
                _train(name, dataset)
    _comparison(dataset)


def _train(name: str, dataset: Dataset) -> None:
    recipe = RECIPES[name]
    try:
        start_training([TrainingPlan(recipe.stack, dataset, recipe.config, label=recipe.title)])
    except InputError as error:
        st.error(str(error))
        return
    st.switch_page(TRAINING_PAGE)


def sizes_for(dataset: Dataset) -> list[int]:
    """The examples per class the comparison trains on: those of :data:`SIZES` every class has."""
    fewest = int(np.bincount(dataset.y_train, minlength=len(dataset.class_names)).min())
    return [size for size in SIZES if size <= fewest]


def _comparison(dataset: Dataset) -> None:
    st.markdown(
        "**Which way needs fewer examples?** One click trains both ways on the same few examples of each class "
        f"({', '.join(map(str, SIZES))} per class, as many as your classes have) and scores them on the same "
        f"{len(dataset.y_test)} held-out examples."
    )
    sizes = sizes_for(dataset)
    job = current_job(COMPARE_JOB)
    running = job is not None and not job.done
    if not len(dataset.y_test) or not sizes:
        st.info("Collect at least 5 examples per class: some are held out to score both ways on.")
        return
    if st.button(
        "Compare both ways",
        key="mc_compare",
        icon=":material/compare_arrows:",
        disabled=running,
        help=f"{2 * len(sizes)} short trainings, one after the other (those from scratch take longest).",
    ):
        _start_comparison(dataset, sizes)
        st.rerun()
    if job is not None and not job.done:
        live_panel(job)
        return
    if job is not None:
        _collect(job)
    failed = st.session_state.get(COMPARE_FAILED)
    if failed:
        st.error(failed, icon=":material/error:")
    rows = st.session_state.get(COMPARED)
    if rows:
        _show(rows, len(dataset.class_names))


def _start_comparison(dataset: Dataset, sizes: list[int]) -> None:
    st.session_state.pop(COMPARE_FAILED, None)
    plans = []
    for size in sizes:
        subset = few_per_class(dataset, size)
        for name in (SCRATCH, REUSE):
            recipe = RECIPES[name]
            plans.append(TrainingPlan(recipe.stack, subset, recipe.config, label=f"{size} per class · {name}"))
    start_training(plans, key=COMPARE_JOB)  # a refused comparison fails at once and says why (_collect)


def _collect(job: TrainingJob) -> None:
    """The finished comparison's rows (or why it failed), kept in the session; the job (and its runs' weights)
    is let go."""
    snapshot = job.snapshot()
    if snapshot.state == "failed":
        st.session_state[COMPARE_FAILED] = snapshot.error  # shown until the next comparison starts
    rows = []
    for run in snapshot.runs:
        size, name = run.label.split(" per class · ")
        rows.append(Row(int(size), name, float(run.test_accuracy or 0.0), float(run.seconds)))
    if rows:
        st.session_state[COMPARED] = rows
    del st.session_state[COMPARE_JOB]


def _show(rows: list[Row], classes: int) -> None:
    sizes = sorted({row.per_class for row in rows})
    found = {(row.per_class, row.way): row for row in rows}
    header = "| examples per class | " + " | ".join(f"{WAYS[w]}: accuracy | time" for w in WAYS) + " |"
    lines = [header, "| ---: |" + " ---: | ---: |" * len(WAYS)]
    for size in sizes:
        cells = []
        for way in WAYS:
            row = found.get((size, way))
            cells += [f"{row.accuracy:.0%}", duration_text(row.seconds)] if row else ["–", "–"]
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    st.markdown("\n".join(lines))
    accuracies = {
        WAYS[way]: [found[(size, way)].accuracy for size in sizes if (size, way) in found]
        for way in WAYS
        if all((size, way) in found for size in sizes)
    }
    if accuracies and len(sizes) > 1:
        show_figure(plots.examples_needed(sizes, accuracies, chance=1 / classes), key="mc_compare_curve")
    st.caption(
        "Time is the training's own (reusing includes computing each example's features once). From scratch, the "
        "tiny network must learn what strokes and corners are from your few examples; reusing, it starts from "
        "features the digit network learned on thousands of digits, and only one layer learns your classes."
    )
