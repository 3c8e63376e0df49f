"""AppTest runs of the Convolution page: presets, stride, padding, dilation, bad kernels, step-through."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import ops
from cnnviz.images import to_grayscale
from cnnviz.kernels import PRESETS
from cnnviz.plots.conv import PADDING_FILL
from cnnviz.samples import DEFAULT_SAMPLE, load_sample
from cnnviz.ui.convolution import OPEN_KEYS
from cnnviz.ui.presentation import PRESENT_KEY
from tests.conftest import run_page


@pytest.fixture
def app() -> AppTest:
    return run_page("convolution")


def open_section(app: AppTest, name: str) -> AppTest:
    """Open a section drawn on demand, as a student's click on its expander does."""
    app.session_state[OPEN_KEYS[name]] = True
    return app.run()


def size_shown(app: AppTest) -> str:
    return next(metric.value for metric in app.metric if metric.label == "Feature map size")


def shown_cell(app: AppTest) -> tuple[int, int, float]:
    """(row, column, value) the step-through says the window sums to."""
    text = next(block.value for block in app.success if "of the feature map" in block.value)
    pattern = r"cell \((\d+), (\d+)\) of the feature map: \*\*(-?[\d.]+(?:e[+-]\d+)?)\*\*"
    row, col, value = re.search(pattern, text).groups()
    return int(row), int(col), float(value)


def map_cells(app: AppTest) -> dict[tuple[int, int], float]:
    """Every cell of the feature map's SVG heat map: its value as its tooltip says "row r, column c: value"."""
    svg = next(block.value for block in app.markdown if block.value.startswith("<svg") and "heat map" in block.value)
    cells = re.findall(r"<title>row (\d+), column (\d+): ([^<]+)</title>", svg)
    return {(int(r), int(c)): float(v.replace("−", "-")) for r, c, v in cells}


def colour_bar(app: AppTest) -> list[str]:
    """The numbers under the feature map's colour bar: its two ends (and 0 between them when diverging)."""
    bar = next(block.value for block in app.get("html") if "linear-gradient" in block.value)
    return re.findall(r"<span>([^<]*)</span>", bar)


def test_page_starts_with_the_vertical_edge_kernel_on_the_default_digit(app):
    assert not app.exception
    assert not app.error
    assert size_shown(app) == "26 × 26 × 1"  # 28×28 digit, 3×3 kernel, valid padding
    digit = load_sample(DEFAULT_SAMPLE)[:, :, 0]
    expected = ops.conv2d(digit, PRESETS["vertical_edge"].matrix)
    row, col, value = shown_cell(app)
    assert (row, col) == np.unravel_index(np.argmax(np.abs(expected)), expected.shape)  # strongest response first
    assert value == pytest.approx(expected[row, col], rel=1e-3)


def test_sections_below_the_first_screen_run_only_once_opened(app):
    """A visit draws the kernel, the feature map and the window; every other section waits for its click."""
    assert not app.get("plotly_chart")  # the map and the window are SVG pictures: no Plotly on the first screen
    assert window_picture(app)
    assert not any(block.value.startswith("output[0] uses") for block in app.markdown)
    assert not [box for box in app.selectbox if box.key == "conv_activation"]
    open_section(app, "one_dimension")
    assert any(block.value.startswith("output[0] uses") for block in app.markdown)
    open_section(app, "pooling")
    assert app.selectbox(key="conv_activation").value == "relu"
    app.number_input(key="conv_stride").set_value(2).run()  # an open section stays open on the next change
    assert any(block.value.startswith("output[0] uses") for block in app.markdown)
    app.selectbox(key="conv_activation").set_value("tanh").run()
    app.session_state[OPEN_KEYS["pooling"]] = False  # closed, its setting stays (and stays in the link)
    app.number_input(key="conv_stride").set_value(1).run()
    assert not [box for box in app.selectbox if box.key == "conv_activation"]
    assert app.query_params["activation"] == "tanh"
    open_section(app, "pooling")
    assert app.selectbox(key="conv_activation").value == "tanh"
    assert not app.exception


