"""Small Plotly figures drawn as SVG pictures instead of Plotly charts (issue 27).

A single Plotly chart anywhere on a page makes the browser load and compile Plotly's script, 0.5–1 s of
its main thread that holds back the page's first screen. Small charts that need no zoom and whose numbers
are written beside them (the stem plot and curves of "How a network learns", the Datasets page's bars,
pixel-value lines and image grids) are still built as Plotly figures by the same functions
(:mod:`cnnviz.plots`), and :func:`figure_svg` draws such a figure as an SVG, which ``st.image`` shows as a
picture the browser decodes in a millisecond. It draws:

- scatter traces: lines (with gaps at NaN, dashes), markers (one colour each, or one for all);
- bar traces: grouped bars over named categories, with numbers written above them; or horizontal bars (one
  trace) on a linear or logarithmic x axis, each with its number written in or beside it;
- one image trace (a PNG, as :func:`cnnviz.plots.image_grid` makes) with its row and column labels;
- linear axes, a logarithmic y axis (ticks at powers of ten), percent tick formats, fixed ranges, titles,
  and a legend that wraps.

Anything else (heat maps, annotations, a log x axis under lines) is refused by :func:`drawable`: the caller
keeps Plotly for it. Every text is escaped: class names and uploaded file names are untrusted.
"""

from __future__ import annotations

import base64
import math
import re
import struct
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
INK, GRID, AXIS = "#31333F", "#E6E9EF", "#6B6E78"  # Streamlit's text colour, light grid lines, axis labels
DASHES = {"dot": "2,4", "dash": "8,5", "dashdot": "8,4,2,4", "longdash": "14,5"}
TICKS = 6  # at most this many numbers along a linear axis
PAD = 0.05  # share of the data's span left free at both ends of an axis without a fixed range
GROUP = 0.8  # share of a category's slot its bars fill (Plotly's bargap 0.2)
CHAR = 0.6  # a character's width as a share of the font size (for laying out labels)
LINE_MODES = {"lines", "markers", "lines+markers"}
PNG_SOURCE = "data:image/png;base64,"
LONGEST_LABEL = 24  # characters of a name drawn in a picture (a folder name can be 255); the alt text has it whole
PERCENT = re.compile(r"^\.(\d+)(~?)%$")


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
    """A map from data values ``low``…``high`` to SVG coordinates ``start``…``end``; with ``log`` the bounds
    are powers of ten (``low`` = 2 means 100) and values at or below 0 are not drawn (NaN)."""

    low: float
    high: float
    start: float
    end: float
    log: bool = False

    def __call__(self, values: Any) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.where(values > 0, np.log10(np.where(values > 0, values, 1)), np.nan)
        scale = (self.end - self.start) / (self.high - self.low)
        return self.start + (values - self.low) * scale


def _kinds(figure: go.Figure) -> set[str]:
    return {trace.type for trace in figure.data}


def drawable(figure: go.Figure) -> bool:
    """Whether :func:`figure_svg` draws every trace and axis of ``figure`` as Plotly would."""
    kinds = _kinds(figure)
    layout = figure.layout
    x_type, y_type = layout.xaxis.type or "-", layout.yaxis.type or "-"
    if layout.annotations or not kinds:
        return False
    if kinds == {"image"}:
        return len(figure.data) == 1 and str(figure.data[0].source or "").startswith(PNG_SOURCE)
    if kinds == {"scatter"}:
        modes_ok = all((trace.mode or "lines") in LINE_MODES for trace in figure.data)
        return modes_ok and x_type in ("-", "linear") and y_type in ("-", "linear", "log")
    if kinds == {"bar"}:
        if _horizontal(figure):
            return len(figure.data) == 1 and x_type in ("-", "linear", "log")
        return all(trace.orientation in (None, "v") for trace in figure.data) and y_type in ("-", "linear")
    return False


def _horizontal(figure: go.Figure) -> bool:
    return any(trace.orientation == "h" for trace in figure.data)


def nice_ticks(low: float, high: float, count: int = TICKS) -> np.ndarray:
    """Round numbers (1, 2 or 5 × a power of ten apart) inside ``low``…``high``, at most about ``count``."""
    span = high - low
    if not span > 0:
        return np.array([low])
    raw = span / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-9, step)
    return np.round(ticks / step) * step  # 0.30000000000000004 → 0.3


