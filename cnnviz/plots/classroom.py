"""The class dashboard's figures: the class's runs as one picture, the groups' curves overlaid, a quick
check's answers.

Names and labels come from people: every text drawn is HTML-escaped here (Plotly reads a subset of HTML
in hover text and labels), so a name like ``<b>Bo</b>`` shows as those characters.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.plots.colours import HIGHLIGHT_COLOUR, PLAIN_BAR_COLOUR
from cnnviz.plots.training import RUN_COLOURS

FRONT_COLOUR = "#D55E00"  # Okabe-Ito vermillion: the Pareto front
CURVE_METRICS = {"val_accuracy": "validation accuracy", "accuracy": "training accuracy"}


def class_results(runs: Sequence[Mapping[str, Any]], front: Sequence[int], *, height: int = 440) -> go.Figure:
    """Test accuracy against parameter count, one dot per run, the best accuracy-for-size runs (the
    Pareto front, indices ``front`` into ``runs``) ringed and joined by a line.

    Each run: ``{"params": int, "test_accuracy": float | None, "who": str, "label": str}``; runs
    without a test accuracy are left out."""
    on_front = set(front)
    shown = [i for i, run in enumerate(runs) if run.get("test_accuracy") is not None]

    def hover(i: int) -> str:
        run = runs[i]
        return (
            f"{html.escape(str(run['who']))}: {html.escape(str(run['label']))}<br>"
            f"{run['test_accuracy']:.1%} test accuracy, {run['params']:,} parameters"
            + ("<br>on the front: no smaller run is as accurate" if i in on_front else "")
        )

    others = [i for i in shown if i not in on_front]
    best = [i for i in front if i in shown]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": "a run",
            "x": [runs[i]["params"] for i in others],
            "y": [runs[i]["test_accuracy"] for i in others],
            "marker": {"size": 11, "color": PLAIN_BAR_COLOUR, "opacity": 0.8, "line": {"width": 1, "color": "white"}},
            "hovertext": [hover(i) for i in others],
            "hoverinfo": "text",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "best accuracy for its size (Pareto front)",
            "x": [runs[i]["params"] for i in best],
            "y": [runs[i]["test_accuracy"] for i in best],
            "line": {"color": FRONT_COLOUR, "width": 2, "shape": "hv"},
            "marker": {"size": 15, "color": FRONT_COLOUR, "symbol": "star", "line": {"width": 1, "color": "white"}},
            "hovertext": [hover(i) for i in best],
            "hoverinfo": "text",
        },
    ]
    lowest = min((runs[i]["test_accuracy"] for i in shown), default=0.0)
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"title": {"text": "parameters (log scale)"}, "type": "log"},
        # Accuracy is a share: the axis never goes past 100 %, and starts a little below the lowest run.
        "yaxis": {"title": {"text": "test accuracy"}, "tickformat": ".0%", "range": [max(0.0, lowest - 0.05), 1.01]},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "closest",
    }
    return go.Figure({"data": traces, "layout": layout})


def group_curves(series: Sequence[Mapping[str, Any]], groups: Sequence[str], *, height: int = 400) -> go.Figure:
    """Every run's accuracy per epoch, one colour per group (thin lines), each group's mean in bold:
    validation accuracy where the runs have it, training accuracy otherwise.

    Each item of ``series``: ``{"group": str, "who": str, "history": {...}}`` (Keras-style lists)."""
    metric = "val_accuracy" if any(item["history"].get("val_accuracy") for item in series) else "accuracy"
    traces: list[dict[str, Any]] = []
    for index, group in enumerate(groups):
        colour = RUN_COLOURS[index % len(RUN_COLOURS)]
        curves = [item for item in series if item["group"] == group and item["history"].get(metric)]
        for item in curves:
            values = item["history"][metric]
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": list(range(1, len(values) + 1)),
                    "y": values,
                    "name": html.escape(group),
                    "legendgroup": str(index),
                    "showlegend": False,
                    "line": {"color": colour, "width": 1},
                    "opacity": 0.45,
                    "hovertemplate": f"{html.escape(str(item['who']))} ({html.escape(group)})<br>"
                    "epoch %{x}: %{y:.1%}<extra></extra>",
                }
            )
        if curves:
            mean = _mean_curve([item["history"][metric] for item in curves])
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": list(range(1, len(mean) + 1)),
                    "y": mean,
                    "name": f"{html.escape(group)}: mean of {len(curves)} run{'s' if len(curves) != 1 else ''}",
                    "legendgroup": str(index),
                    "line": {"color": colour, "width": 4},
                    "hovertemplate": f"{html.escape(group)}, mean<br>epoch %{{x}}: %{{y:.1%}}<extra></extra>",
                }
            )
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"title": {"text": "epoch"}, "dtick": 1},
        "yaxis": {"title": {"text": CURVE_METRICS[metric]}, "tickformat": ".0%"},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "closest",
    }
    return go.Figure({"data": traces, "layout": layout})


def _mean_curve(curves: Sequence[Sequence[float | None]]) -> list[float | None]:
    """The mean at each epoch over the runs that reached it (a diverged epoch, None, is left out)."""
    longest = max(len(curve) for curve in curves)
    table = np.full((len(curves), longest), np.nan)
    for row, curve in enumerate(curves):
        table[row, : len(curve)] = [np.nan if value is None else value for value in curve]
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(table), axis=0)
        means = np.nansum(table, axis=0) / np.maximum(counts, 1)
    return [float(mean) if count else None for mean, count in zip(means, counts, strict=True)]


def answer_counts(counts: Mapping[str, int], correct: str | None, *, height: int = 260) -> go.Figure:
    """How many students gave each answer, the correct one (``correct``, when shown) in the highlight colour."""
    answers = list(counts)
    colours = [HIGHLIGHT_COLOUR if answer == correct else PLAIN_BAR_COLOUR for answer in answers]
    trace = {
        "type": "bar",
        "x": [counts[answer] for answer in answers],
        "y": [html.escape(answer) for answer in answers],
        "orientation": "h",
        "marker": {"color": colours},
        "text": [counts[answer] for answer in answers],
        "textposition": "auto",
        "hovertemplate": "%{y}: %{x} answer(s)<extra></extra>",
    }
    layout = {
        "height": max(height, 60 + 36 * len(answers)),
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "xaxis": {"title": {"text": "students"}, "dtick": 1, "rangemode": "tozero"},
        "yaxis": {"autorange": "reversed", "type": "category"},
        "showlegend": False,
    }
    return go.Figure({"data": [trace], "layout": layout})
