"""Plotly figure builders shared by the pages.

Colour maps are colour-blind safe: ``Viridis``/``Cividis``/``gray`` for magnitudes and the
diverging ``RdBu`` centred on zero for signed values (negative red, positive blue).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

SIGNED_COLORSCALE = "RdBu"
MAGNITUDE_COLORSCALE = "Viridis"
MAX_CELLS_WITH_TEXT = 40 * 40


def heatmap(
    values: np.ndarray,
    *,
    title: str = "",
    colorscale: str | list | None = None,
    zmin: float | None = None,
    zmax: float | None = None,
    show_values: bool | None = None,
    value_format: str = ".0f",
    origin: tuple[int, int] = (0, 0),
    step: int = 1,
    height: int = 360,
    hover_label: str = "value",
) -> go.Figure:
    """A heat map of a 2-D array with image orientation (row 0 at the top) and square cells.

    ``show_values`` writes each number in its cell (default: only when there are at most
    ``MAX_CELLS_WITH_TEXT`` cells, so the text stays readable). ``origin`` and ``step`` label
    the axes with the rows/columns of the full image this array was cut or sampled from.
    Signed data gets the diverging map centred on 0 unless a colour scale is given.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D array, got shape {values.shape}")
    signed = bool(values.size) and values.min() < 0 < values.max()
    if colorscale is None:
        colorscale = SIGNED_COLORSCALE if signed else MAGNITUDE_COLORSCALE
    if signed and zmin is None and zmax is None:
        bound = float(np.abs(values).max())
        zmin, zmax = -bound, bound
    if show_values is None:
        show_values = values.size <= MAX_CELLS_WITH_TEXT
    rows = origin[0] + step * np.arange(values.shape[0])
    cols = origin[1] + step * np.arange(values.shape[1])
    trace = go.Heatmap(
        z=values,
        x=cols,
        y=rows,
        colorscale=colorscale,
        zmin=zmin,
        zmax=zmax,
        hovertemplate=f"row %{{y}}, column %{{x}}<br>{hover_label} %{{z:{value_format}}}<extra></extra>",
        colorbar={"thickness": 12},
    )
    if show_values:
        trace.update(texttemplate=f"%{{z:{value_format}}}", textfont={"size": _text_size(values.shape)})
    figure = go.Figure(trace)
    figure.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", title="row")
    figure.update_xaxes(constrain="domain", title="column", side="top")
    figure.update_layout(
        title=title or None,
        height=height,
        margin={"l": 10, "r": 10, "t": 60 if title else 30, "b": 10},
    )
    return figure


def _text_size(shape: tuple[int, int]) -> int:
    """Smaller numbers for larger grids, so that three digits still fit in a cell."""
    largest = max(shape)
    return 14 if largest <= 8 else 11 if largest <= 16 else 8 if largest <= 28 else 6


def histogram(
    values: np.ndarray, *, title: str = "", bins: int = 64, range_: tuple[float, float] = (0, 255)
) -> go.Figure:
    """Histogram of all values of an array (e.g. pixel intensities), with the given value range."""
    counts, edges = np.histogram(np.asarray(values).ravel(), bins=bins, range=range_)
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure(go.Bar(x=centres, y=counts, width=edges[1] - edges[0], marker_color="#3b6fb6"))
    figure.update_layout(
        title=title or None,
        height=260,
        bargap=0,
        xaxis_title="value",
        yaxis_title="number of pixels",
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
    )
    return figure
