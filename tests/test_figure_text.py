"""Text alternatives and the projector style are read from the figures the pages really draw."""

from __future__ import annotations

import numpy as np

from cnnviz import plots
from cnnviz.figure_text import describe_figure, describe_map, describe_window
from cnnviz.plots.projector import PROJECTOR_CELL_FONT, PROJECTOR_FONT, projector_style


def test_a_signed_feature_map_is_described_with_its_size_range_and_colour_rule():
    values = np.array([[-403.0, 0.0, 12.5], [1.0, 2.0, 3.0]])
    text = describe_figure(plots.heatmap(values, title="Feature map"))
    assert text.startswith("Feature map: a 2×3 heat map")
    assert "from −403 to 12.5" in text
    assert "blue is positive, red is negative" in text


def test_a_grayscale_image_says_no_colour_rule():
    text = describe_figure(plots.heatmap(np.arange(12).reshape(3, 4), colorscale="gray", zmin=0, zmax=255))
    assert text == "A 3×4 heat map, values from 0 to 11."


def test_probability_bars_name_the_winning_class():
    text = describe_figure(plots.probability_bars(np.array([0.1, 0.7, 0.2]), ["cat", "dog", "owl"]))
    assert "the highest is dog at 70.0%" in text


def test_training_curves_give_their_last_values():
    history = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.8, 0.9], "val_loss": [], "val_accuracy": []}
    text = describe_figure(plots.training_curves([{"name": "run", "history": history}]))
    assert "ending at 0.25" in text and "ending at 0.9" in text


def test_projector_style_enlarges_type_and_cell_numbers_without_touching_the_original():
    figure = plots.heatmap(np.arange(9).reshape(3, 3), show_values=True)
    styled = projector_style(figure)
    assert styled.layout.font.size == PROJECTOR_FONT
    assert styled.data[0].textfont.size >= PROJECTOR_CELL_FONT
    # the axes' own type too: Streamlit's chart theme sets it small, and the layout's font does not reach it
    assert styled.layout.xaxis.tickfont.size == styled.layout.yaxis.title.font.size == PROJECTOR_FONT
    assert figure.layout.font.size is None  # the page's own figure is unchanged
    assert styled.data[0].colorscale == figure.data[0].colorscale  # same colour-blind-safe map


def test_an_image_grid_says_how_many_images_and_which_classes():
    tiles = np.zeros((6, 28, 28), dtype=np.uint8)
    text = describe_figure(plots.image_grid(tiles, columns=3, row_labels=["cat", "dog"]))
    assert text == "A grid of 6 images, 2 rows of 3; rows: cat, dog."


def test_a_map_drawn_as_a_picture_is_described_like_its_heat_map():
    values = np.array([[-403.0, 0.0, 12.5], [1.0, 2.0, 3.0]])
    as_picture = describe_map(values, diverging=True, title="Feature map")
    assert as_picture == describe_figure(plots.heatmap(values, title="Feature map"))
    assert describe_map(np.ones((2, 2)), diverging=False) == "A 2×2 heat map, values from 1 to 1."


def test_the_window_picture_says_where_the_taps_and_the_padding_are():
    crop = np.arange(25, dtype=float).reshape(5, 5)
    padding = np.zeros((5, 5), bool)
    padding[0, :] = padding[:, 0] = True
    text = describe_window(crop, padding, origin=(-1, -2), tap_rows=[-1, 0, 1], tap_cols=[-2, -1, 0], title="Window")
    assert text == (
        "Window: a 5×5 crop of the padded input (rows −1 to 3, columns −2 to 2), values from 0 to 24; the "
        "kernel's 9 taps framed in green on rows −1 to 1 and columns −2 to 0; 9 padding zeros tinted orange."
    )
    assert "no padding in view" in describe_window(crop, padding & False, origin=(0, 0), tap_rows=[1], tap_cols=[1])
