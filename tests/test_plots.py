"""The HTML matrix table of the worked examples: its numbers, colours and title."""

from __future__ import annotations

import re

import numpy as np
import pytest
from plotly.colors import get_colorscale, sample_colorscale

from cnnviz import plots

CELL = re.compile(r'<td style="background:(rgb\([^)]*\));color:(#\w+);[^"]*">([^<]*)</td>')


def cells(table: str) -> list[tuple[str, str, str]]:
    return CELL.findall(table)


def test_every_number_is_written_in_reading_order():
    values = np.array([[1.0, -0.5, 2], [1 / 3, 0, 10_000]])
    found = [text for _, _, text in cells(plots.matrix_table(values))]
    assert found == ["1", "-0.5", "2", "0.3333", "0", "1e+04"]
    assert plots.matrix_table(values).count("<tr>") == 2


def test_signed_values_use_the_diverging_scale_centred_on_zero():
    table = plots.matrix_table(np.array([[-2.0, 0.0, 2.0]]))
    colours = [colour for colour, _, _ in cells(table)]
    expected = sample_colorscale(get_colorscale(plots.SIGNED_COLORSCALE), [0.0, 0.5, 1.0])
    assert colours == expected


def test_given_limits_and_scale_are_used_and_values_outside_are_clipped():
    table = plots.matrix_table(np.array([[0.0, 255.0, 300.0]]), colorscale="gray", zmin=0, zmax=255)
    (black, black_ink, _), (white, white_ink, _), (beyond, _, text) = cells(table)
    assert black == "rgb(0, 0, 0)" and black_ink == "#fff"  # white numbers on black
    assert white == beyond and white_ink == "#000"  # black numbers on white
    assert text == "300"  # the number itself is not clipped


def test_negative_zero_is_written_as_zero_and_the_title_is_escaped():
    table = plots.matrix_table(np.array([[-0.0, 1.0]]), "x < y & <b>")
    assert [text for _, _, text in cells(table)][0] == "0"
    assert "x &lt; y &amp; &lt;b&gt;" in table and "<b>" not in table


def test_only_matrices_are_accepted():
    with pytest.raises(ValueError, match="2-D"):
        plots.matrix_table(np.zeros((2, 2, 2)))


def test_a_table_wider_than_a_phone_scrolls_in_a_region_the_keyboard_can_reach():
    """Dropout's 4×12 table was cut off at 390 px: a wide table scrolls sideways, and Tab reaches its box
    (so it scrolls without a mouse); a 3×3 kernel adds no tab stop."""
    wide = plots.matrix_table(np.ones((4, 12)), "Dropout(0.3) on 4 images & 12 units")
    assert wide.startswith('<div style="overflow-x:auto;max-width:100%" tabindex="0" role="region"')
    assert 'aria-label="Dropout(0.3) on 4 images &amp; 12 units"' in wide and wide.endswith("</table></div>")
    narrow = plots.matrix_table(np.ones((3, 3)), "Kernel")
    assert narrow.startswith('<div style="overflow-x:auto;max-width:100%"><table') and "tabindex" not in narrow
    long_title = plots.matrix_table(np.ones((3, 3)), "Rotated 180°: what slides over the image, then more")
    assert 'tabindex="0"' in long_title  # its one-line caption is what is wider than a phone


