"""Every device in the room, in real Chromium: a phone (390×844) and a tablet (768×1024) with touch.

- every page fits the screen's width (no horizontal scrolling of the page) and is screenshotted to
  ``artifacts/screens/`` for a person to look at;
- a finger drawing on the canvas (Chrome DevTools Protocol touch events) becomes the current image,
  and the Inside page predicts the digit drawn by touch; a two-finger scroll draws nothing;
- the convolution step-through works from the keyboard alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cnnviz.ui.navigation import STEPS
from tests.e2e.browser import CANVAS, assert_no_exception, choose_segment, goto, wait_idle

SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
PAGES = ["", *(step.url_path for step in STEPS)]


@pytest.fixture
def touch_page(browser, request):
    """A page in a touch-screen context of the size the test is parametrized with (default: phone)."""
    viewport = getattr(request, "param", PHONE)
    context = browser.new_context(viewport=viewport, has_touch=True, is_mobile=True, device_scale_factor=2)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


@pytest.mark.parametrize("touch_page", [PHONE, TABLET], indirect=True, ids=["phone", "tablet"])
@pytest.mark.parametrize("url_path", PAGES)
def test_every_page_fits_the_screen_width(touch_page, app_url, url_path):
    goto(touch_page, app_url, url_path)
    assert_no_exception(touch_page)
    width = touch_page.viewport_size["width"]
    SCREENS.mkdir(parents=True, exist_ok=True)
    touch_page.wait_for_timeout(1000)  # let the last widgets paint: the screenshot is for a person to look at
    touch_page.screenshot(path=str(SCREENS / f"{url_path or 'home'}-{width}.png"), full_page=True)
    scroll_width = touch_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"/{url_path} scrolls sideways at {width} px: {scroll_width} px wide"


def touch_stroke(page, points: list[tuple[float, float]], *, fingers: int = 1) -> None:
    """Send a stroke as touch events through the DevTools protocol; ``fingers`` side by side (a scroll)."""
    canvas = page.locator(CANVAS).first
    canvas.wait_for()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    session = page.context.new_cdp_session(page)

    def touches(x: float, y: float) -> list[dict]:
        return [{"x": box["x"] + x + 40 * finger, "y": box["y"] + y, "id": finger} for finger in range(fingers)]

    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": touches(*points[0])})
    for x, y in points[1:]:
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": touches(x, y)})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(1500)  # the drawing canvas (a third-party component) sends its strokes after a pause
    wait_idle(page)


VERTICAL_STROKE = [(140, 40 + 10 * step) for step in range(21)]  # a "1"


def test_a_finger_draws_on_the_pixels_page_and_the_canvas_fits_a_phone(touch_page, app_url):
    goto(touch_page, app_url, "pixels")
    choose_segment(touch_page, "Draw")
    box = touch_page.locator(CANVAS).first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    touch_stroke(touch_page, VERTICAL_STROKE)
    assert_no_exception(touch_page)
    expect(touch_page.get_by_text(re.compile(r"Current image: Your drawing"))).to_be_visible(timeout=20_000)


def test_a_two_finger_scroll_does_not_draw(touch_page, app_url):
    goto(touch_page, app_url, "pixels")
    choose_segment(touch_page, "Draw")
    touch_stroke(touch_page, [(60, 40 + 20 * step) for step in range(10)], fingers=2)
    assert_no_exception(touch_page)
    assert touch_page.get_by_text(re.compile(r"Current image: Your drawing")).count() == 0


@pytest.mark.parametrize("touch_page", [PHONE, TABLET], indirect=True, ids=["phone", "tablet"])
def test_the_inside_page_predicts_a_digit_drawn_by_touch(touch_page, app_url):
    goto(touch_page, app_url, "inside")
    choose_segment(touch_page, "Draw")
    touch_stroke(touch_page, VERTICAL_STROKE)
    assert_no_exception(touch_page)
    expect(touch_page.get_by_text(re.compile(r"The network says 1 \("))).to_be_visible(timeout=20_000)


def test_the_convolution_step_through_works_from_the_keyboard(page, app_url):
    goto(page, app_url, "convolution")
    title = page.get_by_text(re.compile(r"The window of output \(\d+, \d+\) on the padded input"))
    start = re.search(r"\((\d+), (\d+)\)", title.inner_text()).groups()
    row, column = int(start[0]), int(start[1])
    page.locator("h1").first.click()  # focus on the page, not in a field
    page.keyboard.press("ArrowRight")
    wait_idle(page)
    expect(
        page.get_by_text(
            re.compile(
                rf"The window of output \({row}, {column + 1}\)|"
                rf"The window of output \({row + 1}, 0\)"
            )
        )
    ).to_be_visible(timeout=30_000)
    page.keyboard.press("ArrowLeft")
    wait_idle(page)
    back = page.get_by_text(f"The window of output ({row}, {column}) on the padded input")
    expect(back).to_be_visible(timeout=30_000)
    assert_no_exception(page)
