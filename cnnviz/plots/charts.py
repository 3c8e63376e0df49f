"""Bar and line charts over classes: predicted probabilities, images per class, pixel-value distributions."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz.plots.colours import BAR_COLOURS, HIGHLIGHT_COLOUR, PLAIN_BAR_COLOUR

# ---------------------------------------------------------------- datasets page: classes, examples, pixels
#: Plotly's colour-blind-safe qualitative palette (11 colours), one per class.
CLASS_COLOURS = (
    "#88CCEE",
    "#CC6677",
    "#DDCC77",
    "#117733",
    "#332288",
    "#AA4499",
    "#44AA99",
    "#999933",
    "#882255",
    "#661100",
    "#6699CC",
)


def probability_bars(
    probabilities: np.ndarray, class_names: list[str], *, highlight: int | None = None, height: int = 300
) -> go.Figure:
    """Class probabilities as bars in percent; the ``highlight`` class (default: the top one) in orange."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    highlight = int(np.argmax(probabilities)) if highlight is None else highlight
    colours = [HIGHLIGHT_COLOUR if i == highlight else PLAIN_BAR_COLOUR for i in range(len(probabilities))]
    names = [str(name) for name in class_names]
    figure = go.Figure(
        go.Bar(
            x=names,
            y=100 * probabilities,
            marker_color=colours,
            cliponaxis=False,
            text=[f"{100 * p:.1f}%" if p >= 0.005 else "" for p in probabilities],
            textposition="outside",
            hovertemplate="%{x}: %{y:.2f}%<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        yaxis={"title": "probability (%)", "range": [0, 115]},
        xaxis={"type": "category", "tickangle": -30 if max(map(len, names)) > 3 else 0},
        margin={"l": 10, "r": 10, "t": 20, "b": 10},
    )
    return figure


def class_counts(class_names: list[str], counts: dict[str, np.ndarray], *, height: int = 320) -> go.Figure:
    """Grouped bars of images per class, one group per class and one bar per split (e.g. training, test)."""
    figure = go.Figure(
        [
            go.Bar(
                name=split,
                x=class_names,
                y=values,
                marker_color=BAR_COLOURS[1 + i % 3],
                hovertemplate=f"%{{x}}: %{{y:,}} {split} images<extra></extra>",
            )
            for i, (split, values) in enumerate(counts.items())
        ]
    )
    figure.update_layout(
        barmode="group",
        height=height,
        xaxis={"type": "category", "title": "class"},
        yaxis_title="images",
        legend={"orientation": "h", "y": 1.1},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    return figure


def intensity_lines(
    counts: np.ndarray, class_names: list[str], *, log_counts: bool = False, height: int = 320
) -> go.Figure:
    """Per-class pixel-value distributions from counts (K, 256): the share of each class's pixels at each value."""
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    figure = go.Figure(
        [
            go.Scatter(
                x=np.arange(256),
                y=share,
                name=name,
                mode="lines",
                line={"color": CLASS_COLOURS[k % len(CLASS_COLOURS)], "width": 1.5},
                hovertemplate=f"{name}: value %{{x}}, %{{y:.2%}} of pixels<extra></extra>",
            )
            for k, (name, share) in enumerate(zip(class_names, shares, strict=True))
        ]
    )
    figure.update_layout(
        height=height,
        xaxis={"title": "pixel value (0 = black, 255 = white)", "range": [0, 255]},
        yaxis={
            "title": "share of pixels" + (" (log scale)" if log_counts else ""),
            "type": "log" if log_counts else "linear",
            "dtick": 1 if log_counts else None,
            "tickformat": ".2~%" if log_counts else ".1%",
        },  # 0.01 % must not read "0.0 %" on a log axis
        legend={"title": "class"},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return figure
