"""AppTest runs of the Layer builder page: presets, add / remove / move / duplicate / edit, an invalid
stack, custom input shapes, JSON import and export, and that the page never imports TensorFlow.

Expected numbers come from ``cnnviz.architecture`` (itself checked against Keras in
test_architecture.py), so these tests check the page's wiring, not the maths again.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.architecture import PRESETS, summarize, to_code, to_json, totals
from cnnviz.ui.layer_builder.editor import OPEN_LAYERS
from tests.conftest import run_page
from tests.svg_reading import SVG, inline, pictures


@pytest.fixture
def builder() -> AppTest:
    return run_page("layer_builder")


def ids(app: AppTest) -> list[int]:
    return app.session_state["builder_ids"]


def table(app: AppTest):
    return app.dataframe[0].value  # the one table on the page


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def download(app: AppTest, key: str):
    return next(button for button in app.get("download_button") if button.key == key)


def open_layers(app: AppTest, *positions: int) -> None:
    """Open the layers at ``positions`` (0-based) as a click does: a closed layer's form is not drawn."""
    opened = app.session_state.get(OPEN_LAYERS, set())
    app.session_state[OPEN_LAYERS] = opened | {ids(app)[position] for position in positions}
    app.run()


def layer_titles(app: AppTest) -> list[str]:
    return [e.label for e in app.expander if e.label[:1].isdigit() or e.label.startswith("⚠")]


def test_page_starts_with_the_mnist_model_and_keras_numbers(builder):
    shape, stack = PRESETS["MNIST CNN"]
    assert builder.session_state["stack"] == stack
    assert builder.session_state["input_shape"] == shape
    assert metric(builder, "Parameters") == f"{totals(summarize(stack, shape)).params:,}" == "225,034"
    rows = table(builder)
    assert list(rows["Output shape"]) == ["28×28×1", "26×26×32", "13×13×32", "11×11×64", "5×5×64", "1600", "128", "10"]
    assert list(rows["Receptive field"])[1:5] == ["3×3", "4×4", "8×8", "10×10"]
    assert layer_titles(builder)[0] == "1 · Conv2D · 32 · 3×3 · relu  →  26×26×32"
    assert not builder.error


def test_loading_a_preset_replaces_stack_and_input_shape(builder):
    builder.selectbox(key="builder_start").set_value("LeNet-5")
    builder.button(key="builder_load").click().run()
    shape, stack = PRESETS["LeNet-5"]
    assert builder.session_state["stack"] == stack
    assert builder.session_state["input_shape"] == shape == (32, 32, 1)
    assert builder.selectbox(key="builder_shape").value == "LeNet-5 32×32×1"
    assert metric(builder, "Parameters") == "61,706"
    builder.selectbox(key="builder_start").set_value("Empty stack")
    builder.button(key="builder_load").click().run()
    assert builder.session_state["stack"] == []
    assert builder.session_state["input_shape"] == (32, 32, 1)
    assert any("empty" in info.value for info in builder.info)
    assert not builder.exception


def test_add_layers_at_the_end_and_at_a_position(builder):
    builder.selectbox(key="builder_add_type").set_value("Dropout")
    builder.button(key="builder_add").click().run()
    stack = builder.session_state["stack"]
    assert len(stack) == 8 and stack[-1] == {"type": "Dropout", "rate": 0.25}
    builder.selectbox(key="builder_add_type").set_value("BatchNormalization")
    builder.number_input(key="builder_add_at").set_value(1)
    builder.button(key="builder_add").click().run()
    stack = builder.session_state["stack"]
    assert stack[0] == {"type": "BatchNormalization"} and len(stack) == 9
    rows = table(builder)
    assert rows["Layer"][1] == "batch_normalization_1"
    assert rows["Parameters"][1] == "4 (2 frozen)"  # γ, β trained; moving mean and variance not
    assert builder.number_input(key="builder_add_at").value == 10  # back to "at the end"
    assert len(ids(builder)) == 9 and len(set(ids(builder))) == 9


