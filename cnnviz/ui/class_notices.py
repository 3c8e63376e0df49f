"""A student's class on every page (app.py draws both parts around the page).

- :func:`class_sidebar`: the class's title and the student's name, with "Leave the class"; for a
  teacher, the way back to the dashboard.
- :func:`class_live`: a small fragment at the top of the page, rerun every :data:`POLL_SECONDS`: it
  reports the page and the student's trainings (running, queued) to the roster, shows the view the
  teacher sent (one click to follow it; in follow mode the page goes there at once), the open quick
  check to answer in place, and stops the student's training when the teacher pauses the class.
  Each run is two or three indexed statements (the presence update only when something changed or
  every :data:`HEARTBEAT_SECONDS`); it draws nothing when there is nothing to say.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qsl

import streamlit as st

from cnnviz.text import literal_markdown
from cnnviz.ui import state
from cnnviz.ui.class_session import classroom, leave_class
from cnnviz.ui.navigation import CLASS, find_page

POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 10.0  # presence is written at least this often while a page is open
REPORTED = "class_reported"  # (page, running, queued, time) last written to the roster
GONE = "class_gone"  # why this session left its class (a deleted class, a removed student), shown once
CHECK_PROBLEM = "class_check_problem"  # the last answer's problem ("Type a number"), until the next try
PAUSE_NOTICE = "The teacher paused the class's trainings: yours stops after this batch (what it learnt is kept)."


def class_sidebar() -> None:
    """The student's class and name (with Leave), or a teacher's way back to their class."""
    membership, teacher = state.class_membership(), state.class_teacher_key()
    if membership is None and teacher is None:
        return
    with st.container(border=True):
        if membership is not None:
            st.markdown(
                f":material/groups: **{literal_markdown(membership.class_title)}**  \n"
                f"You are **{literal_markdown(membership.name)}**"
            )
            st.button(
                "Leave the class",
                icon=":material/logout:",
                key="class_leave",
                on_click=leave_class,
                help="This browser forgets your place in the class; your teacher keeps the runs you recorded.",
            )
        if teacher is not None:
            st.page_link(CLASS.path, label="Your class's dashboard", icon=":material/co_present:")


def class_live(page: str) -> None:
    """For a student in a class, the live notices at the top of ``page`` (its url path, "home" for Home)."""
    gone = st.session_state.pop(GONE, None)
    if gone:
        st.warning(f"You are no longer in your class: {gone}", icon=":material/group_off:")
    if state.class_student_key() is not None:
        _live(page)


@st.fragment(run_every=POLL_SECONDS)
def _live(page: str) -> None:
    from cnnviz.classroom import ClassroomError, ClassroomUnavailable

    key = state.class_student_key()
    if key is None:
        return
    room = classroom()
    try:
        job = _report(room, key, page)
        if job is not None and not job.stopping and room.student(key).paused:
            job.stop()
            st.toast(PAUSE_NOTICE, icon=":material/pause_circle:")
        view = room.pending_view(key)
        checks = room.open_checks(key)
    except ClassroomUnavailable:
        return  # the database is away for a moment: the next run tries again
    except ClassroomError as error:
        leave_class()
        st.session_state[GONE] = str(error)
        st.rerun()
    if view is not None:
        _sent_view(room, key, view)
    if checks:
        _quick_check(room, key, checks[0])


def _report(room: Any, key: str, page: str) -> Any:
    """Write the page and the trainings to the roster when they changed (or every heartbeat); return
    the session's active training job, if any."""
    from cnnviz.training import JobState
    from cnnviz.ui.training_job import current_job

    job = current_job()
    running = queued = 0
    if job is not None and not job.done:
        snapshot = job.snapshot()
        waiting = snapshot.state in (JobState.NEW, JobState.QUEUED)
        running = 0 if waiting else 1
        queued = snapshot.plan_count - snapshot.plan_index - running
    now = time.monotonic()
    last = st.session_state.get(REPORTED)
    if last is None or last[:3] != (page, running, queued) or now - last[3] >= HEARTBEAT_SECONDS:
        room.touch(key, page, running=running, queued=queued)
        st.session_state[REPORTED] = (page, running, queued, now)
    return job if running or queued else None


def _sent_view(room: Any, key: str, view: Any) -> None:
    """The teacher's view: one click to open it (at once in follow mode)."""
    target = find_page(view.page)
    if target is None:  # a page this version of the app does not have
        room.view_seen(key, view.number)
        return
    params = dict(parse_qsl(view.query))
    if view.follow:
        room.view_seen(key, view.number)
        st.switch_page(target.path, query_params=params)
    with st.container(border=True):
        st.markdown(f":material/cast_for_education: **Your teacher sent you a view:** {target.title}")
        with st.container(horizontal=True):
            if st.button("Open it", type="primary", icon=":material/open_in_browser:", key=f"class_open_{view.number}"):
                room.view_seen(key, view.number)
                st.switch_page(target.path, query_params=params)
            st.button("Not now", key=f"class_skip_{view.number}", on_click=room.view_seen, args=(key, view.number))


def _quick_check(room: Any, key: str, check: Any) -> None:
    """The newest open quick check, answered in place; the student learns at once if they were right."""
    with st.container(border=True):
        st.markdown(f":material/quiz: **Quick check from your teacher:** {literal_markdown(check.question)}")
        with st.form(f"class_check_{check.id}", border=False):
            if check.choices is not None:
                st.radio("Your answer", check.choices, index=None, key=f"class_answer_{check.id}")
            else:
                st.text_input("Your answer (a number)", key=f"class_answer_{check.id}", max_chars=40)
            st.form_submit_button("Answer", type="primary", on_click=_answer, args=(room, key, check.id))
        problem = st.session_state.get(CHECK_PROBLEM)
        if problem:
            st.error(problem)


def _answer(room: Any, key: str, check_id: int) -> None:
    """Form callback: record the answer (before the fragment reads the open checks again) and say if it was right."""
    from cnnviz.classroom import ClassroomError

    answer = st.session_state.get(f"class_answer_{check_id}")
    try:
        if answer is None or answer == "":
            raise ClassroomError("Choose or type an answer first")
        right = room.answer(key, check_id, answer)
    except ClassroomError as error:
        st.session_state[CHECK_PROBLEM] = str(error)
        return
    st.session_state.pop(CHECK_PROBLEM, None)
    st.toast(
        "Right!" if right else "Not this time: your teacher will go through it with the class.",
        icon=":material/check_circle:" if right else ":material/info:",
    )
