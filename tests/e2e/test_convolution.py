"""The Convolution page in real Chromium: stride and padding change the output size; bad kernels are explained."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, goto, wait_idle

SIZE = '[data-testid="stMetric"]:has-text("Feature map size") [data-testid="stMetricValue"]'


def test_stride_and_padding_change_the_output_size(page, app_url):
    goto(page, app_url, "convolution")
    assert_no_exception(page)
    assert page.locator(SIZE).inner_text() == "26 × 26 × 1"
    stride = page.get_by_role("spinbutton", name="Stride (step between windows)")
    stride.fill("2")
    stride.press("Enter")
    wait_idle(page)
    assert page.locator(SIZE).inner_text() == "13 × 13 × 1"
    page.locator('[data-testid="stRadio"]').filter(has_text="Padding").get_by_text("same", exact=True).click()
    wait_idle(page)
    assert page.locator(SIZE).inner_text() == "14 × 14 × 1"
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
    assert page.locator('[data-testid="stAlertContentError"]').filter(has_text="'edge' in row 2").count() == 1
    assert_no_exception(page)
    box.fill("1 0 -1\n2 0 -2\n1 0 -1")
    box.press("Control+Enter")
    wait_idle(page)
    assert page.locator(SIZE).inner_text() == "26 × 26 × 1"


def test_editing_a_grid_cell_changes_the_kernel(page, app_url):
    goto(page, app_url, "convolution")
    products = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Multiply and add.")
    assert "·1 +" in products.inner_text()
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # the grid canvas settles its layout after it scrolls into view
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 6, box["y"] + 46)  # select the first cell, under the header
    page.wait_for_timeout(300)  # the grid (a third-party canvas) draws its selection before it takes keys
    page.keyboard.type("5")  # typing on a selected cell opens its editor with that text
    page.wait_for_timeout(300)  # and opens that editor before Enter can commit it
    page.keyboard.press("Enter")
    page.mouse.click(box["x"] + box["width"] + 40, box["y"] - 30)  # leave the grid: the edit is sent
    expect(products).to_contain_text("·5 +", timeout=20_000)
    wait_idle(page)
    assert_no_exception(page)
