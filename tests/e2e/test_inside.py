"""The Inside-the-network page in real Chromium: draw a digit, see the prediction; click a unit, see its field."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cnnviz import inspection
from tests.e2e.browser import (
    assert_no_exception,
    choose_segment,
    draw_stroke,
    expect_prediction,
    open_page,
    wait_idle,
)


def test_drawing_a_digit_shows_the_networks_prediction(page, app_url):
    open_page(page, app_url, "inside")
    expect_prediction(page, "7")  # the default sample, a real MNIST 7
    choose_segment(page, "Draw")
    draw_stroke(page, [(140, 40 + 10 * step) for step in range(21)])  # one vertical stroke: a 1
    assert_no_exception(page)
    expect(page.get_by_text("Your drawing, 280×280×1").first).to_be_visible()
    expect_prediction(page, "1")
    draw_stroke(page, [(80 + 10 * step, 40) for step in range(7)] + [(140, 40)])  # a bar on top: now a 7
    expect_prediction(page, "7")


def test_clicking_a_unit_of_a_feature_map_moves_its_receptive_field(page, app_url):
    open_page(page, app_url, "inside")
    page.get_by_role("tab", name=re.compile("Receptive field")).click()  # reruns the page: only open tabs run
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"channel \d+, 7×7: unit \(3, 3\)"))).to_be_visible()
    chart = page.locator("[data-testid=stPlotlyChart]:visible").first  # the map (the probabilities are a picture)
    chart.scroll_into_view_if_needed()
    area = chart.locator(".nsewdrag").first.bounding_box()
    # The map is 7×7: click the centre of the unit in row 1, column 5.
    page.mouse.click(area["x"] + area["width"] * 5.5 / 7, area["y"] + area["height"] * 1.5 / 7)
    wait_idle(page)
    assert_no_exception(page)
    caption = page.get_by_text(re.compile(r"channel \d+, 7×7: unit \(1, 5\)"))
    expect(caption).to_be_visible()
    layer = caption.inner_text().split()[0]
    top, left, bottom, right = inspection.receptive_field(inspection.load_pretrained("mnist"), layer, 1, 5)
    expect(page.get_by_text(f"It sees input rows {top}–{bottom} and columns {left}–{right}")).to_be_visible()
