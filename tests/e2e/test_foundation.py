"""The app in real Chromium: the home page, every page without a traceback, drawing on the canvas."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cnnviz.ui.navigation import STEPS
from tests.e2e.browser import assert_no_exception, choose_segment, draw_stroke, goto, wait_idle


def test_home_page_shows_every_step(page, app_url):
    goto(page, app_url)
    assert_no_exception(page)
    expect(page.locator("h1").first).to_contain_text("CNN Explorer")
    for step in STEPS:
        expect(page.get_by_text(step.title).first).to_be_visible()


def test_every_page_renders_without_an_exception(page, app_url):
    for step in STEPS:
        goto(page, app_url, step.url_path)
        assert_no_exception(page)
        expect(page.locator("h1").first, step.url_path).to_be_visible()


def test_drawing_on_the_canvas_updates_the_pixels_page(page, app_url):
    goto(page, app_url, "pixels")
    choose_segment(page, "Draw")
    draw_stroke(page, [(140, 50 + 10 * step) for step in range(19)])
    assert_no_exception(page)
    expect(page.get_by_text(re.compile(r"Current image: Your drawing, 280×280×1"))).to_be_visible()
    expect(page.get_by_text("280 × 280 × 1").first).to_be_visible()
    # The sidebar's picture follows the new image at once: it names the drawing, not the sample it replaced.
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("Your drawing", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("Sample:")).to_have_count(0)


def test_heat_map_titles_do_not_cover_the_column_axis_label(page, app_url):
    goto(page, app_url, "pixels")
    # A photo: too many pixels to write each number, so the whole image is a Plotly heat map to hover and zoom.
    page.get_by_role("combobox", name="Sample image").click()
    page.get_by_role("option", name="Photo: coloured shapes (generated)").click()
    wait_idle(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(
        has=page.locator("text.gtitle", has_text="Whole image")
    )
    title, axis_label = chart.locator("text.gtitle"), chart.locator("text.xtitle")
    expect(title).to_be_visible()
    top, bottom = title.bounding_box(), axis_label.bounding_box()
    assert top["y"] + top["height"] <= bottom["y"], (top, bottom)
