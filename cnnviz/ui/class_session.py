"""This browser's place in a class (issue 24): the server's class database, and the student's or
teacher's secret key, kept by the browser so that a reload, a reopened join link or a restarted server
finds the same student (or teacher) again.

- :func:`classroom` is the server's one :class:`~cnnviz.classroom.Classroom` (``st.cache_resource``):
  SQLite in the cache folder, or ``CNNVIZ_DATABASE_URL``. It is opened only when a class is used.
- The keys live in the session (:func:`cnnviz.ui.state.class_student_key`, ``class_teacher_key``) and
  in a cookie of this browser (``cnnviz_student``, ``cnnviz_teacher``: path ``/``, ``SameSite=Strict``,
  kept ``CNNVIZ_CLASS_DAYS`` days). A cookie is written by a one-line script (``st.html`` with
  JavaScript) and read back from ``st.context.cookies`` when a new session starts (:func:`restore`).
  A key is never put in a link the app writes, and never logged.
- :func:`class_limits` is the budget a student's trainings obey (the server's, tightened by the
  class's) and whether the teacher paused the class; :func:`run_recorder` records each finished run
  of a student for the dashboard as it finishes; :func:`teacher_view_tools` are the teacher's "Send
  this view to the class" and "Quick check about this view" next to every page's "Copy link to this view".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import streamlit as st

from cnnviz.ui import state

if TYPE_CHECKING:  # not at run time: every page's first run imports this module (issue 27)
    from cnnviz.classroom import Classroom
    from cnnviz.training import TrainingPlan, TrainingRun
    from cnnviz.training.budget import Budget

logger = logging.getLogger("cnnviz.class")

STUDENT_COOKIE, TEACHER_COOKIE = "cnnviz_student", "cnnviz_teacher"
RESTORED = "class_cookies_read"  # this session has looked at its cookies once
COOKIES_WRITTEN = "class_cookies_written"  # cookie name → the value this session asked the browser to keep
PAUSED = "Your teacher has paused the class's trainings for now: you can train again when they resume them."


@st.cache_resource(show_spinner=False)
def classroom() -> Classroom:
    """The server's class database (every session shares its pooled connections)."""
    from cnnviz.classroom import Classroom

    return Classroom()


# ---------------------------------------------------------------- keys kept by the browser
def browser_cookie(name: str) -> str:
    """The cookie ``name`` the browser sent when this session started ("" if none, or outside a browser)."""
    try:
        value = st.context.cookies.get(name)
    except Exception:  # noqa: BLE001 - bare scripts have no browser
        return ""
    return value if isinstance(value, str) else ""  # AppTest's stand-in browser sends no real cookies


def restore() -> None:
    """Once per session: take the student's and teacher's keys back from this browser's cookies, if
    they still belong to a class (a stale cookie is forgotten; an unreachable database is tried again
    on the next run). Costs nothing for a browser without class cookies."""
    if st.session_state.get(RESTORED):
        return
    student, teacher = browser_cookie(STUDENT_COOKIE), browser_cookie(TEACHER_COOKIE)
    if not student and not teacher:  # most visitors: the class database (SQLAlchemy, ~0.4 s to import) stays closed
        st.session_state[RESTORED] = True
        return
    from cnnviz.classroom import ClassroomError, ClassroomUnavailable

    try:
        if student and not state.class_student_key():
            try:
                state.set_class_student(_membership(student))
            except ClassroomUnavailable:
                raise
            except ClassroomError:
                forget_cookie(STUDENT_COOKIE)
        if teacher and not state.class_teacher_key():
            try:
                classroom().class_info(teacher)
                state.set_class_teacher(teacher)
            except ClassroomUnavailable:
                raise
            except ClassroomError:
                forget_cookie(TEACHER_COOKIE)
    except ClassroomUnavailable:
        return  # the database is down for a moment: look again on the next run
    st.session_state[RESTORED] = True


def _membership(student_key: str) -> Any:
    from cnnviz.classroom import Membership

    found = classroom().student(student_key)
    return Membership(student_key, found.name, found.class_title, found.code)


def keep_cookie(name: str, value: str) -> None:
    """Ask this browser to keep ``value`` under ``name`` (written by :func:`write_cookies`)."""
    st.session_state.setdefault(COOKIES_WRITTEN, {})[name] = value


def forget_cookie(name: str) -> None:
    """Ask this browser to forget cookie ``name``."""
    keep_cookie(name, "")


def write_cookies() -> None:
    """Draw the script that makes the browser keep what :func:`keep_cookie` asked for (app.py calls it
    on every run; it draws nothing once the browser's cookies agree)."""
    wanted = st.session_state.get(COOKIES_WRITTEN) or {}
    if not wanted:  # most visitors: the class package (SQLAlchemy, ~0.4 s to import) is not needed
        return
    from cnnviz.classroom.base import class_days

    lines = []
    for name, value in wanted.items():
        if browser_cookie(name) == value:
            continue
        age = int(class_days() * 86400) if value else 0
        cookie = f"{name}={value}; Path=/; Max-Age={age}; SameSite=Strict"
        lines.append(f"document.cookie = {json.dumps(cookie)} + (location.protocol === 'https:' ? '; Secure' : '');")
    if lines:
        st.html(f"<script>{''.join(lines)}</script>", unsafe_allow_javascript=True, width=1)


# ---------------------------------------------------------------- joining and leading
def become_student(membership: Any) -> None:
    """This session (and browser) is now ``membership``'s student."""
    state.set_class_student(membership)
    keep_cookie(STUDENT_COOKIE, membership.student_key)


def leave_class() -> None:
    """This session and browser leave the student's class (the class keeps the student's runs)."""
    state.set_class_student(None)
    forget_cookie(STUDENT_COOKIE)


def become_teacher(teacher_key: str) -> None:
    """This session (and browser) leads the class of ``teacher_key``."""
    state.set_class_teacher(teacher_key)
    keep_cookie(TEACHER_COOKIE, teacher_key)


def stop_leading() -> None:
    """This browser forgets the teacher key (the class goes on; the private teacher link opens it again)."""
    state.set_class_teacher(None)
    forget_cookie(TEACHER_COOKIE)


# ---------------------------------------------------------------- trainings of a student
def class_limits(server: Budget) -> tuple[Budget, bool]:
    """``(budget, paused)`` for this session's trainings: the server's budget tightened by the class's
    (``effective_budget``) and whether the teacher paused the class; the server's budget and False
    outside a class, or when the class cannot be read (the server's limits still hold)."""
    key = state.class_student_key()
    if key is None:
        return server, False
    from cnnviz.classroom import ClassroomError, effective_budget

    try:
        student = classroom().student(key)
    except ClassroomError:
        return server, False
    return effective_budget(server, student.budget), student.paused


def run_recorder() -> Callable[[TrainingPlan, TrainingRun], None] | None:
    """For a student in a class, what records each finished run for the teacher's dashboard at once
    (called in the training's thread, whatever page the student is on); None outside a class."""
    key = state.class_student_key()
    if key is None:
        return None
    room = classroom()

    def record(plan: TrainingPlan, run: TrainingRun) -> None:
        from cnnviz.classroom import ClassroomError, run_summary
        from cnnviz.training.keys import run_key

        try:
            room.record_run(key, run_summary(run, run_key(plan.stack, plan.dataset, plan.config, plan.start)))
        except ClassroomError as error:  # the class was deleted, or the database is away: the run stays the student's
            logger.info("A finished run was not recorded for the class: %s", error)

    return record
