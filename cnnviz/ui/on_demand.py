"""Sections drawn only while a student looks at them: a closed expander costs neither server nor browser.

A page with dozens of figures below its first screen makes every visit and every click wait for all of
them (issue 27: the Convolution page's 42 figures, the last one 7.5 s after navigation). :func:`on_demand`
puts a section behind Streamlit's lazy expander (``on_change="rerun"``): while it is closed its code does
not run and nothing reaches the browser; opening it reruns only its own fragment, not the page, and it
stays open (its key is in the session) when the rest of the page reruns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from cnnviz.ui.course_notes import pending_section


def on_demand(
    label: str,
    key: str,
    draw: Callable[..., None],
    *args: Any,
    expanded: bool = False,
    holds: tuple[str, ...] = (),
) -> None:
    """Draw ``draw(*args)`` inside an expander labelled ``label``, only while it is open.

    ``key`` remembers the expander's state in the session (tests open it with
    ``session_state[key] = True``); ``expanded`` is its state on a first visit. ``holds`` names the anchors
    of the headings inside: a course-map link to one of them opens the section, so its heading exists to
    scroll to.
    """
    if pending_section() in holds:
        st.session_state[key] = True
    _lazy_section(label, key, draw, args, expanded)


@st.fragment
def _lazy_section(label: str, key: str, draw: Callable[..., None], args: tuple, expanded: bool) -> None:
    """The expander and its content, as a fragment: opening or closing it reruns only this part."""
    box = st.expander(label, expanded=expanded, key=key, on_change="rerun")
    if box.open:
        with box:
            draw(*args)
