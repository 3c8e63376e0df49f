"""The training page's figures: loss and accuracy curves, the confusion matrix, accuracy per class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from cnnviz.plots.annotations import panel_title
from cnnviz.plots.colours import BAR_COLOURS, HIGHLIGHT_COLOUR, MAGNITUDE_COLORSCALE, PLAIN_BAR_COLOUR

TRAIN_DASH, VAL_DASH = "solid", "dash"
MAX_CONFUSION_TEXT = 25  # classes up to which every cell's count is written in
RUN_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")  # Okabe-Ito


def run_line(index: int, name: str, x: list, y: list, *, hovertemplate: str) -> go.Scatter:
    """One series of a comparison chart (a run, a model, a layer): lines and markers in the ``index``-th run colour."""
    return go.Scatter(
        x=x,
        y=y,
        mode="lines+markers",
        name=name,
        line={"color": RUN_COLOURS[index % len(RUN_COLOURS)], "width": 2},
        hovertemplate=hovertemplate,
    )


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
                traces.append(
                    {
                        "type": "scatter",
                        "x": [p[0] for p in trace],
                        "y": [p[column] for p in trace],
                        "mode": "lines",
                        "name": "training, last batches" if single else f"{name} · last batches",
                        "line": {"width": 1.5, "color": colour or BAR_COLOURS[1]},
                        "opacity": 0.5 if history else 0.9,
                        "legendgroup": f"{index}-live",
                        "showlegend": column == 1,
                        **axes,
                        "hovertemplate": f"epoch %{{x:.2f}}: {metric} %{{y:.4f}}<extra></extra>",
                    }
                )
            for prefix, dash, label in (("", TRAIN_DASH, "training"), ("val_", VAL_DASH, "validation")):
                values = history.get(prefix + metric) or []
                if not values:
                    continue
                default = BAR_COLOURS[1] if prefix == "" else BAR_COLOURS[0]
                traces.append(
                    {
                        "type": "scatter",
                        "x": list(range(1, len(values) + 1)),
                        "y": values,
                        "mode": "lines+markers",
                        "name": label if single else f"{name} · {label}",
                        "line": {"dash": dash, "color": colour or default, "width": 2},
                        "legendgroup": f"{index}-{prefix}",
                        "showlegend": column == 1,
                        **axes,
                        "hovertemplate": f"{name}<br>epoch %{{x}}: {label} {metric} %{{y:.4f}}<extra></extra>",
                    }
                )
    # Two side-by-side plots as plain dicts in one Figure call: the live panel redraws this every second.
    epoch_axis = {"title": {"text": "epoch"}, "rangemode": "tozero", **({"range": [0, epochs + 0.1]} if epochs else {})}
    titles = [panel_title(text, x, 1.0) for text, x in (("loss (lower is better)", 0.23), ("accuracy", 0.77))]
    layout = {
        "xaxis": {"domain": [0, 0.46], "anchor": "y", **epoch_axis},
        "xaxis2": {"domain": [0.54, 1], "anchor": "y2", **epoch_axis},
        "yaxis": {"anchor": "x", "rangemode": "tozero"},
        "yaxis2": {"anchor": "x2", "tickformat": ".0%"},
        "annotations": titles,
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.22},
        "hovermode": "closest",
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
        counts = {
            "text": count_text.reshape(k, k).tolist(),
            "texttemplate": "%{text}",
            "textfont": {"size": 12 if k <= 12 else 9},
        }
    figure = go.Figure(
        go.Heatmap(
            z=shares,
            x=names,
            y=names,
            colorscale=MAGNITUDE_COLORSCALE,
            zmin=0,
            zmax=1,
            xgap=1,
            ygap=1,
            colorbar={"title": "share of<br>true class", "tickformat": ".0%"},
            hoverinfo="skip",
            **counts,
        )
    )
    # Invisible points on the cells: Plotly reports clicks on points (not on heat-map cells), so a
    # click on a cell selects its point and the page can show that cell's images.
    figure.add_scatter(
        x=[names[p] for p in cells[..., 1].ravel()],
        y=[names[t] for t in cells[..., 0].ravel()],
        mode="markers",
        marker={"symbol": "square", "size": 28, "opacity": 0},
        customdata=cells.reshape(-1, 2),
        text=count_text.tolist(),
        hovertext=[f"{s:.1%}" for s in shares.ravel()],
        showlegend=False,
        hovertemplate="true %{y}, predicted %{x}: %{text} images (%{hovertext} of the class)<extra></extra>",
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={
            "title": "predicted class",
            "type": "category",
            "side": "top",
            "tickangle": -30 if k > 6 and max(map(len, names)) > 3 else 0,
        },
        yaxis={"title": "true class", "type": "category", "autorange": "reversed"},
    )
    return figure


def per_class_accuracy_figure(accuracy: np.ndarray, class_names: list[str], *, height: int = 320) -> go.Figure:
    """Horizontal bars: the share of each class the model gets right (the weakest class in orange)."""
    accuracy = np.asarray(accuracy, dtype=np.float64)
    weakest = int(np.nanargmin(accuracy)) if np.isfinite(accuracy).any() else -1
    colours = [HIGHLIGHT_COLOUR if i == weakest else PLAIN_BAR_COLOUR for i in range(len(accuracy))]
    figure = go.Figure(
        go.Bar(
            x=np.nan_to_num(accuracy) * 100,
            y=[str(name) for name in class_names],
            orientation="h",
            marker_color=colours,
            text=[f"{100 * a:.1f}%" if np.isfinite(a) else "no images" for a in accuracy],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f}% right<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "test images classified right (%)", "range": [0, 100]},
        yaxis={"type": "category", "autorange": "reversed"},
    )
    return figure


def examples_needed(
    per_class: Sequence[int], accuracies: Mapping[str, Sequence[float]], *, chance: float, height: int = 300
) -> go.Figure:
    """Accuracy on held-out examples against the examples per class trained on, one line per way of training.

    ``accuracies`` maps each way's name to its accuracy at each of ``per_class``; a dotted line marks
    ``chance`` (guessing).
    """
    traces = [
        {
            "type": "scatter",
            "x": list(per_class),
            "y": list(values),
            "mode": "lines+markers",
            "name": name,
            "line": {"color": RUN_COLOURS[index % len(RUN_COLOURS)], "width": 2.5},
            "marker": {"size": 9},
            "hovertemplate": f"{name}<br>%{{x}} examples per class: %{{y:.0%}}<extra></extra>",
        }
        for index, (name, values) in enumerate(accuracies.items())
    ]
    traces.append(
        {
            "type": "scatter",
            "x": [min(per_class), max(per_class)],
            "y": [chance, chance],
            "mode": "lines",
            "name": f"guessing ({chance:.0%})",
            "line": {"color": PLAIN_BAR_COLOUR, "dash": "dot", "width": 1.5},
            "hoverinfo": "skip",
        }
    )
    layout = {
        "height": height,
        "xaxis": {"title": {"text": "examples per class trained on"}, "tickvals": list(per_class)},
        "yaxis": {"title": {"text": "accuracy on the held-out examples"}, "tickformat": ".0%", "range": [0, 1.02]},
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "legend": {"orientation": "h", "y": -0.3},
    }
    return go.Figure({"data": traces, "layout": layout})
