"""Figures of the transposed-convolution step-through: a map with one outlined region."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from cnnviz.plots import HIGHLIGHT_COLOUR, heatmap


def outlined_map(values: np.ndarray, box: tuple[int, int, int, int] | None, *, title: str = "",
                 value_format: str = ".2~f", height: int = 360) -> go.Figure:
    """A heat map with every number written in, and the cells ``box = (top, left, bottom, right)`` framed.

    The frame may reach outside the map (a kernel scattered into the cropped border): it is clipped.
    """
    figure = heatmap(values, title=title, value_format=value_format, show_values=values.size <= 400, height=height)
    if box is not None:
        top, left, bottom, right = box
        rows, cols = values.shape
        top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, rows - 1), min(right, cols - 1)
        if top <= bottom and left <= right:
            figure.add_shape(type="rect", x0=left - 0.5, x1=right + 0.5, y0=top - 0.5, y1=bottom + 0.5,
                             line={"color": HIGHLIGHT_COLOUR, "width": 4})
    return figure
