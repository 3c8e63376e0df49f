"""AppTest runs of the Convolution page's worked examples, flip, activation curve and dropout sections."""

from __future__ import annotations

import pytest

from cnnviz.ui.convolution import OPEN_KEYS
from tests.conftest import markdown_text, run_page


@pytest.fixture(scope="module")
def app():
    opened = (OPEN_KEYS[name] for name in ("worked", "one_dimension", "pooling"))  # drawn on demand
    return run_page("convolution", state=dict.fromkeys(opened, True), timeout=90)


def _html(app) -> str:
    return "\n".join(str(block.proto) for block in app.get("html"))


def test_the_edge_example_is_one_click_away_with_its_formula(app):
    app.selectbox(key="worked_example").set_value("edge_6x6").run()
    assert "Output 4×4, filled up to (0, 0)" in _html(app)
    assert "O[0, 0] = 10·1 + 10·0 + 10·(-1) + 10·1 + 10·0 + 10·(-1) + 10·1 + 10·0 + 10·(-1) = **0**" in markdown_text(
        app
    )  # the top-left window: all 10s against [1, 0, −1] rows
    assert any(r"\sum_{m}" in block.value for block in app.latex)
    app.button(key="worked_all").click().run()
    assert _html(app).count(">30<") == 8 and "filled up to (3, 3)" in _html(app)


def test_step_goes_through_every_output_cell_with_its_products(app):
    """Step ▶ visits the 9 cells of the 5×5 example in reading order; each sum is the ops/TensorFlow value."""
    from cnnviz import ops, worked

    app.selectbox(key="worked_example").set_value("image_5x5").run()
    example = worked.EXAMPLES["image_5x5"]
    expected = ops.conv2d(example.image, example.kernel)
    for cell in range(9):
        i, j = divmod(cell, 3)
        step = ops.window_step(example.image, example.kernel, i, j)
        text = markdown_text(app)
        assert f"Output cell **({i}, {j})**, {cell + 1} of 9" in text
        assert f"O[{i}, {j}] = " in text and f"= **{expected[i, j]:g}**" in text
        assert f"{step.total:g}" == f"{expected[i, j]:g}"
        app.button(key="worked_next").click().run()
    assert "Output cell **(0, 0)**, 1 of 9" in markdown_text(app)  # after the last cell: back to the first
    app.button(key="worked_back").click().run()
    assert "Output cell **(2, 2)**, 9 of 9" in markdown_text(app)
    assert not app.exception


def test_pooling_examples_give_4_and_2_5(app):
    app.selectbox(key="worked_example").set_value("max_pool").run()
    assert any(r"\max(1, 3, 2, 4) = 4" in block.value for block in app.latex)
    app.selectbox(key="worked_example").set_value("avg_pool").run()
    assert any("= 2.5" in block.value for block in app.latex)
    assert not app.exception


def test_predict_then_check_hides_the_output_until_checked(app):
    app.selectbox(key="worked_example").set_value("image_5x5").run()
    app.toggle(key="worked_predict").set_value(True).run()
    assert any("then press Check" in block.value for block in app.info)
    app.number_input(key="worked_guess").set_value(3).run()
    app.button(key="worked_check").click().run()
    assert any("Right: ⌊(5 + 2·0 − 3) / 1⌋ + 1 = 3" in block.value for block in app.success)
    app.toggle(key="worked_predict").set_value(False).run()


def test_the_one_dimensional_flip_uses_the_course_signal(app):
    text = markdown_text(app)
    assert "y[0] = 1·1 + 3·3 + 2·0 + 3·(-1) = **7**" in text
    assert "y[0] = 1·(-1) + 3·0 + 2·3 + 3·1 = **8**" in text


def test_activation_curve_and_dropout_follow_their_controls(app):
    app.selectbox(key="conv_activation").set_value("leaky_relu").run()
    assert any("0.2" in block.value and "LeakyReLU" in block.value for block in app.latex)
    assert any("layer's default is 0.3" in block.value for block in app.caption)
    app.select_slider(key="worked_dropout").set_value(0.5).run()
    assert "1 / (1 − 0.5) = **2**" in markdown_text(app)
    assert not app.exception