def test_remove_move_and_duplicate_layers(builder):
    original = list(builder.session_state["stack"])
    builder.button(key=f"layer{ids(builder)[5]}_remove").click().run()  # Dense 128
    assert builder.session_state["stack"] == original[:5] + original[6:]
    assert metric(builder, "Parameters") == f"{320 + 18_496 + 1600 * 10 + 10:,}"
    first = ids(builder)[0]
    builder.button(key=f"layer{first}_down").click().run()  # Conv2D below MaxPooling2D
    assert builder.session_state["stack"][:2] == [original[1], original[0]]
    assert ids(builder)[1] == first
    builder.button(key=f"layer{first}_up").click().run()
    assert builder.session_state["stack"][:2] == original[:2]
    builder.button(key=f"layer{ids(builder)[2]}_duplicate").click().run()
    stack = builder.session_state["stack"]
    assert stack[2] == stack[3] == original[2] and stack[2] is not stack[3]
    assert table(builder)["Output shape"][4] == "9×9×64"  # the copy convolves the 11×11×64 map again
    assert builder.button(key=f"layer{ids(builder)[0]}_up").disabled
    assert builder.button(key=f"layer{ids(builder)[-1]}_down").disabled
    assert not builder.exception


def test_a_closed_layer_sends_no_form_and_an_invalid_one_opens_with_its_message(builder):
    conv = ids(builder)[0]
    assert not [w for w in builder.number_input if w.key.startswith(f"layer{conv}_")]  # closed: nothing sent
    open_layers(builder, 0)
    assert builder.number_input(key=f"layer{conv}_filters").value == 32
    stack = [dict(layer) for layer in builder.session_state["stack"]]
    stack[2]["kernel_size"] = 15  # larger than its 13×13 input
    builder.session_state["stack"] = stack
    builder.run()
    third = ids(builder)[2]
    assert builder.number_input(key=f"layer{third}_kernel_size_rows").value == 15  # opened by itself
    assert any(e.value.startswith("Layer 3 (Conv2D): the 13×13 input is smaller") for e in builder.error)


def test_editing_a_layer_updates_stack_labels_and_numbers_in_the_same_run(builder):
    open_layers(builder, 0, 1, 5)
    conv = ids(builder)[0]
    builder.number_input(key=f"layer{conv}_filters").set_value(16).run()
    assert builder.session_state["stack"][0]["filters"] == 16
    assert table(builder)["Parameters"][1] == "160"  # (3·3·1 + 1)·16
    assert layer_titles(builder)[0].startswith("1 · Conv2D · 16 · 3×3")
    builder.number_input(key=f"layer{conv}_kernel_size_cols").set_value(5).run()
    builder.selectbox(key=f"layer{conv}_padding").set_value("same").run()
    builder.number_input(key=f"layer{conv}_strides_rows").set_value(2).run()
    assert builder.session_state["stack"][0] == {
        "type": "Conv2D",
        "filters": 16,
        "kernel_size": [3, 5],
        "strides": [2, 1],
        "padding": "same",
        "activation": "relu",
    }
    assert table(builder)["Output shape"][1] == "14×28×16"
    pool = ids(builder)[1]
    builder.checkbox(key=f"layer{pool}_strides_auto").uncheck().run()
    builder.number_input(key=f"layer{pool}_strides_cols").set_value(1).run()
    assert builder.session_state["stack"][1] == {"type": "MaxPooling2D", "pool_size": 2, "strides": [2, 1]}
    dense = ids(builder)[5]
    builder.selectbox(key=f"layer{dense}_activation").set_value("tanh").run()
    builder.checkbox(key=f"layer{dense}_use_bias").uncheck().run()
    assert builder.session_state["stack"][5] == {"type": "Dense", "units": 128, "activation": "tanh", "use_bias": False}
    json.dumps(builder.session_state["stack"])  # stays JSON-ready for the training page
    assert not builder.exception


