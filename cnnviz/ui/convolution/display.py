"""Display helpers shared by the convolution page's sections: whole-map heat maps or pictures, images encoded
once, written-out sums."""

from typing import Any

import cv2
import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.figure_text import describe_map
from cnnviz.images import enlarge, subsample_for_display
from cnnviz.plots.pictures import SVG_MAP_SIDE, colour_bar_html, map_png, map_svg
from cnnviz.ui.presentation import is_presenting

MAP_SIDE = 160  # largest heat map drawn for a whole map (rows/columns); the maths always uses every pixel
PICTURE_SIDE = 1024  # largest picture drawn of a map (rows/columns): a 5,000×5,000 map is not sent whole
NUMBERS_SIDE = 12  # maps up to this size get their numbers written in
TERMS_SHOWN = 12  # products written out in a sum before "…"


def map_figure(
    values: np.ndarray, title: str = "", *, height: int = 380, bare: bool = False, signed: bool | None = None
):
    """Heat map of a whole 2-D map, every k-th cell when it is large (colours by the rule of cnnviz.plots)."""
    shown, step = subsample_for_display(values, MAP_SIDE)
    return plots.heatmap(
        shown,
        title=title,
        step=step,
        value_format=".3~g",
        height=height,
        bare=bare,
        show_values=max(shown.shape) <= NUMBERS_SIDE,
        signed=signed,
    )


def drawn_note(values: np.ndarray) -> str:
    """Caption saying which cells of a large map its heat map shows."""
    step = subsample_for_display(values, MAP_SIDE)[1]
    return f"1 in {step} rows and columns drawn; hover for values" if step > 1 else "hover a cell for its value"


def is_picture(values: np.ndarray) -> bool:
    """Whether :func:`show_map` draws this map as a PNG picture (too many cells to point at one) or as an SVG
    heat map whose cells show their value when hovered."""
    return max(values.shape[:2]) > SVG_MAP_SIDE


def show_map(values: np.ndarray, *, key: str, signed: bool | None = None, title: str = "") -> str:
    """A whole 2-D map with its colour bar, in a container keyed ``key`` (``st-key-<key>``): up to SVG_MAP_SIDE
    cells a side an SVG heat map (hover a cell for its value; numbers written in up to NUMBERS_SIDE), else a
    PNG of every cell (every k-th beyond PICTURE_SIDE). Neither needs Plotly in the browser, and a redraw
    costs it one picture. Returns the caption's note on how to read it."""
    scale = plots.value_scale(values, signed=signed)
    diverging = scale["colorscale"] == plots.SIGNED_COLORSCALE
    alt = describe_map(values, diverging=diverging, title=title or "Feature map")
    rows, cols = values.shape[:2]
    with st.container(key=key, gap="small"):
        if title:
            st.markdown(f"**{title}**")
        if not is_picture(values):
            svg = map_svg(
                values,
                zmin=scale["zmin"],
                zmax=scale["zmax"],
                colorscale=scale["colorscale"],
                label=alt,
                show_values=max(rows, cols) <= NUMBERS_SIDE,
                bold=is_presenting(),
            )
            st.markdown(svg, unsafe_allow_html=True)
            note = "hover a cell for its value"
        else:
            shown, step = subsample_for_display(values, PICTURE_SIDE)
            picture = _map_picture(shown, scale["zmin"], scale["zmax"], scale["colorscale"])
            st.image(picture, width="stretch", alt=alt, output_format="PNG")  # "auto" would re-encode it as a JPEG
            drawn = f"1 in {step} rows and columns of its" if step > 1 else "all"
            note = (
                f"{drawn} {rows}×{cols} cells drawn, row 0 at the top; read any cell's value in the step-through below"
            )
        st.html(colour_bar_html(zmin=scale["zmin"], zmax=scale["zmax"], colorscale=scale["colorscale"]))
    return note


@st.cache_data(max_entries=8, show_spinner=False)
def _map_picture(values: np.ndarray, zmin: float, zmax: float, colorscale: Any) -> bytes:
    """:func:`cnnviz.plots.pictures.map_png`, once per distinct map and scale (a rerun that did not change the
    map pays a hash of its values instead of an encode)."""
    return map_png(values, zmin=zmin, zmax=zmax, colorscale=colorscale)


def sum_text(patch: np.ndarray, weights: np.ndarray, total: float) -> str:
    """'a·w + b·v + … = total' with the first few terms written out."""
    terms = [
        f"{p:.4g}·{w:.4g}" if w >= 0 else f"{p:.4g}·({w:.4g})"
        for p, w in zip(patch.ravel(), weights.ravel(), strict=True)
    ]
    more = f" + … ({len(terms) - TERMS_SHOWN} more)" if len(terms) > TERMS_SHOWN else ""
    return f"{' + '.join(terms[:TERMS_SHOWN])}{more} = **{total:.4g}**"


@st.cache_data(max_entries=16, show_spinner=False)
def enlarged_png(image: np.ndarray) -> bytes:
    """``image`` (H×W×1 or H×W×3, uint8) enlarged for the screen and PNG-encoded, once per distinct image.

    ``st.image`` re-encodes an array on every run; the input does not change when the stride does, so a
    click then pays a hash of the pixels instead of an encode (drawn with ``output_format="PNG"``: Streamlit's
    "auto" re-encodes a PNG without transparency as a JPEG).
    """
    shown = enlarge(image)
    if shown.shape[2] == 3:
        shown = cv2.cvtColor(shown, cv2.COLOR_RGB2BGR)
    return cv2.imencode(".png", shown)[1].tobytes()
