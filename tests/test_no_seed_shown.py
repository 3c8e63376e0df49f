"""Students never read the word "seed": every page, opened as a student opens it, says "random start".

Each page is run with AppTest (and the views that describe datasets and demo models are opened too);
everything it would draw (text, labels, help, options, tables, figures) is searched for the word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.options import INSIDE_TABS
from cnnviz.ui.inside.work import server_work
from cnnviz.ui.navigation import CLASS, HOME, STEPS
from tests.conftest import ROOT, page_path, rerun_until, run_page, skip_without_data

SEED = re.compile(r"\bseed(s|ed)?\b", re.IGNORECASE)
#: Every page of the app's navigation: home, the steps, then the class.
PAGES = [step.path for step in (HOME, *STEPS, CLASS)]


def shown_text(app: AppTest) -> Iterator[str]:
    """Every element's protobuf as text: its value, label, help, options and any table or figure it holds."""

    def walk(node) -> Iterator[str]:
        proto = getattr(node, "proto", None)
        if proto is not None:
            yield str(proto)
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    yield from walk(app._tree)
    for tab in app.sidebar:
        yield from walk(tab)


def seed_lines(app: AppTest) -> list[str]:
    return [line.strip()[:200] for text in shown_text(app) for line in text.splitlines() if SEED.search(line)]


def test_every_page_is_in_the_navigation():
    assert sorted(PAGES) == sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_the_word_seed(page):
    skip_without_data()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    assert seed_lines(app) == []


@pytest.mark.parametrize("choice", ["NEU steel defects", "Fashion-MNIST clothes", "My classes"])
def test_the_dataset_descriptions_say_random_start(choice):
    app = AppTest.from_file(page_path("data"), default_timeout=180)
    app.run()
    app.session_state["data_choice"] = choice
    app.run()
    assert not app.exception
    assert seed_lines(app) == []


def test_the_neu_demo_model_card_says_random_start():
    app = AppTest.from_file(page_path("inside"), default_timeout=180)
    app.run()
    labels = [option for option in app.selectbox(key="inside_model").options if "NEU" in option]
    app.selectbox(key="inside_model").set_value(labels[0]).run()
    assert not app.exception
    text = "\n".join(shown_text(app))
    assert "random start 0" in text
    assert seed_lines(app) == []


@pytest.mark.parametrize("tab", list(INSIDE_TABS))
def test_no_inside_tab_shows_the_word_seed(tab, monkeypatch):
    """Only the open tab runs, so each of Inside's tabs is opened in turn (its background work in this process)."""
    monkeypatch.setenv("CNNVIZ_EXPLAIN_ON_WORKERS", "0")
    app = run_page("inside", timeout=300)
    app.session_state["inside_tab"] = INSIDE_TABS[tab]
    app.run()
    rerun_until(app, lambda _: not server_work().unfinished())  # what the tab shows once its work is done
    app.run()
    assert not app.exception
    opened = next(shown for shown in app.tabs if shown.label == INSIDE_TABS[tab])
    assert len(opened.children) > 0  # the tab drew its body, not only its label
    assert seed_lines(app) == []


def test_the_training_options_say_random_start():
    """Every option of the training form switched on (those that reveal more settings) shows no "seed"."""
    app = run_page("training", timeout=300)
    for key in ("tr_fgsm", "tr_early", "tr_val_first", "tr_keep_best", "tr_augment", "tr_shuffle_pixels"):
        app.session_state[key] = True
    app.run()
    assert not app.exception
    assert "Random start" in [number.label for number in app.number_input]
    assert seed_lines(app) == []
