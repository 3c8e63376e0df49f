"""The one table of per-layer-type facts covers every layer the builder offers, and its users read it."""

from __future__ import annotations

from cnnviz import plots
from cnnviz.architecture import LAYER_FACTS, LAYER_TYPES, layer_names, short_name, summarize
from cnnviz.architecture.layer_facts import ELEMENTWISE, layer_colour
from cnnviz.ui.training.results import stack_text
from tests.svg_reading import SVG, inline


def test_every_builder_layer_type_has_its_facts_and_distinct_short_names() -> None:
    assert set(LAYER_FACTS) == set(LAYER_TYPES)
    assert all(facts.help and facts.keras_name and facts.colour.startswith("#") for facts in LAYER_FACTS.values())
    shorts = [short_name(kind) for kind in LAYER_TYPES]
    assert len(set(shorts)) == len(shorts)
    assert short_name("LeakyReLU") == "LeakyReLU" and layer_colour("LeakyReLU") == "#999999"
    assert {"Activation", "BatchNormalization", "Dropout", "ReLU", "LeakyReLU"} <= ELEMENTWISE
    assert not {"Conv2D", "MaxPooling2D", "Dense", "Flatten"} & ELEMENTWISE


def test_diagram_names_and_one_line_architecture_come_from_the_table() -> None:
    stack = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3},
        {"type": "MaxPooling2D"},
        {"type": "Dropout", "rate": 0.5},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10},
    ]
    svg = inline(plots.stack_diagram((28, 28, 1), summarize(stack, (28, 28, 1))))
    labels = [text.text for text in svg.iter(f"{SVG}text") if "·" in (text.text or "")]
    assert labels == ["1·Conv", "2·MaxPool", "3·Drop", "4·Flatten", "5·Dense"]
    boxes = [box.get("fill") for box in svg.iter(f"{SVG}rect")]
    assert boxes[1:] == [LAYER_FACTS[layer["type"]].colour for layer in stack]
    assert stack_text(stack) == "Conv8-MaxPool-Drop-Flatten-Dense10"
    assert layer_names(stack) == ["conv2d_1", "max_pooling2d_1", "dropout_1", "flatten_1", "dense_1"]
