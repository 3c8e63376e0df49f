"""The teacher's tools on every page (issue 24): "Send this view to the class" and "Quick check about
this view", next to the page's "Copy link to this view" (:func:`cnnviz.ui.links.share_link` draws them);
nothing for anyone else. Follow mode (set on the dashboard) takes students to each sent view at once."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import streamlit as st

from cnnviz.ui import state
from cnnviz.ui.class_session import classroom

FOLLOW_KEY = "class_follow"  # the teacher's follow mode: students' pages go to each sent view at once


def follow_mode() -> bool:
    """Whether the teacher's sent views take students there at once (set on the Class page)."""
    return bool(st.session_state.get(FOLLOW_KEY, False))


def teacher_view_tools(page: str, query: Mapping[str, str]) -> None:
    """For a teacher's session, "Send this view to the class" (``query``: the page's link values) and a
    quick check about this view; nothing for anyone else."""
    key = state.class_teacher_key()
    if key is None:
        return
    from cnnviz.ui.class_questions import ask_about_view  # the question makers: only for a teacher

    _send_view_button(key, page, query)
    ask_about_view(page)


def _send_view_button(key: str, page: str, query: Mapping[str, str]) -> None:
    view = urlencode({name: value for name, value in query.items() if name != "present"})
    if st.button(
        "Send this view to the class",
        icon=":material/cast_for_education:",
        key="class_send_view",
        help="Every student of your class gets a notice with one click to open this page with these settings"
        + (" (follow mode is on: their pages go there at once)." if follow_mode() else "."),
    ):
        from cnnviz.classroom import ClassroomError

        try:
            classroom().send_view(key, page, view, follow=follow_mode())
        except ClassroomError as error:
            st.error(str(error))
        else:
            st.toast("Sent to the class.", icon=":material/cast_for_education:")
