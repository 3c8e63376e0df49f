"""Plotly figures for the course's worked examples and the "How a network learns" page.

Grouped by lesson rather than by kind of chart, so each figure stays next to the lesson it draws: a
stem plot of probabilities, curves of activation functions, a loss curve with the steps of gradient
descent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

STEM_COLOUR, HIGHLIGHT = "#0072B2", "#D55E00"


def probability_stem(probabilities: np.ndarray, class_names: Sequence[str], *, height: int = 280) -> go.Figure:
    """Probabilities as a stem plot (a line up to a dot per class), as the course's notebooks draw them."""
    p = np.asarray(probabilities, dtype=np.float64)
    top = int(np.argmax(p))
    x = np.arange(len(p))
    stems_x = np.repeat(x, 3).astype(float)
    stems_y = np.column_stack([np.zeros_like(p), p, np.full_like(p, np.nan)]).ravel()
    figure = go.Figure(
        [
            go.Scatter(x=stems_x, y=stems_y, mode="lines", line={"color": STEM_COLOUR}, hoverinfo="skip"),
            go.Scatter(
                x=x,
                y=p,
                mode="markers",
                marker={"size": 10, "color": [HIGHLIGHT if i == top else STEM_COLOUR for i in x]},
                customdata=list(class_names),
                hovertemplate="%{customdata}: %{y:.4f}<extra></extra>",
            ),
        ]
    )
    figure.update_layout(
        height=height,
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"tickvals": x, "ticktext": [str(n) for n in class_names]},
        yaxis={"title": "probability", "range": [-0.03, 1.05]},
    )
    return figure


def curves(
    x: np.ndarray,
    lines: dict[str, np.ndarray],
    *,
    x_title: str,
    y_title: str,
    height: int = 300,
    points: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> go.Figure:
    """Named curves over one x axis, with optional named point sequences drawn as markers joined by lines."""
    palette = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
    data = [
        go.Scatter(x=x, y=y, mode="lines", name=name, line={"color": palette[i % len(palette)]})
        for i, (name, y) in enumerate(lines.items())
    ]
    for i, (name, (px, py)) in enumerate((points or {}).items()):
        data.append(
            go.Scatter(
                x=px,
                y=py,
                mode="lines+markers",
                name=name,
                line={"color": palette[(i + 1) % len(palette)], "dash": "dot"},
                marker={"size": 8},
            )
        )
    figure = go.Figure(data)
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": x_title},
        yaxis={"title": y_title},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


#: Okabe-Ito colours (colour-blind safe), one per receptive-field square, smallest first.
FIELD_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00")


def receptive_field_squares(image: np.ndarray, fields: Sequence[tuple[str, int]], *, height: int = 360) -> go.Figure:
    """A grayscale ``(H, W)`` image with one square per ``(label, side)``, centred: what one unit of each layer
    sees of the image (its receptive field), the smallest drawn first."""
    from cnnviz.plots.heatmaps import heatmap

    gray = np.asarray(image, dtype=np.float64)
    figure = heatmap(gray, colorscale="gray", zmin=0, zmax=255, show_values=False, height=height, bare=True)
    rows, cols = gray.shape
    for (label, side), colour in zip(fields, FIELD_COLOURS, strict=False):
        top, left = (rows - side) / 2 - 0.5, (cols - side) / 2 - 0.5
        figure.add_shape(
            type="rect", x0=left, x1=left + side, y0=top, y1=top + side, line={"color": colour, "width": 3}
        )
        figure.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="lines", line={"color": colour, "width": 3}, name=f"{label}: {side}×{side}"
            )
        )
    figure.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.02, "yanchor": "top"})
    return figure
