"""The class's results as one picture, live: test accuracy against parameters (one dot per run, the
Pareto front highlighted), and, when the class is split for a course experiment, every group's curves
overlaid."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from cnnviz import plots
from cnnviz.classroom import pareto_front
from cnnviz.ui.class_room.groups import experiment_title, variant_labels
from cnnviz.ui.class_room.live import REFRESH_SECONDS, class_runs, names_hidden
from cnnviz.ui.class_room.tables import shown_name
from cnnviz.ui.class_session import classroom
from cnnviz.ui.presentation import show_figure

FIGURES = "class_figures"  # (version, figures) drawn last: rebuilt only when the runs or the names changed


@st.fragment(run_every=REFRESH_SECONDS)
def class_results(teacher_key: str, experiment: str | None, groups: tuple[str, ...]) -> None:
    """The accuracy-for-size picture and the groups' curves, redrawn when a run comes in."""
    from cnnviz.classroom import ClassroomError

    try:
        runs = class_runs(teacher_key, classroom().roster(teacher_key))
    except ClassroomError as error:
        st.error(str(error))
        return
    if not any(run.test_accuracy is not None for run in runs):
        st.info("The picture appears when the first run has been tested.")
        return
    hide = names_hidden()
    version = (tuple(run.run_id for run in runs), hide, experiment, groups)
    cached = st.session_state.get(FIGURES)
    if cached is None or cached[0] != version:
        cached = (version, _figures(runs, hide, experiment, groups))
        st.session_state[FIGURES] = cached
    picture, front_rows, curves = cached[1]
    st.markdown(
        "**Accuracy for size**: every run of the class. The stars are the runs no smaller network beats "
        "(the *Pareto front*): to do better, a network must grow."
    )
    show_figure(picture, key="class_results_figure")
    st.dataframe(
        pd.DataFrame(front_rows),
        hide_index=True,
        width="stretch",
        key="class_front_table",
        column_config={
            "test accuracy": st.column_config.NumberColumn(format="percent"),
            "parameters": st.column_config.NumberColumn(format="localized"),
        },
    )
    if curves is not None:
        st.markdown(f"**{experiment_title(experiment)}**: the groups' runs overlaid (each group's mean in bold).")
        show_figure(curves, key="class_group_curves")


def _figures(runs: list[Any], hide: bool, experiment: str | None, groups: tuple[str, ...]) -> tuple[Any, list, Any]:
    points = [
        {
            "params": run.params,
            "test_accuracy": run.test_accuracy,
            "who": shown_name(run.number, run.name, hide),
            "label": run.label,
        }
        for run in runs
    ]
    front = pareto_front([(run.params, run.test_accuracy) for run in runs])
    rows = [
        {
            "student": points[i]["who"],
            "run": runs[i].label,
            "parameters": runs[i].params,
            "test accuracy": runs[i].test_accuracy,
        }
        for i in front
    ]
    curves = None
    if experiment and groups:
        labels = variant_labels(experiment)
        series = [
            {
                "group": run.group,
                "who": shown_name(run.number, run.name, hide),
                "history": run.summary.get("history") or {},
            }
            for run in runs
            if run.group is not None and run.label in labels
        ]
        if series:
            curves = plots.group_curves(series, groups)
    return plots.class_results(points, front), rows, curves
