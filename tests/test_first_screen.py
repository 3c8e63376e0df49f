"""A page draws its first screen, then what lies below once the browser reports that first screen drawn
(cnnviz.ui.first_screen): without a browser the report is simulated, in a real one it is sent."""

from __future__ import annotations

import pytest

from cnnviz.ui import first_screen
from tests.conftest import run_page

SECOND_SECTION = "2 · Input and feature map"


def headers(app) -> list[str]:
    return [header.value for header in app.header]


def signals(app) -> list[str]:
    return [element.key for element in app.get("bidi_component")]


@pytest.fixture
def browser_signals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(first_screen, "WAIT_FOR_BROWSER", True)


def test_a_tabs_first_run_stops_below_the_controls_and_the_report_draws_the_rest(browser_signals) -> None:
    app = run_page("convolution")
    assert SECOND_SECTION not in headers(app) and not app.get("image")  # no feature map sent yet
    assert app.number_input(key="conv_stride").value == 1  # the first screen's controls are there
    assert signals(app) == ["conv_first_screen"]
    assert "5 · Why padding: the border is seen less" in headers(app)  # closed sections below are cheap: drawn

    app.session_state[first_screen.DRAWN] = True  # what the signal's report sets
    app.run()
    assert SECOND_SECTION in headers(app) and app.get("image")
    assert signals(app) == []  # later runs of the tab draw everything at once


def test_a_course_map_link_to_a_section_draws_the_whole_page_at_once(browser_signals) -> None:
    from cnnviz.ui.course_notes import PENDING

    app = run_page("convolution", state={PENDING: "activation-and-pooling"})
    assert "4 · Activation and pooling" in headers(app) and signals(app) == []


def test_without_a_browser_everything_is_drawn_in_one_run() -> None:
    app = run_page("convolution")
    assert SECOND_SECTION in headers(app) and signals(app) == []


def popovers(app) -> list[tuple[str, bool]]:
    """(label, disabled) of every popover on the page."""
    from streamlit.testing.v1.element_tree import Block

    found: list[tuple[str, bool]] = []

    def visit(node) -> None:
        for child in getattr(node, "children", {}).values():
            if isinstance(child, Block) and child.type == "popover":
                found.append((child.proto.popover.label, child.proto.popover.disabled))
            visit(child)

    visit(app._tree)
    return found


@pytest.mark.parametrize(
    ("page", "signal"),
    [
        ("layer_builder", "builder_first_screen"),
        ("training", "training_first_screen"),
        ("inside", "inside_first_screen"),
        ("pixels", "pixels_first_screen"),
        ("data", "data_first_screen"),
    ],
)
def test_a_page_that_stops_early_keeps_its_link_button_in_place(browser_signals, page, signal) -> None:
    """The link's button sits under the title but is drawn at the page's end: a first run that stops early
    holds its place with the same button, not usable yet, so nothing on the first screen moves down later."""
    app = run_page(page, timeout=180)
    assert popovers(app) == [("Copy link to this view", True)] and signals(app) == [signal]
    app.session_state[first_screen.DRAWN] = True
    app.run()
    assert popovers(app)[0] == ("Copy link to this view", False) and signals(app) == []
