"""The Inside page's explanation figures: attribution maps under the one colour rule, the sanity check's
rank correlations, the class map (dots or thumbnails) and the accuracy under attack as ε grows."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from cnnviz.images import encode_png
from cnnviz.plots.charts import CLASS_COLOURS
from cnnviz.plots.colours import HIGHLIGHT_COLOUR, PLAIN_BAR_COLOUR, SIGNED_COLORSCALE, value_scale
from cnnviz.plots.training import run_line

MISTAKE_COLOUR = "#D55E00"  # Okabe-Ito vermilion: the ring around a mistake
THUMBNAIL_CANVAS = 900  # pixels a side of the thumbnail map
THUMBNAIL_SIDE = 22  # pixels a side of one thumbnail on it


def class_colour(index: int) -> str:
    """The colour of class ``index`` on the class map (the Datasets page's class palette)."""
    return CLASS_COLOURS[index % len(CLASS_COLOURS)]


def attribution_map(values: np.ndarray, *, height: int = 220, value_label: str = "value") -> go.Figure:
    """A map (H, W) scaled to its strongest pixel (±1), drawn by the one colour rule of :mod:`.colours`:
    blue/white/red centred on 0 when it holds a negative value, Viridis from 0 to 1 when it does not.

    The colour bar's ends name the map's own strongest value (±0.1 for an FGSM change of ε = 0.1, not
    ±1); the hover shows the row, column and the map's own (unscaled) value.
    """
    values = np.asarray(values, dtype=np.float64)
    largest = float(np.abs(values).max()) if values.size else 0.0
    scaled = values / largest if largest > 0 else values
    scale = value_scale(scaled)
    if scale["colorscale"] != SIGNED_COLORSCALE:  # a map that is never negative: 0 to its strongest pixel
        scale = {**scale, "zmin": 0.0, "zmax": 1.0}
    figure = go.Figure(
        go.Heatmap(
            z=scaled,
            customdata=values,
            hovertemplate=f"row %{{y}}, column %{{x}}<br>{value_label} %{{customdata:.3g}}<extra></extra>",
            colorbar={"thickness": 10, "len": 0.9, **_scale_ends(largest, signed=bool(scaled.min() < 0))},
            **scale,
        )
    )
    figure.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", visible=False)
    figure.update_xaxes(constrain="domain", visible=False)
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 4, "b": 4}, plot_bgcolor="white")
    return figure


def _scale_ends(largest: float, *, signed: bool) -> dict[str, list]:
    """The colour bar's ticks of a map scaled to ±1: at −1, 0 and 1 (0 and 1 when never negative), each
    labelled with the value it stands for."""
    top = f"{largest:.2g}" if largest > 0 else "1"
    if signed:
        return {"tickvals": [-1, 0, 1], "ticktext": [f"−{top}", "0", f"+{top}"]}
    return {"tickvals": [0, 1], "ticktext": ["0", top]}


def rank_bars(correlations: dict[str, float], *, height: int = 240) -> go.Figure:
    """Spearman's ρ of each method's map with its randomised-network twin, one horizontal bar each."""
    names, values = list(correlations), [float(v) for v in correlations.values()]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=[HIGHLIGHT_COLOUR if abs(v) >= 0.5 else PLAIN_BAR_COLOUR for v in values],
            text=[f"ρ = {v:+.2f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: ρ = %{x:.2f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        xaxis={"range": [-1.15, 1.15], "title": "rank correlation with the trained network's map", "zeroline": True},
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 40, "t": 10, "b": 10},
    )
    return figure


def _hover_lines(labels: np.ndarray, predicted: np.ndarray, confidence: np.ndarray, names: Sequence[str]) -> list[str]:
    return [
        f"test image {i}<br>true: {names[t]}<br>predicted: {names[p]} ({c:.0%})"
        + ("" if t == p else "<br><b>a mistake</b>")
        for i, (t, p, c) in enumerate(zip(labels, predicted, confidence, strict=True))
    ]


def class_map(
    points: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    confidence: np.ndarray,
    class_names: Sequence[str],
    *,
    height: int = 560,
    axis_titles: tuple[str, str] = ("", ""),
) -> go.Figure:
    """Test images as dots placed by ``points`` (N, 2), one colour per true class, mistakes ringed.

    Every dot carries its image number as ``customdata`` (a click reports it); the hover names its
    true and predicted class and the network's confidence.
    """
    points = np.asarray(points, dtype=np.float64)
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    hover = np.array(_hover_lines(labels, predicted, np.asarray(confidence), class_names), dtype=object)
    traces = []
    for k, name in enumerate(class_names):
        chosen = np.flatnonzero(labels == k)
        if not len(chosen):
            continue
        traces.append(
            go.Scattergl(
                x=points[chosen, 0],
                y=points[chosen, 1],
                mode="markers",
                name=str(name),
                customdata=chosen,
                text=hover[chosen],
                hovertemplate="%{text}<extra></extra>",
                marker={"size": 6, "color": class_colour(k), "opacity": 0.85},
                unselected={"marker": {"opacity": 0.5}},  # a clicked point stands out, the map stays readable
            )
        )
    wrong = np.flatnonzero(labels != predicted)
    traces.append(
        go.Scattergl(
            x=points[wrong, 0],
            y=points[wrong, 1],
            mode="markers",
            name=f"mistakes ({len(wrong):,})",
            customdata=wrong,
            text=hover[wrong],
            hovertemplate="%{text}<extra></extra>",
            marker={"size": 12, "color": "rgba(0,0,0,0)", "line": {"color": MISTAKE_COLOUR, "width": 2}},
        )
    )
    figure = go.Figure(traces)
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"title": {"text": "true class"}, "itemsizing": "constant"},
        xaxis={"title": axis_titles[0], "showticklabels": False, "zeroline": False},
        yaxis={"title": axis_titles[1], "showticklabels": False, "zeroline": False},
        clickmode="event+select",
        dragmode="pan",
        meta={"description": _map_description(len(points), len(wrong), class_names)},
    )
    return figure


