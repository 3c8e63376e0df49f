"""My classes in real Chromium: draw circles and crosses, train the tiny recipe, and read the next circle live."""

from __future__ import annotations

import math
import re

from playwright.sync_api import expect

from tests.e2e.browser import (
    CANVAS,
    assert_no_exception,
    choose_segment,
    draw_stroke,
    expect_prediction,
    open_page,
    train_button,
    wait_idle,
)

PER_CLASS = 6


def circle(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    return [
        (cx + radius * math.cos(2 * math.pi * k / 28), cy + radius * math.sin(2 * math.pi * k / 28)) for k in range(29)
    ]


def in_view(page) -> None:
    """Scroll the canvas into the window: the mouse draws only on what is on screen."""
    page.locator(CANVAS).first.scroll_into_view_if_needed()


def draw_circle(page, variant: int) -> None:
    in_view(page)
    draw_stroke(page, circle(120 + 12 * (variant % 3), 130 + 10 * (variant % 2), 55 + 12 * (variant % 4)))


def draw_cross(page, variant: int) -> None:
    half, cx, cy = 50 + 10 * (variant % 4), 135 + 10 * (variant % 3), 140 - 8 * (variant % 2)
    in_view(page)
    draw_stroke(page, [(cx - half + 10 * t, cy - half + 10 * t) for t in range(int(2 * half / 10) + 1)])
    draw_stroke(page, [(cx + half - 10 * t, cy - half + 10 * t) for t in range(int(2 * half / 10) + 1)])


def add_class(page, name: str) -> None:
    page.get_by_role("textbox", name="New class").fill(name)
    page.get_by_role("button", name="Add class").click()
    wait_idle(page)


def nav(page, title: str) -> None:
    """Move to another page through the sidebar, keeping the browser session (and its classes)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
    wait_idle(page)
    expect(page.locator("h1").first).to_contain_text(title.split(" · ")[-1])


def test_draw_two_shapes_train_and_recognise_a_new_circle(page, app_url):
    open_page(page, app_url, "data")
    choose_segment(page, "My classes")
    add_class(page, "circle")
    add_class(page, "cross")
    for name, draw in (("circle", draw_circle), ("cross", draw_cross)):
        choose_segment(page, name)
        for variant in range(PER_CLASS):
            draw(page, variant)
            page.get_by_role("button", name=f"Add this drawing to “{name}”").click()
            wait_idle(page)
        expect(page.get_by_text(re.compile(rf"{name}: {PER_CLASS}\b")).first).to_be_visible()
    assert_no_exception(page)
    expect(page.get_by_text("Ready: 10 training and 2 test images")).to_be_visible()

    nav(page, "6 · Training")
    page.get_by_role("combobox", name="Recipe").click()
    page.keyboard.type("My classes")  # the list is long and virtual: filter it to the recipe
    page.get_by_role("option", name="My classes: a tiny CNN in seconds").click()
    wait_idle(page)
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(re.compile("My classes"))
    train_button(page).click()
    page.wait_for_selector('[data-testid="stMetric"]', timeout=240_000)
    wait_idle(page)
    assert_no_exception(page)

    nav(page, "7 · Inside the network")
    page.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name=re.compile("^Run 1 · ")).click()
    wait_idle(page, rerun=False)  # the new run may be chosen already: then choosing it again asks for no run
    expect(page.get_by_role("combobox", name="Model")).to_have_value(re.compile("^Run 1 · "))
    choose_segment(page, "Draw")
    in_view(page)
    draw_stroke(page, circle(150, 140, 70))  # a circle it never saw: bigger, elsewhere
    expect(page.get_by_text("4 · Live try-out")).to_be_visible()
    expect_prediction(page, "circle")
    assert_no_exception(page)
