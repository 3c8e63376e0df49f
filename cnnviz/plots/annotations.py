"""Plain-dict annotations: figures built in one ``go.Figure`` call avoid Plotly's slow ``add_annotation``."""

from __future__ import annotations


def note(x: float, y: float, text: str, *, size: int, color: str | None = None, **more: object) -> dict:
    """A text annotation without an arrow."""
    font = {"size": size} if color is None else {"size": size, "color": color}
    return {"x": x, "y": y, "text": text, "showarrow": False, "font": font, **more}


def panel_title(text: str, x: float, top: float) -> dict:
    """The title of one panel of a multi-panel figure, centred at ``x`` above ``top`` (paper coordinates)."""
    return note(x, top, text, size=16, xref="paper", yref="paper", xanchor="center", yanchor="bottom")
