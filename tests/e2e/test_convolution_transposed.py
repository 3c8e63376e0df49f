"""The transposed-convolution step-through in real Chromium: Next cell ▶ scatters the next input cell."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, goto, open_section, wait_idle

STEP = '[data-testid="stAlertContentSuccess"]:has-text("scatters")'


def test_stepping_through_the_transposed_convolution(page, app_url):
    goto(page, app_url, "convolution")
    assert_no_exception(page)
    page.get_by_text("10 · Transposed convolution").scroll_into_view_if_needed()
    open_section(page, "Step through a transposed convolution")  # drawn on demand
    expect(page.locator(STEP)).to_contain_text("Input cell (2, 2)")
    page.locator(".st-key-tconv_next button").click()
    wait_idle(page)
    expect(page.locator(STEP)).to_contain_text("Input cell (2, 3)")
    expect(page.locator(STEP)).to_contain_text("After 12 of 16 cells")
    stride = page.get_by_role("spinbutton", name="Stride s", exact=True)
    stride.fill("3")
    stride.press("Enter")
    wait_idle(page)
    expect(page.locator(".katex").filter(has_text=re.compile(r"= ?12")).first).to_be_visible()  # (4−1)·3 − 0 + 3 + 0
    assert_no_exception(page)
