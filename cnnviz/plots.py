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
        height = max(height, min(760, 24 * values.shape[0] + 90))  # cells big enough for their numbers
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
    return 14 if largest <= 8 else 11 if largest <= 16 else 9 if largest <= 28 else 7


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


# ---------------------------------------------------------------- layer builder: the stack as boxes
#: Okabe-Ito colours (colour-blind safe) per layer family; shape-keeping layers are grey.
LAYER_COLOURS = {
    "Input": "#56B4E9", "Conv2D": "#0072B2", "MaxPooling2D": "#009E73", "AveragePooling2D": "#009E73",
    "GlobalAveragePooling2D": "#CC79A7", "GlobalMaxPooling2D": "#CC79A7", "Flatten": "#CC79A7",
    "Dense": "#E69F00", "ZeroPadding2D": "#999999", "BatchNormalization": "#999999",
    "Activation": "#999999", "Dropout": "#999999",
}
ERROR_COLOUR = "#D55E00"
SHORT_LAYER_NAMES = {
    "Conv2D": "Conv", "MaxPooling2D": "MaxPool", "AveragePooling2D": "AvgPool",
    "GlobalAveragePooling2D": "GAP", "GlobalMaxPooling2D": "GMP", "ZeroPadding2D": "Pad",
    "BatchNormalization": "BN", "Activation": "Act",
}


def _box_size(shape: tuple[int, ...], tallest: int, widest: int, longest: int) -> tuple[float, float]:
    """(width, height) of a stage: maps by rows (linear) and channels (log); vectors thin, log length."""
    if len(shape) == 3:
        width = 0.2 + 0.6 * np.log2(shape[2]) / np.log2(max(widest, 2))
        return float(width), max(0.04, shape[0] / tallest)
    return 0.12, float(0.15 + 0.85 * np.log10(shape[0]) / np.log10(max(longest, 10)))


def stack_diagram(
    input_shape: tuple[int, int, int],
    summaries: list,
    *,
    bad: tuple[int, str, str] | None = None,
    height: int = 330,
) -> go.Figure:
    """The stack as a row of boxes, one per feature map: the input, then each layer's output.

    A map's box height follows its rows (linear, relative to the tallest map) and its width the
    number of channels (log scale); a flat vector is a thin bar whose height grows with the log
    of its length. ``summaries`` are ``cnnviz.architecture.LayerSummary`` objects (``type``,
    ``name``, ``output_shape``, ``params``). ``bad = (position, type, message)`` adds a dashed
    orange box for the layer that cannot be computed. Hover a box for its numbers.
    """
    stages = [("Input", "input", tuple(input_shape), "")]
    stages += [(s.type, s.name, s.output_shape, f"<br>{s.params:,} parameters") for s in summaries]
    maps = [shape for _, _, shape, _ in stages if len(shape) == 3]
    tallest = max(shape[0] for shape in maps)
    widest = max(shape[2] for shape in maps)
    longest = max([shape[0] for _, _, shape, _ in stages if len(shape) == 1], default=10)
    figure = go.Figure()
    for x, (kind, name, shape, extra) in enumerate(stages):
        width, box_height = _box_size(shape, tallest, widest, longest)
        shape_text = "×".join(str(v) for v in shape)
        label = "Input" if kind == "Input" else f"{x}·{SHORT_LAYER_NAMES.get(kind, kind)}"
        figure.add_trace(go.Scatter(
            x=[x - width / 2, x + width / 2, x + width / 2, x - width / 2, x - width / 2],
            y=[-box_height / 2, -box_height / 2, box_height / 2, box_height / 2, -box_height / 2],
            fill="toself", fillcolor=LAYER_COLOURS.get(kind, "#999999"), opacity=0.85,
            line={"color": "#333333", "width": 1}, mode="lines", hoveron="fills",
            text=f"<b>{name}</b> ({kind})<br>output {shape_text}{extra}", hoverinfo="text", name=name,
        ))
        figure.add_annotation(x=x, y=0.56, text=label, showarrow=False, font={"size": 11}, textangle=-30)
        figure.add_annotation(x=x, y=-0.58, text=shape_text, showarrow=False, font={"size": 10})
    if bad is not None:
        position, kind, message = bad
        x = len(stages)
        figure.add_trace(go.Scatter(
            x=[x - 0.3, x + 0.3, x + 0.3, x - 0.3, x - 0.3], y=[-0.3, -0.3, 0.3, 0.3, -0.3],
            fill="toself", fillcolor="rgba(213, 94, 0, 0.15)", mode="lines", hoveron="fills",
            line={"color": ERROR_COLOUR, "width": 2, "dash": "dash"}, text=message, hoverinfo="text",
        ))
        figure.add_annotation(x=x, y=0.56, text=f"{position}·{SHORT_LAYER_NAMES.get(kind, kind)}", showarrow=False,
                              font={"size": 11, "color": ERROR_COLOUR}, textangle=-30)
        figure.add_annotation(x=x, y=0, text="⚠", showarrow=False, font={"size": 22, "color": ERROR_COLOUR})
        figure.add_annotation(x=x, y=-0.58, text="invalid", showarrow=False, font={"size": 10, "color": ERROR_COLOUR})
    count = len(stages) + (bad is not None)
    figure.update_layout(
        height=height, showlegend=False, plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"visible": False, "range": [-0.7, max(count, 4) - 0.3], "fixedrange": True},
        yaxis={"visible": False, "range": [-0.7, 0.72], "fixedrange": True},
    )
    return figure
