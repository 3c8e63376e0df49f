"""Who may start a class, and the teacher's private link.

Starting a class is open to anyone by default (the app on one computer). A deployment can protect it:
with an ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's built-in OIDC login, which needs
the Authlib package), a teacher logs in first; otherwise with ``CNNVIZ_TEACHER_PASSWORD`` (an
environment variable or a root-level secret), a teacher types it. Wrong passwords are limited per
session and per server.

The private teacher link is ``/class?teacher=<key>``: opening it checks the key (a student's key, a
deleted class's, a made-up one are refused with a plain message), keeps it in this session and
browser (:func:`~cnnviz.ui.class_session.become_teacher`) and removes it from the address bar at once,
so the projector never shows it.
"""

from __future__ import annotations

import contextlib
import hmac
import importlib.util
import os
import threading
import time

import streamlit as st

from cnnviz.classroom.models import TITLE_CHARS
from cnnviz.ui import state
from cnnviz.ui.class_session import become_teacher, classroom

PASSWORD_KEY = "CNNVIZ_TEACHER_PASSWORD"
TEACHER_PARAM = "teacher"
WRONG_LIMIT = 5  # wrong passwords one session may type per window
SERVER_WRONG_LIMIT = 30  # ... and the whole server
WINDOW_SECONDS = 60.0
WRONG_KEY = "class_wrong_passwords"  # this session's wrong tries: times


def teacher_password() -> str | None:
    """``CNNVIZ_TEACHER_PASSWORD`` from the secrets, else the environment; None when unset."""
    value = os.environ.get(PASSWORD_KEY) or None
    with contextlib.suppress(Exception):  # no secrets file, or one Streamlit cannot parse
        secret = st.secrets.get(PASSWORD_KEY)
        if secret:
            value = str(secret)
    return value


def login_configured() -> bool:
    """Whether the deployment configured Streamlit's OIDC login (``[auth]`` in the secrets)."""
    with contextlib.suppress(Exception):
        return "auth" in st.secrets
    return False


class _ServerTries:
    """Wrong passwords on this server in the last window (a bounded list of times)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    def count(self, now: float) -> int:
        with self.lock:
            self.times = [t for t in self.times if now - t < WINDOW_SECONDS][-SERVER_WRONG_LIMIT:]
            return len(self.times)

    def add(self, now: float) -> None:
        with self.lock:
            self.times.append(now)


@st.cache_resource(show_spinner=False)
def _server_tries() -> _ServerTries:
    return _ServerTries()


def _password_refusal(typed: str, password: str) -> str | None:
    """Why the typed password does not start a class (too many tries, or wrong), or None."""
    now = time.monotonic()
    mine = [t for t in st.session_state.get(WRONG_KEY, []) if now - t < WINDOW_SECONDS]
    server = _server_tries()
    if len(mine) >= WRONG_LIMIT or server.count(now) >= SERVER_WRONG_LIMIT:
        return f"Too many wrong passwords: wait {WINDOW_SECONDS:.0f} s and try again"
    if hmac.compare_digest(typed.encode(), password.encode()):
        return None
    st.session_state[WRONG_KEY] = [*mine, now]
    server.add(now)
    return "This is not the teacher password of this server"


def start_class_form() -> None:
    """ "Start a class" (a title), behind the deployment's login or password if it has one."""
    from cnnviz.classroom import ClassroomError

    st.subheader("Start a class")
    st.markdown(
        "You get a **join code** for the board (and its QR code), and a **dashboard** where you see every "
        "student's page and runs, send the class to your view, pause trainings and ask quick checks. "
        "No accounts: students join with the code and a name."
    )
    if login_configured() and not getattr(st.user, "is_logged_in", False):
        st.info("This server asks teachers to log in before starting a class.", icon=":material/lock:")
        if importlib.util.find_spec("authlib") is None:  # Streamlit's login needs it; the app does not
            st.error("This server's login needs the Authlib package: its operator adds `Authlib` to requirements.txt.")
            return
        st.button("Log in to start a class", icon=":material/login:", on_click=st.login, key="class_login")
        return
    password = None if login_configured() else teacher_password()
    with st.form("class_start"):
        title = st.text_input("Class title", max_chars=TITLE_CHARS, placeholder="8B · how CNNs see, lesson 3")
        typed = st.text_input("Teacher password", type="password", key="class_password") if password else ""
        started = st.form_submit_button("Start a class", type="primary", icon=":material/co_present:")
    if not started:
        return
    refusal = _password_refusal(typed or "", password) if password else None
    if refusal:
        st.error(refusal)
        return
    try:
        new = classroom().create_class(title)
    except ClassroomError as error:
        st.error(str(error))
        return
    become_teacher(new.teacher_key)
    st.rerun()


def open_teacher_link() -> str | None:
    """Take a private teacher link's key (``?teacher=``) out of the address bar into this session;
    return the teacher key this session leads with, or None."""
    from cnnviz.classroom import ClassroomError

    given = st.query_params.get(TEACHER_PARAM)
    if given is not None:
        del st.query_params[TEACHER_PARAM]
        try:
            classroom().class_info(given)
        except ClassroomError as error:
            st.error(f"This teacher link does not open a class. {error}.", icon=":material/key_off:")
        else:
            become_teacher(given)
    return state.class_teacher_key()
