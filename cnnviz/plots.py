"""Plotly figure builders shared by the pages.

Colour maps are colour-blind safe: ``Viridis``/``Cividis``/``gray`` for magnitudes and the
diverging ``RdBu`` centred on zero for signed values. The one colour rule (:data:`SIGNED_NOTE`): a
signed quantity (a feature map of a kernel with negative weights, a kernel, any array holding a
negative value) is drawn blue for positive, red for negative and white for zero, whatever its values:
a 1×1 map of −403 is red, never a Viridis colour. A pixel channel is black at 0 and brightest at 255.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import cv2
import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale, sample_colorscale

from cnnviz.images import encode_png

SIGNED_COLORSCALE = "RdBu"  # low (negative) red, high (positive) blue
MAGNITUDE_COLORSCALE = "Viridis"
SIGNED_NOTE = "Blue is positive, red negative, white zero."
MAGNITUDE_NOTE = "Dark purple is the lowest value, yellow the highest."
#: Each colour channel from black (0) to its full colour (255), the direction of the gray scale.
CHANNEL_COLORSCALES = {name: [[0.0, "rgb(0, 0, 0)"], [1.0, colour]] for name, colour in
                       (("red", "rgb(255, 0, 0)"), ("green", "rgb(0, 255, 0)"), ("blue", "rgb(0, 0, 255)"))}
MAX_CELLS_WITH_TEXT = 40 * 40
MIN_VALUE_FONT = 12  # pixels: the smallest number written in a cell that a projector still shows
VALUE_CELL = 28  # pixels a side of a heat-map cell that has its number written in


def is_signed(values: np.ndarray) -> bool:
    """Whether an array holds a negative value, so it needs the diverging scale."""
    return bool(np.size(values)) and float(np.nanmin(values)) < 0


def colour_note(signed: bool) -> str:
    """How to read a map's colours, for its caption (the same words wherever the map is drawn)."""
    return SIGNED_NOTE if signed else MAGNITUDE_NOTE


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


