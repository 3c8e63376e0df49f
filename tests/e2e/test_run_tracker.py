"""Guards for the run tracker (tests/e2e/run_tracker.js), which every browser test waits with: a Streamlit
upgrade that changes the protocol it follows fails here, by name, instead of as timeouts everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit

from tests.e2e.browser import PAGE_MARKERS, RUN_TRACKER, TrackerOutdated, check_run_tracker, tracker_fields

FRONTEND = Path(streamlit.__file__).parent / "static" / "static" / "js"


def test_streamlit_still_has_the_messages_and_page_markers_the_tracker_reads():
    """No browser needed: the protobuf fields it decodes and the page attributes wait_idle reads exist."""
    fields = tracker_fields()  # raises TrackerOutdated naming a field that is gone
    assert all(isinstance(number, int) and number > 0 for number in fields.values())
    assert json.dumps(fields) in RUN_TRACKER  # what every tab gets
    bundle = "".join(script.read_text(errors="replace") for script in FRONTEND.glob("index*.js"))
    if "new WebSocket(" not in bundle:
        raise TrackerOutdated("Streamlit's frontend no longer opens a WebSocket, which the tracker wraps")
    for marker in PAGE_MARKERS:
        if marker not in bundle:
            raise TrackerOutdated(f"Streamlit's frontend no longer has {marker!r}, which wait_idle reads")


def test_the_tracker_follows_a_page_load_and_a_rerun(browser, streamlit_server):
    check_run_tracker(browser, streamlit_server)