# ---------------------------------------------------------------- the colour rule and readable figures
def test_a_signed_map_is_diverging_whatever_its_values():
    """Blue positive, red negative: a lone negative value is red, not a Viridis colour."""
    for values in (np.array([[-403.0]]), np.array([[-3.0, -1.0], [-2.0, 0.0]])):
        trace = plots.heatmap(values).data[0]
        assert [c[1] for c in trace.colorscale] == [c[1] for c in get_colorscale(plots.SIGNED_COLORSCALE)]
        assert trace.zmin == -trace.zmax == -np.abs(values).max()
    positive = np.array([[1.0, 4.0]])
    assert plots.heatmap(positive, signed=True).data[0].zmin == -4.0  # a map that can be negative
    assert plots.heatmap(positive).data[0].colorscale[0][1] == get_colorscale(plots.MAGNITUDE_COLORSCALE)[0][1]
    lowest = sample_colorscale(get_colorscale(plots.SIGNED_COLORSCALE), [0.0])[0]
    assert cells(plots.matrix_table(np.array([[-403.0]])))[0][0] == lowest  # the same rule in the tables
    assert plots.colour_note(True) == plots.SIGNED_NOTE == "Blue is positive, red negative, white zero."


def test_feature_map_grids_follow_the_same_rule():
    maps = -np.arange(1.0, 9.0).reshape(2, 2, 2)
    trace = plots.feature_maps(maps).data[0]
    assert trace.zmin == -8 and trace.zmax == 8


def test_channel_scales_are_black_at_0_and_brightest_at_255_like_gray():
    for name, (red, green, blue) in (("red", (255, 0, 0)), ("green", (0, 255, 0)), ("blue", (0, 0, 255))):
        dark, bright = sample_colorscale(plots.CHANNEL_COLORSCALES[name], [0.0, 1.0])
        assert dark == "rgb(0, 0, 0)" and bright == f"rgb({red}, {green}, {blue})"


@pytest.mark.parametrize("side", [3, 8, 16, 28, 40])
def test_value_labels_stay_readable_on_a_projector(side):
    figure = plots.heatmap(np.full((side, side), 255.0))
    assert figure.data[0].textfont.size >= plots.MIN_VALUE_FONT
    cell = (figure.layout.height - figure.layout.margin.t - figure.layout.margin.b) / side
    assert cell >= 0.6 * 3 * figure.data[0].textfont.size  # room for three digits of that size


def test_a_heat_map_title_sits_above_its_top_axis():
    layout = plots.heatmap(np.zeros((5, 5)), title="Whole image").layout
    assert layout.xaxis.side == "top" and layout.title.yref == "container" and layout.title.y == 1
    assert layout.margin.t >= 100  # title, then the column label, then the column numbers


def test_log_bars_leave_out_counts_a_log_axis_cannot_show():
    figure = plots.log_bars({"One Dense layer": 785_000, "Your whole stack": 0})
    assert list(figure.data[0].y) == ["One Dense layer"]


def test_padding_zeros_of_the_1d_demo_can_be_seen():
    signal, kernel = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0])
    figure = plots.sliding_1d(signal, kernel, np.array([1.0, 3.0, 5.0, 3.0]), position=0, padding=1)
    markers = [trace for trace in figure.data if trace.type == "scatter"]
    assert len(markers) == 1 and list(markers[0].x) == [-1, 3] and markers[0].marker.size >= 10
    assert [(shape.x0, shape.x1) for shape in figure.layout.shapes] == [(-1.5, -0.5), (2.5, 3.5)]
    assert not [
        t for t in plots.sliding_1d(signal, kernel, np.array([3.0, 5.0]), position=0).data if t.type == "scatter"
    ]


def test_an_attribution_maps_colour_bar_names_its_own_strongest_value():
    from cnnviz.plots import explain as explain_plots

    change = np.full((4, 4), 0.1)
    change[0, 0] = -0.1
    bar = explain_plots.attribution_map(change).data[0].colorbar
    assert list(bar.tickvals) == [-1, 0, 1] and list(bar.ticktext) == ["−0.1", "0", "+0.1"]
    heat = explain_plots.attribution_map(np.array([[0.0, 0.25], [0.5, 0.004]])).data[0]
    assert list(heat.colorbar.tickvals) == [0, 1] and list(heat.colorbar.ticktext) == ["0", "0.5"]
    assert heat.z.max() == 1 and heat.customdata.max() == 0.5  # drawn scaled, hovered unscaled
