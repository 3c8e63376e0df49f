"""The SVG charts of cnnviz.plots.svg_figures, read back through their own tick labels (tests/svg_reading.py):
every drawn point, bar and label must land on the figure's data."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnviz.plots.course import curves, probability_stem
from cnnviz.plots.svg_figures import drawable, figure_svg, nice_ticks
from tests.svg_reading import SVG, axis_from_ticks, parse, pictures, y_axis


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
    figure = go.Figure([go.Scatter(y=[1, 2], name="<script>x()</script>"), go.Scatter(y=[2, 1], name='a "b" & c')])
    svg = figure_svg(figure)
    assert "<script>" not in svg
    names = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert "<script>x()</script>" in names and 'a "b" & c' in names


@pytest.mark.parametrize(
    "figure",
    [
        go.Figure([go.Bar(x=[1, 2], y=["a", "b"], orientation="h"), go.Bar(x=[2, 1], y=["a", "b"], orientation="h")]),
        go.Figure(go.Bar(x=["a", "b"], y=[1, 10]), layout={"yaxis": {"type": "log"}}),
        go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])),
        go.Figure(go.Scatter(x=[1, 10, 100], y=[1, 2, 3]), layout={"xaxis": {"type": "log"}}),
        go.Figure([go.Scatter(y=[1, 2]), go.Bar(y=[1, 2])]),
        go.Figure(go.Scatter(y=[1, 2]), layout={"annotations": [{"text": "note", "x": 0, "y": 1}]}),
        go.Figure(),
    ],
    ids=[
        "two series of horizontal bars",
        "log bars",
        "heat map",
        "log x axis",
        "lines and bars",
        "annotations",
        "empty",
    ],
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
    drawn = pictures(app)
    assert set(drawn) == {"learn_softmax", "learn_ce_curve", "learn_gd", "learn_opt_loss"}
    stem = drawn["learn_softmax"]
    offset, scale = y_axis(stem)
    heights = [(float(c.get("cy")) - offset) / scale for c in stem.iter(f"{SVG}circle")]
    assert np.allclose(heights, learning.softmax(np.array(LOGITS)), atol=1e-3)


def bars_of(root) -> list:
    """The bars: filled rectangles that are not the legend's 14-unit swatches (the clip path's has no fill)."""
    return [r for r in root.iter(f"{SVG}rect") if r.get("fill") and r.get("width") != "14"]


def bar_heights(root) -> list[float]:
    offset, scale = y_axis(root)
    return [(float(r.get("y")) - offset) / scale for r in bars_of(root)]


def test_grouped_bars_stand_at_their_counts_side_by_side():
    from cnnviz.plots.charts import class_counts

    train, test = np.array([500, 480, 520]), np.array([98, 113, 103])
    root = parse(figure_svg(class_counts(["cat", "dog", "<b>fox</b>"], {"training": train, "test": test})))
    bars = bars_of(root)
    assert np.allclose(bar_heights(root), np.concatenate([train, test]), atol=0.5)
    lefts = [float(r.get("x")) for r in bars]
    assert lefts[0] < lefts[3] < lefts[1] < lefts[4]  # per class: the training bar, then the test bar
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"cat", "dog", "<b>fox</b>", "training", "test", "images", "class"} <= texts


def test_probability_bars_write_their_percent_above_each_bar():
    from cnnviz.plots.charts import probability_bars

    p = np.array([0.1, 0.7, 0.2])
    root = parse(figure_svg(probability_bars(p, ["a", "b", "c"])))
    assert np.allclose(bar_heights(root), 100 * p, atol=0.05)
    assert {"10.0%", "70.0%", "20.0%"} <= {t.text for t in root.iter(f"{SVG}text")}


def test_a_log_axis_has_a_tick_per_power_of_ten_in_percent():
    from cnnviz.plots.charts import intensity_lines

    counts = np.zeros((2, 256))
    counts[0, [0, 100, 255]] = [9_000, 10, 990]
    counts[1, [0, 255]] = [1, 1]
    root = parse(figure_svg(intensity_lines(counts, ["zero", "one"], log_counts=True)))
    ticks = {t.text: float(t.get("y")) for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"}
    assert {"0.1%", "1%", "10%", "100%"} <= set(ticks)
    decade = ticks["1%"] - ticks["10%"]
    assert ticks["0.1%"] - ticks["1%"] == pytest.approx(decade, abs=0.1)  # evenly spaced powers of ten
    line = next(root.iter(f"{SVG}polyline"))
    points = {round(x): y for x, y in (map(float, p.split(",")) for p in line.get("points").split())}
    first = min(points)
    assert points[first] == pytest.approx(ticks["100%"] + decade * -np.log10(0.9), abs=0.2)  # 9,000 of 10,000


def test_log_bars_end_at_their_counts_top_down_in_order_each_with_its_number():
    from cnnviz.plots.architecture import log_bars

    counts = {"One Dense layer of 1,000": 785_000, "Your <whole> stack": 93_322, "Its Conv2D layers": 320, "none": 0}
    root = parse(figure_svg(log_bars(counts, title="Parameters (log scale)"), width=560))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    ticks = {
        t.text: float(t.get("x"))
        for t in root.iter(f"{SVG}text")
        if t.get("fill") and t.get("y") and t.text in {"1", "10", "100", "1k", "10k", "100k", "1M"}
    }
    assert list(ticks) == ["100", "1k", "10k", "100k", "1M"]  # whole powers of ten around the counts
    decade = ticks["1k"] - ticks["100"]
    assert ticks["1M"] - ticks["100k"] == pytest.approx(decade, abs=0.2)  # drawn to 0.1 units
    bars = list(root.iter(f"{SVG}rect"))
    assert len(bars) == 3  # a count of 0 has no place on a log axis
    ends = [float(b.get("x")) + float(b.get("width")) for b in bars]
    expected = [ticks["100"] + decade * (np.log10(v) - 2) for v in (785_000, 93_322, 320)]
    assert ends == pytest.approx(expected, abs=0.3)
    tops = [float(b.get("y")) for b in bars]
    assert tops == sorted(tops)  # in the dict's order, top down
    assert {"785,000", "93,322", "320", "Your <whole> stack", "Parameters (log scale)"} <= set(texts)


def test_an_image_grid_is_its_png_with_the_row_names_beside_the_rows():
    from cnnviz.plots.images import image_grid
    from cnnviz.plots.svg_figures import png_size

    tiles = np.arange(6 * 8 * 8, dtype=np.uint8).reshape(6, 8, 8)
    figure = image_grid(tiles, columns=3, row_labels=["first", "<img src=x onerror=f()>"], tile_pixels=32)
    svg = figure_svg(figure)
    root = parse(svg)
    image = next(root.iter(f"{SVG}image"))
    assert image.get("href") == figure.data[0].source
    assert (float(image.get("width")), float(image.get("height"))) == png_size(figure.data[0].source)
    rows = {t.text: float(t.get("y")) for t in root.iter(f"{SVG}text")}
    assert rows["first"] == pytest.approx(16, abs=0.1)  # the middle of the first 32-pixel row
    assert rows["<img src=x onerror=f()>"] == pytest.approx(32 + 1 + 16, abs=0.1)
    assert "<img" not in svg


def test_the_datasets_page_draws_its_figures_as_pictures_of_the_datasets_numbers():
    """No Plotly on the Datasets page; its bars stand at the dataset's own counts."""
    from cnnviz import datasets
    from tests.conftest import run_page, skip_without_data

    skip_without_data()
    app = run_page("data", timeout=120)
    assert not app.exception and not app.get("plotly_chart")
    drawn = pictures(app)
    assert set(drawn) == {"data_counts", "data_pixels", "data_examples", "data_means"}
    mnist = datasets.load("mnist")
    expected = np.concatenate([mnist.class_counts("train"), mnist.class_counts("test")])
    assert np.allclose(bar_heights(drawn["data_counts"]), expected, atol=1)


def test_a_long_class_name_is_cut_and_leaves_the_picture_its_room():
    """Folder names (up to 255 characters) name uploaded classes: a picture draws at most 24 characters of one."""
    from cnnviz.plots.charts import class_counts
    from cnnviz.plots.images import image_grid

    long = "a" * 200
    grid = parse(figure_svg(image_grid(np.zeros((2, 8, 8), np.uint8), columns=1, row_labels=[long, "b"])))
    image = next(grid.iter(f"{SVG}image"))
    assert float(image.get("x")) < 400 and float(image.get("width")) > 0
    assert "a" * 23 + "…" in [t.text for t in grid.iter(f"{SVG}text")]
    bars = parse(figure_svg(class_counts([long, "b"], {"training": np.array([3, 4]), "test": np.array([1, 2])})))
    assert max(len(t.text or "") for t in bars.iter(f"{SVG}text")) <= 24