def matrix_table(values: np.ndarray, title: str = "", *, colorscale: str | None = None, zmin: float | None = None,
                 zmax: float | None = None, value_format: str = ".4g") -> str:
    """A small matrix as an HTML table: every number written in a cell coloured like :func:`heatmap`.

    For the few-by-few matrices of a worked example (a kernel, a window, its products). The
    browser lays out a table in a millisecond where a Plotly chart takes tens, and the page
    redraws a dozen of them on every change of a control.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"matrix_table needs a 2-D array, got shape {values.shape}")
    scale = value_scale(values)
    if colorscale is not None:
        scale["colorscale"] = colorscale
    low = scale["zmin"] if zmin is None else zmin
    high = scale["zmax"] if zmax is None else zmax
    shares = np.clip((values - low) / (high - low if high > low else 1.0), 0.0, 1.0)
    colours = sample_colorscale(get_colorscale(scale["colorscale"]), shares.ravel().tolist()) if values.size else []
    side = 40 if max(values.shape, default=0) <= 8 else 30
    font = _text_size(values.shape)

    def cell(value: float, colour: str) -> str:
        red, green, blue = (int(c) for c in colour[4:-1].split(","))
        ink = "#000" if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else "#fff"  # readable on the fill
        return (f'<td style="background:{colour};color:{ink};width:{side}px;height:{side}px;text-align:center;'
                f'font-size:{font}px;border:1px solid #fff;padding:0">{format(value + 0.0, value_format)}</td>')

    columns = values.shape[1]
    rows = ["<tr>" + "".join(cell(v, c) for v, c in zip(row, colours[r * columns:(r + 1) * columns], strict=True))
            + "</tr>" for r, row in enumerate(values)]
    caption_style = "caption-side:top;font-weight:600;padding-bottom:6px;white-space:nowrap"
    caption = f'<caption style="{caption_style}">{html.escape(title)}</caption>' if title else ""
    # Automatic layout: in a narrow column the cells shrink below ``side``; a wide number widens its column.
    return (f'<table style="border-collapse:collapse;margin:0 auto 8px auto;font-variant-numeric:tabular-nums">'
            f"{caption}{''.join(rows)}</table>")


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


# ---------------------------------------------------------------- layer builder: the stack as boxes
#: Okabe-Ito colours (colour-blind safe) per layer family; shape-keeping layers are grey.
LAYER_COLOURS = {
    "Input": "#56B4E9", "Conv2D": "#0072B2", "MaxPooling2D": "#009E73", "AveragePooling2D": "#009E73",
    "GlobalAveragePooling2D": "#CC79A7", "GlobalMaxPooling2D": "#CC79A7", "Flatten": "#CC79A7",
    "Dense": "#E69F00", "ZeroPadding2D": "#999999", "BatchNormalization": "#999999",
    "Activation": "#999999", "Dropout": "#999999", "DepthwiseConv2D": "#0072B2", "SeparableConv2D": "#0072B2",
    "Conv2DTranspose": "#56B4E9", "UpSampling2D": "#009E73", "Reshape": "#CC79A7", "ReLU": "#999999",
    "Residual": "#0072B2",
}
SKIP_COLOUR = "#D55E00"  # the shortcut of a residual block
ERROR_COLOUR = "#D55E00"
SHORT_LAYER_NAMES = {
    "Conv2D": "Conv", "MaxPooling2D": "MaxPool", "AveragePooling2D": "AvgPool",
    "GlobalAveragePooling2D": "GAP", "GlobalMaxPooling2D": "GMP", "ZeroPadding2D": "Pad",
    "BatchNormalization": "BN", "Activation": "Act", "DepthwiseConv2D": "DWConv", "SeparableConv2D": "SepConv",
    "Conv2DTranspose": "ConvT", "UpSampling2D": "Up", "Residual": "ResBlock",
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
    orange box for the layer that cannot be computed. A residual block is one box with an orange
    bracket from its input's box: the skip connection added to the branch's output.
    Hover a box for its numbers.
    """
    stages = [("Input", "input", tuple(input_shape), "")]
    stages += [(s.type, s.name, s.output_shape, f"<br>{s.params:,} parameters" + _branch_text(s)) for s in summaries]
    maps = [shape for _, _, shape, _ in stages if len(shape) == 3]
    tallest = max(shape[0] for shape in maps)
    widest = max(shape[2] for shape in maps)
    longest = max([shape[0] for _, _, shape, _ in stages if len(shape) == 1], default=10)
    crowded = len(stages) > 9  # shape labels turn sideways so they do not overlap
    # Plain dicts and one Figure call: add_annotation re-validates every earlier annotation, which made
    # this figure cost ~40 ms per rerun of the layer builder for a 15-layer stack.
    traces, notes = [], []
    for x, (kind, name, shape, extra) in enumerate(stages):
        width, box_height = _box_size(shape, tallest, widest, longest)
        shape_text = "×".join(str(v) for v in shape)
        label = "Input" if kind == "Input" else f"{x}·{SHORT_LAYER_NAMES.get(kind, kind)}"
        traces.append(_box_trace(x, width, box_height, fillcolor=LAYER_COLOURS.get(kind, "#999999"), opacity=0.85,
                                 line={"color": "#333333", "width": 1},
                                 text=f"<b>{name}</b> ({kind})<br>output {shape_text}{extra}", name=name))
        notes.append(_note(x, 0.56, label, size=10 if crowded else 11, textangle=-60 if crowded else -30,
                           yanchor="bottom"))
        notes.append(_note(x, -0.56, shape_text, size=10, textangle=-60 if crowded else 0, yanchor="top"))
        if kind == "Residual":
            skip = summaries[x - 1].formulas["output_shape"].split("; the block ")[-1]
            # Inset from both boxes' centres, so the skips of consecutive blocks do not join into one line.
            traces.append({"type": "scatter", "x": [x - 0.85, x - 0.85, x - 0.15, x - 0.15],
                           "y": [0.5, 0.55, 0.55, 0.5],
                           "mode": "lines", "line": {"color": SKIP_COLOUR, "width": 2, "dash": "dot"},
                           "hoverinfo": "text", "text": f"skip connection: the block {skip}", "name": "skip"})
            notes.append(_note(x - 0.5, 0.55, "⊕", size=16, color=SKIP_COLOUR))
    if bad is not None:
        position, kind, message = bad
        x = len(stages)
        traces.append(_box_trace(x, 0.6, 0.6, fillcolor="rgba(213, 94, 0, 0.15)", text=message,
                                 line={"color": ERROR_COLOUR, "width": 2, "dash": "dash"}))
        notes.append(_note(x, 0.56, f"{position}·{SHORT_LAYER_NAMES.get(kind, kind)}", size=11, color=ERROR_COLOUR,
                           textangle=-30, yanchor="bottom"))
        notes.append(_note(x, 0, "⚠", size=22, color=ERROR_COLOUR))
        notes.append(_note(x, -0.56, "invalid", size=10, color=ERROR_COLOUR, yanchor="top"))
    count = len(stages) + (bad is not None)
    layout = {
        "height": height, "showlegend": False, "plot_bgcolor": "rgba(0,0,0,0)", "annotations": notes,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "xaxis": {"visible": False, "range": [-0.7, max(count, 4) - 0.3], "fixedrange": True},
        "yaxis": {"visible": False, "range": [-0.95 if crowded else -0.7, 0.8], "fixedrange": True},
    }
    return go.Figure({"data": traces, "layout": layout})


def _branch_text(summary: Any) -> str:
    """Hover lines listing a residual block's branch (empty for other layers)."""
    return "".join(f"<br>  branch: {inner.name} → {'×'.join(map(str, inner.output_shape))}"
                   for inner in getattr(summary, "branch", ()))


def _box_trace(x: float, width: float, height: float, **style: object) -> dict:
    """A filled rectangle centred on (x, 0) that shows its ``text`` on hover."""
    left, right, low, high = x - width / 2, x + width / 2, -height / 2, height / 2
    return {"type": "scatter", "x": [left, right, right, left, left], "y": [low, low, high, high, low],
            "fill": "toself", "mode": "lines", "hoveron": "fills", "hoverinfo": "text", **style}


