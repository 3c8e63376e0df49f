"""The teacher's dashboard, made for the projector: the join code, then one tab at a time (only the
open tab runs): the live class, the class's results, quick checks, leading the lesson, the records."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cnnviz.ui.class_room import checks, export, leading
from cnnviz.ui.class_room.board import join_board, teacher_link_box
from cnnviz.ui.class_room.live import HIDE_KEY, live_class
from cnnviz.ui.class_room.results import class_results
from cnnviz.ui.class_session import classroom, stop_leading

TABS = ("Live class", "Results", "Quick checks", "Lead the lesson", "Records")
TAB_KEY = "class_tab"


def class_info(teacher_key: str) -> Any:
    """The class as its teacher sees it, or None (with the reason shown) when it is gone."""
    from cnnviz.classroom import ClassroomError, ClassroomUnavailable

    try:
        return classroom().class_info(teacher_key)
    except ClassroomUnavailable as error:
        st.error(str(error))
    except ClassroomError as error:
        stop_leading()
        st.warning(f"Your class is gone: {error}.", icon=":material/group_off:")
    return None


def dashboard(teacher_key: str) -> bool:
    """The whole dashboard; False (and this browser forgets the class) when the class is gone."""
    info = class_info(teacher_key)
    if info is None:
        return False
    with st.expander("Join code, link and QR code", expanded=info.students == 0, icon=":material/qr_code_2:"):
        join_board(info.code, info.code_shown, info.title)
    teacher_link_box(teacher_key)
    st.toggle(
        "Hide names (projector)",
        key=HIDE_KEY,
        help="Students appear as “Student 1”, “Student 2”… in joining order, on every table, figure and export.",
    )
    if info.paused:
        st.warning("Trainings are paused for the whole class (Lead the lesson).", icon=":material/pause_circle:")
    tabs = st.tabs(TABS, key=TAB_KEY, on_change="rerun")
    live, results, quick, lead, records = tabs
    if live.open:
        with live:
            live_class(teacher_key)
    if results.open:
        with results:
            class_results(teacher_key, info.experiment, info.groups)
    if quick.open:
        with quick:
            checks.ask_section()
            checks.check_results(teacher_key)
    if lead.open:
        with lead:
            leading.views_section(teacher_key, info)
            leading.pause_section(teacher_key, info)
            leading.budget_section(teacher_key, info)
            leading.groups_section(teacher_key, info)
    if records.open:
        with records:
            export.export_section(teacher_key, info)
            export.remove_section(teacher_key, _roster(teacher_key))
            export.delete_section(teacher_key, info)
    return True


def _roster(teacher_key: str) -> list[Any]:
    from cnnviz.classroom import ClassroomError

    try:
        return classroom().roster(teacher_key)
    except ClassroomError:
        return []
