"""The Inside-the-network page in real Chromium: draw a digit, see the prediction; click a unit, see its field."""

from __future__ import annotations

import re

from cnnviz import inspection
from tests.e2e.browser import assert_no_exception, choose_segment, draw_stroke, open_page, wait_idle

PREDICTION = re.compile(r"The network says (\S+) \(")


def prediction(page) -> str:
    """The class the page currently names as the network's answer."""
    text = page.get_by_text(PREDICTION).first.inner_text()
    return PREDICTION.search(text).group(1)


def test_drawing_a_digit_shows_the_networks_prediction(page, app_url):
    open_page(page, app_url, "inside")
    assert prediction(page) == "7"  # the default sample, a real MNIST 7
    choose_segment(page, "Draw")
    draw_stroke(page, [(140, 40 + 10 * step) for step in range(21)])  # one vertical stroke: a 1
    assert_no_exception(page)
    page.get_by_text("Your drawing, 280×280×1").first.wait_for(timeout=20_000)
    assert prediction(page) == "1"
    draw_stroke(page, [(80 + 10 * step, 40) for step in range(7)] + [(140, 40)])  # a bar on top: now a 7
    assert prediction(page) == "7"


def test_clicking_a_unit_of_a_feature_map_moves_its_receptive_field(page, app_url):
    open_page(page, app_url, "inside")
    page.get_by_role("tab", name=re.compile("Receptive field")).click()  # reruns the page: only open tabs run
    wait_idle(page)
    page.get_by_text(re.compile(r"channel \d+, 7×7: unit \(3, 3\)")).wait_for()
    chart = page.locator("[data-testid=stPlotlyChart]:visible").nth(1)  # after the probability bars: the map
    chart.scroll_into_view_if_needed()
    area = chart.locator(".nsewdrag").first.bounding_box()
    # The map is 7×7: click the centre of the unit in row 1, column 5.
    page.mouse.click(area["x"] + area["width"] * 5.5 / 7, area["y"] + area["height"] * 1.5 / 7)
    wait_idle(page, settle_ms=1000)
    assert_no_exception(page)
    caption = page.get_by_text(re.compile(r"channel \d+, 7×7: unit \(1, 5\)"))
    caption.wait_for(timeout=20_000)
    layer = caption.inner_text().split()[0]
    top, left, bottom, right = inspection.receptive_field(inspection.load_pretrained("mnist"), layer, 1, 5)
    page.get_by_text(f"It sees input rows {top}–{bottom} and columns {left}–{right}").wait_for()