def _note(x: float, y: float, text: str, *, size: int, color: str | None = None, **more: object) -> dict:
    """A text annotation without an arrow."""
    font = {"size": size} if color is None else {"size": size, "color": color}
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": font, **more}


def _panel_title(text: str, x: float, top: float) -> dict:
    """The title of one panel of a multi-panel figure, centred at ``x`` above ``top`` (paper coordinates)."""
    return _note(x, top, text, size=16, xref="paper", yref="paper", xanchor="center", yanchor="bottom")


# ---------------------------------------------------------------- inside the network: predictions, maps, filters
HIGHLIGHT_COLOUR = "#E69F00"  # Okabe-Ito orange: the predicted / chosen class, the receptive field
PLAIN_BAR_COLOUR = "#56B4E9"
#: Grad-CAM overlay: transparent at 0, through yellow and orange to opaque dark red at 1 (YlOrRd).
HEAT_OVERLAY_COLORSCALE = [
    [0.0, "rgba(255,255,204,0)"], [0.25, "rgba(254,217,118,0.35)"], [0.5, "rgba(253,141,60,0.6)"],
    [0.75, "rgba(227,26,28,0.8)"], [1.0, "rgba(128,0,38,0.9)"],
]


def probability_bars(probabilities: np.ndarray, class_names: list[str], *, highlight: int | None = None,
                     height: int = 300) -> go.Figure:
    """Class probabilities as bars in percent; the ``highlight`` class (default: the top one) in orange."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    highlight = int(np.argmax(probabilities)) if highlight is None else highlight
    colours = [HIGHLIGHT_COLOUR if i == highlight else PLAIN_BAR_COLOUR for i in range(len(probabilities))]
    names = [str(name) for name in class_names]
    figure = go.Figure(go.Bar(
        x=names, y=100 * probabilities, marker_color=colours, cliponaxis=False,
        text=[f"{100 * p:.1f}%" if p >= 0.005 else "" for p in probabilities], textposition="outside",
        hovertemplate="%{x}: %{y:.2f}%<extra></extra>",
    ))
    figure.update_layout(
        height=height, yaxis={"title": "probability (%)", "range": [0, 115]},
        xaxis={"type": "category", "tickangle": -30 if max(map(len, names)) > 3 else 0},
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
    )
    return figure


def value_scale(values: np.ndarray, *, signed: bool | None = None) -> dict:
    """Colour scale and limits by the module's rule: diverging and centred on 0 when ``signed`` (or, by
    default, when a value is negative), else Viridis over the values' range."""
    if not np.size(values):
        return {"colorscale": SIGNED_COLORSCALE if signed else MAGNITUDE_COLORSCALE, "zmin": 0, "zmax": 1}
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if signed or (signed is None and low < 0):
        bound = max(-low, high) or 1.0
        return {"colorscale": SIGNED_COLORSCALE, "zmin": -bound, "zmax": bound}
    return {"colorscale": MAGNITUDE_COLORSCALE, "zmin": low, "zmax": high if high > low else low + 1}


