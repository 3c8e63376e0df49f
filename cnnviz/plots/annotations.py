"""Plain-dict annotations: figures built in one ``go.Figure`` call avoid Plotly's slow ``add_annotation``."""

from __future__ import annotations

from typing import Any

from cnnviz.plots.colours import HIGHLIGHT_COLOUR


def note(x: float, y: float, text: str, *, size: int, color: str | None = None, **more: object) -> dict:
    """A text annotation without an arrow."""
    font = {"size": size} if color is None else {"size": size, "color": color}
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": font, **more}


def panel_title(text: str, x: float, top: float) -> dict:
    """The title of one panel of a multi-panel figure, centred at ``x`` above ``top`` (paper coordinates)."""
    return note(x, top, text, size=16, xref="paper", yref="paper", xanchor="center", yanchor="bottom")


def frame_cells(figure: Any, box: tuple[int, int, int, int], width: int) -> None:
    """Frame the heat-map or image cells ``box = (top, left, bottom, right)`` (inclusive) in the highlight colour."""
    top, left, bottom, right = box
    figure.add_shape(
        type="rect",
        x0=left - 0.5,
        x1=right + 0.5,
        y0=top - 0.5,
        y1=bottom + 0.5,
        line={"color": HIGHLIGHT_COLOUR, "width": width},
    )
