"""The layer stack as boxes (the layer builder, an inline SVG) and counts spanning orders of magnitude on a log axis."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.architecture.layer_facts import layer_colour, short_name
from cnnviz.plots.colours import BAR_COLOURS
from cnnviz.plots.svg_figures import INK
from cnnviz.text import shape_text

INPUT_COLOUR = "#56B4E9"  # the input's box; each layer's colour is in its LAYER_FACTS
SKIP_COLOUR = "#D55E00"  # the shortcut of a residual block
ERROR_COLOUR = "#D55E00"
STAGE_PX, SIDE_PX, TOP_PX, DIAGRAM_PX = 96, 10, 30, 330  # a stage's width, margins and the diagram's height
HIGH = 0.8  # the highest y drawn (room for the layer labels above the boxes)


def _box_size(shape: tuple[int, ...], tallest: int, widest: int, longest: int) -> tuple[float, float]:
    """(width, height) of a stage: maps by rows (linear) and channels (log); vectors thin, log length."""
    if len(shape) == 3:
        width = 0.2 + 0.6 * np.log2(shape[2]) / np.log2(max(widest, 2))
        return float(width), max(0.04, shape[0] / tallest)
    return 0.12, float(0.15 + 0.85 * np.log10(shape[0]) / np.log10(max(longest, 10)))


@dataclass(frozen=True)
class _Frame:
    """Diagram coordinates (a stage per unit along x, boxes centred on y = 0) to SVG units."""

    stages: int
    low: float  # the lowest y drawn (room for the shape labels below the boxes)
    bold: bool

    @property
    def width(self) -> float:
        return STAGE_PX * (max(self.stages, 4) + 0.4) + 2 * SIDE_PX

    @property
    def height(self) -> float:
        return DIAGRAM_PX * (1.3 if self.bold else 1.0)

    def x(self, value: float) -> float:
        return SIDE_PX + (value + 0.7) * STAGE_PX

    def y(self, value: float) -> float:
        return TOP_PX + (HIGH - value) / (HIGH - self.low) * (self.height - TOP_PX - SIDE_PX)

    def font(self, size: int) -> int:
        return round(size * 1.4) if self.bold else size


def stack_diagram(
    input_shape: tuple[int, int, int],
    summaries: list,
    *,
    bad: tuple[int, str, str] | None = None,
    bold: bool = False,
) -> str:
    """The stack as a row of boxes, one per feature map: the input, then each layer's output (an inline SVG).

    A map's box height follows its rows (linear, relative to the tallest map) and its width the
    number of channels (log scale); a flat vector is a thin bar whose height grows with the log
    of its length. ``summaries`` are ``cnnviz.architecture.LayerSummary`` objects (``type``,
    ``name``, ``output_shape``, ``params``). ``bad = (position, type, message)`` adds a dashed
    orange box for the layer that cannot be computed. A residual block is one box with an orange
    bracket from its input's box: the skip connection added to the branch's output.
    Each box has its numbers in a tooltip (hover it); ``bold`` is the projector's type.
    It needs no script in the browser (a Plotly chart on the page would cost the first screen Plotly's load).
    """
    stages: list[tuple[str, str, tuple[int, ...], list[str]]] = [("Input", "input", tuple(input_shape), [])]
    stages += [(s.type, s.name, s.output_shape, [f"{s.params:,} parameters", *_branch_lines(s)]) for s in summaries]
    maps = [shape for _, _, shape, _ in stages if len(shape) == 3]
    sizes = (
        max(shape[0] for shape in maps),  # the tallest map
        max(shape[2] for shape in maps),  # the most channels
        max([shape[0] for _, _, shape, _ in stages if len(shape) == 1], default=10),  # the longest vector
    )
    crowded = len(stages) > 9  # shape labels turn sideways so they do not overlap
    frame = _Frame(len(stages) + (bad is not None), -0.95 if crowded else -0.7, bold)
    parts: list[str] = []
    for x, (kind, name, shape, extra) in enumerate(stages):
        parts += _stage(frame, x, kind, name, shape, extra, sizes, crowded)
        if kind == "Residual":
            parts += _skip(frame, x, summaries[x - 1])
    if bad is not None:
        parts += _invalid(frame, len(stages), bad)
    label = f"The stack as boxes: {', '.join(shape_text(shape) for _, _, shape, _ in stages)}"
    if bad is not None:
        label += f", then layer {bad[0]} ({bad[1]}) is invalid"
    return (
        # A wide stack scrolls sideways at its own size (a phone); the scrolling box is focusable for keyboards.
        f'<div style="overflow-x:auto" tabindex="0"><svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {frame.width:.0f} {frame.height:.0f}" width="{frame.width:.0f}" '
        f'height="{frame.height:.0f}" role="img" '
        f'aria-label="{escape(label)}." font-family="sans-serif" fill="{INK}">{"".join(parts)}</svg></div>'
    )


def _attributes(style: dict[str, str]) -> str:
    """SVG attributes from keyword arguments: ``fill_opacity="0.8"`` → ``fill-opacity="0.8"``."""
    return "".join(f' {name.replace("_", "-")}="{value}"' for name, value in style.items())


def _box(frame: _Frame, x: float, width: float, height: float, tip: list[str], **style: str) -> str:
    """A rectangle centred on (x, 0) in diagram units, with its ``tip`` lines in a tooltip."""
    left, top = frame.x(x - width / 2), frame.y(height / 2)
    right, bottom = frame.x(x + width / 2), frame.y(-height / 2)
    return (
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}"'
        f"{_attributes(style)}>"
        f"<title>{escape(chr(10).join(tip))}</title></rect>"
    )


def _label(frame: _Frame, x: float, y: float, text: str, *, size: int, angle: int = 0, **style: str) -> str:
    """A text at (x, y) in diagram units, turned ``angle`` degrees (negative: up to the right)."""
    place = f'transform="translate({frame.x(x):.1f},{frame.y(y):.1f}) rotate({angle})"'
    return f'<text {place} font-size="{frame.font(size)}"{_attributes(style)}>{escape(text)}</text>'


def _stage(
    frame: _Frame,
    x: int,
    kind: str,
    name: str,
    shape: tuple[int, ...],
    extra: list[str],
    sizes: tuple[int, int, int],
    crowded: bool,
) -> list[str]:
    """One stage's box at ``x``, with its label above and its shape below."""
    width, box_height = _box_size(shape, *sizes)
    shape_label = shape_text(shape)
    fill = INPUT_COLOUR if kind == "Input" else layer_colour(kind)
    tip = [f"{name} ({kind})", f"output {shape_label}", *extra]
    label = "Input" if kind == "Input" else f"{x}·{short_name(kind)}"
    tilt = -60 if crowded else -30
    return [
        _box(frame, x, width, box_height, tip, fill=fill, fill_opacity="0.85", stroke="#333333"),
        _label(frame, x - 0.05, 0.56, label, size=10 if crowded else 12, angle=tilt),
        _label(
            frame,
            x,
            -0.56,
            shape_label,
            size=11,
            angle=tilt if crowded else 0,
            text_anchor="end" if crowded else "middle",
            dominant_baseline="hanging",
        ),
    ]


def _skip(frame: _Frame, x: int, block: Any) -> list[str]:
    """A residual block's skip connection: a dotted bracket from the previous box, and ⊕."""
    skip = block.formulas["output_shape"].split("; the block ")[-1]
    # Inset from both boxes' centres, so the skips of consecutive blocks do not join into one line.
    bracket = [(x - 0.85, 0.5), (x - 0.85, 0.55), (x - 0.15, 0.55), (x - 0.15, 0.5)]
    points = " ".join(f"{frame.x(a):.1f},{frame.y(b):.1f}" for a, b in bracket)
    return [
        f'<polyline points="{points}" fill="none" stroke="{SKIP_COLOUR}" stroke-width="2" stroke-dasharray="2,4">'
        f"<title>{escape(f'skip connection: the block {skip}')}</title></polyline>",
        _label(frame, x - 0.5, 0.58, "⊕", size=16, fill=SKIP_COLOUR, text_anchor="middle"),
    ]


def _invalid(frame: _Frame, x: int, bad: tuple[int, str, str]) -> list[str]:
    """The dashed orange box of the layer that cannot be computed, with its message in a tooltip."""
    position, kind, message = bad
    return [
        _box(
            frame,
            x,
            0.6,
            0.6,
            [message],
            fill=ERROR_COLOUR,
            fill_opacity="0.15",
            stroke=ERROR_COLOUR,
            stroke_width="2",
            stroke_dasharray="6,4",
        ),
        _label(frame, x - 0.05, 0.56, f"{position}·{short_name(kind)}", size=12, angle=-30, fill=ERROR_COLOUR),
        _label(frame, x, 0, "⚠", size=22, fill=ERROR_COLOUR, text_anchor="middle", dominant_baseline="central"),
        _label(
            frame, x, -0.56, "invalid", size=11, fill=ERROR_COLOUR, text_anchor="middle", dominant_baseline="hanging"
        ),
    ]


def _branch_lines(summary: Any) -> list[str]:
    """Tooltip lines listing a residual block's branch (none for other layers)."""
    return [f"  branch: {inner.name} → {shape_text(inner.output_shape)}" for inner in getattr(summary, "branch", ())]


def log_bars(values: dict[str, int], *, title: str = "", height: int = 300) -> go.Figure:
    """Horizontal bars of positive counts on a log axis, each labelled with its exact value.

    For comparisons that span orders of magnitude, e.g. one Dense layer's parameters vs a conv stack's.
    A count below 1 has no place on a log axis and is left out (an empty stack is not "1 parameter").
    """
    shown = {name: int(v) for name, v in values.items() if v >= 1}
    names, counts = list(shown), list(shown.values())
    figure = go.Figure(
        go.Bar(
            x=counts,
            y=names,
            orientation="h",
            text=[f"{v:,}" for v in counts],
            textposition="auto",
            marker_color=[BAR_COLOURS[i % len(BAR_COLOURS)] for i in range(len(counts))],
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title or None,
        height=height,
        yaxis={"autorange": "reversed"},
        xaxis={"type": "log", "dtick": 1, "exponentformat": "SI"},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
    )
    return figure
