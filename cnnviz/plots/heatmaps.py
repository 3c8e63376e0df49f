"""Heat maps of 2-D arrays (Plotly and light HTML tables), value histograms, kernel comparisons."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale, sample_colorscale

from cnnviz.images import LUMA_WEIGHTS
from cnnviz.plots.colours import SIGNED_COLORSCALE, value_scale

MAX_CELLS_WITH_TEXT = 40 * 40
MIN_VALUE_FONT = 12  # pixels: the smallest number written in a cell that a projector still shows
VALUE_CELL = 28  # pixels a side of a heat-map cell that has its number written in


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
    bare: bool = False,
    signed: bool | None = None,
) -> go.Figure:
    """A heat map of a 2-D array with image orientation (row 0 at the top) and square cells.

    ``show_values`` writes each number in its cell (default: only when there are at most
    ``MAX_CELLS_WITH_TEXT`` cells, so the text stays readable). ``origin`` and ``step`` label
    the axes with the rows/columns of the full image this array was cut or sampled from.
    Unless a colour scale is given, the colours follow the module's rule: ``signed=True`` (a map that
    can be negative) or any negative value gets the diverging map centred on 0. ``bare`` drops the
    colour bar, the axes and the margins (small multiples side by side).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D array, got shape {values.shape}")
    if colorscale is None:
        scale = value_scale(values, signed=signed)
        colorscale = scale["colorscale"]
        if colorscale == SIGNED_COLORSCALE and zmin is None and zmax is None:
            zmin, zmax = scale["zmin"], scale["zmax"]
    if show_values is None:
        show_values = values.size <= MAX_CELLS_WITH_TEXT
    trace = {
        "type": "heatmap",
        "z": values,
        "x": origin[1] + step * np.arange(values.shape[1]),
        "y": origin[0] + step * np.arange(values.shape[0]),
        "colorscale": colorscale,
        "zmin": zmin,
        "zmax": zmax,
        "hovertemplate": f"row %{{y}}, column %{{x}}<br>{hover_label} %{{z:{value_format}}}<extra></extra>",
        "colorbar": {"thickness": 12},
    }
    if show_values:
        trace.update(texttemplate=f"%{{z:{value_format}}}", textfont={"size": _text_size(values.shape)})
        height = max(height, min(1240, VALUE_CELL * values.shape[0] + 100))  # cells big enough for their numbers
    # One constructor call with plain dicts: the same figure as go.Heatmap + update_xaxes/yaxes/layout,
    # built 5× faster (~1 ms instead of ~5 ms), and pages draw a dozen of these on every rerun.
    layout: dict[str, Any] = {
        # The title sits at the very top, above the column numbers and the "column" label of the top axis.
        "title": {"text": title, "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 8}} if title else None,
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 100 if title else 60, "b": 10},
        "xaxis": {"constrain": "domain", "title": {"text": "column"}, "side": "top"},
        "yaxis": {"autorange": "reversed", "scaleanchor": "x", "constrain": "domain", "title": {"text": "row"}},
    }
    if bare:
        trace["showscale"] = False
        layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
        layout["xaxis"]["visible"] = layout["yaxis"]["visible"] = False
    return go.Figure({"data": [trace], "layout": layout})


BLANK_CELL = "#f0f0f0"


# What a phone's column holds (a 390 px screen less the page's margins), and a caption character's width.
PHONE_COLUMN_PX = 320
CAPTION_PX_PER_CHAR = 8


