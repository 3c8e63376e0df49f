"""The figures drawn without Plotly (cnnviz.plots.pictures): a map's picture has the heat map's colours, the
window's SVG frames the kernel's taps and tints the padding, the colour bar names its ends."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from plotly.colors import get_colorscale, sample_colorscale

from cnnviz import plots
from cnnviz.plots.conv import PADDING_FILL, WINDOW_COLOUR
from cnnviz.plots.pictures import (
    BOLD_LINE,
    LINE,
    SVG_MAP_SIDE,
    WINDOW_CELL,
    WINDOW_MARGIN,
    colour_bar_html,
    map_png,
    map_svg,
    palette,
    window_svg,
)

RECT = re.compile(r'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)" ([^/]*)/>')


def decoded(png: bytes) -> np.ndarray:
    """The picture's pixels as RGB."""
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def rgb(colour: str) -> list[int]:
    return [round(float(c)) for c in colour[colour.index("(") + 1 : -1].split(",")]


def test_the_palette_is_the_heat_maps_colour_scale():
    for name in (plots.SIGNED_COLORSCALE, plots.MAGNITUDE_COLORSCALE):
        expected = [rgb(colour) for colour in sample_colorscale(get_colorscale(name), [0.0, 0.5, 1.0])]
        # 256 colours: the middle one sits half a level from 0.5, the ends are exact
        np.testing.assert_allclose(palette(name)[[0, 128, 255]], expected, atol=2)
        assert palette(name)[[0, 255]].tolist() == [expected[0], expected[2]]
    assert palette("gray")[[0, 255]].tolist() == [[0, 0, 0], [255, 255, 255]]


