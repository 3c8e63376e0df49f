"""Which network to take home: one of the session's runs (the latest first) or a demo model.

Another page opens this one on its network with :func:`cnnviz.ui.state.send_to_take_home`; the menu's
key is ``th_network`` (a demo model travels in the page's link, a run cannot: it lives in the session).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from cnnviz.inspection import PRETRAINED_NAMES
from cnnviz.links import demo_label
from cnnviz.ui import state
from cnnviz.ui.downloads import Exportable, from_demo, from_run

MENU_KEY = "th_network"


def _options() -> dict[str, tuple[str, Any]]:
    """Menu label → ("run", index into state.runs()) or ("demo", name)."""
    runs = state.runs()
    options: dict[str, tuple[str, Any]] = {}
    for index in reversed(range(len(runs))):
        run = runs[index]
        accuracy = f" · {run.test_accuracy:.1%} on test" if run.test_accuracy is not None else ""
        options[f"{run.label or f'Run {index + 1}'}{accuracy}"] = ("run", index)
    for name in PRETRAINED_NAMES:
        options[demo_label(name)] = ("demo", name)
    return options


def choose_network() -> Exportable:
    """The network menu (a network sent from another page is chosen); the chosen network, ready to export."""
    options = _options()
    sent = state.take_home_network()
    if sent is not None:
        st.session_state[MENU_KEY] = next((label for label, ref in options.items() if ref == sent), None)
    if st.session_state.get(MENU_KEY) not in options:
        st.session_state[MENU_KEY] = next(iter(options))
    label = st.selectbox(
        "Network",
        list(options),
        key=MENU_KEY,
        help="A run you trained on the Training page (the latest first), or a demo model.",
    )
    kind, ref = options[label]
    return from_run(state.runs()[ref], ref) if kind == "run" else from_demo(ref)