def test_an_invalid_stack_is_shown_with_the_bad_layer_and_never_crashes(builder):
    open_layers(builder, 2)
    third = ids(builder)[2]
    builder.number_input(key=f"layer{third}_kernel_size_rows").set_value(15).run()
    assert not builder.exception
    assert any("Layer 3 (Conv2D): the 13×13 input is smaller than the 15×3 kernel" in e.value for e in builder.error)
    rows = table(builder)
    assert list(rows["Output shape"])[:4] == ["28×28×1", "26×26×32", "13×13×32", "⚠ invalid"]
    assert set(rows["Parameters"][4:]) == {"—"}
    assert layer_titles(builder)[2].startswith("⚠ 3 · Conv2D")
    assert download(builder, "builder_download_code").proto.disabled
    assert not download(builder, "builder_download_json").proto.disabled
    builder.selectbox(key=f"layer{third}_padding").set_value("same").run()  # the fix the message suggests
    assert not builder.error
    assert table(builder)["Output shape"][3] == "13×13×64"


def test_a_conv_after_flatten_is_explained(builder):
    builder.selectbox(key="builder_add_type").set_value("Conv2D")
    builder.button(key="builder_add").click().run()
    assert any("Layer 8 (Conv2D): its input is the flat vector (10,)" in e.value for e in builder.error)
    builder.button(key=f"layer{ids(builder)[7]}_remove").click().run()
    assert not builder.error


def test_custom_input_shape_and_the_why_convolutions_panel(builder):
    builder.selectbox(key="builder_shape").set_value("ImageNet size 224×224×3").run()
    assert builder.session_state["input_shape"] == (224, 224, 3)
    text = " ".join(m.value for m in builder.markdown)
    assert "224×224×3 = **150,528 values**" in text
    assert "(150,528 + 1)·1,000 = **150,529,000 parameters**" in text
    builder.selectbox(key="builder_shape").set_value("Custom…").run()
    builder.number_input(key="builder_h").set_value(20).run()
    builder.number_input(key="builder_c").set_value(3).run()
    assert builder.session_state["input_shape"] == (20, 224, 3)
    assert table(builder)["Output shape"][1] == "18×222×32"
    assert not builder.exception


def test_formula_expander_shows_the_computation(builder):
    builder.selectbox(key="builder_formula_layer").set_value(2).run()
    text = " ".join(m.value for m in builder.markdown)
    assert "(3·3·32 + 1)·64 = 18,496" in text
    assert "11·11·64 outputs × 3·3·32 each = 2,230,272" in text


def test_import_pasted_json_and_reject_bad_json(builder):
    shape, stack = PRESETS["Small VGG"]
    builder.text_area(key="builder_paste").input(to_json(stack, shape))
    builder.button(key="builder_paste_load").click().run()
    assert builder.session_state["input_shape"] == shape
    assert summarize(builder.session_state["stack"], shape) == summarize(stack, shape)
    assert any("Imported 16 layers" in s.value for s in builder.success)
    before = list(builder.session_state["stack"])
    builder.text_area(key="builder_paste").input('{"input_shape": [28, 28, 1], "layers": [{"type": "Conv3D"}]}')
    builder.button(key="builder_paste_load").click().run()
    assert any("unknown layer type 'Conv3D'" in e.value for e in builder.error)
    assert builder.session_state["stack"] == before
    assert not builder.exception


def test_import_an_uploaded_json_file(builder):
    shape, stack = PRESETS["NEU CNN 64x64 (fast)"]
    upload = ("neu.json", to_json(stack, shape).encode(), "application/json")
    builder.file_uploader(key="builder_upload").set_value(upload).run()
    assert builder.session_state["input_shape"] == (64, 64, 1)
    assert builder.session_state["stack"] == stack
    builder.file_uploader(key="builder_upload").set_value(("broken.json", b"{not json", "application/json")).run()
    assert any("not valid JSON" in e.value for e in builder.error)
    assert not builder.exception


