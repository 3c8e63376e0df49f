"""A failing page shows one line, never a traceback, and the log keeps the traceback (cnnviz/ui/page_errors.py)."""

import logging

from streamlit.testing.v1 import AppTest


def _page_that_fails(kind: str) -> None:
    import streamlit as st

    from cnnviz.errors import InputError
    from cnnviz.ui.page_errors import run_guarded

    def page() -> None:
        st.write("before the failure")
        if kind == "bug":
            {}["missing key"]  # noqa: B018 - a bug, on purpose
        raise InputError("Kernel row 2: 'abc' is not a number")

    run_guarded(page, "demo")
    st.write("the app goes on")


def test_a_bug_shows_one_line_and_logs_the_traceback(caplog):
    caplog.set_level(logging.ERROR, logger="cnnviz.pages")
    app = AppTest.from_function(_page_that_fails, args=("bug",)).run()
    assert not app.exception
    [message] = [error.value for error in app.error]
    assert message.startswith("Something went wrong on this page (KeyError: 'missing key')")
    assert "\n" not in message and "Traceback" not in message
    assert [m.value for m in app.markdown][-1] == "the app goes on"
    [record] = [r for r in caplog.records if r.name == "cnnviz.pages"]
    assert record.exc_info[0] is KeyError and "demo" in record.getMessage()
    assert "_page_that_fails" in caplog.text or "in page" in caplog.text  # the traceback's frames


def test_bad_input_shows_its_own_message_and_logs_nothing(caplog):
    caplog.set_level(logging.DEBUG, logger="cnnviz.pages")
    app = AppTest.from_function(_page_that_fails, args=("input",)).run()
    assert not app.exception
    assert [error.value for error in app.error] == ["Kernel row 2: 'abc' is not a number"]
    assert not [r for r in caplog.records if r.name == "cnnviz.pages"]
