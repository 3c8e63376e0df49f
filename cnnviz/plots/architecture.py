"""The layer stack as boxes (the layer builder) and counts spanning orders of magnitude on a log axis."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.architecture.layer_facts import layer_colour, short_name
from cnnviz.plots.annotations import note
from cnnviz.plots.colours import BAR_COLOURS
from cnnviz.text import shape_text

INPUT_COLOUR = "#56B4E9"  # the input's box; each layer's colour is in its LAYER_FACTS
SKIP_COLOUR = "#D55E00"  # the shortcut of a residual block
ERROR_COLOUR = "#D55E00"


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
    sizes = (
        max(shape[0] for shape in maps),  # the tallest map
        max(shape[2] for shape in maps),  # the most channels
        max([shape[0] for _, _, shape, _ in stages if len(shape) == 1], default=10),  # the longest vector
    )
    crowded = len(stages) > 9  # shape labels turn sideways so they do not overlap
    # Plain dicts and one Figure call: add_annotation re-validates every earlier annotation, which made
    # this figure cost ~40 ms per rerun of the layer builder for a 15-layer stack.
    traces: list[dict] = []
    notes: list[dict] = []
    for x, (kind, name, shape, extra) in enumerate(stages):
        _add_stage(traces, notes, x, kind, name, shape, extra, sizes, crowded)
        if kind == "Residual":
            _add_skip(traces, notes, x, summaries[x - 1])
    if bad is not None:
        _add_invalid(traces, notes, len(stages), bad)
    count = len(stages) + (bad is not None)
    layout = {
        "height": height,
        "showlegend": False,
        "plot_bgcolor": "rgba(0,0,0,0)",
        "annotations": notes,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "xaxis": {"visible": False, "range": [-0.7, max(count, 4) - 0.3], "fixedrange": True},
        "yaxis": {"visible": False, "range": [-0.95 if crowded else -0.7, 0.8], "fixedrange": True},
    }
    return go.Figure({"data": traces, "layout": layout})


def _add_stage(
    traces: list[dict],
    notes: list[dict],
    x: int,
    kind: str,
    name: str,
    shape: tuple[int, ...],
    extra: str,
    sizes: tuple[int, int, int],
    crowded: bool,
) -> None:
    """One stage's box at ``x``, with its label above and its shape below."""
    width, box_height = _box_size(shape, *sizes)
    shape_label = shape_text(shape)
    traces.append(
        _box_trace(
            x,
            width,
            box_height,
            fillcolor=INPUT_COLOUR if kind == "Input" else layer_colour(kind),
            opacity=0.85,
            line={"color": "#333333", "width": 1},
            text=f"<b>{name}</b> ({kind})<br>output {shape_label}{extra}",
            name=name,
        )
    )
    label = "Input" if kind == "Input" else f"{x}·{short_name(kind)}"
    notes.append(note(x, 0.56, label, size=10 if crowded else 11, textangle=-60 if crowded else -30, yanchor="bottom"))
    notes.append(note(x, -0.56, shape_label, size=10, textangle=-60 if crowded else 0, yanchor="top"))


def _add_skip(traces: list[dict], notes: list[dict], x: int, block: Any) -> None:
    """A residual block's skip connection: a dotted bracket from the previous box, and ⊕."""
    skip = block.formulas["output_shape"].split("; the block ")[-1]
    # Inset from both boxes' centres, so the skips of consecutive blocks do not join into one line.
    traces.append(
        {
            "type": "scatter",
            "x": [x - 0.85, x - 0.85, x - 0.15, x - 0.15],
            "y": [0.5, 0.55, 0.55, 0.5],
            "mode": "lines",
            "line": {"color": SKIP_COLOUR, "width": 2, "dash": "dot"},
            "hoverinfo": "text",
            "text": f"skip connection: the block {skip}",
            "name": "skip",
        }
    )
    notes.append(note(x - 0.5, 0.55, "⊕", size=16, color=SKIP_COLOUR))


def _add_invalid(traces: list[dict], notes: list[dict], x: int, bad: tuple[int, str, str]) -> None:
    """The dashed orange box of the layer that cannot be computed, with its message on hover."""
    position, kind, message = bad
    traces.append(
        _box_trace(
            x,
            0.6,
            0.6,
            fillcolor="rgba(213, 94, 0, 0.15)",
            text=message,
            line={"color": ERROR_COLOUR, "width": 2, "dash": "dash"},
        )
    )
    notes.append(
        note(x, 0.56, f"{position}·{short_name(kind)}", size=11, color=ERROR_COLOUR, textangle=-30, yanchor="bottom")
    )
    notes.append(note(x, 0, "⚠", size=22, color=ERROR_COLOUR))
    notes.append(note(x, -0.56, "invalid", size=10, color=ERROR_COLOUR, yanchor="top"))


def _branch_text(summary: Any) -> str:
    """Hover lines listing a residual block's branch (empty for other layers)."""
    return "".join(
        f"<br>  branch: {inner.name} → {shape_text(inner.output_shape)}" for inner in getattr(summary, "branch", ())
    )


def _box_trace(x: float, width: float, height: float, **style: object) -> dict:
    """A filled rectangle centred on (x, 0) that shows its ``text`` on hover."""
    left, right, low, high = x - width / 2, x + width / 2, -height / 2, height / 2
    return {
        "type": "scatter",
        "x": [left, right, right, left, left],
        "y": [low, low, high, high, low],
        "fill": "toself",
        "mode": "lines",
        "hoveron": "fills",
        "hoverinfo": "text",
        **style,
    }


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
