"""The link is the lesson, in real Chromium: a view set up in one browser opens the same in another."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, choose_segment, goto, new_page, wait_idle

SIZE = '[data-testid="stMetric"]:has-text("Feature map size") [data-testid="stMetricValue"]'


def copied_link(page) -> str:
    """Open "Copy link to this view" and read the link it offers (the code block has the copy button)."""
    page.get_by_role("button", name="Copy link to this view").first.click()
    code = page.locator('[data-testid="stPopoverBody"] code').first
    code.wait_for()
    expect(page.locator('[data-testid="stPopoverBody"] img')).to_have_count(1)  # the QR code
    return code.inner_text().strip()


@contextlib.contextmanager
def new_browser(browser, link: str | None = None) -> Iterator:
    """A page in a browser context of its own (another person's browser), opened on ``link`` if given."""
    page = new_page(browser)
    try:
        if link is not None:
            page.goto(link)
            wait_idle(page)
            assert_no_exception(page)
        yield page
    finally:
        page.context.close()


def test_a_copied_convolution_link_opens_the_same_view_in_a_fresh_browser(browser, app_url):
    with new_browser(browser) as page:
        goto(page, app_url, "convolution")
        stride = page.get_by_role("spinbutton", name="Stride (step between windows)")
        stride.fill("3")
        stride.press("Enter")
        wait_idle(page)
        page.locator('[data-testid="stRadio"]').filter(has_text="Padding").get_by_text("same", exact=True).click()
        wait_idle(page)
        expect(page.locator(SIZE)).to_have_text("10 × 10 × 1")
        link = copied_link(page)
        assert "stride=3" in link and "padding=same" in link and "image=mnist-digit-7" in link
        expect(page).to_have_url(re.compile("stride=3"))  # the address bar itself holds the view

    with new_browser(browser, link) as fresh:
        expect(fresh.locator(SIZE)).to_have_text("10 × 10 × 1")
        expect(fresh.get_by_role("spinbutton", name="Stride (step between windows)")).to_have_value("3")


def test_a_hostile_link_shows_one_notice_and_the_page_works(page, app_url):
    goto(page, app_url, "convolution?stride=0&padding=same&nonsense=1&kernel=" + "9_" * 3000)
    assert_no_exception(page)
    expect(page.get_by_text("Part of this link could not be used")).to_have_count(1)
    expect(page.locator(SIZE)).to_have_text("28 × 28 × 1")  # 'same' applied, stride 1 kept


def test_a_datasets_link_in_presentation_mode_opens_the_same_view_and_keeps_presenting(browser, app_url, tmp_path):
    with new_browser(browser) as page:
        goto(page, app_url, "data?present=1")
        expect(page.get_by_role("switch", name="Presentation mode")).to_be_checked()
        choose_segment(page, "Fashion-MNIST clothes")
        link = copied_link(page)
        assert "dataset=fashion_mnist" in link and "present=1" in link
        page.screenshot(path=str(tmp_path / "datasets-share.png"))
        page.keyboard.press("Escape")
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True).click()
        wait_idle(page)
        expect(page).to_have_url(re.compile("present=1"))  # the app-wide part follows the teacher to the next page

    with new_browser(browser, link) as fresh:
        expect(fresh.get_by_role("switch", name="Presentation mode")).to_be_checked()
        expect(fresh.get_by_role("radio", name="Fashion-MNIST clothes", exact=True)).to_be_checked()
