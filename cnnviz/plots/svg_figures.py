"""Line, marker and stem charts drawn as SVG pictures instead of Plotly charts (issue 27).

A single Plotly chart anywhere on a page makes the browser load and compile Plotly's script, 0.5–1 s of
its main thread that holds back the page's first screen. The small charts of "How a network learns"
(a stem plot, a loss curve, a descent path, three optimizers' losses) need no zoom: their numbers are in
the tables and text beside them. So they are built as Plotly figures by the same functions as before
(:mod:`cnnviz.plots.course`), and :func:`figure_svg` draws such a figure's scatter traces (lines, markers,
gaps at NaN, dashes, one colour per marker) with its axis titles, ticks, fixed ranges and legend as an
SVG, which ``st.image`` shows as a picture the browser decodes in a millisecond. Anything else in a
figure (bars, heat maps, a log axis) is refused: the caller keeps Plotly for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import plotly.graph_objects as go

WIDTH = 900  # SVG units: about the width of a page's content on a laptop; the picture scales to its column
NARROW = 480  # shown narrower than this many pixels (a phone), the text is drawn larger, up to PHONE_TEXT times
PHONE_TEXT = 1.7
PHONE_WIDTH = 400  # about a phone's column in pixels: the text grows by the picture's width over this
PALETTE = ("#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3")  # Plotly's default colours
INK, GRID, AXIS = "#31333F", "#E6E9EF", "#8A8D96"  # Streamlit's text colour, light grid lines, axis labels
DASHES = {"dot": "2,4", "dash": "8,5", "dashdot": "8,4,2,4", "longdash": "14,5"}
TICKS = 6  # at most this many numbers along an axis
PAD = 0.05  # share of the data's span left free at both ends of an axis without a fixed range
DRAWN_MODES = {"lines", "markers", "lines+markers"}


@dataclass(frozen=True)
class Style:
    """Type and line sizes: the page's, or the projector's (bold: readable from the back of a classroom)."""

    font: int = 14
    line: float = 2.0
    marker_scale: float = 1.0

    @classmethod
    def of(cls, bold: bool) -> Style:
        return cls(font=20, line=4.0, marker_scale=1.4) if bold else cls()


@dataclass(frozen=True)
class Axis:
    """A linear map from data values ``low``…``high`` to SVG coordinates ``start``…``end``."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, values: Any) -> np.ndarray:
        scale = (self.end - self.start) / (self.high - self.low)
        return self.start + (np.asarray(values, dtype=np.float64) - self.low) * scale


def drawable(figure: go.Figure) -> bool:
    """Whether :func:`figure_svg` draws every trace and axis of ``figure`` as Plotly would."""
    traces_ok = all(trace.type == "scatter" and (trace.mode or "lines") in DRAWN_MODES for trace in figure.data)
    axes_ok = all(axis.type in (None, "linear", "-") for axis in (figure.layout.xaxis, figure.layout.yaxis))
    return bool(figure.data) and traces_ok and axes_ok


def nice_ticks(low: float, high: float, count: int = TICKS) -> np.ndarray:
    """Round numbers (1, 2 or 5 × a power of ten apart) inside ``low``…``high``, about ``count`` of them."""
    span = high - low
    if not span > 0:
        return np.array([low])
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-9, step)
    return np.round(ticks / step) * step  # 0.30000000000000004 → 0.3


def tick_text(value: float, step: float) -> str:
    """A tick's number with as many decimals as the ticks' spacing needs, and a real minus sign."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    text = f"{value + 0.0:.{decimals}f}"
    return text.replace("-", "−")


def _xy(trace: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(trace.y if trace.y is not None else [], dtype=np.float64)
    x = np.asarray(trace.x, dtype=np.float64) if trace.x is not None else np.arange(len(y), dtype=np.float64)
    return x, y


def _data_range(values: Sequence[np.ndarray], fixed: Any) -> tuple[float, float]:
    if fixed is not None:
        return float(fixed[0]), float(fixed[1])
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        return low - 1, high + 1
    pad = (high - low) * PAD
    return low - pad, high + pad


def _runs(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The stretches of a line between NaNs (Plotly leaves a gap there)."""
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _colour(trace: Any, index: int) -> str:
    return str(
        trace.line.color
        or (trace.marker.color if isinstance(trace.marker.color, str) else None)
        or PALETTE[index % len(PALETTE)]
    )


