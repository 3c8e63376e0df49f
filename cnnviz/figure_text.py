"""A figure's text alternative for a screen reader (WCAG 1.1.1, non-text content).

:func:`describe_figure` says in one or two sentences what a Plotly figure shows (a heat map's size
and value range with its colour rule, the tallest bar, a curve's last value), read from the figure's
own data so it can never disagree with the picture; :func:`describe_map` and :func:`describe_window` do the
same for the pictures drawn without Plotly (:mod:`cnnviz.plots.pictures`). The projector style is in
:mod:`cnnviz.plots.projector`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

MAX_SERIES_DESCRIBED = 4


def _number(value: float) -> str:
    """A short readable number: 255, 0.913, −3.5 (a real minus sign), 1.2e+04."""
    if not np.isfinite(value):
        return str(value)
    text = f"{int(value):d}" if float(value).is_integer() and abs(value) < 1e6 else f"{value:.3g}"
    return text.replace("-", "−")


def _title(figure: go.Figure) -> str:
    text = figure.layout.title.text if figure.layout.title else None
    return f"{text.strip()}: " if text and text.strip() else ""


def _map_text(values: np.ndarray, diverging: bool) -> str:
    if values.ndim != 2 or values.size == 0:
        return "an empty heat map"
    finite = values[np.isfinite(values)]
    rows, cols = values.shape
    if finite.size == 0:
        return f"a {rows}×{cols} heat map with no values"
    low, high = float(finite.min()), float(finite.max())
    rule = " (blue is positive, red is negative, white is zero)" if diverging else ""
    return f"a {rows}×{cols} heat map, values from {_number(low)} to {_number(high)}{rule}"


def _heatmap_text(trace: Any) -> str:
    scale = trace.colorscale
    diverging = scale is not None and trace.zmin is not None and trace.zmax is not None and trace.zmin == -trace.zmax
    return _map_text(np.asarray(trace.z, dtype=np.float64), diverging)


def _bar_text(trace: Any) -> str:
    labels = list(trace.x if trace.orientation != "h" else trace.y)
    values = np.asarray(trace.y if trace.orientation != "h" else trace.x, dtype=np.float64)
    if values.size == 0:
        return "an empty bar chart"
    top = int(np.nanargmax(values))
    name = f" '{trace.name}'" if trace.name else ""
    texts = trace.text if isinstance(trace.text, (list, tuple)) and len(trace.text) == values.size else None
    shown = texts[top] if texts and texts[top] else _number(float(values[top]))  # the bar's own label: "70.0%"
    return f"a bar chart{name} of {values.size} bars, the highest is {labels[top]} at {shown}"


def _line_text(trace: Any) -> str:
    values = np.asarray(trace.y if trace.y is not None else [], dtype=np.float64)
    name = f"'{trace.name}'" if trace.name else "a line"
    if values.size == 0:
        return f"{name} with no points yet"
    return f"{name} of {values.size} points ending at {_number(float(values[-1]))}"


def _image_text(trace: Any) -> str:
    source = getattr(trace, "source", None)
    z = getattr(trace, "z", None)
    if z is not None:
        shape = np.asarray(z).shape
        return f"an image of {shape[0]}×{shape[1]} pixels"
    return "an image" if source else "an empty image"


_DESCRIBERS = {
    "heatmap": _heatmap_text,
    "bar": _bar_text,
    "scatter": _line_text,
    "scattergl": _line_text,
    "image": _image_text,
}


def describe_figure(figure: go.Figure) -> str:
    """What the figure shows, in words, from its own data: "Feature map: a 26×26 heat map, values …".

    Lists at most ``MAX_SERIES_DESCRIBED`` traces (a chart of many series names how many more). A figure
    whose builder knows better (a picture made of many images) says so in ``layout.meta["description"]``.
    """
    meta = figure.layout.meta
    if isinstance(meta, dict) and meta.get("description"):
        return str(meta["description"])
    parts: list[str] = []
    traces: Sequence[Any] = figure.data
    for trace in traces[:MAX_SERIES_DESCRIBED]:
        describer = _DESCRIBERS.get(trace.type)
        parts.append(describer(trace) if describer else f"a {trace.type} chart")
    if len(traces) > MAX_SERIES_DESCRIBED:
        parts.append(f"and {len(traces) - MAX_SERIES_DESCRIBED} more series")
    if not parts:
        parts.append("an empty figure")
    text = "; ".join(parts)
    title = _title(figure)
    return f"{title}{text}." if title else f"{text[0].upper()}{text[1:]}."


def describe_map(values: np.ndarray, *, diverging: bool, title: str = "") -> str:
    """A whole map drawn as a picture (:func:`cnnviz.plots.pictures.map_png`), in the words of a heat map's:
    "Feature map: a 510×510 heat map, values from −255 to 255 (blue is positive, …)."."""
    text = _map_text(np.asarray(values, dtype=np.float64), diverging)
    return f"{title}: {text}." if title else f"{text[0].upper()}{text[1:]}."


def describe_window(
    values: np.ndarray,
    is_padding: np.ndarray,
    *,
    origin: tuple[int, int],
    tap_rows: Sequence[int] | np.ndarray,
    tap_cols: Sequence[int] | np.ndarray,
    title: str = "",
) -> str:
    """The window picture (:func:`cnnviz.plots.pictures.window_svg`) in words, from its own data: the crop of
    the padded input, where the kernel's taps are framed, how many cells are padding."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    padded = int(np.count_nonzero(is_padding))
    top, left = origin

    def span(first: float, last: float) -> str:
        return f"{_number(first)} to {_number(last)}"

    text = (
        f"a {rows}×{cols} crop of the padded input (rows {span(top, top + rows - 1)}, columns "
        f"{span(left, left + cols - 1)}), values from {span(float(values.min()), float(values.max()))}; the "
        f"kernel's {len(tap_rows) * len(tap_cols)} taps framed in green on rows {span(tap_rows[0], tap_rows[-1])} "
        f"and columns {span(tap_cols[0], tap_cols[-1])}; "
        + (f"{padded} padding zeros tinted orange" if padded else "no padding in view")
    )
    return f"{title}: {text}." if title else f"{text[0].upper()}{text[1:]}."
