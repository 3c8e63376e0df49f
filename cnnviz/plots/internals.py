"""The Training page's look at a network's insides during training: per-layer histograms of the weights and
of their gradients at one epoch, and a per-layer measure (update ratio, dead ReLUs) over the epochs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from cnnviz.plots.annotations import panel_title
from cnnviz.plots.colours import BAR_COLOURS, PLAIN_BAR_COLOUR
from cnnviz.plots.training import run_line

Histogram = tuple[Sequence[int], Sequence[float]]  # (counts, bin edges)


def layer_histograms(
    now: tuple[Histogram, Histogram], start: tuple[Histogram, Histogram], *, height: int = 300
) -> go.Figure:
    """A layer's weights (left) and their gradients (right) at one epoch as bars, with the same histograms
    before training as a dark outline; fixed bins, so epochs can be compared."""
    traces: list[dict] = []
    for column, ((counts, edges), (first, _)) in enumerate(zip(now, start, strict=True), start=1):
        edges_array = np.asarray(edges, dtype=np.float64)
        centres, width = (edges_array[:-1] + edges_array[1:]) / 2, float(edges_array[1] - edges_array[0])
        axes = {"xaxis": "x" if column == 1 else "x2", "yaxis": "y" if column == 1 else "y2"}
        what = "weight" if column == 1 else "gradient"
        traces.append(
            {
                "type": "bar",
                "x": centres.tolist(),
                "y": list(counts),
                "width": width,
                "name": "this epoch" if column == 1 else "this epoch ",
                "marker": {"color": PLAIN_BAR_COLOUR},
                "showlegend": column == 1,
                "hovertemplate": f"{what} %{{x:.3g}}: %{{y:,}}<extra>this epoch</extra>",
                **axes,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "x": centres.tolist(),
                "y": list(first),
                "mode": "lines",
                "line": {"shape": "hvh", "color": "#222222", "width": 1.5},
                "name": "before training",
                "showlegend": column == 1,
                "hovertemplate": f"{what} %{{x:.3g}}: %{{y:,}}<extra>before training</extra>",
                **axes,
            }
        )
    layout = {
        "xaxis": {"domain": [0, 0.46], "anchor": "y", "title": {"text": "weight value"}},
        "xaxis2": {"domain": [0.54, 1], "anchor": "y2", "title": {"text": "gradient of the loss"}},
        "yaxis": {"anchor": "x", "title": {"text": "how many"}},
        "yaxis2": {"anchor": "x2"},
        "annotations": [panel_title("weights", 0.23, 1.0), panel_title("gradients", 0.77, 1.0)],
        "height": height,
        "bargap": 0,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.3},
    }
    return go.Figure({"data": traces, "layout": layout})


def per_layer_lines(
    epochs: Sequence[int],
    series: dict[str, Sequence[float | None]],
    *,
    chosen: int | None = None,
    y_title: str,
    log: bool = False,
    percent: bool = False,
    guide: tuple[float, str] | None = None,
    height: int = 300,
) -> go.Figure:
    """One line per layer of a value recorded at ``epochs`` (None: not recorded for that layer there), a
    dotted line at the ``chosen`` epoch and an optional dashed ``guide`` (value, label)."""
    figure = go.Figure()
    for index, (name, values) in enumerate(series.items()):
        shown = [(e, v) for e, v in zip(epochs, values, strict=True) if v is not None and np.isfinite(v)]
        if log:
            shown = [(e, v) for e, v in shown if v > 0]
        hover = f"{name}<br>epoch %{{x}}: %{{y:{'.0%' if percent else '.3g'}}}<extra></extra>"
        figure.add_trace(run_line(index, name, [e for e, _ in shown], [v for _, v in shown], hovertemplate=hover))
    if chosen is not None:
        figure.add_vline(x=chosen, line_dash="dot", line_color="#555555")
    if guide is not None:
        figure.add_hline(
            y=guide[0],
            line_dash="dash",
            line_color=BAR_COLOURS[2],
            annotation_text=guide[1],
            annotation_position="top left",
        )
    figure.update_layout(
        height=height,
        xaxis={"title": "epoch", "rangemode": "tozero", "dtick": 1 if len(epochs) <= 12 else None},
        yaxis={
            "title": y_title,
            "type": "log" if log else "linear",
            **({"tickformat": ".0%", "range": [0, 1.02]} if percent else {}),
        },
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.3},
        hovermode="closest",
    )
    return figure