def _mosaic(tiles: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Tiles (N, h, w) in rows of ``columns``, one NaN pixel between them: (grid, customdata).

    ``customdata[r, c]`` is (tile, row in tile, column in tile) for the hover text; -1 in the gaps.
    """
    count, tile_h, tile_w = tiles.shape
    rows = -(-count // columns)
    grid = np.full((rows * (tile_h + 1) - 1, columns * (tile_w + 1) - 1), np.nan)
    where = np.full((*grid.shape, 3), -1)
    local = np.stack(list(np.indices((tile_h, tile_w))), axis=-1)
    for k in range(count):
        top, left = (k // columns) * (tile_h + 1), (k % columns) * (tile_w + 1)
        grid[top: top + tile_h, left: left + tile_w] = tiles[k]
        where[top: top + tile_h, left: left + tile_w, 0] = k
        where[top: top + tile_h, left: left + tile_w, 1:] = local
    return grid, where


def _mosaic_figure(grid: np.ndarray, customdata: np.ndarray, hovertemplate: str, *, height: int,
                   colorbar_title: str = "", **scale) -> go.Figure:
    figure = go.Figure(go.Heatmap(
        z=grid, customdata=customdata, hovertemplate=hovertemplate + "<extra></extra>", hoverongaps=False,
        colorbar={"thickness": 12, "title": colorbar_title}, **scale,
    ))
    figure.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", visible=False)
    figure.update_xaxes(constrain="domain", visible=False)
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0}, plot_bgcolor="white")
    return figure


def _mosaic_height(grid: np.ndarray, tile_h: int, columns: int, tile_pixels: int) -> int:
    """Figure height giving each tile about ``tile_pixels`` when 8 tiles fill a row."""
    rows = (grid.shape[0] + 1) / (tile_h + 1)
    return int(min(4000, max(140, rows * tile_pixels * 8 / columns)))


def feature_maps(maps: np.ndarray, *, columns: int = 8, tile_pixels: int = 90) -> go.Figure:
    """All channels of one layer's output (H, W, C) as a grid of heat maps on one shared colour scale.

    Shared scale, so a channel that barely fires looks dark next to one that fires strongly;
    signed values (before an activation) get the diverging map centred on 0. Hover a pixel for
    its channel, row, column and value.
    """
    tiles = np.moveaxis(np.asarray(maps, dtype=np.float64), -1, 0)
    columns = min(columns, len(tiles))
    grid, where = _mosaic(tiles, columns)
    return _mosaic_figure(
        grid, where, "channel %{customdata[0]}, row %{customdata[1]}, column %{customdata[2]}<br>value %{z:.3g}",
        height=_mosaic_height(grid, tiles.shape[1], columns, tile_pixels), **value_scale(tiles),
    )


def filter_grid(filters: np.ndarray, *, columns: int = 8, tile_pixels: int = 70) -> go.Figure:
    """Learned filters (F, kh, kw) as small heat maps, each scaled to its own largest weight (RdBu, 0 white).

    Per-filter scaling shows every filter's pattern (edge, blob, blur) even when its weights are
    small; the hover shows the filter number, position and raw weight.
    """
    filters = np.asarray(filters, dtype=np.float64)
    largest = np.abs(filters).reshape(len(filters), -1).max(axis=1)
    scaled = filters / np.where(largest > 0, largest, 1)[:, None, None]
    columns = min(columns, len(filters))
    grid, where = _mosaic(scaled, columns)
    raw, _ = _mosaic(filters, columns)
    customdata = np.concatenate([where, np.nan_to_num(raw)[..., None]], axis=-1)
    return _mosaic_figure(
        grid, customdata,
        "filter %{customdata[0]}, row %{customdata[1]}, column %{customdata[2]}<br>weight %{customdata[3]:.3g}",
        height=_mosaic_height(grid, filters.shape[1], columns, tile_pixels), colorbar_title="weight / max",
        colorscale=SIGNED_COLORSCALE, zmin=-1, zmax=1,
    )


def unit_strip(values: np.ndarray, *, labels: list[str] | None = None, highlight: int | None = None,
               wrap: int = 64) -> go.Figure:
    """A flat layer's outputs: one bar per unit (named by ``labels`` if given) up to 128 units,
    else a heat strip wrapped into rows of ``wrap`` units (hover for the unit number and value)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if len(values) <= 128:
        names = labels if labels is not None else [str(i) for i in range(len(values))]
        colours = [HIGHLIGHT_COLOUR if i == highlight else "#0072B2" for i in range(len(values))]
        figure = go.Figure(go.Bar(x=names, y=values, marker_color=colours,
                                  hovertemplate="unit %{x}: %{y:.4g}<extra></extra>"))
        figure.update_layout(height=260, xaxis={"type": "category", "title": "unit"}, yaxis_title="value",
                             margin={"l": 10, "r": 10, "t": 10, "b": 10}, bargap=0.1)
        return figure
    rows = -(-len(values) // wrap)
    grid = np.full(rows * wrap, np.nan)
    grid[: len(values)] = values
    units = np.arange(rows * wrap).reshape(rows, wrap)
    return _mosaic_figure(grid.reshape(rows, wrap), units, "unit %{customdata}<br>value %{z:.3g}",
                          height=int(min(900, 40 + rows * 16)), **value_scale(values))


def image_overlay(
    image: np.ndarray,
    *,
    heat: np.ndarray | None = None,
    box: tuple[int, int, int, int] | None = None,
    height: int = 340,
    title: str = "",
    value_range: tuple[float, float] | None = (0, 1),
    colorscale: str = "gray",
    value_label: str = "pixel",
    clickable: bool = False,
) -> go.Figure:
    """An image (H, W, C) shown as pixels, optionally under a [0, 1] heat map and with the inclusive
    pixel box ``(top, left, bottom, right)`` outlined in orange.

    A model input in [0, 1] is the default; for a feature map pass ``value_range=None`` (its own
    range), ``colorscale="Viridis"`` and ``value_label="value"``. Three channels are drawn in colour.
    The heat map (Grad-CAM) is see-through where it is 0 and turns opaque red where it is 1, so the
    image stays visible. ``clickable`` adds invisible markers on the pixels, so that
    ``st.plotly_chart(on_select=...)`` reports the clicked pixel as a point with ``x`` (column), ``y`` (row).
    """
    image = np.asarray(image, dtype=np.float64)
    if image.shape[2] == 3:
        figure = go.Figure(go.Image(z=np.round(np.clip(image, 0, 1) * 255).astype(np.uint8), hoverinfo="skip"))
    else:
        low, high = value_range or (float(image.min()), float(image.max()))
        figure = go.Figure(go.Heatmap(
            z=image[:, :, 0], colorscale=colorscale, zmin=low, zmax=max(high, low + 1e-9), showscale=False,
            hovertemplate=f"row %{{y}}, column %{{x}}<br>{value_label} %{{z:.3g}}<extra></extra>",
        ))
    if heat is not None:
        figure.add_trace(go.Heatmap(z=heat, colorscale=HEAT_OVERLAY_COLORSCALE, zmin=0, zmax=1,
                                    colorbar={"thickness": 12, "title": "importance"},
                                    hovertemplate="row %{y}, column %{x}<br>importance %{z:.2f}<extra></extra>"))
    if clickable:  # the markers take over the hover text, so that a click on a pixel selects its marker
        rows, cols = np.indices(image.shape[:2])
        figure.update_traces(hoverinfo="skip", hovertemplate=None, selector={"type": "heatmap"})
        figure.add_trace(go.Scatter(
            x=cols.ravel(), y=rows.ravel(), customdata=image[:, :, 0].ravel(), mode="markers", showlegend=False,
            hovertemplate=f"row %{{y}}, column %{{x}}<br>{value_label} %{{customdata:.3g}}<extra>click</extra>",
            marker={"size": max(4, 300 // max(image.shape[:2])), "color": "rgba(0,0,0,0)", "symbol": "square"},
            selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}},
        ))
        figure.update_layout(clickmode="event+select", dragmode=False)
    if box is not None:
        top, left, bottom, right = box
        figure.add_shape(type="rect", x0=left - 0.5, x1=right + 0.5, y0=top - 0.5, y1=bottom + 0.5,
                         line={"color": HIGHLIGHT_COLOUR, "width": 3})
    figure.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", showticklabels=False,
                        showgrid=False, zeroline=False, ticks="")
    figure.update_xaxes(constrain="domain", showticklabels=False, showgrid=False, zeroline=False, ticks="")
    figure.update_layout(height=height, title=title or None, plot_bgcolor="white",
                         margin={"l": 0, "r": 0, "t": 40 if title else 10, "b": 0})
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
        figure.add_trace(go.Heatmap(
            z=matrix, colorscale=SIGNED_COLORSCALE, zmin=-bound, zmax=bound, showscale=False,
            texttemplate="%{z:.2g}", textfont={"size": _text_size(matrix.shape)},
            hovertemplate="row %{y}, column %{x}<br>weight %{z:.3g}<extra></extra>",
        ), row=1, col=column)
        figure.update_yaxes(autorange="reversed", scaleanchor=f"x{column}", visible=False, row=1, col=column)
        figure.update_xaxes(visible=False, row=1, col=column)
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 30, "b": 0}, plot_bgcolor="white")
    return figure


