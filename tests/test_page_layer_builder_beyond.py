"""AppTest runs of the layer builder with the layers beyond VGG: MobileNet and ResNet presets, the
new layers in the menu, and a Residual block edited as a nested stack."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from cnnviz.architecture import LAYER_TYPES, PRESETS, summarize, totals
from cnnviz.ui.layer_builder.editor import OPEN_LAYERS
from tests.conftest import run_page

RESNET = "Small ResNet (28×28)"


def _builder() -> AppTest:
    return run_page("layer_builder")


def _load(app: AppTest, preset: str) -> None:
    app.selectbox(key="builder_start").set_value(preset)
    app.button(key="builder_load").click().run()
    assert not app.exception


def _metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_mobilenet_and_vgg16_presets_show_their_published_counts():
    app = _builder()
    _load(app, "MobileNet v1 (224×224 colour)")
    assert _metric(app, "Parameters") == "4,253,864"
    assert app.session_state["input_shape"] == (224, 224, 3)
    assert not app.error
    _load(app, "VGG-16 (224×224 colour)")
    assert _metric(app, "Parameters") == "138,357,544"


def test_every_new_layer_type_can_be_added_from_the_menu():
    app = _builder()
    assert len(app.selectbox(key="builder_add_type").options) == len(LAYER_TYPES)
    for layer_type in ("DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "UpSampling2D", "ReLU", "Residual"):
        app.selectbox(key="builder_add_type").set_value(layer_type)
        app.number_input(key="builder_add_at").set_value(2)
        app.button(key="builder_add").click().run()
        assert app.session_state["stack"][1]["type"] == layer_type
        assert not app.exception
    assert any("→" in e.label and "Residual" in e.label for e in app.expander)


def test_a_residual_block_is_edited_as_a_nested_stack():
    app = _builder()
    _load(app, RESNET)
    shape, stack = PRESETS[RESNET]
    assert app.session_state["stack"] == stack
    block = app.session_state["builder_ids"][1]
    app.session_state[OPEN_LAYERS] = {block}  # open the block, as a click does: a closed layer's form is not drawn
    app.run()
    # The block's second convolution: 16 → 8 filters changes the branch's shape ...
    app.number_input(key=f"layer{block}_b1_filters").set_value(8).run()
    assert app.session_state["stack"][1]["layers"][1]["filters"] == 8
    assert any("Layer 2 (Residual)" in e.value and "projection" in e.value for e in app.error)
    # ... which a projection shortcut fixes.
    app.selectbox(key=f"layer{block}_shortcut").set_value("projection").run()
    assert not app.error
    edited = app.session_state["stack"]
    assert _metric(app, "Parameters") == f"{totals(summarize(edited, shape)).params:,}"
    # Add a layer to the branch, move it up, remove it.
    app.selectbox(key=f"layer{block}_branch_add").set_value("BatchNormalization")
    app.button(key=f"layer{block}_branch_add_button").click().run()
    assert app.session_state["stack"][1]["layers"][-1] == {"type": "BatchNormalization"}
    app.button(key=f"layer{block}_b2_up").click().run()
    assert app.session_state["stack"][1]["layers"][1] == {"type": "BatchNormalization"}
    app.button(key=f"layer{block}_b1_remove").click().run()
    assert [layer["type"] for layer in app.session_state["stack"][1]["layers"]] == ["Conv2D", "Conv2D"]
    assert not app.exception
