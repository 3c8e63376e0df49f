"""The convolution page's figures: the kernel's window over the padded input, the 1-D demo, and the
transposed-convolution step-through (a map with one outlined region)."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.plots.annotations import frame_cells, panel_title
from cnnviz.plots.heatmaps import heatmap

PADDING_FILL = "rgba(230, 159, 0, 0.45)"  # Okabe-Ito orange: padding zeros
WINDOW_COLOUR = "#009E73"  # Okabe-Ito bluish green: the kernel's window


def conv_window(
    values: np.ndarray,
    is_padding: np.ndarray,
    *,
    origin: tuple[int, int],
    tap_rows: np.ndarray,
    tap_cols: np.ndarray,
    title: str = "",
    zmin: float | None = None,
    zmax: float | None = None,
    colorscale: str | None = None,
    height: int = 360,
) -> go.Figure:
    """A crop of the padded input (2-D) with padding cells tinted and the kernel's taps outlined.

    ``origin`` is the (row, column) of the crop's first cell in input coordinates (negative inside
    the padding); ``tap_rows``/``tap_cols`` are the input rows/columns under the kernel taps. One
    rectangle frames an undilated window; with dilation every tap gets its own box.
    """
    figure = heatmap(
        values,
        title=title,
        origin=origin,
        zmin=zmin,
        zmax=zmax,
        colorscale=colorscale,
        height=height,
        value_format=".4~g",
    )
    rows = origin[0] + np.arange(values.shape[0])
    cols = origin[1] + np.arange(values.shape[1])
    if is_padding.any():
        figure.add_trace(
            go.Heatmap(
                z=np.where(is_padding, 1.0, np.nan),
                x=cols,
                y=rows,
                showscale=False,
                hoverinfo="skip",
                colorscale=[[0, PADDING_FILL], [1, PADDING_FILL]],
            )
        )
    line = {"color": WINDOW_COLOUR, "width": 3}
    if len(tap_rows) > 1 and tap_rows[1] - tap_rows[0] > 1 or len(tap_cols) > 1 and tap_cols[1] - tap_cols[0] > 1:
        for r in tap_rows:
            for c in tap_cols:
                figure.add_shape(type="rect", x0=c - 0.45, x1=c + 0.45, y0=r - 0.45, y1=r + 0.45, line=line)
    else:
        figure.add_shape(
            type="rect",
            x0=tap_cols[0] - 0.5,
            x1=tap_cols[-1] + 0.5,
            y0=tap_rows[0] - 0.5,
            y1=tap_rows[-1] + 0.5,
            line=line,
        )
    return figure


PADDING_BAR = "#E69F00"  # Okabe-Ito orange: padding zeros in the 1-D demo


def sliding_1d(
    signal: np.ndarray,
    kernel: np.ndarray,
    output: np.ndarray,
    *,
    position: int,
    stride: int = 1,
    padding: int = 0,
    height: int = 420,
) -> go.Figure:
    """The 1-D convolution demo: the (zero-padded) signal, the kernel under output ``position``'s window,
    and the output with that position highlighted."""
    padded_x = np.arange(-padding, len(signal) + padding)
    padded = np.concatenate([np.zeros(padding), signal, np.zeros(padding)])
    start = position * stride - padding
    under = np.arange(start, start + len(kernel))
    colours = [
        PADDING_BAR if (i < 0 or i >= len(signal)) else ("#009E73" if start <= i < start + len(kernel) else "#9a9a9a")
        for i in padded_x
    ]
    rows = [  # x, y, bar colours, value format, hover text, title; stacked top to bottom
        (padded_x, padded, colours, "g", "x[%{x}] = %{y}", "signal (orange: padding zeros; green: the window)"),
        (under, kernel, "#0072B2", "g", "kernel tap at x[%{x}]: %{y}", f"kernel placed at output {position}"),
        (
            np.arange(len(output)),
            output,
            ["#009E73" if j == position else "#56B4E9" for j in range(len(output))],
            ".3g",
            "output[%{x}] = %{y}",
            "output (one value per window position)",
        ),
    ]
    traces, layout = _stacked_bars(rows, x_range=[padded_x[0] - 0.6, padded_x[-1] + 0.6], height=height)
    if padding:
        _mark_padding(traces, layout, padded_x, len(signal), padding)
    return go.Figure({"data": traces, "layout": layout})


def _stacked_bars(rows: list[tuple], *, x_range: list[float], height: int) -> tuple[list[dict], dict]:
    """Three bar charts stacked top to bottom, each with its values on the bars and a title; the first two
    share ``x_range``. Plain dicts for one Figure call (make_subplots + update_* took ~25 ms)."""
    gap, share = 0.14, (1 - 2 * 0.14) / 3
    traces, titles = [], []
    layout: dict[str, Any] = {"height": height, "showlegend": False, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}}
    for index, (x, y, colour, value_format, hover, title) in enumerate(rows):
        suffix = "" if index == 0 else str(index + 1)
        top = 1 - index * (share + gap)
        traces.append(
            {
                "type": "bar",
                "x": x,
                "y": y,
                "marker": {"color": colour},
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "text": [format(v, value_format) for v in y],
                "textposition": "outside",
                "hovertemplate": hover + "<extra></extra>",
            }
        )
        low, high = min(0.0, float(np.min(y))), max(0.0, float(np.max(y)))
        margin = 0.35 * (high - low or 1)  # room for the value labels
        layout[f"xaxis{suffix}"] = {
            "anchor": f"y{suffix}",
            "domain": [0, 1],
            "dtick": 1,
            **({"range": x_range} if index < 2 else {}),
        }
        layout[f"yaxis{suffix}"] = {
            "anchor": f"x{suffix}",
            "domain": [top - share, top],
            "range": [low - margin, high + margin],
        }
        titles.append(panel_title(title, 0.5, top))
    layout["annotations"] = titles
    return traces, layout


def _mark_padding(traces: list[dict], layout: dict, padded_x: np.ndarray, length: int, padding: int) -> None:
    """Zeros have no bar: shade the padding cells of the signal and mark each zero, so they can be seen."""
    pads = padded_x[(padded_x < 0) | (padded_x >= length)]
    layout["shapes"] = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y domain",
            "x0": x0 - 0.5,
            "x1": x1 + 0.5,
            "y0": 0,
            "y1": 1,
            "fillcolor": PADDING_BAR,
            "opacity": 0.25,
            "line": {"width": 0},
            "layer": "below",
        }
        for x0, x1 in ((-padding, -1), (length, length + padding - 1))
    ]
    traces.append(
        {
            "type": "scatter",
            "x": pads,
            "y": np.zeros(len(pads)),
            "mode": "markers",
            "marker": {"symbol": "square", "size": 12, "color": PADDING_BAR},
            "hovertemplate": "x[%{x}] = 0 (padding)<extra></extra>",
            "xaxis": "x",
            "yaxis": "y",
        }
    )


def outlined_map(
    values: np.ndarray,
    box: tuple[int, int, int, int] | None,
    *,
    title: str = "",
    value_format: str = ".2~f",
    height: int = 360,
) -> go.Figure:
    """A heat map with every number written in, and the cells ``box = (top, left, bottom, right)`` framed.

    The frame may reach outside the map (a kernel scattered into the cropped border): it is clipped.
    """
    figure = heatmap(values, title=title, value_format=value_format, show_values=values.size <= 400, height=height)
    if box is not None:
        top, left, bottom, right = box
        rows, cols = values.shape
        top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, rows - 1), min(right, cols - 1)
        if top <= bottom and left <= right:
            frame_cells(figure, (top, left, bottom, right), width=4)
    return figure
