"""What lies below a page's first screen is drawn once the browser has shown that first screen.

Why (issue 27, measured with ``bench/page_probe.py``): in a freshly opened tab, each kind of Streamlit element
(a number box, a select box, a table…) shows a grey skeleton until its script chunk has loaded, and React
(18.3) reveals those elements only when the browser's main thread has nothing more urgent to do, or 500 ms
after the last new skeleton. Everything a script sends is more urgent. So a page's first screen appeared only
once the browser had drawn the whole page, below the fold included: 1.3–1.5 s for the Convolution page,
0.75–1.0 s when its script stopped after the first screen.

:func:`first_screen_drawn` lets a page draw its first screen, then the rest: in a session's first run it
mounts a tiny component whose script, once the browser has painted, reports back; that rerun (of the
fragment the call is in, or of the page) draws what is below. Later runs of the session (a click, another
page in the same tab, whose elements' scripts are loaded by then) draw everything at once, and so does a
course-map link to a section of the page (the student wants what is below).
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from cnnviz.ui.course_notes import pending_section
from cnnviz.ui.links import hold_link_place

DRAWN = "first_screen_drawn"  # session state: this browser tab has drawn a first screen
# After the next paint (a frame, then a task): the first screen's elements are on the page by then.
SIGNAL_JS = """
export default function (component) {
  requestAnimationFrame(() => setTimeout(() => component.setTriggerValue("drawn", true), 0));
}
"""
#: ``CNNVIZ_FIRST_SCREEN=all``: every page whole in one run, for clients that run no script and so never report
#: a first screen (AppTest, the protocol-level sessions of bench/st_client.py); set by the tests and those benches.
ALL_AT_ONCE_ENV = "CNNVIZ_FIRST_SCREEN"
WAIT_FOR_BROWSER = os.environ.get(ALL_AT_ONCE_ENV) != "all"
_signal: Any = None  # the registered component, once per server


def _remember_drawn() -> None:
    st.session_state[DRAWN] = True


def first_screen_drawn(key: str) -> bool:
    """Whether to draw what follows now. False in a tab's first run: a signal named ``key`` is mounted
    instead, and its report reruns the script (or the fragment this is called in) with True."""
    global _signal
    if st.session_state.get(DRAWN) or not WAIT_FOR_BROWSER or pending_section() is not None:
        return True  # a course-map link to a section: the student wants what is below, at once
    if _signal is None:
        _signal = st.components.v2.component("cnnviz_first_screen", js=SIGNAL_JS)
    _signal(key=key, on_drawn_change=_remember_drawn, height=0)
    return False


def stop_after_first_screen(key: str, link_slot: Any = None) -> None:
    """End a tab's first run here, where the page's first screen ends (see :func:`first_screen_drawn`); the rest
    of the page comes in the run the browser asks for. ``link_slot`` is the page's place for its link
    (:func:`cnnviz.ui.links.open_link`): its button is held there, so nothing in view moves down later."""
    if first_screen_drawn(key):
        return
    if link_slot is not None:
        hold_link_place(link_slot)
    st.stop()