BAR_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#E69F00")  # Okabe-Ito


def log_bars(values: dict[str, int], *, title: str = "", height: int = 300) -> go.Figure:
    """Horizontal bars of positive counts on a log axis, each labelled with its exact value.

    For comparisons that span orders of magnitude, e.g. one Dense layer's parameters vs a conv stack's.
    A count below 1 has no place on a log axis and is left out (an empty stack is not "1 parameter").
    """
    shown = {name: int(v) for name, v in values.items() if v >= 1}
    names, counts = list(shown), list(shown.values())
    figure = go.Figure(go.Bar(
        x=counts, y=names, orientation="h", text=[f"{v:,}" for v in counts], textposition="auto",
        marker_color=[BAR_COLOURS[i % len(BAR_COLOURS)] for i in range(len(counts))],
        hovertemplate="%{y}: %{x:,}<extra></extra>",
    ))
    figure.update_layout(
        title=title or None, height=height, yaxis={"autorange": "reversed"},
        xaxis={"type": "log", "dtick": 1, "exponentformat": "SI"},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
    )
    return figure


# ---------------------------------------------------------------- datasets page: classes, examples, pixels
#: Plotly's colour-blind-safe qualitative palette (11 colours), one per class.
CLASS_COLOURS = (
    "#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499",
    "#44AA99", "#999933", "#882255", "#661100", "#6699CC",
)


