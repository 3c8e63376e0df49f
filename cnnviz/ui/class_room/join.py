"""The student's side of the Class page: join with the code and a name, then the class as the student
sees it (their name and group, whether trainings are paused, the class's limits) and Leave."""

from __future__ import annotations

import hashlib

import streamlit as st

from cnnviz.classroom.models import NAME_CHARS
from cnnviz.text import literal_markdown
from cnnviz.ui import state
from cnnviz.ui.class_room.board import CLASS_PARAM
from cnnviz.ui.class_room.groups import experiment_title, group_plan
from cnnviz.ui.class_session import become_student, browser_cookie, class_limits, classroom, leave_class
from cnnviz.ui.navigation import STEPS
from cnnviz.ui.training_job import server_budget, start_training

TRAINING_PAGE = next(step.path for step in STEPS if step.url_path == "training")
BROWSER_COOKIE = "_streamlit_xsrf"  # Streamlit sets it once per browser: joins are counted per browser


def _who() -> str:
    """Who is trying to join, for the rate limit: this browser (hashed), else this session."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    browser = browser_cookie(BROWSER_COOKIE)
    if browser:
        return "browser:" + hashlib.sha256(browser.encode()).hexdigest()[:32]
    ctx = get_script_run_ctx()
    return "session:" + (ctx.session_id if ctx is not None else "local")


def linked_code() -> str | None:
    """The code of a join link (``?class=K7QM4XTR``), if this page was opened with one."""
    return st.query_params.get(CLASS_PARAM)


def student_side(code: str | None) -> None:
    """The student's class (a join link of the class this browser is already in welcomes them back), or
    the join form."""
    if state.class_student_key() is not None and (code is None or _same_class(code)):
        if code is not None:
            st.success("Welcome back: this browser is already in this class.", icon=":material/waving_hand:")
        student_panel()
        return
    with st.container(border=True):
        join_form(code)


def _same_class(code: str) -> bool:
    """Whether the join link's ``code`` is the class this browser's student key belongs to."""
    from cnnviz.classroom import ClassroomError

    try:
        classroom().rejoin(code, state.class_student_key() or "")
    except ClassroomError:
        return False
    return True


def join_form(code: str | None) -> None:
    """Join with the code on the board and a display name."""
    from cnnviz.classroom import ClassroomError

    st.subheader("Join your class")
    current = state.class_membership()
    if current is not None:
        st.info(
            f"You are in the class **{literal_markdown(current.class_title)}** as "
            f"**{literal_markdown(current.name)}**: joining another class leaves it.",
            icon=":material/info:",
        )
    with st.form("class_join"):
        typed = st.text_input("Class code (on the board)", value=code or "", max_chars=16, placeholder="K7QM-4XTR")
        name = st.text_input(
            "Your name in the class",
            max_chars=NAME_CHARS,
            placeholder="Ada",
            help="Your teacher sees it next to your runs (on the projector they can hide names). No email, "
            "no account: a first name or a nickname is enough.",
        )
        joined = st.form_submit_button("Join", type="primary", icon=":material/login:")
    if not joined:
        return
    try:
        membership = classroom().join(typed, name, session=_who())
    except ClassroomError as error:
        st.error(str(error), icon=":material/error:")
        return
    become_student(membership)
    if linked_code() is not None:
        del st.query_params[CLASS_PARAM]  # the class is in this browser now: the address bar need not say it
    st.rerun()


def student_panel() -> None:
    """The student's class: who they are in it, their group's run, paused or not, its limits; Leave."""
    from cnnviz.classroom import ClassroomError

    key, membership = state.class_student_key(), state.class_membership()
    if key is None or membership is None:
        return
    try:
        student = classroom().student(key)
    except ClassroomError as error:
        leave_class()
        st.warning(f"You are no longer in your class: {error}", icon=":material/group_off:")
        return
    with st.container(border=True):
        st.subheader(f":material/groups: {literal_markdown(student.class_title)}")
        st.markdown(
            f"You are **{literal_markdown(student.name)}**. Your teacher sees the page you are on and the "
            "runs you train; when they send the class a view or a quick check, it appears at the top of your page."
        )
        if student.paused:
            st.warning("Your teacher has paused the class's trainings for now.", icon=":material/pause_circle:")
        budget, _ = class_limits(server_budget())
        if budget.limited:
            st.markdown(f":material/school: Limits for your class: {budget.describe()}.")
        if student.group is not None and student.experiment:
            _group_run(student.experiment, student.group, student.group_index or 0, paused=student.paused)
        st.button("Leave the class", icon=":material/logout:", on_click=leave_class, key="class_leave_page")


def _group_run(experiment: str, group: str, group_index: int, *, paused: bool) -> None:
    """The student's part of the class's experiment: one button trains their group's variant."""
    from cnnviz.errors import InputError

    st.markdown(
        f":material/science: **Class experiment: {experiment_title(experiment)}.** "
        f"You are in the group **{literal_markdown(group)}**."
    )
    if st.button(
        f"Train my group's run ({group})",
        type="primary",
        icon=":material/play_arrow:",
        disabled=paused,
        key="class_group_run",
        help="Trains your group's variant of the quick digits network (about a minute) and opens the "
        "Training page to watch it; your teacher overlays everyone's curves.",
    ):
        try:
            start_training([group_plan(experiment, group, group_index)])
        except InputError as error:
            st.error(str(error))
            return
        st.switch_page(TRAINING_PAGE)
