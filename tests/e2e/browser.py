"""Helpers for the real-browser tests: open a page, wait for the script to finish, look for tracebacks."""

from __future__ import annotations

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_idle(page, *, settle_ms: int = 300, timeout_ms: int = 60_000) -> None:
    """Wait until the script has finished running (after giving a just-triggered rerun time to start)."""
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_ms)


def goto(page, app_url: str, url_path: str = "") -> None:
    """Open a page by its url path ("" is home) and wait until its script has finished."""
    page.goto(f"{app_url}/{url_path}")
    wait_idle(page, settle_ms=500)


def assert_no_exception(page) -> None:
    """Fail if the page shows a Streamlit exception box (a traceback)."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
