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