def matrix_table(
    values: np.ndarray,
    title: str = "",
    *,
    colorscale: str | None = None,
    zmin: float | None = None,
    zmax: float | None = None,
    value_format: str = ".4g",
    origin: tuple[int, int] | None = None,
) -> str:
    """A small matrix as an HTML table: every number written in a cell coloured like :func:`heatmap`.

    For the few-by-few matrices of a worked example (a kernel, a window, its products) and a small image's
    values. The browser lays out a table in a millisecond where a Plotly chart takes tens (and a page's first
    Plotly chart loads Plotly itself), and the page redraws a dozen of them on every change of a control.
    NaN cells are left blank. ``origin`` (row, column) numbers the rows and columns from there in a header
    row and column, like :func:`heatmap`'s axes. A table wider than a phone scrolls sideways.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"matrix_table needs a 2-D array, got shape {values.shape}")
    scale = value_scale(values)
    if colorscale is not None:
        scale["colorscale"] = colorscale
    low = scale["zmin"] if zmin is None else zmin
    high = scale["zmax"] if zmax is None else zmax
    shares = np.nan_to_num(np.clip((values - low) / (high - low if high > low else 1.0), 0.0, 1.0))
    colours = sample_colorscale(_colorscale(scale["colorscale"]), shares.ravel().tolist()) if values.size else []
    side = 40 if max(values.shape, default=0) <= 8 else 30
    font = _text_size(values.shape)

    def cell(value: float, colour: str) -> str:
        if np.isnan(value):  # a cell not computed yet (a worked example filled in step by step): left blank
            return f'<td style="background:{BLANK_CELL};width:{side}px;height:{side}px;border:1px solid #fff"></td>'
        red, green, blue = (int(c) for c in colour[4:-1].split(","))
        gray = sum(w * c for w, c in zip(LUMA_WEIGHTS, (red, green, blue), strict=True))
        ink = "#000" if gray > 140 else "#fff"  # readable on the fill
        return (
            f'<td style="background:{colour};color:{ink};width:{side}px;height:{side}px;text-align:center;'
            f'font-size:{font}px;border:1px solid #fff;padding:0">{format(value + 0.0, value_format)}</td>'
        )

    columns = values.shape[1]
    number = f'<th scope="row" style="{_HEADER_STYLE};text-align:right">{{}}</th>' if origin else ""
    rows = [
        "<tr>"
        + (number.format(origin[0] + r) if origin else "")
        + "".join(cell(v, c) for v, c in zip(row, colours[r * columns : (r + 1) * columns], strict=True))
        + "</tr>"
        for r, row in enumerate(values)
    ]
    if origin:
        heads = "".join(f'<th scope="col" style="{_HEADER_STYLE}">{origin[1] + c}</th>' for c in range(columns))
        rows.insert(0, f"<tr><td></td>{heads}</tr>")
    caption_style = "caption-side:top;font-weight:600;padding-bottom:6px;white-space:nowrap"
    caption = f'<caption style="{caption_style}">{html.escape(title)}</caption>' if title else ""
    # Automatic layout: in a narrow column the cells shrink below ``side``; a wide number widens its column.
    table = (
        f'<table style="border-collapse:collapse;margin:0 auto 8px auto;font-variant-numeric:tabular-nums">'
        f"{caption}{''.join(rows)}</table>"
    )
    width = (columns + (1 if origin else 0)) * side
    return _scroll_box(table, title, wide=max(width, len(title) * CAPTION_PX_PER_CHAR) > PHONE_COLUMN_PX)


_HEADER_STYLE = "font-weight:400;font-size:11px;color:#4a5262;padding:0 3px"  # row and column numbers


def _scroll_box(table: str, title: str, *, wide: bool) -> str:
    """The table in a box that scrolls sideways instead of being cut off on a phone.

    A table that may be wider than a phone's column (``wide``) makes the box a named region reachable with
    the keyboard (Tab, then the arrow keys), so it can be scrolled without a mouse; a narrow one adds no tab stop.
    """
    reachable = f' tabindex="0" role="region" aria-label="{html.escape(title or "Matrix")}"' if wide else ""
    return f'<div style="overflow-x:auto;max-width:100%"{reachable}>{table}</div>'


def _colorscale(name: str) -> list[list]:
    """Plotly's named colour scale as [[position, colour], …] (a fresh copy): looked up once per name, since the
    lookup (~1 ms) costs more than the table, and a step-through redraws three tables per click."""
    return [list(stop) for stop in _named_colorscale(name)]


@lru_cache(maxsize=32)
def _named_colorscale(name: str) -> tuple[tuple, ...]:
    return tuple(tuple(stop) for stop in get_colorscale(name))


def _text_size(shape: tuple[int, int]) -> int:
    """Smaller numbers for larger grids, never below :data:`MIN_VALUE_FONT` (cells grow to fit them)."""
    largest = max(shape)
    return 16 if largest <= 8 else 14 if largest <= 16 else MIN_VALUE_FONT


def histogram(
    values: np.ndarray,
    *,
    title: str = "",
    bins: int = 64,
    range_: tuple[float, float] = (0, 255),
    log_counts: bool = False,
) -> go.Figure:
    """Histogram of all values of an array (e.g. pixel intensities), with the given value range.

    ``log_counts`` draws counts on a log axis, so a few bright pixels stay visible beside a sea of black.
    """
    counts, edges = np.histogram(np.asarray(values).ravel(), bins=bins, range=range_)
    centres = (edges[:-1] + edges[1:]) / 2
    figure = go.Figure(go.Bar(x=centres, y=counts, width=edges[1] - edges[0], marker_color="#3b6fb6"))
    figure.update_layout(
        title=title or None,
        height=260,
        bargap=0,
        xaxis_title="value",
        yaxis_title="number of pixels" + (" (log scale)" if log_counts else ""),
        yaxis_type="log" if log_counts else "linear",
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
    )
    return figure


def kernel_pair(learned: np.ndarray, preset: np.ndarray, titles: tuple[str, str], *, height: int = 250) -> go.Figure:
    """A learned kernel next to a hand-made one, each on its own symmetric RdBu scale, numbers written in.

    Each is scaled to its own largest weight, so the patterns compare even though a learned
    filter's weights are much smaller than a hand-made kernel's.
    """
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.08)
    for column, matrix in enumerate((learned, preset), start=1):
        matrix = np.asarray(matrix, dtype=np.float64)
        bound = float(np.abs(matrix).max()) or 1.0
        figure.add_trace(
            go.Heatmap(
                z=matrix,
                colorscale=SIGNED_COLORSCALE,
                zmin=-bound,
                zmax=bound,
                showscale=False,
                texttemplate="%{z:.2g}",
                textfont={"size": _text_size(matrix.shape)},
                hovertemplate="row %{y}, column %{x}<br>weight %{z:.3g}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        figure.update_yaxes(autorange="reversed", scaleanchor=f"x{column}", visible=False, row=1, col=column)
        figure.update_xaxes(visible=False, row=1, col=column)
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 30, "b": 0}, plot_bgcolor="white")
    return figure