def tick_text(value: float, step: float, tickformat: str | None = None) -> str:
    """A tick's number: in percent for a ``.N%`` / ``.N~%`` format (``~``: trailing zeros dropped), else with
    as many decimals as the ticks' spacing needs; a real minus sign."""
    percent = PERCENT.match(tickformat or "")
    if percent:
        text = f"{100 * value + 0.0:.{int(percent.group(1))}f}"
        if percent.group(2) and "." in text:
            text = text.rstrip("0").rstrip(".")
        text += "%"
    else:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
        text = f"{value + 0.0:.{decimals}f}"
    return text.replace("-", "−")


def _values(data: Any, count: int) -> np.ndarray:
    return np.asarray(data, dtype=np.float64) if data is not None else np.arange(count, dtype=np.float64)


def _range(values: Sequence[np.ndarray], fixed: Any, *, log: bool = False, zero: bool = False) -> tuple[float, float]:
    """An axis' bounds: the layout's fixed range, else the data's with a margin (``zero``: from 0, for bars)."""
    if fixed is not None:
        return float(fixed[0]), float(fixed[1])
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if log:
        finite = np.log10(finite[finite > 0])
    if zero:
        finite = np.append(finite, 0.0)
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        return low - 1, high + 1
    pad = (high - low) * PAD
    return (low if zero and low == 0 else low - pad), high + pad


