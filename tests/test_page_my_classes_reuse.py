"""AppTest runs of My classes' two ways to train (issue 28): from scratch, or reusing the digit network's features,
and the one-click comparison on the same few examples (accuracy and time side by side, the curve)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.datasets import examples as limits
from cnnviz.recipes import RECIPES
from cnnviz.shapes import example_set
from cnnviz.ui.data.reuse import COMPARE_FAILED, COMPARE_JOB, COMPARED, REUSE, SCRATCH
from cnnviz.ui.training_job import JOB_KEY
from tests.conftest import labelled_button, markdown_text, page_path, rerun_until


def _page(per_class: int) -> AppTest:
    app = AppTest.from_file(page_path("data"), default_timeout=120)
    shapes = example_set(("circle", "cross", "triangle"), per_class, seed=3)
    app.session_state["mc_examples"] = {name: [limits.keepable(i) for i in images] for name, images in shapes.items()}
    app.run()
    return app.segmented_control(key="data_choice").set_value("My classes").run()


def test_both_ways_are_offered_next_to_each_other():
    app = _page(10)
    assert not app.exception
    assert "Train a network on your classes" in [header.value for header in app.subheader]
    labels = [button.label for button in app.button]
    assert "From scratch" in labels and "Reusing the digit network" in labels and "Compare both ways" in labels
    text = " ".join(caption.value for caption in app.caption)
    assert RECIPES[SCRATCH].description in text and RECIPES[REUSE].description in text


def test_a_click_starts_the_reusing_recipe_on_the_training_page():
    app = _page(10)
    labelled_button(app, "Reusing the digit network").click().run()
    job = app.session_state[JOB_KEY]
    try:
        assert [plan.label for plan in job.plans] == [RECIPES[REUSE].title]
        assert job.plans[0].stack == RECIPES[REUSE].stack
        assert job.plans[0].dataset.image_shape == (28, 28, 1) and len(job.plans[0].dataset.class_names) == 3
    finally:
        job.cancel()


def test_too_few_examples_say_what_is_needed():
    app = _page(2)  # none can be held out to score on
    assert any("Collect at least 5 examples per class" in info.value for info in app.info)


@pytest.mark.timeout(1200)
def test_the_comparison_trains_both_ways_on_the_same_examples_and_shows_the_curve():
    app = _page(10)  # 8 of each class to learn from, 2 held out: comparisons at 2 and 5 per class
    labelled_button(app, "Compare both ways").click().run()
    job = app.session_state[COMPARE_JOB]
    assert [plan.label for plan in job.plans] == [
        f"{size} per class · {way}" for size in (2, 5) for way in (SCRATCH, REUSE)
    ]
    assert [len(plan.dataset.y_train) for plan in job.plans] == [6, 6, 15, 15]
    assert JOB_KEY not in app.session_state  # the session's own training is left alone
    rerun_until(app, lambda a: COMPARED in a.session_state, timeout=1100)
    assert not app.exception
    rows = app.session_state[COMPARED]
    assert sorted((row.per_class, row.way) for row in rows) == sorted(
        (k, way) for k in (2, 5) for way in (SCRATCH, REUSE)
    )
    assert all(0 <= row.accuracy <= 1 and row.seconds > 0 for row in rows)
    table = markdown_text(app)
    assert (
        "| examples per class | From scratch: accuracy | time | Reusing the digit network: accuracy | time |" in table
    )
    assert len(app.get("plotly_chart")) >= 1
    assert COMPARE_JOB not in app.session_state  # let go once read


def test_a_refused_comparison_says_why_until_the_next_one(monkeypatch):
    monkeypatch.setenv("CNNVIZ_MAX_EPOCH_IMAGES", "10")  # the teacher's limit: below even 2 drawings per class
    app = _page(10)
    labelled_button(app, "Compare both ways").click().run()
    rerun_until(app, lambda a: COMPARE_JOB not in a.session_state, timeout=120)
    assert not app.exception and COMPARED not in app.session_state
    reason = app.session_state[COMPARE_FAILED]
    assert "limit" in reason and [e.value for e in app.error] == [reason]
    app.run()  # any later rerun (another widget) still says why
    assert [e.value for e in app.error] == [reason]
    monkeypatch.delenv("CNNVIZ_MAX_EPOCH_IMAGES")
    labelled_button(app, "Compare both ways").click().run()
    try:
        assert COMPARE_FAILED not in app.session_state and not app.error
    finally:
        app.session_state[COMPARE_JOB].cancel()
