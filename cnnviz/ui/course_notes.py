"""The course in the app: "From the course: …" under a section, and the course map's jump to a section.

- :func:`course_note` writes which course text(s) a section belongs to, in the texts' own terms
  (:func:`cnnviz.course.notes_for`).
- :func:`place_link` is a link of the course map: it opens the place's page with the place's link values
  and ``section=<anchor>``; app.py calls :func:`take_section` before the page runs and
  :func:`scroll_to_section` after it, which scrolls the section's heading into view once.
"""

from __future__ import annotations

import json

import streamlit as st

from cnnviz import course
from cnnviz.course import Place
from cnnviz.links import SECTION_PARAM

ICON = ":material/menu_book:"


def course_note(anchor: str) -> None:
    """One line saying which course text(s) the section ``anchor`` belongs to, in their own terms."""
    notes = course.notes_for(anchor)
    if not notes:
        return
    parts = [f"{text.name}: {', '.join(f'*{term}*' for term in terms)}" for text, terms in notes]
    st.caption(f"{ICON} From the course: " + " · ".join(parts))


def page_file(page: str) -> str:
    """The script of the page with URL path ``page`` (``home`` is the default page)."""
    return f"pages/{page}.py"


def place_link(place: Place) -> None:
    """A link that opens ``place``'s page set up with its values, scrolled to its section."""
    st.page_link(
        page_file(place.page),
        label=place.label,
        icon=":material/arrow_forward:",
        query_params={**place.query, SECTION_PARAM: place.anchor},
    )


def go_button(label: str, page: str, query: dict[str, str], *, key: str, icon: str) -> None:
    """A button that opens ``page`` with link values ``query`` (a ``section`` among them scrolls to it) in this
    session: for links inside a page's sections, which may also run outside the app's navigation (tests)."""
    if st.button(label, key=key, icon=icon):
        st.switch_page(page_file(page), query_params=query)


PENDING = "course_section"  # the section a course-map link asked for, until it has been scrolled to


def take_section() -> None:
    """Before the page runs: remember a course-map link's section (a known anchor only) and take it out of the
    address bar, so it scrolls once and the page's own link never carries it."""
    wanted = st.query_params.get(SECTION_PARAM)
    if wanted is None:
        return
    if wanted in course.anchors():
        st.session_state[PENDING] = wanted
    del st.query_params[SECTION_PARAM]


def pending_section() -> str | None:
    """The section a course-map link asked for, while the page it opened runs (None otherwise)."""
    return st.session_state.get(PENDING)


def scroll_to_section() -> None:
    """After the page ran: scroll the remembered section's heading into view (once), waiting for it to appear."""
    anchor = st.session_state.pop(PENDING, None)
    if anchor is None:
        return
    target = json.dumps(anchor)  # a known anchor ([a-z-]), written as a JavaScript string
    # Figures above the section draw after it appears and push it down: keep it in view for a few seconds,
    # unless the student scrolls or types first.
    st.html(
        "<script>(function () {"
        f"  const id = {target}; let tries = 0, settle = 0, stop = false;"
        "  const quit = () => { stop = true; };"
        "  ['wheel', 'touchstart', 'keydown', 'mousedown']"
        "    .forEach((e) => window.addEventListener(e, quit, {once: true}));"
        "  function go() {"
        "    if (stop) return;"
        "    const heading = document.getElementById(id);"
        "    if (heading) {"
        "      const top = heading.getBoundingClientRect().top;"
        "      if (top < 0 || top > 120) heading.scrollIntoView({block: 'start'});"
        "      if (++settle < 30) setTimeout(go, 200);"
        "      return;"
        "    }"
        "    if (++tries < 100) setTimeout(go, 100);"
        "  }"
        "  go();"
        "})();</script>",
        unsafe_allow_javascript=True,
        width="content",
    )
