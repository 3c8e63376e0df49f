"""The Convolution page in real Chromium: stride and padding change the output size; bad kernels are explained."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.browser import FIRST_SCREEN_SIGNAL, assert_no_exception, goto, press_shortcut, wait_idle

SIZE = '[data-testid="stMetric"]:has-text("Feature map size") [data-testid="stMetricValue"]'


def test_stride_and_padding_change_the_output_size(page, app_url):
    goto(page, app_url, "convolution")
    assert_no_exception(page)
    expect(page.locator(SIZE)).to_have_text("26 × 26 × 1")
    stride = page.get_by_role("spinbutton", name="Stride (step between windows)")
    stride.fill("2")
    stride.press("Enter")
    wait_idle(page)
    expect(page.locator(SIZE)).to_have_text("13 × 13 × 1")
    page.locator('[data-testid="stRadio"]').filter(has_text="Padding").get_by_text("same", exact=True).click()
    wait_idle(page)
    expect(page.locator(SIZE)).to_have_text("14 × 14 × 1")
    expect(page.get_by_text("asymmetric").first).to_be_visible()
    page.get_by_role("button", name="Step ▶").click()
    wait_idle(page)
    assert_no_exception(page)


def test_typed_kernel_errors_are_shown_and_fixed(page, app_url):
    goto(page, app_url, "convolution")
    page.get_by_role("radio", name="Text", exact=True).click()
    wait_idle(page)
    box = page.locator("textarea").first
    box.fill("1 0 -1\nedge 0 1")
    box.press("Control+Enter")
    wait_idle(page)
    expect(page.locator('[data-testid="stAlertContentError"]').filter(has_text="'edge' in row 2")).to_have_count(1)
    assert_no_exception(page)
    box.fill("1 0 -1\n2 0 -2\n1 0 -1")
    box.press("Control+Enter")
    wait_idle(page)
    expect(page.locator(SIZE)).to_have_text("26 × 26 × 1")


def test_editing_a_grid_cell_changes_the_kernel(page, app_url):
    goto(page, app_url, "convolution")
    products = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Multiply and add.")
    expect(products).to_contain_text("·1 +")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    width = grid.bounding_box()["width"]
    grid.click(position={"x": width / 6, "y": 46})  # the first cell, under the header (once the grid is still)
    # The grid (a third-party canvas) mirrors its selection in an accessible table: the cell is selected.
    expect(grid.locator('[role="gridcell"][aria-selected="true"]')).to_have_count(1)
    page.keyboard.type("5")  # typing on a selected cell opens its editor with that text
    expect(page.locator(".gdg-input")).to_have_value("5")  # the editor is open: Enter commits it
    page.keyboard.press("Enter")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] + 40, box["y"] - 30)  # leave the grid: the edit is sent
    expect(products).to_contain_text("·5 +")
    wait_idle(page)
    assert_no_exception(page)


def test_step_through_moves_the_window_picture_by_button_and_keyboard(page, app_url):
    """The step-through is a fragment of its own: Step ▶ and the arrow keys redraw the window there."""
    goto(page, app_url, "convolution")
    window = page.locator(".st-key-conv_window img")
    expect(window).to_have_attribute("alt", re.compile(r"^The window of output \(22, 13\) on the padded input"))
    feature_map = page.locator(".st-key-conv_map")
    expect(feature_map).to_be_attached()
    # The 26×26 map is an SVG heat map drawn in the page: hovering a cell shows its tooltip, row, column, value.
    cell = feature_map.locator("svg rect").nth(26 * 22 + 13)
    cell.hover()
    expect(cell.locator("title")).to_have_text(re.compile(r"^row 22, column 13: −?[\d.]+"))
    page.get_by_role("button", name="Step ▶").click()
    wait_idle(page)
    expect(window).to_have_attribute("alt", re.compile(r"^The window of output \(22, 14\)"))
    press_shortcut(page, "ArrowLeft")
    expect(window).to_have_attribute("alt", re.compile(r"^The window of output \(22, 13\)"))
    expect(page.get_by_text("That is cell (22, 13) of the feature map")).to_be_visible()
    assert_no_exception(page)


def test_the_feature_maps_come_once_the_first_screen_is_drawn(page, app_url):
    """A fresh tab's first run stops below the controls; the browser's report that it drew them asks for the
    rest (cnnviz.ui.first_screen): a second run, then the whole page, and no signal left on it."""
    goto(page, app_url, "convolution")
    expect(page.get_by_role("heading", name="2 · Input and feature map")).to_be_visible()
    expect(page.locator(FIRST_SCREEN_SIGNAL)).to_have_count(0)
    assert page.evaluate("() => window.__cnnvizRuns.finished") >= 2
