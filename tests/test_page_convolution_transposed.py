"""AppTest runs of the Convolution page's transposed-convolution step-through and the depthwise/separable costs.

Expected maps come from ``cnnviz.ops`` (checked against TensorFlow in test_conv_variants.py) and
the costs from ``cnnviz.architecture`` (checked against Keras), so these tests check the wiring.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import ops
from cnnviz.samples import DEFAULT_SAMPLE, load_sample
from cnnviz.ui.convolution import OPEN_KEYS
from cnnviz.ui.convolution.transposed import small_input
from tests.conftest import run_page


@pytest.fixture
def app() -> AppTest:
    opened = (OPEN_KEYS["transposed"], OPEN_KEYS["costs"])  # drawn on demand
    return run_page("convolution", state=dict.fromkeys(opened, True))


def chart(app: AppTest, key: str) -> np.ndarray:
    """The z values of the heat map drawn under ``key``."""
    figure = next(c for c in app.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))
    z = json.loads(figure.proto.spec)["data"][0]["z"]
    if isinstance(z, dict):  # Plotly's typed-array encoding of a NumPy array
        shape = [int(v) for v in str(z.get("shape", "-1")).split(",")]
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape).astype(float)
    return np.array(z, dtype=float)


def step_text(app: AppTest) -> str:
    return next(block.value for block in app.success if "scatters" in block.value)


def test_the_step_through_scatters_one_cell_and_adds_up_to_the_transposed_convolution(app):
    x = small_input(load_sample(DEFAULT_SAMPLE), 4)
    kernel = np.ones((3, 3))
    full = ops.conv_transpose2d(x, kernel[:, :, None, None], stride=2)[:, :, 0]
    assert any("= 9" in block.value for block in app.get("latex"))  # (4−1)·2 − 2·0 + 3 + 0
    assert "Input cell (2, 2)" in step_text(app)
    contribution, partial = ops.scatter_step(x, kernel, 2, 2, stride=2)
    np.testing.assert_allclose(chart(app, "tconv_contribution"), contribution, atol=1e-9)
    np.testing.assert_allclose(chart(app, "tconv_partial"), partial, atol=1e-9)
    app.number_input(key="tconv_i").set_value(3).run()
    app.number_input(key="tconv_j").set_value(2).run()
    app.button(key="tconv_next").click().run()
    assert "Input cell (3, 3)" in step_text(app) and "whole transposed convolution" in step_text(app)
    np.testing.assert_allclose(chart(app, "tconv_partial"), full, atol=1e-9)
    app.button(key="tconv_next").click().run()  # wraps to the first cell
    assert "Input cell (0, 0)" in step_text(app)
    app.button(key="tconv_back").click().run()
    assert "Input cell (3, 3)" in step_text(app)


def test_the_size_formula_output_padding_and_the_checkerboard_follow_the_settings(app):
    app.number_input(key="tconv_k").set_value(4).run()
    app.number_input(key="tconv_padding").set_value(1).run()
    app.number_input(key="tconv_output_padding").set_value(1).run()
    assert any("(4-1)\\cdot2 - 2\\cdot1 + 4 + 1 = 9" in block.value for block in app.get("latex"))
    assert any("divisible by 2" in block.value and "even" in block.value for block in app.markdown)
    np.testing.assert_array_equal(chart(app, "tconv_overlaps"), ops.overlap_counts((4, 4), (4, 4), 2))
    app.number_input(key="tconv_k").set_value(3).run()
    assert any("checkerboard" in block.value for block in app.markdown)
    app.number_input(key="tconv_stride").set_value(1).run()  # output padding must fall below the stride
    assert app.number_input(key="tconv_output_padding").value == 0
    assert not app.exception


def test_depthwise_separable_and_standard_costs_use_the_image_channels(app):
    table = app.dataframe[-1].value
    assert list(table["Layer"]) == ["Standard Conv2D", "Depthwise only", "Depthwise separable"]
    # The default digit is 28×28×1, F = 64, k = 3, 'same' padding.
    assert list(table["Parameters"]) == [f"{(9 + 1) * 64:,}", f"{9 + 1:,}", f"{9 + 64 + 64:,}"]
    assert list(table["MACs"]) == [f"{28 * 28 * 64 * 9:,}", f"{28 * 28 * 9:,}", f"{28 * 28 * (9 + 64):,}"]
    ratio = re.search(r"\*\*([\d.]+)× fewer MACs\*\*", next(m.value for m in app.markdown if "fewer MACs" in m.value))
    assert float(ratio.group(1)) == pytest.approx(9 * 64 / (9 + 64), abs=0.05)
