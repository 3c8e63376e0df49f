"""The Home page's course map: one card per course text, in the course's order, each with links to the
sections of the app that teach it (:mod:`cnnviz.course`), and the course's list of applications."""

from __future__ import annotations

from itertools import groupby

import streamlit as st

from cnnviz import course
from cnnviz.ui.course_notes import course_note, page_file, place_link
from cnnviz.ui.navigation import STEPS

PAGE_TITLES = {step.url_path: step.title for step in STEPS} | {"home": "Home"}
COLUMNS = 2


def course_map() -> None:
    """A card per course text: its title, what it covers, and its places in the text's order, each run of places
    on one page under that page's title."""
    st.header("The course, page by page", anchor="course-map")
    st.markdown(
        "Following the four course texts? Each card below is one of them, in the course's order: what it covers, "
        "and links that open the part of this app that lets you try it, already set up (the right kernel, "
        "example or recipe). Each of those sections says which text it belongs to."
    )
    columns = st.columns(COLUMNS, gap="medium")
    for position, text in enumerate(course.COURSE):
        with columns[position % COLUMNS], st.container(border=True):
            st.markdown(f"**Course text {text.number} · {text.title}**")
            st.caption(text.covers)
            for page, run in groupby(text.places, key=lambda place: place.page):
                st.caption(f"**{PAGE_TITLES[page]}**")  # which page the links below open
                for place in run:
                    place_link(place)


def applications_section() -> None:
    """What CNNs are used for, as the course lists it, with where this app shows one of them."""
    st.header("What CNNs are used for", anchor="applications")
    course_note("applications")
    rows = []
    for name, example, page in course.APPLICATIONS:
        where = f" · here: **{PAGE_TITLES[page]}**" if page else ""
        rows.append(f"- **{name}**: {example}{where}")
    st.markdown("\n".join(rows))
    st.caption(
        "This app does the first kind, classification, from start to finish; the others reuse the same "
        "convolution layers with other outputs (boxes, a label per pixel, a face's code)."
    )
    links = st.columns(2)
    with links[0]:
        st.page_link(page_file("training"), label="Train a classifier", icon=":material/monitoring:")
    with links[1]:
        st.page_link(page_file("inside"), label="Read your handwriting", icon=":material/draw:")
