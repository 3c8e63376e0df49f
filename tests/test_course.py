"""The course map (cnnviz.course): four texts in the course's order, every place a real section of a real page
opened by a link the page accepts, in the texts' own terms, and the notebooks' figures as the texts print them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import course, links
from cnnviz.ui.navigation import STEPS
from tests.conftest import DATA_DIR, ROOT, skip_without_data

COURSE_DIR = DATA_DIR.parent / "course"
FILES = ("000_463440ca23d0f3d4.txt", "001_1881644a034f8cec.txt", "002_9535fc5bd70ca331.txt", "003_bfa1515e0954305e.txt")
PAGES = {"home", *(step.url_path for step in STEPS)}


def course_text(number: int) -> str:
    path = COURSE_DIR / FILES[number - 1]
    if not path.exists():
        pytest.skip(f"the course texts are not at {COURSE_DIR}")
    return path.read_text()


def test_the_map_has_the_four_texts_in_the_course_order():
    assert [text.number for text in course.COURSE] == [1, 2, 3, 4]
    assert all(text.places and text.covers for text in course.COURSE)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_each_card_carries_its_texts_title_and_terms(number):
    text = course.COURSE[number - 1]
    source = " ".join(course_text(number).split())
    assert text.title in source.split(" Table of Contents")[0][:200] or source.lstrip("# ").startswith(text.title)
    for place in text.places:
        for term in place.terms:
            assert " ".join(term.split()) in source, (place.label, term)


def _line_of(term: str, lines: list[str]) -> int:
    """The line where the text treats ``term``: its heading (a line that is the term), else the first line that
    starts with it, else the first that mentions it."""
    for matches in (str.__eq__, str.startswith, lambda line, wanted: wanted in line):
        found = next((number for number, line in enumerate(lines) if matches(line, term)), None)
        if found is not None:
            return found
    raise AssertionError(term)


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_each_cards_places_follow_their_texts_order(number):
    """A card lists its places in the order its text treats them (by each place's first term)."""
    lines = [" ".join(line.strip().lstrip("#").split()) for line in course_text(number).splitlines()]
    where = [(_line_of(place.terms[0], lines), place.label) for place in course.COURSE[number - 1].places]
    assert where == sorted(where, key=lambda pair: pair[0])


def test_every_place_is_on_a_page_of_the_app_and_its_link_is_accepted_whole():
    for text, place in course.places():
        assert place.page in PAGES, place
        assert re.fullmatch(r"[a-z][a-z-]*", place.anchor), place.anchor
        if place.page not in links.SCHEMAS:  # a page without link values (How a network learns): only the section
            assert not place.query, place
            continue
        values, problems = links.decode(place.page, {**place.query, links.SECTION_PARAM: place.anchor})
        assert problems == [], (text.number, place.label, problems)
        assert len(values) == len(place.query), place  # every value of the link reaches the page


def test_every_link_label_fits_a_phone():
    assert all(len(place.label) <= course.MAX_LABEL for _, place in course.places())


def test_every_section_says_which_texts_it_belongs_to():
    for anchor in course.anchors():
        notes = course.notes_for(anchor)
        assert notes and all(terms for _, terms in notes), anchor
        numbers = [text.number for text, _ in notes]
        assert numbers == sorted(set(numbers))  # each text once, in the course's order


def _numbers(text: str, metric: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(rf"- {metric}: ([\d.]+)", text))


@pytest.mark.parametrize(("recipe", "number"), [("notebook_fashion", 1), ("notebook_mnist", 3)])
def test_the_notebook_figures_are_the_ones_the_course_prints(recipe, number):
    printed = course_text(number)
    epochs = course.NOTEBOOK_EPOCHS[recipe]
    assert epochs["accuracy"] == _numbers(printed, "accuracy")[: len(epochs["accuracy"])]
    for metric in ("loss", "val_accuracy", "val_loss"):
        assert epochs[metric] == _numbers(printed, metric)[: len(epochs[metric])], metric


def test_the_applications_are_the_courses_seven():
    text = course_text(2)
    assert len(course.APPLICATIONS) == 7
    for name, _, page in course.APPLICATIONS:
        assert name.split()[0] in text and (page == "" or page in PAGES)


# ------------------------------------------------------------------------------ the places, opened in the app
def _open(page: str, query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.run()
    if page != "home":
        app.switch_page(f"pages/{page}.py")
    app.query_params.update(query)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _anchors(app: AppTest) -> set[str]:
    return {block.proto.anchor for kind in ("header", "subheader") for block in app.get(kind)}


@pytest.mark.parametrize("page", sorted({place.page for _, place in course.places()}))
def test_every_place_of_a_page_has_its_heading_and_its_course_note(page):
    skip_without_data()
    places = [place for _, place in course.places() if place.page == page]
    datasets = {place.query.get("dataset") for place in places}  # a section may show for one dataset only
    for dataset in sorted(datasets, key=str):
        first_screen = _open(page, {"dataset": dataset} if dataset else {})
        for place in places:
            if place.query.get("dataset", dataset) != dataset:
                continue
            app = first_screen
            if place.anchor not in _anchors(app):  # a section drawn on demand: its link opens it
                app = _open(page, {**place.query, "section": place.anchor})
            assert place.anchor in _anchors(app), place
            captions = "\n".join(block.value for block in app.caption)
            for text, _ in course.notes_for(place.anchor):
                assert "From the course: " in captions and f"{text.name}:" in captions, (place.anchor, text.name)


def test_a_course_map_link_scrolls_to_its_section_once_and_an_unknown_one_is_ignored():
    skip_without_data()
    app = _open("home", {})
    app.query_params["section"] = "why-padding"
    app.switch_page("pages/convolution.py").run()
    scripts = [str(block.proto) for block in app.get("html") if "scrollIntoView" in str(block.proto)]
    assert len(scripts) == 1 and "why-padding" in scripts[0]
    assert "section" not in app.query_params
    app.run()  # a rerun does not scroll again
    assert not [block for block in app.get("html") if "scrollIntoView" in str(block.proto)]
    app.query_params["section"] = "</script><script>alert(1)"
    app.run()
    assert not [block for block in app.get("html") if "scrollIntoView" in str(block.proto)]
    assert not app.exception


def test_home_shows_a_card_per_text_with_a_link_per_place():
    app = _open("home", {})
    links_shown = [block.proto for block in app.get("page_link")]
    assert len(links_shown) >= len(course.places())
    labels = [link.label for link in links_shown]
    for _, place in course.places():
        assert place.label in labels
    text = "\n".join(block.value for block in app.markdown)
    for number, text_ in enumerate(course.COURSE, start=1):
        assert f"Course text {number} · {text_.title}" in text
    assert "Image classification" in text and "Recommendation" in text


def test_the_course_texts_are_where_the_tests_expect_them():
    # The map cites these files; if they move, the tests above skip, so say so here.
    if not COURSE_DIR.exists():
        pytest.skip(f"the course texts are not at {COURSE_DIR}")
    assert sorted(path.name for path in Path(COURSE_DIR).glob("*.txt")) == sorted(FILES)
