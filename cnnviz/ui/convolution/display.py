"""Display helpers shared by the convolution page's sections: whole-map heat maps, images encoded once,
written-out sums."""

import cv2
import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.images import enlarge, subsample_for_display

MAP_SIDE = 160  # largest heat map drawn for a whole map (rows/columns); the maths always uses every pixel
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
    click then pays a hash of the pixels instead of an encode.
    """
    shown = enlarge(image)
    if shown.shape[2] == 3:
        shown = cv2.cvtColor(shown, cv2.COLOR_RGB2BGR)
    return cv2.imencode(".png", shown)[1].tobytes()
