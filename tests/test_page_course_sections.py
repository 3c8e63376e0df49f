"""AppTest runs of the course's new sections: Why padding and the biology section (Convolution), the classes
and their numbers (Datasets), Reproduce a course notebook, Dense network or CNN? and the guards (Training)."""

from __future__ import annotations

import pytest

from cnnviz import architecture, ops
from cnnviz.architecture.presets import MNIST, NOTEBOOK_PRESETS
from cnnviz.ui.convolution import OPEN_KEYS
from tests.conftest import markdown_text, run_page


@pytest.fixture(scope="module")
def convolution():
    opened = (OPEN_KEYS["padding"], OPEN_KEYS["biology"])  # drawn on demand
    return run_page("convolution", state=dict.fromkeys(opened, True), timeout=120)


def _html(app) -> str:
    return "\n".join(str(block.proto) for block in app.get("html"))


def test_why_padding_counts_the_windows_over_each_pixel(convolution):
    app = convolution
    text = markdown_text(app)
    assert "corner **1**, middle of an edge **3**, centre **9**" in text  # 'valid', 5×5 input, 3×3 kernel
    assert "corner **4**, middle of an edge **6**, centre **9**" in text  # 'same'
    assert "valid&#x27;: 3×3 windows" in _html(app) and "same&#x27;: 5×5 windows" in _html(app)
    app.select_slider(key="pad_side").set_value(6).run()
    app.select_slider(key="pad_stride").set_value(2).run()
    valid = ops.window_counts((6, 6), 3, 2, "valid")
    assert f"corner **{valid[0, 0]}**, middle of an edge **{valid[0, 3]}**, centre **{valid[3, 3]}**" in markdown_text(
        app
    )
    assert "pixel" in markdown_text(app) and not app.exception
    assert any("⌈6 / 2⌉ = 3" in block.value for block in app.caption)


def test_the_biology_section_shows_the_course_networks_receptive_fields(convolution):
    app = convolution
    shape, stack = NOTEBOOK_PRESETS[MNIST]
    sides = [s.receptive_field[0] for s in architecture.summarize(stack, shape) if s.type in ("Conv2D", "MaxPooling2D")]
    assert sides == [3, 4, 8, 10]
    text = markdown_text(app)
    for label, side in zip(("convolution 1", "pooling 1", "convolution 2", "pooling 2"), sides, strict=True):
        assert f"| {label} | {side}×{side} |" in text
    assert "Hubel" in text and "**Simple cells**" in text and "**complex cells**" in text
    assert app.button(key="biology_inside").label == "A trained network's own receptive fields"


def test_section_one_links_to_the_worked_examples(convolution):
    assert "(#worked-examples)" in markdown_text(convolution)


def test_the_datasets_page_numbers_neu_as_the_course():
    app = run_page("data", timeout=180)
    app.session_state["data_choice"] = "NEU steel defects"
    app.run()
    text = markdown_text(app)
    assert "**0** scratches · **1** rolled-in scale · **2** pitted surface · **3** patches · **4** inclusion · " in text
    assert any("From the course: text 4" in block.value for block in app.caption)
    assert not app.exception


@pytest.fixture(scope="module")
def training():
    return run_page("training", timeout=240)


def test_reproduce_buttons_set_the_form_up_as_the_notebook(training):
    app = training
    app.button(key="tr_reproduce_notebook_fashion").click().run()
    state = app.session_state
    assert state["tr_recipe"] == "notebook_fashion" and state["tr_dataset"] == "fashion_mnist"
    assert state["tr_optimizer"] == "rmsprop" and state["tr_loss"] == "categorical_crossentropy"
    assert state["tr_val_first"] and state["tr_keep_best"] and state["tr_early"] and state["tr_batch"] == 32
    assert app.button(key="tr_reproduce_notebook_fashion").label == "Set up ✓"
    assert app.toggle(key="tr_val_first").value and app.slider(key="tr_val").disabled
    assert not app.exception


def test_the_ann_vs_cnn_and_guard_sections_are_there(training):
    app = training
    assert app.button(key="tr_ann_vs_cnn").label.startswith("▶ Train the dense network and the CNN")
    text = markdown_text(app)
    assert "shuffle the pixels" in text and "Dropout(p)" in text and "patience" in text and "checkpoint" in text
    subheaders = {block.proto.anchor for block in app.subheader}
    assert {"dropout-in-training", "early-stopping", "checkpoint"} <= subheaders
    assert len(app.get("imgs")) + len(app.get("image")) >= 2  # a test image and the same image shuffled


def test_the_layer_builder_splits_the_stack_into_the_courses_two_parts():
    app = run_page("layer_builder", query={"stack": "preset.lenet_5", "input": "32x32x1"}, timeout=120)
    shape, stack = architecture.PRESETS["LeNet-5"]
    summaries = architecture.summarize(stack, shape)
    parts = architecture.two_parts(summaries)
    features, classifier = architecture.totals(parts.features), architecture.totals(parts.classifier)
    text = markdown_text(app)
    assert "**1 · Feature extraction**: layers 1–5 (3 Conv2D, 2 AveragePooling2D)" in text
    assert "image into 1×1×120 = **120 numbers**" in text
    assert f"- {features.params:,} parameters ({features.params / 61_706:.0%} of the network)" in text
    assert f"- {classifier.macs:,} multiply-adds per image" in text
    assert "its units see 5×5 pixels at layer 1, 32×32 at layer 5" in text
    assert "**2 · Classification**: layers 6–8 (1 Flatten, 2 Dense) turn those numbers into **10 class" in text
    assert architecture.totals(summaries).params == 61_706  # the course's "around sixty thousand"
    uses = round(features.macs / features.params)
    captions = " ".join(block.value for block in app.caption)
    assert f"Each weight of the first part is used about {uses:,} times per image, each of the second about once" in (
        captions
    )
    assert "**Yann LeCun**" in text and "61,706 parameters in all" in text and "Turing Award" in text
    assert "From the course: text 3" in captions and "From the course: text 4" in captions


def test_a_stack_without_a_classifier_says_so_in_the_two_parts_section():
    app = run_page("layer_builder", query={"stack": "preset.convolutional_autoencoder_28_28"}, timeout=120)
    assert any("has no classification part" in block.value for block in app.info)
    assert app.button(key="builder_lenet").label == "Load LeNet-5 and see its two parts"


def test_the_datasets_page_shows_the_fashion_notebooks_first_20_images():
    app = run_page("data", query={"dataset": "fashion_mnist"}, timeout=180)
    assert any(
        "From the course: text 1" in block.value and "Visualize first 20 images" in block.value for block in app.caption
    )
    assert any("`x_train[:20]`" in block.value for block in app.caption)
    mnist = run_page("data", query={"dataset": "mnist"}, timeout=180)  # its offline files are sorted by class
    assert not any("x_train[:20]" in block.value for block in mnist.caption)
