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
from tests.e2e.browser import CANVAS, assert_no_exception, choose_segment, goto, new_page, press_shortcut, wait_idle

SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
PAGES = ["", *(step.url_path for step in STEPS)]
# Everything a person would look at has painted: web fonts, images and every Plotly figure.
PAINTED = """() => document.fonts.status === 'loaded'
  && [...document.images].every((image) => image.complete)
  && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every((chart) => chart.querySelector('.main-svg'))"""


@pytest.fixture
def touch_page(browser, request):
    """A page in a touch-screen context of the size the test is parametrized with (default: phone)."""
    viewport = getattr(request, "param", PHONE)
    tab = new_page(browser, viewport=viewport, has_touch=True, is_mobile=True, device_scale_factor=2)
    yield tab
    tab.context.close()


@pytest.mark.parametrize("touch_page", [PHONE, TABLET], indirect=True, ids=["phone", "tablet"])
@pytest.mark.parametrize("url_path", PAGES)
def test_every_page_fits_the_screen_width(touch_page, app_url, url_path):
    goto(touch_page, app_url, url_path)
    assert_no_exception(touch_page)
    width = touch_page.viewport_size["width"]
    SCREENS.mkdir(parents=True, exist_ok=True)
    touch_page.wait_for_function(PAINTED)  # the screenshot is for a person to look at
    touch_page.screenshot(path=str(SCREENS / f"{url_path or 'home'}-{width}.png"), full_page=True)
    scroll_width = touch_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"/{url_path} scrolls sideways at {width} px: {scroll_width} px wide"


def touch_stroke(page, points: list[tuple[float, float]], *, fingers: int = 1) -> None:
    """Send a stroke as touch events through the DevTools protocol; ``fingers`` side by side (a scroll)."""
    canvas = page.locator(CANVAS).first
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    session = page.context.new_cdp_session(page)

    def touches(x: float, y: float) -> list[dict]:
        return [{"x": box["x"] + x + 40 * finger, "y": box["y"] + y, "id": finger} for finger in range(fingers)]

    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": touches(*points[0])})
    for x, y in points[1:]:
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": touches(x, y)})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def finger_draws(page, points: list[tuple[float, float]]) -> None:
    """One finger draws a stroke; wait for the script run that its drawing asks for."""
    touch_stroke(page, points)
    wait_idle(page)


VERTICAL_STROKE = [(140, 40 + 10 * step) for step in range(21)]  # a "1"
# The drawing canvas' layer that holds the strokes (under it a background layer, over it the live stroke).
DRAWN_LAYER = '[data-testid="stBidiComponentIsolated"] canvas.dc-canvas.lower-canvas'
# The leftmost and rightmost x (CSS px) of ink (white) on that layer, or null.
INK_SPAN = """(canvas) => {
  const scale = canvas.width / canvas.clientWidth;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let left = Infinity, right = -Infinity;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i] > 128) {
      const x = (i / 4) % canvas.width / scale;
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  return left <= right ? [left, right] : null;
}"""


def test_a_finger_draws_on_the_pixels_page_and_the_canvas_fits_a_phone(touch_page, app_url):
    goto(touch_page, app_url, "pixels")
    choose_segment(touch_page, "Draw")
    box = touch_page.locator(CANVAS).first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    finger_draws(touch_page, VERTICAL_STROKE)
    assert_no_exception(touch_page)
    expect(touch_page.get_by_text(re.compile(r"Current image: Your drawing"))).to_be_visible()


def test_a_two_finger_scroll_does_not_draw(touch_page, app_url):
    goto(touch_page, app_url, "pixels")
    choose_segment(touch_page, "Draw")
    touch_stroke(touch_page, [(60, 40 + 20 * step) for step in range(10)], fingers=2)  # fingers at x 60 and 100
    assert_no_exception(touch_page)
    # Nothing to wait for after a gesture that must not draw, so one finger then draws at x 140 (brush 18 px):
    # once that drawing is in use, the canvas (whose image the app gets) holds its ink and none of the scroll's.
    finger_draws(touch_page, VERTICAL_STROKE)
    expect(touch_page.get_by_text(re.compile(r"Current image: Your drawing"))).to_be_visible()
    span = touch_page.locator(DRAWN_LAYER).first.evaluate(INK_SPAN)
    assert span is not None and span[0] > 140 - 20 and span[1] < 140 + 20, f"ink at x {span}: the scroll drew"


@pytest.mark.parametrize("touch_page", [PHONE, TABLET], indirect=True, ids=["phone", "tablet"])
def test_the_inside_page_predicts_a_digit_drawn_by_touch(touch_page, app_url):
    goto(touch_page, app_url, "inside")
    choose_segment(touch_page, "Draw")
    finger_draws(touch_page, VERTICAL_STROKE)
    assert_no_exception(touch_page)
    expect(touch_page.get_by_text(re.compile(r"The network says 1 \("))).to_be_visible()


def test_the_convolution_step_through_works_from_the_keyboard(page, app_url):
    goto(page, app_url, "convolution")
    title = page.get_by_text(re.compile(r"The window of output \(\d+, \d+\) on the padded input"))
    start = re.search(r"\((\d+), (\d+)\)", title.inner_text()).groups()
    row, column = int(start[0]), int(start[1])
    page.locator("h1").first.click()  # focus on the page, not in a field
    press_shortcut(page, "ArrowRight")
    expect(
        page.get_by_text(
            re.compile(
                rf"The window of output \({row}, {column + 1}\)|"
                rf"The window of output \({row + 1}, 0\)"
            )
        )
    ).to_be_visible(timeout=30_000)
    press_shortcut(page, "ArrowLeft")
    back = page.get_by_text(f"The window of output ({row}, {column}) on the padded input")
    expect(back).to_be_visible(timeout=30_000)
    assert_no_exception(page)
