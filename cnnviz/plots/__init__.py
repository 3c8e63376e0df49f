"""Plotly figure builders shared by the pages, one module per subject.

``from cnnviz import plots; plots.heatmap(...)`` reaches every builder: :mod:`.colours` (the one colour
rule and palette), :mod:`.heatmaps`, :mod:`.architecture` (the stack diagram, log bars), :mod:`.images`
(overlays, mosaics, grids), :mod:`.charts` (bars and lines over classes), :mod:`.conv` (the
convolution page), :mod:`.training` (curves, confusion matrix, per class), :mod:`.course` (the
worked examples and "How a network learns") and :mod:`.classroom` (the class dashboard);
:mod:`.projector` restyles any figure for presentation mode. :mod:`.pictures` draws, without Plotly, what a
click redraws on the convolution page (a large map as a PNG, the kernel's window as an SVG).
"""

from cnnviz.plots.architecture import log_bars, stack_diagram
from cnnviz.plots.charts import class_counts, intensity_lines, probability_bars
from cnnviz.plots.classroom import answer_counts, class_results, group_curves
from cnnviz.plots.colours import (
    BAR_COLOURS,
    CHANNEL_COLORSCALES,
    HIGHLIGHT_COLOUR,
    MAGNITUDE_COLORSCALE,
    MAGNITUDE_NOTE,
    PLAIN_BAR_COLOUR,
    SIGNED_COLORSCALE,
    SIGNED_NOTE,
    colour_note,
    is_signed,
    value_scale,
)
from cnnviz.plots.conv import conv_window, outlined_map, sliding_1d
from cnnviz.plots.course import curves, probability_stem
from cnnviz.plots.heatmaps import MAX_CELLS_WITH_TEXT, MIN_VALUE_FONT, heatmap, histogram, kernel_pair, matrix_table
from cnnviz.plots.images import feature_maps, filter_grid, image_grid, image_overlay, unit_strip
from cnnviz.plots.training import confusion_matrix_figure, examples_needed, per_class_accuracy_figure, training_curves

__all__ = [
    "BAR_COLOURS",
    "CHANNEL_COLORSCALES",
    "HIGHLIGHT_COLOUR",
    "MAGNITUDE_COLORSCALE",
    "MAGNITUDE_NOTE",
    "MAX_CELLS_WITH_TEXT",
    "MIN_VALUE_FONT",
    "PLAIN_BAR_COLOUR",
    "SIGNED_COLORSCALE",
    "SIGNED_NOTE",
    "answer_counts",
    "class_counts",
    "class_results",
    "colour_note",
    "confusion_matrix_figure",
    "conv_window",
    "curves",
    "examples_needed",
    "feature_maps",
    "filter_grid",
    "group_curves",
    "heatmap",
    "histogram",
    "image_grid",
    "image_overlay",
    "intensity_lines",
    "is_signed",
    "kernel_pair",
    "log_bars",
    "matrix_table",
    "outlined_map",
    "per_class_accuracy_figure",
    "probability_bars",
    "probability_stem",
    "sliding_1d",
    "stack_diagram",
    "training_curves",
    "unit_strip",
    "value_scale",
]