def test_a_stack_set_by_another_page_is_shown_with_fresh_widgets(builder):
    shape, stack = PRESETS["MNIST CNN ('same' padding)"]
    builder.session_state["stack"] = [dict(layer) for layer in stack]
    builder.session_state["input_shape"] = shape
    builder.run()  # new widgets (new layer ids) for the new stack
    open_layers(builder, 0)
    assert builder.number_input(key=f"layer{ids(builder)[0]}_filters").value == 32
    assert builder.selectbox(key=f"layer{ids(builder)[0]}_padding").value == "same"
    assert table(builder)["Output shape"][5] == "3136"
    assert not builder.exception


def test_advice_for_a_stack_keras_accepts_but_a_student_did_not_mean(builder):
    builder.button(key=f"layer{ids(builder)[4]}_remove").click().run()  # drop Flatten: Dense on the 5×5×64 map
    assert not builder.error
    notes = [w.value for w in builder.warning]
    assert any(note.startswith("Layer 5 (Dense) gets the map (5, 5, 64)") for note in notes)
    assert any("ends with the map (5, 5, 10)" in note for note in notes)
    assert table(builder)["Output shape"][5] == "5×5×128"


def test_stack_diagram_boxes_follow_the_feature_maps():
    from cnnviz import plots

    shape, stack = PRESETS["MNIST CNN"]
    svg = inline(plots.stack_diagram(shape, summarize(stack, shape)))
    boxes = list(svg.iter(f"{SVG}rect"))
    assert len(boxes) == 1 + len(stack)  # the input, then one box per layer output
    heights = [float(box.get("height")) for box in boxes]
    widths = [float(box.get("width")) for box in boxes]
    ratios = [h / heights[0] for h in heights[:5]]
    assert ratios == pytest.approx([rows / 28 for rows in (28, 26, 13, 11, 5)], abs=0.002)  # drawn to 0.1 units
    assert widths[0] < widths[1] < widths[3]  # 1, 32 and 64 channels
    assert heights[6] < heights[5]  # 128 values draw shorter than 1,600
    tips = [box.find(f"{SVG}title").text for box in boxes]
    assert tips[1].splitlines() == ["conv2d_1 (Conv2D)", "output 26×26×32", "320 parameters"]
    assert "28×28×1" in svg.get("aria-label") and "Input" in [t.text for t in svg.iter(f"{SVG}text")]

    broken = inline(plots.stack_diagram(shape, summarize(stack[:2], shape), bad=(3, "Conv2D", 'why <it> "fails"')))
    *_, invalid = broken.iter(f"{SVG}rect")
    assert len(list(broken.iter(f"{SVG}rect"))) == 4 and invalid.find(f"{SVG}title").text == 'why <it> "fails"'
    assert "layer 3 (Conv2D) is invalid" in broken.get("aria-label")
    assert {"3·Conv", "⚠", "invalid"} <= {t.text for t in broken.iter(f"{SVG}text")}


def test_garbage_from_another_page_or_file_never_crashes_the_page(builder):
    builder.session_state["stack"] = [
        {"type": "ZeroPadding2D", "padding": [[40, 0], [2, 3]]},
        {"type": "Conv2D", "filters": 5000, "kernel_size": [31, 2], "strides": [9, 1], "activation": "mish"},
        {"type": "Dropout", "rate": 0.97},  # beyond the widgets' ranges: the widgets stretch to show them
        {"type": "Banana"},
        "not a dict",
    ]
    builder.session_state["input_shape"] = [64, 64, 1]
    builder.run()
    assert not builder.exception
    assert any(e.value.startswith("Layer 4 (Banana): unknown layer type") for e in builder.error)
    assert list(table(builder)["Output shape"])[1:5] == ["104×69×1", "9×68×5000", "9×68×5000", "⚠ invalid"]
    builder.session_state["stack"] = {"not": "a list"}
    builder.session_state["input_shape"] = "28x28"
    builder.run()
    assert not builder.exception
    assert builder.session_state["stack"] == [] and builder.session_state["input_shape"] == (28, 28, 1)