def test_changing_the_preset_changes_kernel_size_output_and_window_sum(app):
    app.selectbox(key="conv_kernel_preset").set_value("gaussian_blur_5x5").run()
    assert not app.exception
    assert size_shown(app) == "24 × 24 × 1"
    digit = load_sample(DEFAULT_SAMPLE)[:, :, 0]
    row, col, value = shown_cell(app)
    assert value == pytest.approx(ops.conv2d(digit, PRESETS["gaussian_blur_5x5"].matrix)[row, col], rel=1e-3)


@pytest.mark.parametrize(
    "stride, padding, zeros, expected",
    [
        (2, "valid", None, "13 × 13 × 1"),
        (2, "same", None, "14 × 14 × 1"),
        (1, "custom P", 2, "30 × 30 × 1"),
        (3, "custom P", 1, "10 × 10 × 1"),
    ],
)
def test_stride_and_padding_change_the_output_size_and_formula(app, stride, padding, zeros, expected):
    app.number_input(key="conv_stride").set_value(stride).run()
    app.radio(key="conv_padding").set_value(padding).run()
    if zeros is not None:
        app.number_input(key="conv_p").set_value(zeros).run()
    assert not app.exception
    assert size_shown(app) == expected
    rows = int(expected.split(" × ")[0])
    assert any(latex.value.count(f"= {rows}") == 2 for latex in app.latex)


def test_asymmetric_same_padding_is_explained(app):
    app.number_input(key="conv_stride").set_value(2).run()
    app.radio(key="conv_padding").set_value("same").run()
    notes = [block.value for block in app.info if "asymmetric" in block.value]
    assert len(notes) == 2  # rows and columns: 1 zero, at the bottom / right
    assert "0 at the top and 1 at the bottom" in notes[0]


def test_bad_kernel_text_shows_an_error_instead_of_a_traceback(app):
    app.segmented_control(key="conv_kernel_mode").set_value("Text").run()
    app.text_area[0].set_value("1 0 -1\n1 0").run()
    assert not app.exception
    assert any("Row 2 has 2 numbers but row 1 has 3" in error.value for error in app.error)
    assert not [metric for metric in app.metric if metric.label == "Feature map size"]
    app.text_area[0].set_value("1/9 1/9\n1/9 1/9").run()
    assert not app.error
    assert size_shown(app) == "27 × 27 × 1"


def test_a_dilation_that_leaves_no_output_is_an_error(app):
    app.selectbox(key="conv_kernel_preset").set_value("gaussian_blur_5x5").run()
    app.number_input(key="conv_dilation").set_value(8).run()  # 5 taps 8 apart span 33 > 28 pixels
    assert not app.exception
    assert any("no output is left" in error.value for error in app.error)


def table_numbers(app: AppTest, title: str) -> np.ndarray:
    """The numbers of the matrix table with this title, as a matrix."""
    table = next(block.value for block in app.get("html") if f">{title}</caption>" in block.value)
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    return np.array([[float(cell) for cell in re.findall(r">([^<]+)</td>", row)] for row in rows])


def test_step_button_moves_the_window_and_the_sum_follows(app):
    row, col, _ = shown_cell(app)
    app.button(key="conv_next").click().run()
    assert not app.exception
    new_row, new_col, value = shown_cell(app)
    assert (new_row, new_col) == divmod(row * 26 + col + 1, 26)
    digit = load_sample(DEFAULT_SAMPLE)[:, :, 0]
    assert value == pytest.approx(ops.conv2d(digit, PRESETS["vertical_edge"].matrix)[new_row, new_col], abs=1e-3)
    window = digit[new_row : new_row + 3, new_col : new_col + 3]  # stride 1, no padding
    np.testing.assert_array_equal(table_numbers(app, "window (pixels)"), window)
    np.testing.assert_array_equal(table_numbers(app, "× kernel"), PRESETS["vertical_edge"].matrix)
    products = table_numbers(app, "= products, then add them all")
    np.testing.assert_allclose(products, window * PRESETS["vertical_edge"].matrix, rtol=1e-3)
    assert products.sum() == pytest.approx(value, abs=1e-2)


