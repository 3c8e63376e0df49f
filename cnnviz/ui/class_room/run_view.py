"""One student's run opened from the dashboard, as the Training page shows a run: scores, the loss and
accuracy curves (from the recorded summary) and the confusion matrix (from the run store, by the run's
key: test predictions, never a model; nothing is loaded as Keras)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.text import duration_text
from cnnviz.training import OPTIMIZER_TITLES, confusion_matrix
from cnnviz.training.store import RunStore
from cnnviz.ui.class_room.tables import dataset_title
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.training.results import stack_text

STORED_RUNS = 8  # opened runs' test predictions kept by the server (small: labels and probabilities)


def run_store() -> RunStore | None:
    """The server's run store, where the runs' weights and test predictions are (the Training page's)."""
    from cnnviz.ui.training_job import training_service

    return training_service().store


@st.cache_resource(max_entries=STORED_RUNS, show_spinner="Reading the run…")
def stored_predictions(key: str) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """The run's test probabilities, labels and class names from the run store, or None if it is gone."""
    from cnnviz.classroom.export import is_run_key

    store = run_store()
    if store is None or not is_run_key(key):
        return None
    payload = store.get(key)
    if payload is None or payload.get("test_probabilities") is None or payload.get("test_labels") is None:
        return None
    return payload["test_probabilities"], payload["test_labels"], [str(c) for c in payload["class_names"]]


@st.dialog("A student's run", width="large")
def open_run(run: Any, who: str) -> None:
    """The run's scores, curves and confusion matrix in a dialog over the dashboard."""
    summary = run.summary
    st.markdown(f"**{who} · {run.label}**")
    with st.container(horizontal=True, gap="medium"):  # side by side, wrapping on a phone
        accuracy = "—" if run.test_accuracy is None else f"{run.test_accuracy:.2%}"
        st.metric("Test accuracy", accuracy, width="content")
        st.metric("Parameters", f"{run.params:,}", width="content")
        st.metric("Multiply-adds", f"{summary.get('macs', 0):,}", help="per image, forward pass", width="content")
        st.metric("Training time", duration_text(run.seconds), width="content")
    stack = summary.get("stack") or []
    settings = summary.get("settings") or {}
    optimizer, dataset = str(settings.get("optimizer", "?")), dataset_title(str(summary.get("dataset", "?")))
    st.markdown(
        f"{stack_text(stack)} on **{dataset}** · {settings.get('epochs', '?')} epochs, "
        f"batch {settings.get('batch_size', '?')}, {OPTIMIZER_TITLES.get(optimizer, optimizer)} "
        f"(learning rate {settings.get('learning_rate', '?')})"
    )
    history = summary.get("history") or {}
    view = st.segmented_control("Show", ["Curves", "Confusion matrix"], default="Curves", key="class_run_view")
    if view == "Confusion matrix":
        stored = stored_predictions(str(summary.get("key", "")))
        if stored is None:
            st.info("This run's test predictions are no longer in the server's run store (it keeps the latest runs).")
            return
        probabilities, labels, names = stored
        matrix = confusion_matrix(labels, probabilities.argmax(axis=1), len(names))
        show_figure(plots.confusion_matrix_figure(matrix, names), key="class_run_confusion")
    elif history.get("loss"):
        show_figure(plots.training_curves([{"name": run.label, "history": history}]), key="class_run_curves")
    else:
        st.info("The run stopped before its first epoch ended, so there are no epoch curves.")
