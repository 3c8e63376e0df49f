"""What a student sees when a page fails: one line in the page, never a traceback; the log gets it whole.

Bad input (:class:`~cnnviz.errors.InputError`) is the student's to fix: its message is shown as is and
nothing is logged. Anything else is a bug: the page says so in one line, and the traceback goes to
the ``cnnviz.pages`` logger (Streamlit's console log) for the teacher or the developer. The other
pages and the session's work (stack, runs, images) are untouched, so the student can go on.
"""

import logging
from collections.abc import Callable

import streamlit as st

from cnnviz.errors import InputError

logger = logging.getLogger("cnnviz.pages")


def run_guarded(page: Callable[[], object], name: str) -> None:
    """Run ``page`` (e.g. ``navigation.run``); turn an exception into a one-line message, logging bugs."""
    try:
        page()
    except InputError as error:
        st.error(str(error), icon=":material/error:")
    except Exception as error:  # noqa: BLE001 - a page must never show a student a traceback
        logger.exception("The page %s failed", name)
        st.error(
            f"Something went wrong on this page ({type(error).__name__}: {_first_line(error)}). Your work on the "
            "other pages is kept: change a setting and try again, or open another page.",
            icon=":material/error:",
        )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "no details"
