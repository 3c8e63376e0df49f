"""The course in real Chromium: the Home page's course map opens each section it names (set up and scrolled
into view), and the new sections work: Why padding, the worked examples cell by cell (also reached from the
first section's link), the biology section, the classes' numbers, Reproduce a course notebook, Dense network or
CNN? and the guards."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import expect

from cnnviz import course
from tests.conftest import skip_without_data
from tests.e2e.browser import assert_no_exception, goto, open_section, wait_idle

#: The map's distinct places (a link that sets a page up the same way and scrolls to the same section once).
DISTINCT = list(
    {
        (place.page, place.anchor, tuple(sorted(place.query.items()))): (text, place) for text, place in course.places()
    }.values()
)


def _home(page, app_url: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("The course, page by page")).to_be_visible()


def _heading_in_view(page, anchor: str) -> None:
    heading = page.locator(f'[id="{anchor}"]')
    expect(heading).to_have_count(1)
    expect(heading).to_be_in_viewport()


@pytest.mark.parametrize("chunk", range(3))
def test_the_course_map_links_open_the_sections_they_name(page, app_url, chunk):
    skip_without_data()
    goto(page, app_url)
    for text, place in DISTINCT[chunk::3]:
        # The innermost block holding the card's title: the bordered card itself (ancestors come first).
        card = (
            page.locator('[data-testid="stVerticalBlock"]')
            .filter(has_text=f"Course text {text.number} · {text.title}")
            .last
        )
        try:
            _follow(page, card, text, place)
        except Exception as error:  # say which link of which card failed
            raise AssertionError(f"course text {text.number}, link {place.label!r}") from error
        _home(page, app_url)


def _follow(page, card, text, place) -> None:
    """Click ``place``'s link on ``card``: its page opens set up with the link's values, scrolled to its section."""
    link = card.locator('[data-testid="stPageLink"]').get_by_text(place.label, exact=True).first
    link.scroll_into_view_if_needed()
    link.click()
    wait_idle(page)
    expected = "/" if place.page == "home" else f"/{place.page}"
    expect(page).to_have_url(re.compile(rf"{re.escape(expected)}(\?|$)"))
    assert_no_exception(page)
    _heading_in_view(page, place.anchor)
    expect(page.get_by_text(re.compile(rf"From the course: .*{re.escape(text.name)}")).first).to_be_attached()
    for key, value in place.query.items():  # the page took the link's values: its own link now carries them
        expect(page).to_have_url(re.compile(rf"[?&]{key}={re.escape(_in_url(value))}(&|$)"))


def _in_url(value: str) -> str:
    """A link value as the address bar writes it (a space as +)."""
    return quote_plus(value, safe=".")


def test_why_padding_and_the_worked_examples_step_by_step(page, app_url, tmp_path):
    goto(page, app_url, "convolution")
    link = page.get_by_role("link", name="Step through the course's 6×6 and 5×5 examples first")
    link.click()
    _heading_in_view(page, "worked-examples")
    open_section(page, "Step through the worked examples")  # drawn on demand, under its heading
    expect(page.get_by_text("Output cell (0, 0), 1 of")).to_be_visible()
    page.get_by_role("button", name="Step ▶").last.click()
    wait_idle(page)
    expect(page.get_by_text("Output cell (0, 1), 2 of")).to_be_visible()
    page.get_by_role("button", name="All ⏭").click()
    wait_idle(page)
    expect(page.locator("table").filter(has_text="filled up to")).to_contain_text("filled up to")
    page.screenshot(path=str(tmp_path / "worked.png"), full_page=False)

    section = page.locator('[id="why-padding"]')
    section.scroll_into_view_if_needed()
    open_section(page, "Show how often each pixel is seen")
    expect(page.get_by_text("corner 1, middle of an edge 3, centre 9")).to_be_visible()
    expect(page.get_by_text("corner 4, middle of an edge 6, centre 9")).to_be_visible()
    biology = page.locator('[id="biology"]')
    biology.scroll_into_view_if_needed()
    open_section(page, "Show the receptive fields on your image")
    expect(page.get_by_text("Hubel").first).to_be_visible()
    page.get_by_role("button", name="A trained network's own receptive fields").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/inside\?.*tab=field"))
    assert_no_exception(page)


def test_the_training_page_reproduces_a_notebook_and_offers_the_ann_experiment(page, app_url, tmp_path):
    goto(page, app_url, "training")
    fashion = page.locator('[data-testid="stVerticalBlock"]').filter(has_text="best validation accuracy 90.54 %").last
    fashion.get_by_role("button", name="Set up the form").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Set up ✓")).to_have_count(1)
    expect(page.get_by_role("switch", name="Hold out the first 5,000 images instead")).to_be_checked()
    expect(page.get_by_role("switch", name="Keep the best epoch (checkpoint)")).to_be_checked()
    expect(page).to_have_url(re.compile("loss=categorical"))
    ann = page.locator('[id="ann-vs-cnn"]')
    ann.scroll_into_view_if_needed()
    expect(page.get_by_role("button", name=re.compile("Train the dense network and the CNN"))).to_be_enabled()
    expect(page.get_by_alt_text("The same test image with its pixels shuffled: noise to the eye")).to_be_visible()
    page.locator('[id="guards"]').scroll_into_view_if_needed()
    for title in ("Dropout", "Early stopping", "Checkpoint: keep the best epoch"):
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.screenshot(path=str(tmp_path / "training-course.png"), full_page=True)
    assert_no_exception(page)


def test_the_datasets_page_numbers_neu_as_the_course(page, app_url):
    goto(page, app_url, "data?dataset=neu")
    expect(page.get_by_text("0 scratches · 1 rolled-in scale · 2 pitted surface")).to_be_visible()
    expect(page.get_by_text("From the course: text 4").first).to_be_visible()
    assert_no_exception(page)


def test_the_layer_builder_names_the_two_parts_and_loads_lenet(page, app_url, tmp_path):
    goto(page, app_url, "layer_builder")
    page.get_by_role("button", name="Load LeNet-5 and see its two parts").click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/layer_builder\?.*stack=preset\.lenet_5"))
    _heading_in_view(page, "history")
    expect(page.get_by_text("Feature extraction", exact=False).first).to_be_attached()
    expect(page.get_by_text(re.compile(r"layers 1–5 \(3 Conv2D, 2 AveragePooling2D\)")).first).to_be_attached()
    expect(page.get_by_text("61,706 parameters in all")).to_be_visible()
    page.locator('[id="two-parts"]').scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "two-parts.png"))
    assert_no_exception(page)
