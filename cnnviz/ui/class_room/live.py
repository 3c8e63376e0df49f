"""The live part of the dashboard: who is where and every student's runs, refreshed every
:data:`REFRESH_SECONDS` by a fragment (only it reruns, not the page).

A refresh costs one roster query; the runs (with their curves) are read again only when the roster's
run counts changed. Clicking a run opens it (:mod:`cnnviz.ui.class_room.run_view`).
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from cnnviz.ui.class_room.run_view import open_run
from cnnviz.ui.class_room.tables import roster_rows, run_rows, shown_name, trainings_now
from cnnviz.ui.class_session import classroom

REFRESH_SECONDS = 1.5
RUNS_CACHE = "class_runs_cache"  # (version, runs) of the last read
OPENED = "class_opened_run"  # the run id the teacher last opened
HIDE_KEY = "class_hide_names"


def names_hidden() -> bool:
    """Whether the teacher hid the students' names for the projector."""
    return bool(st.session_state.get(HIDE_KEY, False))


def class_runs(teacher_key: str, roster: list[Any]) -> list[Any]:
    """Every recorded run of the class (``ClassRun``), read again only when the roster's counts moved."""
    version = tuple((entry.student_id, entry.runs) for entry in roster)
    cached = st.session_state.get(RUNS_CACHE)
    if cached is not None and cached[0] == version:
        return cached[1]
    runs = classroom().class_runs(teacher_key)
    st.session_state[RUNS_CACHE] = (version, runs)
    return runs


@st.fragment(run_every=REFRESH_SECONDS)
def live_class(teacher_key: str) -> None:
    """Counts, the roster and the runs table, live."""
    from cnnviz.classroom import ClassroomError

    try:
        roster = classroom().roster(teacher_key)
        runs = class_runs(teacher_key, roster)
    except ClassroomError as error:
        st.error(str(error))
        return
    now, hide = time.time(), names_hidden()
    with st.container(horizontal=True, gap="medium"):  # side by side, wrapping on a phone
        st.metric("Students", len(roster), width="content")
        running, queued = trainings_now(roster, now)
        st.metric("Training now", running, width="content")
        st.metric("Waiting for a worker", queued, width="content")
        st.metric("Runs finished", len(runs), width="content")
    if not roster:
        st.info("Nobody has joined yet: students open the Class page and type the code above.")
        return
    st.markdown("**Who is where**")
    groups = any(entry.group for entry in roster)
    st.dataframe(
        pd.DataFrame(roster_rows(roster, now, hide=hide, groups=groups)),
        hide_index=True,
        width="stretch",
        key="class_roster_table",
        column_config={"student": st.column_config.TextColumn(pinned=True)},
    )
    st.markdown("**Every run** (newest first; click a row to open it)")
    if not runs:
        st.caption("No run has finished yet.")
        return
    event = st.dataframe(
        pd.DataFrame(run_rows(runs, now, hide=hide)),
        hide_index=True,
        width="stretch",
        key=f"class_runs_table_{len(runs)}",  # a new run starts a fresh table: a row always means its run
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "student": st.column_config.TextColumn(pinned=True),
            "test accuracy": st.column_config.NumberColumn(format="percent"),
            "parameters": st.column_config.NumberColumn(format="localized"),
            "MACs": st.column_config.NumberColumn(format="localized", help="multiply-adds per image"),
        },
    )
    rows = event.selection.rows if event is not None else []
    chosen = runs[len(runs) - 1 - rows[0]] if rows else None
    if chosen is not None and chosen.run_id != st.session_state.get(OPENED):
        st.session_state[OPENED] = chosen.run_id
        open_run(chosen, shown_name(chosen.number, chosen.name, hide))
    elif chosen is None:
        st.session_state.pop(OPENED, None)
