"""The projector style: a figure readable from the back of a classroom (presentation mode).

:func:`projector_style` returns a copy with larger type and thicker strokes; the colour maps stay the
same colour-blind-safe ones (:mod:`cnnviz.plots.colours`).
"""

from __future__ import annotations

import copy

import plotly.graph_objects as go

PROJECTOR_FONT = 20
PROJECTOR_CELL_FONT = 18
PROJECTOR_LINE = 4.0


def projector_style(figure: go.Figure) -> go.Figure:
    """A copy of ``figure`` readable from the back of a classroom: big type, thick lines, bold cells."""
    styled = go.Figure(copy.deepcopy(figure.to_dict()))
    big = {"size": PROJECTOR_FONT}
    styled.update_layout(font=big, hoverlabel={"font": big}, legend={"font": big})
    # Streamlit's chart theme sets the axes' type itself (small), which the layout's font does not override.
    styled.update_xaxes(tickfont=big, title_font=big)
    styled.update_yaxes(tickfont=big, title_font=big)
    for trace in styled.data:
        if trace.type == "heatmap" and trace.texttemplate:
            trace.textfont = {"size": max(PROJECTOR_CELL_FONT, (trace.textfont.size or 0))}
        elif trace.type in ("scatter", "scattergl"):
            trace.line.width = max(PROJECTOR_LINE, trace.line.width or 0)
    for annotation in styled.layout.annotations or ():
        annotation.font.size = max(PROJECTOR_FONT, annotation.font.size or 0)
    return styled