def class_map_thumbnails(
    points: np.ndarray,
    images: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    confidence: np.ndarray,
    class_names: Sequence[str],
    *,
    height: int = 640,
) -> go.Figure:
    """The class map drawn with the images themselves: each uint8 (h, w, 1) test image shrunk to a
    thumbnail at its place, its ink in its true class's colour, a mistake framed in vermilion; invisible
    dots on top carry the hover text and the image number for a click (as :func:`class_map`)."""
    points = np.asarray(points, dtype=np.float64)
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    side, canvas_side = THUMBNAIL_SIDE, THUMBNAIL_CANVAS
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    corner = ((points - low) / span * (canvas_side - side)).round().astype(int)  # top-left of each thumbnail
    corner[:, 1] = canvas_side - side - corner[:, 1]  # y grows upwards on the map
    canvas = np.full((canvas_side, canvas_side, 3), 255.0)
    thumbnails = _thumbnails(np.asarray(images), side)
    for index in range(len(points)):
        row, col = corner[index, 1], corner[index, 0]
        ink = thumbnails[index][..., None]
        colour = np.array([int(class_colour(int(labels[index]))[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
        patch = canvas[row : row + side, col : col + side]
        patch[:] = patch * (1 - ink) + colour * ink
        if labels[index] != predicted[index]:
            for edge in (patch[0], patch[-1], patch[:, 0], patch[:, -1]):
                edge[:] = [213, 94, 0]
    source = "data:image/png;base64," + base64.b64encode(encode_png(canvas.astype(np.uint8))).decode()
    hover = _hover_lines(labels, predicted, np.asarray(confidence), class_names)
    figure = go.Figure(
        [
            go.Image(source=source, hoverinfo="skip"),
            go.Scatter(
                x=corner[:, 0] + side / 2,
                y=corner[:, 1] + side / 2,
                mode="markers",
                customdata=np.arange(len(points)),
                text=hover,
                hovertemplate="%{text}<extra></extra>",
                marker={"size": side, "color": "rgba(0,0,0,0)", "symbol": "square"},
                showlegend=False,
            ),
            *(  # the legend only: one entry per class present
                go.Scatter(x=[None], y=[None], mode="markers", name=str(name), marker={"color": class_colour(k)})
                for k, name in enumerate(class_names)
                if (labels == k).any()
            ),
        ]
    )
    figure.update_xaxes(visible=False, range=[0, canvas_side])
    figure.update_yaxes(visible=False, range=[canvas_side, 0], scaleanchor="x")
    figure.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        legend={"title": {"text": "true class"}},
        clickmode="event+select",
        dragmode="pan",
        meta={"description": _map_description(len(points), int((labels != predicted).sum()), class_names)},
    )
    return figure


def _thumbnails(images: np.ndarray, side: int) -> np.ndarray:
    """uint8 (N, h, w, C) images as ink in [0, 1] (N, side, side): the mean channel, area-resized."""
    import cv2

    gray = images.astype(np.float32).mean(axis=-1) / 255 if images.ndim == 4 else images.astype(np.float32) / 255
    return np.stack([cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA) for image in gray])


def _map_description(count: int, mistakes: int, class_names: Sequence[str]) -> str:
    return (
        f"The class map: {count:,} test images placed by what the network computes from them, one colour per true "
        f"class ({', '.join(str(n) for n in class_names[:12])}{' …' if len(class_names) > 12 else ''}); "
        f"{mistakes:,} mistakes ringed."
    )


def attack_curves(
    curves: Sequence[tuple[str, Sequence[float], Sequence[float]]], *, epsilon: float | None = None, height: int = 320
) -> go.Figure:
    """Accuracy against the attack strength ε, one line per model (``(name, epsilons, accuracies)``), and a
    dotted line at the ``epsilon`` the page is showing."""
    figure = go.Figure()
    for index, (name, epsilons, accuracy) in enumerate(curves):
        hover = f"{name}<br>ε %{{x:g}}: %{{y:.1%}} right<extra></extra>"
        figure.add_trace(run_line(index, name, list(epsilons), list(accuracy), hovertemplate=hover))
    if epsilon is not None:
        figure.add_vline(x=epsilon, line_dash="dot", line_color="#555555")
    figure.update_layout(
        height=height,
        xaxis={"title": "attack strength ε (share of the pixel range)", "rangemode": "tozero"},
        yaxis={"title": "accuracy on the attacked test images", "tickformat": ".0%", "range": [0, 1.02]},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.3},
        hovermode="closest",
    )
    return figure