def _runs(x: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The stretches of a line between NaNs (Plotly leaves a gap there)."""
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    return [(x[a:b], y[a:b]) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _colour(trace: Any, index: int) -> str:
    line = trace.line.color if trace.type == "scatter" else None
    marker = trace.marker.color if isinstance(trace.marker.color, str) else None
    return str(line or marker or PALETTE[index % len(PALETTE)])


def _text(x: float, y: float, label: str, extra: str = "") -> str:
    """A label (already escaped) whose ``<br>`` line breaks become lines below each other."""
    lines = label.split("&lt;br&gt;")
    if len(lines) == 1:
        return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{label}</text>'
    spans = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 1.15}em">{t}</tspan>' for i, t in enumerate(lines))
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{spans}</text>'


def _label(name: object) -> str:
    """A name as drawn: escaped, each line cut to LONGEST_LABEL characters with "…" (class names are untrusted)."""
    lines = str(name).split("<br>")
    cut = [line if len(line) <= LONGEST_LABEL else line[: LONGEST_LABEL - 1] + "…" for line in lines]
    return escape("<br>".join(cut))


def _open(width: float, height: float, style: Style, phone: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" font-family="sans-serif" font-size="{style.font}" fill="{INK}">',
        # In a picture, a media query reads the picture's own width: on a phone the chart shrinks, its text not.
        f"<style>@media (max-width: {NARROW}px) {{ text {{ font-size: {style.font * phone:.0f}px }} }}</style>",
    ]


def figure_svg(figure: go.Figure, *, width: int = WIDTH, bold: bool = False) -> str:
    """``figure`` as an SVG picture about ``width`` units wide (``bold``: styled for the projector).

    Raises ``ValueError`` for a figure :func:`drawable` refuses."""
    if not drawable(figure):
        raise ValueError("only line, marker, bar and single-image figures are drawn as SVG pictures")
    style = Style.of(bold)
    phone = min(PHONE_TEXT, max(1.0, width / PHONE_WIDTH))
    if _kinds(figure) == {"image"}:
        return _image_svg(figure, width, style, phone)
    if _horizontal(figure):
        return _horizontal_bars_svg(figure, width, style, phone)
    return _chart_svg(figure, width, style, phone)


def _chart_svg(figure: go.Figure, width: int, style: Style, phone: float) -> str:
    layout = figure.layout
    height = int(layout.height or 300)
    bars = _kinds(figure) == {"bar"}
    categories = _categories(figure) if bars else []
    named = [
        (trace, _colour(trace, index))
        for index, trace in enumerate(figure.data)
        if trace.name and trace.showlegend is not False
    ]
    show_legend = layout.showlegend is not False and len(named) > 1
    x_title, y_title = (escape(axis.title.text or "") for axis in (layout.xaxis, layout.yaxis))
    line = style.font * (1 + phone) / 2  # a row of text below the plot: room for the phone's larger text too
    left = 2.4 * style.font + 1.6 * style.font * bool(y_title) + 8
    if PERCENT.match(layout.yaxis.tickformat or ""):
        left += 1.2 * style.font  # "0.01%" is wider than "0.2"
    tilted = bool(layout.xaxis.tickangle) and bars
    tick_rows = (1 + CHAR * max(len(str(c)) for c in categories) * 0.5) if tilted else 1.0
    right, top = style.font, style.font
    legend_rows = _legend_layout(named, left, width - right, style.font * phone) if show_legend else []
    rows = len({row for row, _ in legend_rows})
    bottom = line * (1.6 * tick_rows + 1.4 * bool(x_title) + 1.6 * rows + 0.6 * bool(rows))
    log = (layout.yaxis.type or "") == "log"
    if bars:
        x_of = Axis(-0.5, len(categories) - 0.5, left, width - right)
        y_low, y_high = _range([_values(t.y, 0) for t in figure.data], layout.yaxis.range, zero=True)
    else:
        xs = [_values(trace.x, len(trace.y)) for trace in figure.data]
        x_low, x_high = _range(xs, layout.xaxis.range)
        if layout.xaxis.tickvals is not None and layout.xaxis.range is None:  # named categories: half a slot each
            x_low, x_high = min(layout.xaxis.tickvals) - 0.5, max(layout.xaxis.tickvals) + 0.5
        x_of = Axis(x_low, x_high, left, width - right)
        y_low, y_high = _range([_values(t.y, 0) for t in figure.data], layout.yaxis.range, log=log)
    y_of = Axis(y_low, y_high, height - bottom, top, log=log)
    parts = _open(width, height, style, phone)
    parts += _y_ticks(y_of, x_of, layout.yaxis.tickformat)
    if bars:
        parts += _category_ticks(categories, x_of, y_of.start + 1.2 * line, -(layout.xaxis.tickangle or 0))
    else:
        parts += _x_ticks(layout.xaxis, x_of, y_of.start + 1.2 * line)
    below = y_of.start + line * (1.6 * tick_rows + 1.0)
    if x_title:
        middle = (x_of.start + x_of.end) / 2
        parts.append(f'<text x="{middle:.1f}" y="{below:.1f}" text-anchor="middle">{x_title}</text>')
    if y_title:
        middle = (y_of.start + y_of.end) / 2
        parts.append(
            f'<text transform="translate({style.font:.1f},{middle:.1f}) rotate(-90)" '
            f'text-anchor="middle" dominant-baseline="central">{y_title}</text>'
        )
    parts.append(
        f'<defs><clipPath id="plot"><rect x="{x_of.start:.1f}" y="{y_of.end:.1f}" '
        f'width="{x_of.end - x_of.start:.1f}" height="{y_of.start - y_of.end:.1f}"/></clipPath></defs>'
    )
    if bars:
        parts += _bars(figure.data, categories, x_of, y_of, style)
    else:
        parts.append('<g clip-path="url(#plot)">')
        for index, trace in enumerate(figure.data):
            xs_, ys_ = x_of(_values(trace.x, len(trace.y))), y_of(_values(trace.y, 0))
            parts += _scatter(trace, xs_, ys_, _colour(trace, index), style)
        parts.append("</g>")
    if show_legend:
        first = below + line * (0.6 + 1.0 * bool(x_title))
        parts += _legend(named, legend_rows, first, 1.6 * line, style, bars)
    parts.append("</svg>")
    return "".join(parts)


def _categories(figure: go.Figure) -> list[str]:
    """The bars' categories in order of first appearance, as Plotly lays out a category axis."""
    seen: dict[str, None] = {}
    for trace in figure.data:
        for x in trace.x if trace.x is not None else range(len(trace.y)):
            seen.setdefault(str(x), None)
    return list(seen)


def _y_ticks(y_of: Axis, x_of: Axis, tickformat: str | None) -> list[str]:
    if y_of.log:
        powers = np.arange(math.ceil(y_of.low - 1e-9), math.floor(y_of.high + 1e-9) + 1)
        ticks, places, step = 10.0**powers, y_of(10.0**powers), 1.0
    else:
        ticks = nice_ticks(y_of.low, y_of.high)
        places, step = y_of(ticks), float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    parts = []
    for value, y in zip(ticks, places, strict=True):
        label = tick_text(value, step if not y_of.log else value, tickformat)
        parts.append(f'<line x1="{x_of.start:.1f}" x2="{x_of.end:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{x_of.start - 6:.1f}" y="{y:.1f}" text-anchor="end" dominant-baseline="central" '
            f'fill="{AXIS}">{label}</text>'
        )
    return parts


def _x_ticks(axis: Any, x_of: Axis, y: float) -> list[str]:
    if axis.tickvals is not None:
        values = np.asarray(axis.tickvals, dtype=np.float64)
        labels = [_label(t) for t in (axis.ticktext or [tick_text(v, 1) for v in values])]
    else:
        values = nice_ticks(x_of.low, x_of.high)
        step = float(values[1] - values[0]) if len(values) > 1 else 1.0
        labels = [tick_text(v, step) for v in values]
    return [
        _text(x, y, label, f' text-anchor="middle" fill="{AXIS}"')
        for x, label in zip(x_of(values), labels, strict=True)
    ]


def _category_ticks(categories: Sequence[str], x_of: Axis, y: float, angle: float) -> list[str]:
    parts = []
    for index, name in enumerate(categories):
        x = float(x_of(index))
        if angle:
            parts.append(
                f'<text transform="translate({x:.1f},{y - 4:.1f}) rotate({-angle:g})" text-anchor="end" '
                f'dominant-baseline="hanging" fill="{AXIS}">{_label(name)}</text>'
            )
        else:
            parts.append(_text(x, y, _label(name), f' text-anchor="middle" fill="{AXIS}"'))
    return parts


def _scatter(trace: Any, xs: np.ndarray, ys: np.ndarray, colour: str, style: Style) -> list[str]:
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


def _bars(traces: Sequence[Any], categories: Sequence[str], x_of: Axis, y_of: Axis, style: Style) -> list[str]:
    """Grouped bars: in each category's slot, one bar per trace side by side; a trace's numbers above its bars."""
    slot = abs(x_of(1) - x_of(0))
    bar = slot * GROUP / len(traces)
    base = float(y_of(max(0.0, y_of.low)))
    parts = []
    for index, trace in enumerate(traces):
        xs = [str(x) for x in (trace.x if trace.x is not None else range(len(trace.y)))]
        colours = trace.marker.color
        texts = list(trace.text) if isinstance(trace.text, (list, tuple)) else None
        for i, (name, value) in enumerate(zip(xs, _values(trace.y, 0), strict=True)):
            if not np.isfinite(value):
                continue
            left = float(x_of(categories.index(name))) - slot * GROUP / 2 + index * bar
            top = float(y_of(value))
            fill = colours[i] if isinstance(colours, (list, tuple)) else _colour(trace, index)
            parts.append(
                f'<rect x="{left:.2f}" y="{min(top, base):.2f}" width="{bar:.2f}" height="{abs(base - top):.2f}" '
                f'fill="{fill}"/>'
            )
            if texts and texts[i]:
                parts.append(
                    f'<text x="{left + bar / 2:.1f}" y="{min(top, base) - 4:.1f}" text-anchor="middle" '
                    f'font-size="{style.font - 1}">{escape(str(texts[i]))}</text>'
                )
    return parts


def _legend_layout(named: Sequence[tuple[Any, str]], start: float, end: float, font: float) -> list[tuple[int, float]]:
    """(row, x) of each legend entry: in a row while it fits, then the next row (room for the phone's text)."""
    places, row, x = [], 0, start
    for trace, _ in named:
        size = 30 + CHAR * font * min(len(str(trace.name)), LONGEST_LABEL) + 16
        if x > start and x + size > end:
            row, x = row + 1, start
        places.append((row, x))
        x += size
    return places


def _legend(
    named: Sequence[tuple[Any, str]],
    places: Sequence[tuple[int, float]],
    first: float,
    row_height: float,
    style: Style,
    bars: bool,
) -> list[str]:
    """One swatch (a line, or a square for bars) and name per series."""
    parts = []
    for (trace, colour), (row, x) in zip(named, places, strict=True):
        y = first + row * row_height
        if bars:
            parts.append(f'<rect x="{x + 6:.1f}" y="{y - 7:.1f}" width="14" height="14" fill="{colour}"/>')
        else:
            parts.append(
                f'<line x1="{x:.1f}" x2="{x + 24:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" '
                f'stroke-width="{style.line + 1}"/>'
            )
        parts.append(f'<text x="{x + 30:.1f}" y="{y:.1f}" dominant-baseline="central">{_label(trace.name)}</text>')
    return parts


SI_PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def si_text(value: float) -> str:
    """A power of ten as Plotly's ``exponentformat="SI"`` writes it: 1, 10, 100, 1k, …, 100M, 1G."""
    for size, prefix in SI_PREFIXES:
        if value >= size:
            return f"{value / size:g}{prefix}"
    return f"{value:g}"


def _horizontal_bars_svg(figure: go.Figure, width: int, style: Style, phone: float) -> str:
    """One horizontal bar per category, top to bottom in the trace's order when the y axis is reversed (else
    bottom to top, as Plotly draws it), on a linear or log x axis; each bar's number in it or, when the bar is
    too short for it, just after it."""
    layout, trace = figure.layout, figure.data[0]
    count = len(trace.y)
    colours = trace.marker.color if isinstance(trace.marker.color, (list, tuple)) else [_colour(trace, 0)] * count
    texts = trace.text if isinstance(trace.text, (list, tuple)) else [""] * count
    bars = list(zip([_label(name) for name in trace.y], _values(trace.x, 0), texts, colours, strict=True))
    if layout.yaxis.autorange != "reversed":
        bars.reverse()
    names, values = [bar[0] for bar in bars], np.array([bar[1] for bar in bars])
    font = style.font * phone  # room for the phone's larger text
    title = escape(layout.title.text or "")
    top = 2.2 * font if title else style.font
    row = 2.2 * font
    left = CHAR * font * max(map(len, names), default=1) + 12
    right = 2.5 * font  # the last tick's label is centred on the plot's edge
    height = int(top + row * len(names) + 2.2 * font)
    log = (layout.xaxis.type or "") == "log"
    low, high = _range([values], layout.xaxis.range, log=log, zero=not log)
    if log:
        low, high = math.floor(low), math.ceil(high)  # whole powers of ten at both ends, as dtick=1 draws it
    x_of = Axis(low, high, left, width - right, log=log)
    base = x_of.start if log else float(x_of(0.0))
    parts = _open(width, height, style, phone)
    if title:
        parts.append(f'<text x="{left:.1f}" y="{1.2 * font:.1f}" font-weight="bold">{title}</text>')
    bottom = top + row * len(names)
    if log:
        powers = np.arange(low, high + 1)
        ticks, labels = 10.0**powers, [si_text(v) for v in 10.0**powers]
    else:
        ticks = nice_ticks(low, high)
        step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        labels = [tick_text(v, step) for v in ticks]
    for x, label in zip(x_of(ticks), labels, strict=True):
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 1.2 * font:.1f}" text-anchor="middle" fill="{AXIS}">{label}</text>'
        )
    for index, (name, value, text, fill) in enumerate(bars):
        middle = top + row * (index + 0.5)
        parts.append(
            f'<text x="{left - 8:.1f}" y="{middle:.1f}" text-anchor="end" dominant-baseline="central">{name}</text>'
        )
        end = float(x_of(value))
        if not np.isfinite(end):
            continue
        parts.append(
            f'<rect x="{base:.2f}" y="{middle - row * GROUP / 2:.2f}" width="{max(end - base, 0):.2f}" '
            f'height="{row * GROUP:.2f}" fill="{fill}"/>'
        )
        if text:
            inside = end - base > CHAR * font * len(str(text)) + 12
            place = (end - 6, "end", ' fill="white"') if inside else (end + 6, "start", "")
            parts.append(
                f'<text x="{place[0]:.1f}" y="{middle:.1f}" text-anchor="{place[1]}" dominant-baseline="central"'
                f"{place[2]}>{escape(str(text))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def png_size(source: str) -> tuple[int, int]:
    """(width, height) of a PNG data URI, read from its header."""
    header = base64.b64decode(source.removeprefix(PNG_SOURCE)[:44])
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def _image_svg(figure: go.Figure, width: int, style: Style, phone: float) -> str:
    """A PNG (one image trace) with the labels of its axes' ticks: row names left, column names below."""
    layout = figure.layout
    source = str(figure.data[0].source)
    image_w, image_h = png_size(source)
    font = style.font * phone  # labels beside an image: leave room for the phone's larger text
    rows_shown, columns_shown = (axis.visible is not False for axis in (layout.yaxis, layout.xaxis))
    row_text = [_label(t) for t in layout.yaxis.ticktext or ()] if rows_shown else []
    column_text = [_label(t) for t in layout.xaxis.ticktext or ()] if columns_shown else []
    left = (CHAR * font * min(max(map(len, row_text)), LONGEST_LABEL) + 10) if row_text else 0
    lines = max((t.count("&lt;br&gt;") + 1 for t in column_text), default=0)
    bottom = 1.25 * font * lines + (6 if lines else 0)
    scale = min((width - left) / image_w, 1.0) if image_w else 1.0  # the tiles are already at their size
    shown_w, shown_h = image_w * scale, image_h * scale
    parts = _open(left + shown_w, shown_h + bottom, style, phone)
    parts.append(
        f'<image x="{left:.1f}" y="0" width="{shown_w:.1f}" height="{shown_h:.1f}" href="{source}" '
        'preserveAspectRatio="none" style="image-rendering: pixelated"/>'
    )
    for value, label in zip(layout.yaxis.tickvals or (), row_text, strict=False):
        parts.append(
            f'<text x="{left - 8:.1f}" y="{float(value) * scale:.1f}" text-anchor="end" '
            f'dominant-baseline="central">{label}</text>'
        )
    for value, label in zip(layout.xaxis.tickvals or (), column_text, strict=False):
        parts.append(_text(left + float(value) * scale, shown_h + 1.1 * font, label, ' text-anchor="middle"'))
    parts.append("</svg>")
    return "".join(parts)