def test_a_number_above_the_maximum_is_refused_out_loud(builder):
    """Typing kernel size 40 (max 15) must not leave "40" in the box while the stack keeps 3×3."""
    open_layers(builder, 0)
    conv = ids(builder)[0]
    builder.number_input(key=f"layer{conv}_kernel_size_rows").set_value(40).run()
    assert not builder.exception
    assert builder.session_state["stack"][0].get("kernel_size", 3) in (3, [3, 3])
    assert builder.number_input(key=f"layer{conv}_kernel_size_rows").value == 3
    assert any("Kernel rows: 40 is more than the maximum 15, so 3 was kept." in w.value for w in builder.warning)
    builder.number_input(key=f"layer{conv}_kernel_size_rows").set_value(5).run()
    assert builder.session_state["stack"][0]["kernel_size"] == [5, 3]
    assert not any("was kept" in w.value for w in builder.warning)


def test_loading_another_stack_clears_an_import_error(builder):
    builder.text_area(key="builder_paste").input("{not json")
    builder.button(key="builder_paste_load").click().run()
    assert any(e.value.startswith("Could not import") for e in builder.error)
    builder.selectbox(key="builder_start").set_value("LeNet-5")
    builder.button(key="builder_load").click().run()
    assert not any(e.value.startswith("Could not import") for e in builder.error)


def test_an_empty_stack_draws_no_bar_for_it(builder):
    builder.selectbox(key="builder_start").set_value("Empty stack")
    builder.button(key="builder_load").click().run()
    chart = pictures(builder)["builder_why_chart"]
    assert len(list(chart.iter(f"{SVG}rect"))) == 1  # an empty stack has no parameters: no bar on a log axis
    assert "One Dense layer of 1,000" in {t.text for t in chart.iter(f"{SVG}text")}
    assert not builder.get("plotly_chart")  # the page loads no Plotly in the browser


def test_the_input_shape_menu_offers_the_datasets_at_their_native_sizes(builder):
    from cnnviz.datasets import NATIVE_SIZE

    options = builder.selectbox(key="builder_shape").options
    assert options[:2] == ["MNIST / Fashion-MNIST 28×28×1", "CIFAR-like 32×32×3"]
    assert options[-1] == "Custom…" and "NEU 200×200×1" in options and "NEU small 64×64×1" in options
    builder.selectbox(key="builder_shape").set_value("NEU 200×200×1").run()
    assert builder.session_state["input_shape"] == (NATIVE_SIZE["neu"], NATIVE_SIZE["neu"], 1)
    assert table(builder)["Output shape"][1] == "198×198×32"  # the MNIST CNN's first 3×3 convolution
    builder.selectbox(key="builder_shape").set_value("Custom…").run()
    assert [builder.number_input(key=k).value for k in ("builder_h", "builder_w", "builder_c")] == [200, 200, 1]
    assert not builder.exception


def test_the_keras_code_is_drawn_once_opened(builder):
    """On demand (its highlighter is a large script for the browser): closed nothing is sent; opened, the code
    is the stack's own, and it follows the stack."""
    python = lambda: [block.value for block in builder.code if block.language == "python"]  # noqa: E731
    assert not python()  # (the link's address is a code block of its own)
    builder.session_state["builder_code_box"] = True
    builder.run()
    shape, stack = PRESETS["MNIST CNN"]
    assert python() == [to_code(stack, shape).rstrip()]  # (st.code drops the last newline)
    builder.selectbox(key="builder_start").set_value("LeNet-5")
    builder.button(key="builder_load").click().run()
    shape, stack = PRESETS["LeNet-5"]
    assert python() == [to_code(stack, shape).rstrip()]  # (st.code drops the last newline)
