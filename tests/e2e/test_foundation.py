"""The app in real Chromium: the home page, every page without a traceback, drawing on the canvas."""

from __future__ import annotations

import re

from cnnviz.ui.navigation import STEPS
from tests.e2e.browser import assert_no_exception, choose_segment, draw_stroke, goto


def test_home_page_shows_every_step(page, app_url):
    goto(page, app_url)
    assert_no_exception(page)
    assert "CNN Explorer" in page.locator("h1").first.inner_text()
    for step in STEPS:
        assert page.get_by_text(step.title).count() >= 1


def test_every_page_renders_without_an_exception(page, app_url):
    for step in STEPS:
        goto(page, app_url, step.url_path)
        assert_no_exception(page)
        assert page.locator("h1").count() >= 1, step.url_path


def test_drawing_on_the_canvas_updates_the_pixels_page(page, app_url):
    goto(page, app_url, "pixels")
    choose_segment(page, "Draw")
    draw_stroke(page, [(140, 50 + 10 * step) for step in range(19)])
    assert_no_exception(page)
    page.get_by_text(re.compile(r"Current image: Your drawing, 280×280×1")).wait_for(timeout=20_000)
    assert page.get_by_text("280 × 280 × 1").count() >= 1