def test_colour_image_filtered_per_channel(app):
    app.selectbox(key="conv_sample").set_value("Photo: coloured shapes (generated)").run()
    app.radio(key="conv_channels").set_value("each RGB channel").run()
    assert not app.exception
    assert size_shown(app) == "238 × 318 × 3"
    app.toggle(key="conv_flip").set_value(True).run()
    assert not app.exception


def test_flipping_a_symmetric_kernel_says_nothing_changes(app):
    app.selectbox(key="conv_kernel_preset").set_value("box_blur").run()
    app.toggle(key="conv_flip").set_value(True).run()
    assert any("symmetric" in caption.value for caption in app.caption)


def test_one_dimensional_demo_reports_the_window_sum_and_rejects_words(app):
    open_section(app, "one_dimension")
    sums = [block.value for block in app.markdown if block.value.startswith("output[0] uses")]
    assert "= **7**" in sums[0]  # the course's signal: 1·1 + 3·3 + 2·0 + 3·(−1)
    app.text_input(key="conv_signal").set_value("1 two 3").run()
    assert not app.exception
    assert any("'two' in row 1 is not a number" in error.value for error in app.error)


def test_grid_size_pads_the_kernel_and_dilation_spreads_it(app):
    grid_size = next(box for box in app.selectbox if box.label == "Grid size")
    grid_size.set_value(7).run()
    assert not app.exception
    assert size_shown(app) == "22 × 22 × 1"  # the 3×3 kernel centred in a 7×7 grid of zeros
    app.number_input(key="conv_dilation").set_value(2).run()
    assert size_shown(app) == "16 × 16 × 1"  # 7 taps 2 apart span 13 pixels: 28 − 13 + 1
    digit = load_sample(DEFAULT_SAMPLE)[:, :, 0]
    grown = np.zeros((7, 7))
    grown[2:5, 2:5] = PRESETS["vertical_edge"].matrix
    row, col, value = shown_cell(app)
    assert value == pytest.approx(ops.conv2d(digit, grown, dilation=2)[row, col], abs=1e-3)


def test_a_typed_kernel_survives_switching_back_to_the_grid(app):
    app.segmented_control(key="conv_kernel_mode").set_value("Text").run()
    app.text_area[0].set_value("2, 0\n0, -2").run()
    app.segmented_control(key="conv_kernel_mode").set_value("Grid").run()
    assert not app.exception
    assert size_shown(app) == "27 × 27 × 1"
    assert np.array_equal(app.session_state["conv_kernel_matrix"], [[2, 0], [0, -2]])
    app.selectbox(key="conv_kernel_preset").set_value("laplacian").run()  # a preset replaces it again
    assert np.array_equal(app.session_state["conv_kernel_matrix"], PRESETS["laplacian"].matrix)


def test_a_large_typed_kernel_gets_its_whole_window_written_out(app):
    app.segmented_control(key="conv_kernel_mode").set_value("Text").run()
    app.text_area[0].set_value("\n".join(" ".join(["1/81"] * 9) for _ in range(9))).run()
    assert not app.exception and not app.error
    assert size_shown(app) == "20 × 20 × 1"
    row, col, value = shown_cell(app)
    digit = load_sample(DEFAULT_SAMPLE)[:, :, 0].astype(float)
    np.testing.assert_array_equal(table_numbers(app, "window (pixels)"), digit[row : row + 9, col : col + 9])
    assert table_numbers(app, "= products, then add them all").shape == (9, 9)
    assert value == pytest.approx(digit[row : row + 9, col : col + 9].mean(), abs=1e-2)