def class_counts(class_names: list[str], counts: dict[str, np.ndarray], *, height: int = 320) -> go.Figure:
    """Grouped bars of images per class, one group per class and one bar per split (e.g. training, test)."""
    figure = go.Figure([
        go.Bar(name=split, x=class_names, y=values, marker_color=BAR_COLOURS[1 + i % 3],
               hovertemplate=f"%{{x}}: %{{y:,}} {split} images<extra></extra>")
        for i, (split, values) in enumerate(counts.items())
    ])
    figure.update_layout(
        barmode="group", height=height, xaxis={"type": "category", "title": "class"}, yaxis_title="images",
        legend={"orientation": "h", "y": 1.1}, margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return figure


def image_grid(tiles: np.ndarray, *, columns: int, row_labels: list[str] | None = None,
               column_labels: list[str] | None = None, tile_pixels: int = 64) -> go.Figure:
    """uint8 grayscale tiles (N, h, w) in rows of ``columns`` with white gaps, as one PNG picture.

    Each tile is shown about ``tile_pixels`` tall. Rows and columns can be labelled (e.g. one row per
    class; a space in a column label becomes a line break). Small tiles are enlarged with nearest
    neighbour so pixels stay crisp; large ones are shrunk with area averaging to keep the page light.
    """
    tiles = np.asarray(tiles)
    side = max(tiles.shape[1:3])
    if side > 2 * tile_pixels:
        scale = tile_pixels / side
        size = (max(1, round(tiles.shape[2] * scale)), max(1, round(tiles.shape[1] * scale)))
        tiles = np.stack([cv2.resize(tile, size, interpolation=cv2.INTER_AREA) for tile in tiles])
    elif (factor := tile_pixels // side) > 1:
        tiles = tiles.repeat(factor, axis=1).repeat(factor, axis=2)
    grid, _ = _mosaic(tiles.astype(np.float64), columns)
    picture = np.nan_to_num(grid, nan=255).astype(np.uint8)[:, :, None]
    source = "data:image/png;base64," + base64.b64encode(encode_png(picture)).decode()
    figure = go.Figure(go.Image(source=source, hoverinfo="skip"))
    tile_h, tile_w = tiles.shape[1:3]
    rows = -(-len(tiles) // columns)
    column_text = [label.replace(" ", "<br>") for label in column_labels] if column_labels else None
    axis = {"ticks": "", "tickfont": {"size": 13}, "showgrid": False, "zeroline": False}
    figure.update_yaxes(tickvals=[r * (tile_h + 1) + tile_h / 2 for r in range(rows)], ticktext=row_labels,
                        visible=row_labels is not None, **axis)
    figure.update_xaxes(tickvals=[c * (tile_w + 1) + tile_w / 2 for c in range(columns)], ticktext=column_text,
                        visible=column_labels is not None, tickangle=0, **axis)
    figure.update_layout(height=rows * (tile_pixels + 1) + (60 if column_labels else 20),
                         margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="white")
    return figure


def intensity_lines(counts: np.ndarray, class_names: list[str], *, log_counts: bool = False,
                    height: int = 320) -> go.Figure:
    """Per-class pixel-value distributions from counts (K, 256): the share of each class's pixels at each value."""
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    figure = go.Figure([
        go.Scatter(x=np.arange(256), y=share, name=name, mode="lines",
                   line={"color": CLASS_COLOURS[k % len(CLASS_COLOURS)], "width": 1.5},
                   hovertemplate=f"{name}: value %{{x}}, %{{y:.2%}} of pixels<extra></extra>")
        for k, (name, share) in enumerate(zip(class_names, shares, strict=True))
    ])
    figure.update_layout(
        height=height, xaxis={"title": "pixel value (0 = black, 255 = white)", "range": [0, 255]},
        yaxis={"title": "share of pixels" + (" (log scale)" if log_counts else ""),
               "type": "log" if log_counts else "linear", "dtick": 1 if log_counts else None,
               "tickformat": ".2~%" if log_counts else ".1%"},  # 0.01 % must not read "0.0 %" on a log axis
        legend={"title": "class"}, margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure


# --- Convolution page ---------------------------------------------------------------------------

PADDING_FILL = "rgba(230, 159, 0, 0.45)"  # Okabe-Ito orange: padding zeros
WINDOW_COLOUR = "#009E73"  # Okabe-Ito bluish green: the kernel's window


def conv_window(
    values: np.ndarray, is_padding: np.ndarray, *, origin: tuple[int, int], tap_rows: np.ndarray,
    tap_cols: np.ndarray, title: str = "", zmin: float | None = None, zmax: float | None = None,
    colorscale: str | None = None, height: int = 360,
) -> go.Figure:
    """A crop of the padded input (2-D) with padding cells tinted and the kernel's taps outlined.

    ``origin`` is the (row, column) of the crop's first cell in input coordinates (negative inside
    the padding); ``tap_rows``/``tap_cols`` are the input rows/columns under the kernel taps. One
    rectangle frames an undilated window; with dilation every tap gets its own box.
    """
    figure = heatmap(values, title=title, origin=origin, zmin=zmin, zmax=zmax, colorscale=colorscale,
                     height=height, value_format=".4~g")
    rows = origin[0] + np.arange(values.shape[0])
    cols = origin[1] + np.arange(values.shape[1])
    if is_padding.any():
        figure.add_trace(go.Heatmap(
            z=np.where(is_padding, 1.0, np.nan), x=cols, y=rows, showscale=False, hoverinfo="skip",
            colorscale=[[0, PADDING_FILL], [1, PADDING_FILL]],
        ))
    line = {"color": WINDOW_COLOUR, "width": 3}
    if len(tap_rows) > 1 and tap_rows[1] - tap_rows[0] > 1 or len(tap_cols) > 1 and tap_cols[1] - tap_cols[0] > 1:
        for r in tap_rows:
            for c in tap_cols:
                figure.add_shape(type="rect", x0=c - 0.45, x1=c + 0.45, y0=r - 0.45, y1=r + 0.45, line=line)
    else:
        figure.add_shape(type="rect", x0=tap_cols[0] - 0.5, x1=tap_cols[-1] + 0.5, y0=tap_rows[0] - 0.5,
                         y1=tap_rows[-1] + 0.5, line=line)
    return figure


PADDING_BAR = "#E69F00"  # Okabe-Ito orange: padding zeros in the 1-D demo


def sliding_1d(signal: np.ndarray, kernel: np.ndarray, output: np.ndarray, *, position: int, stride: int = 1,
               padding: int = 0, height: int = 420) -> go.Figure:
    """The 1-D convolution demo: the (zero-padded) signal, the kernel under output ``position``'s window,
    and the output with that position highlighted."""
    padded_x = np.arange(-padding, len(signal) + padding)
    padded = np.concatenate([np.zeros(padding), signal, np.zeros(padding)])
    start = position * stride - padding
    under = np.arange(start, start + len(kernel))
    colours = [PADDING_BAR if (i < 0 or i >= len(signal)) else ("#009E73" if start <= i < start + len(kernel)
                                                                else "#9a9a9a") for i in padded_x]
    rows = [  # x, y, bar colours, value format, hover text, title; stacked top to bottom
        (padded_x, padded, colours, "g", "x[%{x}] = %{y}", "signal (orange: padding zeros; green: the window)"),
        (under, kernel, "#0072B2", "g", "kernel tap at x[%{x}]: %{y}", f"kernel placed at output {position}"),
        (np.arange(len(output)), output, ["#009E73" if j == position else "#56B4E9" for j in range(len(output))],
         ".3g", "output[%{x}] = %{y}", "output (one value per window position)"),
    ]
    # Three stacked plots built as plain dicts in one Figure call (make_subplots + update_* took ~25 ms).
    gap, share = 0.14, (1 - 2 * 0.14) / 3
    traces, titles, layout = [], [], {"height": height, "showlegend": False,
                                      "margin": {"l": 10, "r": 10, "t": 30, "b": 10}}
    x_range = [padded_x[0] - 0.6, padded_x[-1] + 0.6]
    for index, (x, y, colour, value_format, hover, title) in enumerate(rows):
        suffix = "" if index == 0 else str(index + 1)
        top = 1 - index * (share + gap)
        traces.append({"type": "bar", "x": x, "y": y, "marker": {"color": colour}, "xaxis": f"x{suffix}",
                       "yaxis": f"y{suffix}", "text": [format(v, value_format) for v in y], "textposition": "outside",
                       "hovertemplate": hover + "<extra></extra>"})
        low, high = min(0.0, float(np.min(y))), max(0.0, float(np.max(y)))
        margin = 0.35 * (high - low or 1)  # room for the value labels
        layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "domain": [0, 1], "dtick": 1,
                                    **({"range": x_range} if index < 2 else {})}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [top - share, top],
                                    "range": [low - margin, high + margin]}
        titles.append(_panel_title(title, 0.5, top))
    layout["annotations"] = titles
    if padding:  # zeros have no bar: shade the padding cells and mark each zero so they can be seen
        pads = padded_x[(padded_x < 0) | (padded_x >= len(signal))]
        layout["shapes"] = [{"type": "rect", "xref": "x", "yref": "y domain", "x0": x0 - 0.5, "x1": x1 + 0.5,
                             "y0": 0, "y1": 1, "fillcolor": PADDING_BAR, "opacity": 0.25, "line": {"width": 0},
                             "layer": "below"} for x0, x1 in ((-padding, -1), (len(signal), len(signal) + padding - 1))]
        traces.append({"type": "scatter", "x": pads, "y": np.zeros(len(pads)), "mode": "markers",
                       "marker": {"symbol": "square", "size": 12, "color": PADDING_BAR},
                       "hovertemplate": "x[%{x}] = 0 (padding)<extra></extra>", "xaxis": "x", "yaxis": "y"})
    return go.Figure({"data": traces, "layout": layout})


# ---------------------------------------------------------------- training page: curves, confusion matrix, per class
TRAIN_DASH, VAL_DASH = "solid", "dash"
MAX_CONFUSION_TEXT = 25  # classes up to which every cell's count is written in
RUN_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")  # Okabe-Ito


def training_curves(series: list[dict], *, height: int = 340, epochs: int | None = None) -> go.Figure:
    """Loss (left) and accuracy (right) against the epoch, for one run or several to compare.

    Each item of ``series``: ``{"name": str, "history": {"loss": [...], "accuracy": [...],
    "val_loss": [...], "val_accuracy": [...]}}`` (Keras-style per-epoch lists, plotted at epochs
    1, 2, ...; training solid, validation dashed, one colour per run) and optionally ``"trace"``:
    ``[(epoch, loss, accuracy), ...]`` with fractional epochs, the live values of the last batches,
    drawn as a thin line so the curves move during an epoch. ``epochs`` fixes the x axis to the
    whole planned run (so a live run shows how far it has come).
    """
    single = len(series) == 1
    traces = []
    for index, item in enumerate(series):
        colour = RUN_COLOURS[index % len(RUN_COLOURS)] if not single else None
        history, name = item.get("history", {}), item["name"]
        trace = item.get("trace") or ()
        for column, metric in enumerate(("loss", "accuracy"), start=1):
            axes = {"xaxis": "x" if column == 1 else "x2", "yaxis": "y" if column == 1 else "y2"}
            if trace:
                traces.append({
                    "type": "scatter", "x": [p[0] for p in trace], "y": [p[column] for p in trace], "mode": "lines",
                    "name": "training, last batches" if single else f"{name} · last batches",
                    "line": {"width": 1.5, "color": colour or BAR_COLOURS[1]}, "opacity": 0.5 if history else 0.9,
                    "legendgroup": f"{index}-live", "showlegend": column == 1, **axes,
                    "hovertemplate": f"epoch %{{x:.2f}}: {metric} %{{y:.4f}}<extra></extra>",
                })
            for prefix, dash, label in (("", TRAIN_DASH, "training"), ("val_", VAL_DASH, "validation")):
                values = history.get(prefix + metric) or []
                if not values:
                    continue
                default = BAR_COLOURS[1] if prefix == "" else BAR_COLOURS[0]
                traces.append({
                    "type": "scatter", "x": list(range(1, len(values) + 1)), "y": values, "mode": "lines+markers",
                    "name": label if single else f"{name} · {label}",
                    "line": {"dash": dash, "color": colour or default, "width": 2},
                    "legendgroup": f"{index}-{prefix}", "showlegend": column == 1, **axes,
                    "hovertemplate": f"{name}<br>epoch %{{x}}: {label} {metric} %{{y:.4f}}<extra></extra>",
                })
    # Two side-by-side plots as plain dicts in one Figure call: the live panel redraws this every second.
    epoch_axis = {"title": {"text": "epoch"}, "rangemode": "tozero", **({"range": [0, epochs + 0.1]} if epochs else {})}
    titles = [_panel_title(text, x, 1.0) for text, x in (("loss (lower is better)", 0.23), ("accuracy", 0.77))]
    layout = {
        "xaxis": {"domain": [0, 0.46], "anchor": "y", **epoch_axis},
        "xaxis2": {"domain": [0.54, 1], "anchor": "y2", **epoch_axis},
        "yaxis": {"anchor": "x", "rangemode": "tozero"},
        "yaxis2": {"anchor": "x2", "tickformat": ".0%"},
        "annotations": titles, "height": height, "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.22}, "hovermode": "closest",
    }
    return go.Figure({"data": traces, "layout": layout})


def confusion_matrix_figure(matrix: np.ndarray, class_names: list[str], *, height: int = 420) -> go.Figure:
    """A confusion matrix: rows are the true classes, columns the predictions, every cell's count written in.

    The colour is the share of the true class (row-normalised, so rare classes show up as clearly as
    common ones); the diagonal holds the right answers. Each cell carries ``customdata``
    ``[true, predicted]`` so a click can be mapped back to the cell.
    """
    matrix = np.asarray(matrix)
    totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    names = [str(name) for name in class_names]
    k = len(names)
    cells = np.stack(np.meshgrid(np.arange(k), np.arange(k), indexing="ij"), axis=-1)  # [true, predicted]
    shares = matrix / totals
    count_text = np.array([f"{c:,}" for c in matrix.ravel()], dtype=object)
    counts = {}
    if k <= MAX_CONFUSION_TEXT:  # every count written in; Plotly picks dark or light ink for each cell's colour
        counts = {"text": count_text.reshape(k, k).tolist(), "texttemplate": "%{text}",
                  "textfont": {"size": 12 if k <= 12 else 9}}
    figure = go.Figure(go.Heatmap(
        z=shares, x=names, y=names, colorscale=MAGNITUDE_COLORSCALE, zmin=0, zmax=1, xgap=1, ygap=1,
        colorbar={"title": "share of<br>true class", "tickformat": ".0%"}, hoverinfo="skip", **counts,
    ))
    # Invisible points on the cells: Plotly reports clicks on points (not on heat-map cells), so a
    # click on a cell selects its point and the page can show that cell's images.
    figure.add_scatter(
        x=[names[p] for p in cells[..., 1].ravel()], y=[names[t] for t in cells[..., 0].ravel()], mode="markers",
        marker={"symbol": "square", "size": 28, "opacity": 0}, customdata=cells.reshape(-1, 2),
        text=count_text.tolist(), hovertext=[f"{s:.1%}" for s in shares.ravel()], showlegend=False,
        hovertemplate="true %{y}, predicted %{x}: %{text} images (%{hovertext} of the class)<extra></extra>",
    )
    figure.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "predicted class", "type": "category", "side": "top",
               "tickangle": -30 if k > 6 and max(map(len, names)) > 3 else 0},
        yaxis={"title": "true class", "type": "category", "autorange": "reversed"},
    )
    return figure


def per_class_accuracy_figure(accuracy: np.ndarray, class_names: list[str], *, height: int = 320) -> go.Figure:
    """Horizontal bars: the share of each class the model gets right (the weakest class in orange)."""
    accuracy = np.asarray(accuracy, dtype=np.float64)
    weakest = int(np.nanargmin(accuracy)) if np.isfinite(accuracy).any() else -1
    colours = [HIGHLIGHT_COLOUR if i == weakest else PLAIN_BAR_COLOUR for i in range(len(accuracy))]
    figure = go.Figure(go.Bar(
        x=np.nan_to_num(accuracy) * 100, y=[str(name) for name in class_names], orientation="h",
        marker_color=colours, text=[f"{100 * a:.1f}%" if np.isfinite(a) else "no images" for a in accuracy],
        textposition="auto", hovertemplate="%{y}: %{x:.1f}% right<extra></extra>",
    ))
    figure.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "test images classified right (%)", "range": [0, 100]},
        yaxis={"type": "category", "autorange": "reversed"},
    )
    return figure
