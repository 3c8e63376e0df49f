"""Four students at once in real Chromium: each walks through every step of the app, no traceback.

Sync Playwright forbids threads, so the four tabs are interleaved: every tab is sent to the next
page before any of them is waited for, which makes the server run the four sessions' scripts at
the same time. Each tab is its own browser context, i.e. its own Streamlit session, and moves by
the sidebar (the session and its image live on from page to page, as for a real student).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cnnviz.ui.navigation import STEPS
from tests.e2e.browser import assert_no_exception, new_page, wait_idle

SESSIONS = 4
TIMEOUT_MS = 120_000  # a cold TensorFlow import while three other sessions run scripts on 2 cores


def test_four_sessions_at_once_open_every_page_without_an_exception(browser, app_url):
    tabs = [new_page(browser) for _ in range(SESSIONS)]
    try:
        for tab in tabs:
            tab.set_default_timeout(TIMEOUT_MS)
            tab.goto(app_url, wait_until="commit")
        for tab in tabs:
            wait_idle(tab, timeout_ms=TIMEOUT_MS)
            assert_no_exception(tab)
        for step in STEPS:
            for tab in tabs:
                tab.locator(f'[data-testid="stSidebarNav"] a[href$="/{step.url_path}"]').click()
            for number, tab in enumerate(tabs):
                tab.wait_for_url(re.compile(rf"/{step.url_path}(\?|$)"))  # a page writes its state into the query
                wait_idle(tab, timeout_ms=TIMEOUT_MS)
                where = f"session {number} on /{step.url_path}"
                try:
                    assert_no_exception(tab)
                except AssertionError as error:
                    raise AssertionError(f"{where}: {error}") from None
                title = tab.locator('[data-testid="stMainBlockContainer"] h1').first
                expect(title, f"{where}: no title").to_be_visible()
    finally:
        for tab in tabs:
            tab.context.close()