def test_same_padding_at_a_large_stride_says_why_it_equals_valid(app):
    app.number_input(key="conv_stride").set_value(5).run()
    valid = size_shown(app)
    app.radio(key="conv_padding").set_value("same").run()
    assert size_shown(app) == valid == "6 × 6 × 1"  # ⌈28/5⌉ = 6 = ⌊(28 − 3)/5⌋ + 1
    assert any("adds no zeros and the result is exactly 'valid'" in c.value for c in app.caption)
    app.number_input(key="conv_stride").set_value(2).run()
    assert any("adds 1 zero rows and 1 zero columns" in c.value for c in app.caption)


def test_every_cell_of_the_small_map_shows_the_value_of_the_convolution(app):
    """The 26×26 map of the default digit is an SVG heat map: each cell's tooltip holds its value, and every
    value agrees with the convolution (3 significant digits, as written)."""
    digit = to_grayscale(load_sample(DEFAULT_SAMPLE))
    expected = ops.conv2d(digit, PRESETS["vertical_edge"].matrix)[:, :, 0]
    cells = map_cells(app)
    assert len(cells) == expected.size
    shown = np.array([[cells[r, c] for c in range(expected.shape[1])] for r in range(expected.shape[0])])
    assert np.allclose(shown, expected, rtol=5e-3, atol=1e-9)
    bound = np.abs(expected).max()
    assert colour_bar(app) == [f"−{bound:.3g}", "0", f"{bound:.3g}"]


def test_a_map_of_a_negative_kernel_is_diverging_even_when_every_value_is_negative(app):
    app.segmented_control(key="conv_kernel_mode").set_value("Text").run()
    app.text_area[0].set_value("-1").run()
    assert not app.exception
    low, middle, high = colour_bar(app)  # centred on 0 although no value is above 0
    assert middle == "0" and low == "−" + high and float(high) > 0
    assert any("Blue is positive, red negative" in c.value for c in app.caption)
    app.text_area[0].set_value("1").run()  # a non-negative map of a non-negative kernel: magnitudes
    assert len(colour_bar(app)) == 2 and min(map_cells(app).values()) >= 0
    assert any("Dark purple is the lowest value" in c.value for c in app.caption)


def test_the_shift_change_is_defined_on_screen(app):
    open_section(app, "pooling")
    assert any("Σ |after − before| ÷ Σ |before|" in c.value for c in app.caption)


@pytest.mark.parametrize(
    "signal, kernel, message",
    [
        ("1 two 3", "1 0 -1", "Signal: "),
        ("1 2 3", "1 x", "Kernel: "),
        ("1 2 3", "1 2\n3 4", "Kernel: a 1-D kernel"),
        ("1 2", "1 2 3 4", "Kernel: its 4 numbers are longer than the padded signal"),
    ],
)
def test_the_1d_demo_says_whether_the_signal_or_the_kernel_is_wrong(app, signal, kernel, message):
    open_section(app, "one_dimension")
    app.text_input(key="conv_signal").set_value(signal)
    app.text_input(key="conv_kernel_1d").set_value(kernel).run()
    assert not app.exception
    assert any(error.value.startswith(message) for error in app.error), [e.value for e in app.error]


def window_picture(app: AppTest) -> tuple[str, str]:
    """(SVG, text alternative) of the step-through's window picture."""
    image = next(image.proto.imgs[0] for image in app.get("image") if image.proto.imgs[0].alt.startswith("The window"))
    return base64.b64decode(image.url.removeprefix("data:image/svg+xml;base64,")).decode(), image.alt


