"""The link is the lesson: a page's state in the address bar, read back when a link is opened.

A page calls :func:`open_link` at its top (applies the link's values before any widget is drawn and
keeps a place for the share button) and :func:`share_link` at its end (writes the state to the address
bar and shows "Copy link to this view" with a QR code for the projector, and for a teacher "Send this
view to the class"). The encoding and the validation are in :mod:`cnnviz.links`.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from cnnviz import links
from cnnviz.samples import DEFAULT_SAMPLE, load_sample
from cnnviz.ui import state
from cnnviz.ui.class_teacher import teacher_view_tools
from cnnviz.ui.presentation import link_params
from cnnviz.ui.state import IMAGE, IMAGE_LABEL, set_image, set_image_source

WRITTEN = "link_written"  # the query this session last wrote: not a new link to apply
JUST_LINKED = "link_just_applied"  # the state keys a link set in this run (cleared by share_link)
NOTICE = "link_notice"
SAMPLE_PREFIX = "Sample: "
LINK_LABEL, LINK_ICON = "Copy link to this view", ":material/link:"
KERNEL_EDITOR = "conv_kernel"  # the Convolution page's kernel editor (cnnviz.ui.kernel_editor)


def _apply(values: dict[str, Any]) -> None:
    """Put decoded values into the session: plain widget keys, plus the shared state and the kernel editor."""
    for key, value in values.items():
        if key == "image":
            set_image(load_sample(value), SAMPLE_PREFIX + value)
            set_image_source("Sample")
        elif key == state.STACK:
            state.set_stack(value)
        elif key == state.INPUT_SHAPE:
            state.set_input_shape(value)
        elif key == f"{KERNEL_EDITOR}_matrix":
            from cnnviz.ui.kernel_editor import set_kernel  # only for a kernel's link: it imports pandas (issue 27)

            set_kernel(KERNEL_EDITOR, value, preset=links.KERNEL.write(value))
        else:
            st.session_state[key] = value


def _state() -> dict[str, Any]:
    """The session's values with the image as its sample name (uploads and drawings cannot travel)."""
    state = {key: st.session_state[key] for key in st.session_state}
    label = str(state.pop(IMAGE_LABEL, ""))
    state.pop(IMAGE, None)
    if label.startswith(SAMPLE_PREFIX):
        state["image"] = label.removeprefix(SAMPLE_PREFIX)
    return state


def open_link(page: str) -> Any:
    """Apply a newly opened link's values for ``page`` (once) and return a place for :func:`share_link`."""
    query = {key: st.query_params[key] for key in list(st.query_params)[: links.MAX_PARAMS]}
    if query and query != st.session_state.get(WRITTEN):
        values, problems = links.decode(page, query)
        _apply(values)
        st.session_state[JUST_LINKED] = frozenset(values)
        st.session_state[WRITTEN] = query
        if problems:
            st.session_state[NOTICE] = problems
    slot = st.container()
    problems = st.session_state.pop(NOTICE, None)
    if problems:
        slot.warning(
            "Part of this link could not be used and was left out: "
            + "; ".join(problems)
            + ". Everything else in the link was applied.",
            icon=":material/link_off:",
        )
    return slot


def just_linked(key: str) -> bool:
    """Whether a link opened in this run set ``key`` (a widget may then keep it over its own defaults)."""
    return key in st.session_state.get(JUST_LINKED, ())


def share_link(page: str, slot: Any = None) -> None:
    """Write ``page``'s state to the address bar and show the link with a QR code (in ``slot`` if given).

    The app-wide parts (``present=1`` for presentation mode) stay in the link on every page. What of
    the view a link cannot carry is said under the link.
    """
    st.session_state.pop(JUST_LINKED, None)
    state = _state()
    query, left_out = links.encode(page, state)
    query |= link_params()
    if query != {key: st.query_params[key] for key in st.query_params}:
        st.query_params.from_dict(query)
    st.session_state[WRITTEN] = query
    base = st.context.url or f"/{page}"
    url = f"{base}?{urlencode(query)}" if query else base
    place = slot if slot is not None else st.container()
    with place, st.container(horizontal=True):
        _link_popover(page, url, state, left_out)
        teacher_view_tools(page, query)  # a teacher's session only


def hold_link_place(slot: Any) -> None:
    """The link's button, not usable yet, in the ``slot`` :func:`share_link` fills: for a run that stops before
    the page's end (cnnviz.ui.first_screen), so the page does not move down when the next run adds the link."""
    with slot, st.container(horizontal=True):
        st.popover(LINK_LABEL, icon=LINK_ICON, disabled=True)


def _link_popover(page: str, url: str, state: dict[str, Any], left_out: list[str]) -> None:
    with st.popover(LINK_LABEL, icon=LINK_ICON):
        st.caption(
            "Copy the link (the button at its right), or show the QR code to the class: it opens this "
            "page with the same settings."
        )
        st.code(url, language=None, wrap_lines=True)
        qr = qr_png(url)
        if qr is None:
            st.caption(
                f"No QR code for this view: its link is {len(url):,} characters long, more than a QR code can "
                "hold. Copy the link instead, or shorten what it carries (a preset kernel, fewer layers)."
            )
        else:
            st.image(
                qr,
                width=260,
                caption="Scan to open this view",
                alt="QR code of the link to this view",
                output_format="PNG",
            )  # PNG: "auto" re-encodes it as a lossy JPEG on every run
        if "image" in links.SCHEMAS[page] and "image" not in state:
            st.caption(f"Uploaded and drawn images cannot travel in a link: it opens with “{DEFAULT_SAMPLE}”.")
        for problem in left_out:
            st.caption(f"Not in the link: {problem}")


@st.cache_data(max_entries=64, show_spinner=False)
def qr_png(text: str) -> bytes | None:
    """The text as a QR code PNG, large enough to scan from the back of a classroom; None when the text
    is longer than a QR code holds (about 2,300 characters of a link)."""
    import segno

    try:
        code = segno.make(text, error="m")
    except segno.DataOverflowError:
        return None
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()
