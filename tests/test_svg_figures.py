"""The SVG charts of cnnviz.plots.svg_figures, read back as a student reads them: through their own tick labels.

Each test parses the picture, builds the axis mapping from the numbers written along the axes (two ticks
fix a linear axis) and checks that every drawn point lands on the figure's data."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnviz.plots.course import curves, probability_stem
from cnnviz.plots.svg_figures import drawable, figure_svg, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def axis_from_ticks(root: ET.Element, anchor: str, coordinate: str) -> tuple[float, float]:
    """(offset, scale) with coordinate = offset + scale · value, from the tick labels (text-anchor ``anchor``)."""
    ticks = []
    for text in root.iter(f"{SVG}text"):
        if text.get("text-anchor") == anchor and text.get("transform") is None:
            try:
                ticks.append((number(text.text or ""), float(text.get(coordinate) or "nan")))
            except ValueError:
                continue  # an axis title or a category name, not a number
    values, places = np.array(ticks).T
    scale, offset = np.polyfit(values, places, 1)
    assert np.allclose(offset + scale * values, places, atol=0.06), "the tick labels are not evenly placed"
    return offset, scale


def y_axis(root: ET.Element) -> tuple[float, float]:
    return axis_from_ticks(root, "end", "y")


def test_a_stem_plot_puts_every_probability_at_its_height():
    p = np.array([0.1053, 0.0639, 0.7779, 0.0387, 0.0142])
    root = parse(figure_svg(probability_stem(p, [f"class {i}" for i in range(5)], height=250), width=520))
    offset, scale = y_axis(root)
    circles = list(root.iter(f"{SVG}circle"))
    heights = (np.array([float(c.get("cy")) for c in circles]) - offset) / scale
    assert np.allclose(heights, p, atol=1e-3)
    fills = [c.get("fill") for c in circles]
    assert fills.count(fills[int(np.argmax(p))]) == 1  # the most probable class has its own colour
    names = [t.text for t in root.iter(f"{SVG}text") if (t.text or "").startswith("class")]
    assert names == [f"class {i}" for i in range(5)]


def test_a_curve_and_its_points_follow_the_data_read_through_both_axes():
    grid = np.linspace(0.001, 1, 50)
    figure = curves(
        grid,
        {"−log p": -np.log(grid)},
        x_title="probability given to the true class",
        y_title="loss",
        points={"your p(true)": (np.array([0.2]), np.array([-np.log(0.2)]))},
    )
    root = parse(figure_svg(figure))
    y_offset, y_scale = y_axis(root)
    x_offset, x_scale = axis_from_ticks(root, "middle", "x")
    lines = [line for line in root.iter(f"{SVG}polyline")]
    curve = np.array([[float(v) for v in point.split(",")] for point in lines[0].get("points").split()])
    assert np.allclose((curve[:, 0] - x_offset) / x_scale, grid, atol=2e-3)
    assert np.allclose((curve[:, 1] - y_offset) / y_scale, -np.log(grid), atol=2e-2)
    marker = next(root.iter(f"{SVG}circle"))
    assert (float(marker.get("cx")) - x_offset) / x_scale == pytest.approx(0.2, abs=2e-3)
    assert (float(marker.get("cy")) - y_offset) / y_scale == pytest.approx(-np.log(0.2), abs=2e-2)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"loss", "probability given to the true class", "−log p", "your p(true)"} <= set(texts)


def test_a_line_breaks_where_its_data_is_missing():
    figure = go.Figure(go.Scatter(x=[0, 1, 2, 3, 4], y=[1, 2, np.nan, 3, 4], mode="lines"))
    root = parse(figure_svg(figure))
    assert [len(line.get("points").split()) for line in root.iter(f"{SVG}polyline")] == [2, 2]


def test_names_are_text_never_markup():
    figure = go.Figure([go.Scatter(y=[1, 2], name="<script>alert(1)</script>"), go.Scatter(y=[2, 1], name='a "b" & c')])
    svg = figure_svg(figure)
    assert "<script>" not in svg
    names = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert "<script>alert(1)</script>" in names and 'a "b" & c' in names


@pytest.mark.parametrize(
    "figure",
    [
        go.Figure(go.Bar(x=["a", "b"], y=[1, 2])),
        go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])),
        go.Figure(go.Scatter(y=[1, 10, 100]), layout={"yaxis": {"type": "log"}}),
        go.Figure(),
    ],
    ids=["bars", "heat map", "log axis", "empty"],
)
def test_what_it_cannot_draw_faithfully_is_refused(figure):
    assert not drawable(figure)
    with pytest.raises(ValueError):
        figure_svg(figure)


def test_the_projector_gets_larger_text_and_thicker_lines():
    figure = curves(np.arange(5.0), {"a": np.arange(5.0)}, x_title="x", y_title="y")
    plain, bold = parse(figure_svg(figure)), parse(figure_svg(figure, bold=True))
    assert float(bold.get("font-size")) > float(plain.get("font-size"))
    width = [float(next(root.iter(f"{SVG}polyline")).get("stroke-width")) for root in (plain, bold)]
    assert width[1] > width[0]


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(1e-6, 1e6, allow_nan=False),
)
def test_ticks_are_round_numbers_inside_the_range(low, span):
    assume(span > 1e-6 * abs(low))  # a chart's span is never below float precision of its values
    high = low + span
    ticks = nice_ticks(low, high)
    assert 1 <= len(ticks) <= 7
    tolerance = span * 1e-6
    assert ticks[0] >= low - tolerance and ticks[-1] <= high + tolerance
    if len(ticks) > 1:
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0], rtol=1e-6)
        mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]) + 1e-9)
        assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-6


def test_the_learning_page_draws_its_charts_as_pictures_of_its_own_numbers():
    """No Plotly on "How a network learns" (its first screen is not held back by Plotly's script), and the
    softmax picture shows the probabilities of the sliders."""
    from cnnviz import learning
    from cnnviz.ui.learning.loss import LOGITS
    from tests.conftest import run_page

    app = run_page("learning", timeout=120)
    assert not app.exception and not app.get("plotly_chart")
    svgs = [
        base64.b64decode(picture.url.split(",", 1)[1]).decode()
        for image in app.get("image")
        for picture in image.proto.imgs
        if picture.url.startswith("data:image/svg+xml;base64,")
    ]
    assert len(svgs) == 4  # softmax, cross-entropy, gradient descent, optimizers
    stem = parse(svgs[0])
    offset, scale = y_axis(stem)
    heights = [(float(c.get("cy")) - offset) / scale for c in stem.iter(f"{SVG}circle")]
    assert np.allclose(heights, learning.softmax(np.array(LOGITS)), atol=1e-3)