def test_the_window_picture_frames_the_cell_the_step_through_sums():
    row, col, _ = shown_cell(app := run_page("convolution"))
    svg, alt = window_picture(app)
    assert alt.startswith(f"The window of output ({row}, {col}) on the padded input: a 7×7 crop")
    assert f"taps framed in green on rows {row} to {row + 2} and columns {col} to {col + 2}" in alt  # stride 1, valid
    digit = load_sample(DEFAULT_SAMPLE)[:, :, 0]
    written = [int(n) for n in re.findall(r'fill="#[0f]{3}">(\d+)</text>', svg)]  # the cells' numbers, row by row
    np.testing.assert_array_equal(np.reshape(written, (7, 7)), digit[row - 2 : row + 5, col - 2 : col + 5])
    app.number_input(key="conv_stride").set_value(2).run()
    app.radio(key="conv_padding").set_value("same").run()
    app.number_input(key="conv_i").set_value(13).run()  # the last row: its window reaches the bottom padding zero
    svg, alt = window_picture(app)
    # 'same' at stride 2 pads the 28 rows with 1 zero at the top, 2 at the bottom (columns alike): the crop,
    # rows 24-28 and columns 22-28, holds padding in its last row and its last column.
    rows, cols = np.meshgrid(np.arange(24, 29), np.arange(22, 29), indexing="ij")
    padded = int(np.sum((rows >= 28) | (cols >= 28)))
    assert "(rows 24 to 28, columns 22 to 28)" in alt and f"{padded} padding zeros tinted orange" in alt
    assert svg.count(PADDING_FILL) == padded == 11


def test_a_large_map_is_a_picture_whose_numbers_agree_with_the_convolution(app):
    app.selectbox(key="conv_sample").set_value("Photo: coloured shapes (generated)").run()
    assert not app.exception
    assert not app.get("plotly_chart")  # a 238×318 map: a picture and its colour bar, no Plotly chart
    photo = to_grayscale(load_sample("Photo: coloured shapes (generated)"))
    expected = ops.conv2d(photo, PRESETS["vertical_edge"].matrix)[:, :, 0]
    picture = next(image.proto.imgs[0] for image in app.get("image") if image.proto.imgs[0].alt.startswith("Feature"))
    bound = np.abs(expected).max()
    assert picture.alt == (
        f"Feature map: a 238×318 heat map, values from {expected.min():.0f} to {expected.max():.0f} "
        "(blue is positive, red is negative, white is zero).".replace("-", "−")
    )
    bar = next(block.value for block in app.get("html") if "linear-gradient" in block.value)
    assert re.findall(r"<span>([^<]*)</span>", bar) == [f"−{bound:.3g}", "0", f"{bound:.3g}"]
    assert any("all 238×318 cells drawn" in caption.value for caption in app.caption)
    app.number_input(key="conv_stride").set_value(10).run()  # 24×32: small enough to hover, a heat map again
    assert size_shown(app) == "24 × 32 × 1"
    assert len(map_cells(app)) == 24 * 32


def test_presentation_mode_draws_the_window_bold():
    app = run_page("convolution")
    assert 'font-weight="700"' not in window_picture(app)[0]
    app.session_state[PRESENT_KEY] = True
    app.run()
    assert 'font-weight="700"' in window_picture(app)[0]


def test_a_map_too_large_to_send_whole_is_drawn_one_cell_in_k_and_says_so():
    def page() -> None:
        import numpy as np
        import streamlit as st

        from cnnviz.ui.convolution.display import show_map

        st.caption(show_map(np.arange(2100 * 30, dtype=float).reshape(2100, 30), key="big"))
        st.caption(show_map(np.ones((65, 3)), key="small"))

    app = AppTest.from_function(page).run()
    assert not app.exception
    notes = [caption.value for caption in app.caption]
    assert notes[0].startswith("1 in 3 rows and columns of its 2100×30 cells drawn")  # ⌈2100 / 1024⌉ = 3
    assert notes[1].startswith("all 65×3 cells drawn")
    alts = [image.proto.imgs[0].alt for image in app.get("image")]
    assert alts[0] == "Feature map: a 2100×30 heat map, values from 0 to 62999."  # said of every cell