def test_a_map_picture_has_one_crisp_cell_per_value_row_zero_at_the_top():
    values = np.array([[-2.0, 0.0], [2.0, 2.0]])
    picture = decoded(map_png(values, zmin=-2, zmax=2, colorscale=plots.SIGNED_COLORSCALE))
    side = picture.shape[0] // 2  # a 2×2 map is enlarged with square cells
    assert picture.shape[:2] == (2 * side, 2 * side) and side > 1
    cells = picture[side // 2 :: side, side // 2 :: side]
    red, white, blue = palette(plots.SIGNED_COLORSCALE)[[0, 128, 255]]
    np.testing.assert_array_equal(cells[0, 0], red)  # −2, top left: the most negative is red
    np.testing.assert_allclose(cells[0, 1], white, atol=2)  # 0 sits in the middle of the scale
    np.testing.assert_array_equal(cells[1], [blue, blue])  # the bottom row holds the largest values
    assert len(np.unique(picture[:side, :side].reshape(-1, 3), axis=0)) == 1  # one flat colour per cell


def test_a_large_map_keeps_every_value_and_values_beyond_the_limits_are_clipped():
    values = np.linspace(0, 400, 300 * 300).reshape(300, 300)
    picture = decoded(map_png(values, zmin=0, zmax=200, colorscale=plots.MAGNITUDE_COLORSCALE))
    assert picture.shape[:2] == (300, 300)  # one pixel per cell: no cell left out
    top = palette(plots.MAGNITUDE_COLORSCALE)[255]
    np.testing.assert_array_equal(picture[-1, -1], top)  # 400 > zmax: the top colour
    np.testing.assert_array_equal(picture[0, 0], palette(plots.MAGNITUDE_COLORSCALE)[0])


def test_the_colour_bar_names_its_ends_and_zero_on_a_diverging_scale():
    bar = colour_bar_html(zmin=-441, zmax=441, colorscale=plots.SIGNED_COLORSCALE)
    assert re.findall(r"<span>([^<]*)</span>", bar) == ["−441", "0", "441"]
    first = palette(plots.SIGNED_COLORSCALE)[0]
    assert f"linear-gradient(to right, rgb({first[0]},{first[1]},{first[2]})" in bar
    magnitudes = colour_bar_html(zmin=3, zmax=12.5, colorscale=plots.MAGNITUDE_COLORSCALE)
    assert re.findall(r"<span>([^<]*)</span>", magnitudes) == ["3", "12.5"]


def frames(svg: str) -> list[tuple[float, float, float, float]]:
    return [tuple(map(float, m[:4])) for m in RECT.findall(svg) if f'stroke="{WINDOW_COLOUR}"' in m[4]]


def test_the_window_frames_the_taps_and_tints_the_padding():
    # A 3×3 kernel at the top-left corner of an input padded by 1: the crop starts at (−1, −1).
    crop = np.arange(25, dtype=float).reshape(5, 5)
    padding = np.zeros((5, 5), bool)
    padding[0, :] = padding[:, 0] = True
    svg = window_svg(
        crop, padding, origin=(-1, -1), tap_rows=np.arange(-1, 2), tap_cols=np.arange(-1, 2), zmin=0, zmax=255
    )
    ((x, y, width, height),) = frames(svg)  # one frame round an undilated window
    assert (x, y) == (WINDOW_MARGIN + LINE / 2, WINDOW_MARGIN + LINE / 2)  # at the crop's first cell (−1, −1)
    assert width == height == 3 * WINDOW_CELL - LINE
    tinted = [m for m in RECT.findall(svg) if f'fill="{PADDING_FILL}"' in m[4]]
    assert len(tinted) == padding.sum() == 9
    numbers = re.findall(r">([−\d.]+)</text>", svg)
    assert numbers[:5] == ["−1", "0", "1", "2", "3"]  # the column numbers along the top, from −1
    assert [n for n in numbers if n == "24"]  # every value is written in


def test_a_dilated_window_gets_a_box_per_tap_and_presentation_mode_bolder_lines():
    crop = np.zeros((9, 9))
    taps = np.array([2, 4, 6])  # dilation 2
    svg = window_svg(crop, np.zeros((9, 9), bool), origin=(0, 0), tap_rows=taps, tap_cols=taps, zmin=0, zmax=255)
    boxes = frames(svg)
    assert len(boxes) == 9
    assert {(x, y) for x, y, _, _ in boxes} == {
        (
            WINDOW_MARGIN + c * WINDOW_CELL + 0.05 * WINDOW_CELL + LINE / 2,
            WINDOW_MARGIN + r * WINDOW_CELL + 0.05 * WINDOW_CELL + LINE / 2,
        )
        for r in taps
        for c in taps
    }
    bold = window_svg(
        crop, np.zeros((9, 9), bool), origin=(0, 0), tap_rows=taps, tap_cols=taps, zmin=0, zmax=255, bold=True
    )
    assert f'stroke-width="{BOLD_LINE}"' in bold and 'font-weight="700"' in bold
    assert 'font-weight="700"' not in svg


def test_a_large_crop_is_drawn_without_its_numbers():
    crop = np.ones((45, 45))
    svg = window_svg(
        crop,
        np.zeros((45, 45), bool),
        origin=(0, 0),
        tap_rows=np.arange(2, 43, 8),
        tap_cols=np.arange(2, 43, 8),
        zmin=0,
        zmax=255,
    )
    assert crop.size > plots.MAX_CELLS_WITH_TEXT
    assert not re.findall(r'font-size="(?:11|13|15)"[^>]*>1</text>', svg)  # no value written in a cell
    assert svg.count("<rect") == 45 * 45 + 36  # every cell, and a box per tap


def test_a_small_maps_svg_colours_every_cell_as_the_heat_map_and_tells_its_value_on_hover():
    values = np.array([[-2.0, 0.0, 1.0], [0.5, 2.0, -1.25]])
    scale = plots.value_scale(values)
    svg = map_svg(values, **scale, label='Feature map: "a" <b>', show_values=True)
    cells = re.findall(
        r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="rgb\((\d+),(\d+),(\d+)\)">'
        r"<title>row (\d+), column (\d+): ([^<]+)</title>",
        svg,
    )
    assert len(cells) == values.size
    colours = palette(scale["colorscale"])
    for red, green, blue, r, c, text in cells:
        r, c = int(r), int(c)
        assert float(text.replace("−", "-")) == values[r, c]
        share = (values[r, c] - scale["zmin"]) / (scale["zmax"] - scale["zmin"])
        assert [int(red), int(green), int(blue)] == colours[round(share * 255)].tolist()
    assert "−1.25</text>" in svg  # written in, with a real minus sign
    assert 'aria-label="Feature map: &quot;a&quot; &lt;b&gt;"' in svg and "<b>" not in svg


def test_a_map_larger_than_the_svg_limit_is_refused():
    with pytest.raises(ValueError, match="up to"):
        map_svg(np.zeros((SVG_MAP_SIDE + 1, 2)), zmin=0, zmax=1, colorscale="Viridis", label="x")