def figure_svg(figure: go.Figure, *, width: int = WIDTH, bold: bool = False) -> str:
    """``figure``'s scatter traces, axes and legend as an SVG picture (``bold``: styled for the projector).

    Raises ``ValueError`` for a figure :func:`drawable` refuses."""
    if not drawable(figure):
        raise ValueError("only line and marker charts on linear axes are drawn as SVG")
    style = Style.of(bold)
    phone = min(PHONE_TEXT, max(1.0, width / PHONE_WIDTH))
    layout = figure.layout
    height = int(layout.height or 300)
    series = [(trace, *_xy(trace)) for trace in figure.data]
    named = [
        (trace, _colour(trace, index))
        for index, trace in enumerate(figure.data)
        if trace.name and trace.showlegend is not False
    ]
    legend = layout.showlegend is not False and len(named) > 1
    x_title, y_title = (escape(axis.title.text or "") for axis in (layout.xaxis, layout.yaxis))
    left = 2.4 * style.font + (1.6 * style.font if y_title else 0) + 8
    line = style.font * (1 + phone) / 2  # a row of text below the plot: room for the phone's larger text too
    bottom = 1.6 * line + (1.4 * line if x_title else 0) + (1.8 * line if legend else 0)
    top, right = style.font, style.font
    x_low, x_high = _data_range([x for _, x, _ in series], layout.xaxis.range)
    if layout.xaxis.tickvals is not None and layout.xaxis.range is None:  # named categories: half a slot each side
        x_low, x_high = min(layout.xaxis.tickvals) - 0.5, max(layout.xaxis.tickvals) + 0.5
    y_low, y_high = _data_range([y for _, _, y in series], layout.yaxis.range)
    x_of = Axis(x_low, x_high, left, width - right)
    y_of = Axis(y_low, y_high, height - bottom, top)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="{style.font}" fill="{INK}">',
        # In a picture, a media query reads the picture's own width: on a phone the chart shrinks, its text not.
        f"<style>@media (max-width: {NARROW}px) {{ text {{ font-size: {style.font * phone:.0f}px }} }}</style>",
    ]
    parts += _y_ticks(y_of, x_of, style)
    parts += _x_ticks(layout.xaxis, x_of, y_of, style)
    if x_title:
        parts.append(
            f'<text x="{(x_of.start + x_of.end) / 2:.1f}" y="{y_of.start + 2.6 * line:.1f}" '
            f'text-anchor="middle">{x_title}</text>'
        )
    if y_title:
        middle = (y_of.start + y_of.end) / 2
        parts.append(
            f'<text transform="translate({style.font:.1f},{middle:.1f}) rotate(-90)" '
            f'text-anchor="middle" dominant-baseline="central">{y_title}</text>'
        )
    parts.append(
        f'<defs><clipPath id="plot"><rect x="{x_of.start:.1f}" y="{y_of.end:.1f}" '
        f'width="{x_of.end - x_of.start:.1f}" height="{y_of.start - y_of.end:.1f}"/></clipPath></defs>'
        '<g clip-path="url(#plot)">'
    )
    for index, (trace, x, y) in enumerate(series):
        parts += _trace(trace, x_of(x), y_of(y), _colour(trace, index), style)
    parts.append("</g>")
    if legend:
        parts += _legend(named, height - 0.9 * line, x_of.start, style, phone)
    parts.append("</svg>")
    return "".join(parts)


def _y_ticks(y_of: Axis, x_of: Axis, style: Style) -> list[str]:
    ticks = nice_ticks(y_of.low, y_of.high)
    step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    parts = []
    for value, y in zip(ticks, y_of(ticks), strict=True):
        parts.append(f'<line x1="{x_of.start:.1f}" x2="{x_of.end:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{x_of.start - 6:.1f}" y="{y:.1f}" text-anchor="end" dominant-baseline="central" '
            f'fill="{AXIS}">{tick_text(value, step)}</text>'
        )
    return parts


def _x_ticks(axis: Any, x_of: Axis, y_of: Axis, style: Style) -> list[str]:
    if axis.tickvals is not None:
        values = np.asarray(axis.tickvals, dtype=np.float64)
        labels = [escape(str(t)) for t in (axis.ticktext or [tick_text(v, 1) for v in values])]
    else:
        values = nice_ticks(x_of.low, x_of.high)
        step = float(values[1] - values[0]) if len(values) > 1 else 1.0
        labels = [tick_text(v, step) for v in values]
    below = y_of.start + 1.3 * style.font
    return [
        f'<text x="{x:.1f}" y="{below:.1f}" text-anchor="middle" fill="{AXIS}">{label}</text>'
        for x, label in zip(x_of(values), labels, strict=True)
    ]


def _trace(trace: Any, xs: np.ndarray, ys: np.ndarray, colour: str, style: Style) -> list[str]:
    mode = trace.mode or "lines"
    parts = []
    if "lines" in mode:
        width = max(style.line, trace.line.width or 0)
        dash = DASHES.get(trace.line.dash or "", "")
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for run_x, run_y in _runs(xs, ys):
            points = " ".join(f"{x:.2f},{y:.2f}" for x, y in zip(run_x, run_y, strict=True))
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"'
                f' stroke-linejoin="round"{dashed}/>'
            )
    if "markers" in mode:
        radius = (trace.marker.size or 6) / 2 * style.marker_scale
        colours = trace.marker.color
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if np.isfinite(x) and np.isfinite(y):
                fill = colours[i] if isinstance(colours, (list, tuple)) else colour
                parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{radius:.1f}" fill="{fill}"/>')
    return parts


def _legend(traces: Sequence[tuple[Any, str]], y: float, x: float, style: Style, phone: float) -> list[str]:
    """One swatch and name per series, in a row; spaced for the larger text of a phone."""
    parts = []
    for trace, colour in traces:
        parts.append(
            f'<line x1="{x:.1f}" x2="{x + 24:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" '
            f'stroke-width="{style.line + 1}"/>'
        )
        label = escape(str(trace.name))
        parts.append(f'<text x="{x + 30:.1f}" y="{y:.1f}" dominant-baseline="central">{label}</text>')
        x += 30 + 0.6 * style.font * phone * len(str(trace.name)) + 16
    return parts
