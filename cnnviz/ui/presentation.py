"""Presentation mode for the classroom projector, and figures every reader can use.

- :func:`presentation_toggle` (in the shared sidebar): a switch remembered in the link (``?present=1``),
  so a teacher can open the projector straight into it.
- :func:`page_style`: the page's CSS, once per run: a visible keyboard focus always; in presentation
  mode larger type, bolder matrix numbers and fewer captions.
- :func:`show_figure`: ``st.plotly_chart`` with a text alternative (said from the figure's own data
  by :func:`cnnviz.figure_text.describe_figure` unless the page gives one) and the projector style
  when presentation mode is on. Every page draws its Plotly figures through it.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from cnnviz.figure_text import describe_figure
from cnnviz.plots.projector import projector_style
from cnnviz.plots.svg_figures import WIDTH, figure_svg

PRESENT_KEY = "presentation"
PRESENT_PARAM = "present"

_ALWAYS_CSS = """
:focus-visible { outline: 3px solid #2f5d9e !important; outline-offset: 2px; }
"""

_PROJECTOR_CSS = """
[data-testid="stMainBlockContainer"] { font-size: 1.3rem; }
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li,
[data-testid="stWidgetLabel"] p { font-size: 1.3rem; }
[data-testid="stMainBlockContainer"] table td, [data-testid="stMainBlockContainer"] table th {
  font-size: 1.35rem; font-weight: 700;
}
[data-testid="stMainBlockContainer"] table th[scope] { font-size: 1rem !important; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] { display: none; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] { font-size: 3rem; font-weight: 700; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p { font-size: inherit; }
"""


def is_presenting() -> bool:
    """True when this browser session is in presentation mode."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def _remember_in_link() -> None:
    if is_presenting():
        st.query_params[PRESENT_PARAM] = "1"
    else:
        st.query_params.pop(PRESENT_PARAM, None)


def link_params() -> dict[str, str]:
    """The app-wide part of every page's link: ``{"present": "1"}`` in presentation mode, else nothing.

    Before the sidebar's switch has run (a page opened on its own), the link's own ``present`` decides.
    """
    on_switch = PRESENT_KEY in st.session_state
    presenting = is_presenting() if on_switch else st.query_params.get(PRESENT_PARAM) == "1"
    return {PRESENT_PARAM: "1"} if presenting else {}


def presentation_toggle() -> None:
    """The sidebar switch; a link with ``?present=1`` opens the app in presentation mode."""
    if PRESENT_KEY not in st.session_state:
        st.session_state[PRESENT_KEY] = st.query_params.get(PRESENT_PARAM) == "1"
    st.toggle(
        "Presentation mode",
        key=PRESENT_KEY,
        on_change=_remember_in_link,
        help="For a projector: larger type, thicker lines, bold numbers and fewer captions. The link remembers it.",
    )


def page_style() -> None:
    """The page's CSS: a visible keyboard focus always, the projector's type in presentation mode."""
    css = _ALWAYS_CSS + (_PROJECTOR_CSS if is_presenting() else "")
    st.html(f"<style>{css}</style>")


def show_figure(figure: go.Figure, *, container: Any = None, alt: str | None = None, **kwargs: Any) -> Any:
    """Draw a Plotly figure with a text alternative; projector-styled in presentation mode.

    ``container`` is where to draw (a column, a tab; default the page); ``kwargs`` go to
    ``plotly_chart`` (``key``, ``width``, ``on_select`` …). Returns what ``plotly_chart`` returns.
    """
    text = alt or describe_figure(figure)
    shown = projector_style(figure) if is_presenting() else figure
    return (container or st).plotly_chart(shown, alt=text, **kwargs)


def show_chart_picture(
    figure: go.Figure,
    *,
    key: str,
    container: Any = None,
    alt: str | None = None,
    width: int = WIDTH,
    stretch: bool = True,
) -> None:
    """Draw a small chart or an image grid as an SVG picture, not a Plotly chart (:mod:`cnnviz.plots.svg_figures`):
    the page then needs no Plotly in the browser. Same text alternative and projector styling as
    :func:`show_figure`; ``key`` names the picture's container (``st-key-<key>``) for tests and links;
    ``width`` is about the width it is shown at on a laptop (its text is then about the page's size);
    ``stretch=False`` shows it at its own size (an image grid whose tiles are already the size to show)."""
    picture = figure_svg(figure, width=width, bold=is_presenting())
    with (container or st).container(key=key):
        st.image(picture, alt=alt or describe_figure(figure), width="stretch" if stretch else "content")
