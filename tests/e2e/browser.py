"""Helpers for the real-browser tests: open a page, wait for the script to finish, look for tracebacks."""

from __future__ import annotations

from tests.conftest import DATA_PAGES, skip_without_data

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_idle(page, *, settle_ms: int = 300, timeout_ms: int = 60_000) -> None:
    """Wait until the script has finished running (after giving a just-triggered rerun time to start)."""
    page.wait_for_timeout(settle_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_ms)


def goto(page, app_url: str, url_path: str = "") -> None:
    """Open a page by its url path ("" is home) and wait until its script has finished.

    Skips the test when the page reads the offline datasets and their folder is absent.
    """
    if url_path.split("?")[0] in DATA_PAGES:
        skip_without_data()
    page.goto(f"{app_url}/{url_path}")
    wait_idle(page, settle_ms=500)
    # app.py's navigation ran (not Streamlit's legacy pages/ mode): its "Home" entry is in the sidebar.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True).wait_for(timeout=10_000)


def open_page(page, app_url: str, url_path: str) -> None:
    """Open a page the way a student does (home first, then the page) and check it shows no traceback."""
    goto(page, app_url)
    goto(page, app_url, url_path)
    assert_no_exception(page)


def assert_no_exception(page) -> None:
    """Fail if the page shows a Streamlit exception box (a traceback)."""
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()


def choose_segment(page, label: str) -> None:
    """Click one option of an st.segmented_control (rendered as radio buttons) and wait for the rerun."""
    page.get_by_role("radio", name=label, exact=True).first.click()
    wait_idle(page)


CANVAS = '[data-testid="stBidiComponentIsolated"] canvas.upper-canvas'


def draw_stroke(page, points: list[tuple[float, float]]) -> None:
    """Drag the mouse through canvas-relative points on the drawing canvas, then wait for the app."""
    canvas = page.locator(CANVAS).first
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
    page.mouse.up()
    page.wait_for_timeout(1500)  # the drawing canvas (a third-party component) sends its strokes after a pause
    wait_idle(page)
