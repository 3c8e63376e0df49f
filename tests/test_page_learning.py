"""AppTest runs of the "How a network learns" page."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz import learning
from tests.conftest import markdown_text, run_page


@pytest.fixture(scope="module")
def page():
    return run_page("learning", timeout=120)


def test_every_section_is_there(page):
    titles = [s.value for s in page.subheader]
    assert [t.split(" · ")[0] for t in titles] == ["1", "2", "3", "4", "5", "6"]


def test_softmax_follows_the_sliders_and_sums_to_one(page):
    page.slider(key="learn_z0").set_value(6.0).run()
    p = learning.softmax(np.array([6.0, 0.5, 3.0, 0.0, -1.0]))
    text = markdown_text(page)
    assert f"{p[0]:.3f}" in text and "**1.000**" in text


def test_cross_entropy_for_the_chosen_class(page):
    page.radio(key="learn_label").set_value(4).run()
    p = learning.softmax(np.array([page.slider(key=f"learn_z{i}").value for i in range(5)]))
    assert f"**{-np.log(p[4]):.4f}**" in markdown_text(page)
    assert "[0, 0, 0, 0, 1]" in markdown_text(page)


def test_a_too_large_learning_rate_is_called_diverging(page):
    page.select_slider(key="learn_rate").set_value(1.1).run()
    assert any("explodes" in e.value for e in page.error)
    page.select_slider(key="learn_rate").set_value(0.1).run()
    assert not page.error and "good" in markdown_text(page)


def test_backprop_shows_the_filter_before_and_after(page):
    step = learning.backprop_step(learning_rate=0.05)
    text = markdown_text(page)
    assert f"{step.loss_before:.4f} → **{step.loss_after:.4f}**" in text


def test_steps_per_epoch(page):
    page.select_slider(key="learn_batch").set_value(50).run()
    assert "**1,200**" in markdown_text(page)
    assert not page.exception


def test_the_softmax_table_holds_the_probabilities_of_the_sliders(page):
    """A plain table (no data grid for the browser to load), numbers as softmax gives them, four decimals shown."""
    logits = np.array([page.slider(key=f"learn_z{i}").value for i in range(5)])
    shown = page.table[0].value
    np.testing.assert_allclose(shown["p"], learning.softmax(logits))
    np.testing.assert_allclose(shown["e^(z − max z)"], np.exp(logits - logits.max()))
    assert not page.dataframe
