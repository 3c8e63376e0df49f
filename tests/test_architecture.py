"""cnnviz.architecture agrees with Keras layer by layer, explains bad stacks, and round-trips JSON/code.

Keras is imported once for the module; models are built, never compiled or trained, so the file
stays fast. The random stacks come from a seeded generator that uses every layer type and every
argument form (int or pair, lists as JSON gives them, pair-of-pairs padding, strides None, ...).
"""

from __future__ import annotations

import json
import math
import random
import shutil
from typing import Any

import numpy as np
import pytest

from cnnviz.architecture import (
    ACTIVATIONS,
    LAYER_TYPES,
    PRESET_INFO,
    PRESETS,
    StackError,
    advice,
    check_classifier,
    compact_layer,
    default_layer,
    format_bytes,
    from_json,
    normalize_layer,
    summarize,
    to_code,
    to_json,
    to_keras,
    totals,
    two_parts,
)
from cnnviz.architecture.presets import NOTEBOOK_PRESETS
from cnnviz.architecture.pretrained import PRETRAINED_DIR
from cnnviz.errors import InputError

keras = pytest.importorskip("keras")

N_RANDOM = 260


# ---------------------------------------------------------------- random valid stacks
def _int_or_pair(rng: random.Random, low: int, high: int) -> Any:
    first, form = rng.randint(low, high), rng.random()
    if form < 0.5:
        return first
    second = rng.randint(low, high)
    return (first, second) if form < 0.75 else [first, second]


def _maybe(rng: random.Random, layer: dict, key: str, value: Any, chance: float = 0.5) -> None:
    if rng.random() < chance:
        layer[key] = value


def _random_layer(rng: random.Random, layer_type: str) -> dict:
    layer: dict[str, Any] = {"type": layer_type}
    activation = rng.choice([*ACTIVATIONS, None])
    if layer_type == "Conv2D":
        layer.update(filters=rng.randint(1, 12), kernel_size=_int_or_pair(rng, 1, 5))
        _maybe(rng, layer, "padding", rng.choice(["valid", "same", "Same"]))
        if rng.random() < 0.5:
            layer["strides"] = _int_or_pair(rng, 1, 3)
        else:
            _maybe(rng, layer, "dilation_rate", _int_or_pair(rng, 1, 3))
        _maybe(rng, layer, "activation", activation)
        _maybe(rng, layer, "use_bias", rng.random() < 0.5, 0.3)
    elif layer_type in ("MaxPooling2D", "AveragePooling2D"):
        _maybe(rng, layer, "pool_size", _int_or_pair(rng, 1, 4), 0.7)
        _maybe(rng, layer, "strides", rng.choice([None, _int_or_pair(rng, 1, 3)]))
        _maybe(rng, layer, "padding", rng.choice(["valid", "same"]))
    elif layer_type.startswith("Global"):
        _maybe(rng, layer, "keepdims", rng.random() < 0.5, 0.4)
    elif layer_type == "Dense":
        layer["units"] = rng.randint(1, 16)
        _maybe(rng, layer, "activation", activation)
        _maybe(rng, layer, "use_bias", rng.random() < 0.5, 0.3)
    elif layer_type == "Dropout":
        layer["rate"] = round(rng.uniform(0, 0.9), 2)
    elif layer_type == "BatchNormalization":
        _maybe(rng, layer, "center", rng.random() < 0.5, 0.3)
        _maybe(rng, layer, "scale", rng.random() < 0.5, 0.3)
        _maybe(rng, layer, "momentum", 0.9, 0.2)
    elif layer_type == "Activation":
        layer["activation"] = activation or "relu"
    elif layer_type == "ZeroPadding2D":
        side = lambda: rng.randint(0, 3)  # noqa: E731
        _maybe(rng, layer, "padding", rng.choice([side(), (side(), side()), ((side(), side()), (side(), side()))]), 0.8)
    elif layer_type in ("DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose"):
        if layer_type != "DepthwiseConv2D":
            layer["filters"] = rng.randint(1, 8)
        layer["kernel_size"] = _int_or_pair(rng, 1, 4)
        _maybe(rng, layer, "padding", rng.choice(["valid", "same"]))
        if rng.random() < 0.6:
            strides = _int_or_pair(rng, 1, 3)
            layer["strides"] = strides
            if layer_type == "Conv2DTranspose" and rng.random() < 0.6:
                pair = (strides, strides) if isinstance(strides, int) else strides
                layer["output_padding"] = [rng.randint(0, pair[0] - 1), rng.randint(0, pair[1] - 1)]
        else:
            _maybe(rng, layer, "dilation_rate", _int_or_pair(rng, 1, 2))
        if layer_type != "Conv2DTranspose":
            _maybe(rng, layer, "depth_multiplier", rng.randint(1, 3), 0.4)
        _maybe(rng, layer, "activation", activation)
        _maybe(rng, layer, "use_bias", rng.random() < 0.5, 0.3)
    elif layer_type == "UpSampling2D":
        _maybe(rng, layer, "size", _int_or_pair(rng, 1, 3), 0.7)
        _maybe(rng, layer, "interpolation", rng.choice(["nearest", "bilinear"]))
    elif layer_type == "Reshape":
        layer["target_shape"] = rng.choice([[-1], [-1, rng.randint(1, 4)], [rng.randint(1, 4), -1, 1]])
    elif layer_type == "ReLU":
        _maybe(rng, layer, "max_value", rng.choice([6.0, 1, 0.5]))
        _maybe(rng, layer, "negative_slope", rng.choice([0.1, 0.3]), 0.3)
    elif layer_type == "Residual":
        inner = ["Conv2D", "Conv2D", "DepthwiseConv2D", "BatchNormalization", "ReLU", "Activation"]
        layer["layers"] = [_random_layer(rng, rng.choice(inner)) for _ in range(rng.randint(1, 3))]
        for branch_layer in layer["layers"]:
            if branch_layer["type"] in ("Conv2D", "DepthwiseConv2D") and rng.random() < 0.7:
                branch_layer["padding"] = "same"
        _maybe(rng, layer, "shortcut", rng.choice(["identity", "projection"]), 0.7)
        _maybe(rng, layer, "activation", activation)
    if layer_type == "Conv2D" and rng.random() < 0.25:
        layer["groups"] = rng.choice([2, 3])
    return layer


_WEIGHTS = {
    "Conv2D": 6,
    "MaxPooling2D": 2,
    "AveragePooling2D": 2,
    "GlobalAveragePooling2D": 1,
    "GlobalMaxPooling2D": 1,
    "Flatten": 1,
    "Dense": 2,
    "Dropout": 1,
    "BatchNormalization": 2,
    "Activation": 1,
    "ZeroPadding2D": 1,
    "DepthwiseConv2D": 2,
    "SeparableConv2D": 2,
    "Conv2DTranspose": 2,
    "UpSampling2D": 1,
    "Reshape": 1,
    "ReLU": 1,
    "Residual": 3,
}


def random_stack(seed: int) -> tuple[tuple[int, int, int], list[dict]]:
    """A valid stack of 1-9 layers on a small random input, drawn by rejection."""
    rng = random.Random(seed)
    input_shape = (rng.randint(4, 32), rng.randint(4, 32), rng.randint(1, 4))
    stack: list[dict] = []
    for _ in range(rng.randint(1, 9)):
        for _attempt in range(30):
            layer = _random_layer(rng, rng.choices(list(_WEIGHTS), weights=list(_WEIGHTS.values()))[0])
            try:
                summarize([*stack, layer], input_shape)
            except StackError:
                continue
            stack.append(layer)
            break
    return input_shape, stack


RANDOM_STACKS = [random_stack(seed) for seed in range(N_RANDOM)]


# ---------------------------------------------------------------- helpers
def _weights_size(weights: list) -> int:
    return sum(math.prod(w.shape) for w in weights)


def _keras_parts(model, summary) -> list:
    """The Keras layers a summary stands for: itself, a Residual block's branch, projection and Add, or a
    Pretrained entry's layers (in line, the last one giving its output)."""
    if summary.type not in ("Residual", "Pretrained"):
        return [model.get_layer(summary.name)]
    return [layer for layer in model.layers if layer.name == summary.name or layer.name.startswith(summary.name + "_")]


def _assert_summaries_match(model, summaries, context: str) -> int:
    """Each summary's shape and (non-)trainable counts equal its Keras layers'; returns how many layers matched."""
    matched = 0
    for summary in summaries:
        parts = _keras_parts(model, summary)
        where = f"{summary.name} in {context}"
        assert tuple(parts[-1].output.shape[1:]) == summary.output_shape, where
        assert sum(layer.count_params() for layer in parts) == summary.params, where
        assert sum(_weights_size(layer.trainable_weights) for layer in parts) == summary.trainable_params, where
        assert sum(_weights_size(layer.non_trainable_weights) for layer in parts) == summary.non_trainable_params, where
        inner = sum(s.activation_bytes for s in summary.branch)
        assert summary.activation_bytes == 4 * math.prod(summary.output_shape) + inner
        if summary.branch:
            assert _assert_summaries_match(model, summary.branch, context) == len(summary.branch)
        matched += len(parts)
    return matched


def assert_matches_keras(stack: list[dict], input_shape: tuple[int, int, int]) -> None:
    summaries = summarize(stack, input_shape)
    model = to_keras(stack, input_shape)
    computing = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    assert _assert_summaries_match(model, summaries, f"{stack} on {input_shape}") == len(computing)
    assert isinstance(model, keras.Sequential) == all(s.type != "Residual" for s in summaries)
    assert model.count_params() == totals(summaries).params


def _raw_keras(stack: list[dict], input_shape: tuple[int, ...]):
    """Build with Keras directly, bypassing our checks, to see whether Keras accepts the stack."""
    layers = [keras.Input(shape=input_shape)]
    for layer in stack:
        args = {k: v for k, v in layer.items() if k != "type"}
        layers.append(getattr(keras.layers, layer["type"])(**args))
    return keras.Sequential(layers)


# ---------------------------------------------------------------- agreement with Keras
@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_match_keras(name):
    input_shape, stack = PRESETS[name]
    if totals(summarize(stack, input_shape)).params > 50_000_000:
        pytest.skip("building it in Keras allocates over 200 MB; its count is pinned below")
    assert_matches_keras(stack, input_shape)
    assert PRESET_INFO[name].description


def test_mobilenet_and_vgg16_have_their_published_parameter_counts():
    mobilenet = summarize(*reversed(PRESETS["MobileNet v1 (224×224 colour)"]))
    assert totals(mobilenet).params == 4_253_864
    assert totals(summarize(*reversed(PRESETS["VGG-16 (224×224 colour)"]))).params == 138_357_544
    reference = keras.applications.MobileNet(weights=None)
    assert reference.count_params() == 4_253_864
    trainable = sum(_weights_size(layer.trainable_weights) for layer in reference.layers)
    assert totals(mobilenet).trainable_params == trainable
    assert mobilenet[-1].output_shape == (1000,)


def test_small_presets_beyond_vgg_fit_their_data():
    resnet_shape, resnet = PRESETS["Small ResNet (28×28)"]
    assert [s.type for s in summarize(resnet, resnet_shape)].count("Residual") == 2
    check_classifier(resnet, resnet_shape, 10)
    shape, autoencoder = PRESETS["Convolutional autoencoder (28×28)"]
    assert summarize(autoencoder, shape)[-1].output_shape == shape


def test_random_stacks_match_keras():
    for input_shape, stack in RANDOM_STACKS:
        assert_matches_keras(stack, input_shape)


def test_random_stacks_cover_every_layer_type_and_argument_form():
    layers = [layer for _, stack in RANDOM_STACKS for layer in stack]
    # A Pretrained entry takes only its base's 28×28×1 input: tests/test_pretrained_layer.py covers it.
    assert {layer["type"] for layer in layers} == set(LAYER_TYPES) - {"Pretrained"}
    canonical = [normalize_layer(layer, 1) for layer in layers]
    assert any(max(c.get("dilation_rate", (1, 1))) > 1 for c in canonical)
    assert any(c["type"] == "Conv2D" and c["kernel_size"][0] != c["kernel_size"][1] for c in canonical)
    assert any(c["type"] == "Conv2D" and max(c["strides"]) > 1 and c["padding"] == "same" for c in canonical)
    assert any(c["type"] == "ZeroPadding2D" and c["padding"][0][0] != c["padding"][0][1] for c in canonical)
    assert any(c.get("keepdims") for c in canonical)
    assert any(c.get("use_bias") is False for c in canonical)
    assert any(c.get("center") is False for c in canonical)
    assert any(c["type"] == "Conv2D" and c["groups"] > 1 for c in canonical)
    assert any(
        c["type"] == "Conv2DTranspose" and c["output_padding"] and max(c["output_padding"]) > 0 for c in canonical
    )
    assert any(c["type"] == "UpSampling2D" and c["interpolation"] == "bilinear" for c in canonical)
    assert any(c["type"] == "ReLU" and c["max_value"] == 6 for c in canonical)
    assert any(c["type"] == "Residual" and c["shortcut"] == "projection" for c in canonical)
    assert any(c["type"] == "Residual" and c["shortcut"] == "identity" for c in canonical)
    assert any(c.get("depth_multiplier", 1) > 1 for c in canonical)
    assert any(
        c["type"].endswith("Pooling2D") and not c["type"].startswith("Global") and c["strides"] is not None
        for c in canonical
    )
    summaries = [s for shape, stack in RANDOM_STACKS for s in summarize(stack, shape)]
    assert any(s.type == "Dense" and len(s.input_shape) == 3 for s in summaries)
    assert any(s.type == "BatchNormalization" and len(s.input_shape) == 1 for s in summaries)
    assert sum(len(stack) for _, stack in RANDOM_STACKS) > 4 * N_RANDOM


def test_every_activation_is_a_keras_activation():
    for name in ACTIVATIONS:
        assert_matches_keras([{"type": "Activation", "activation": name}], (3, 3, 2))
        keras.activations.get(name)


# ---------------------------------------------------------------- hand-computed numbers
def test_mnist_model_numbers_by_hand():
    input_shape, stack = PRESETS["MNIST CNN"]
    summaries = summarize(stack, input_shape)
    assert [s.output_shape for s in summaries] == [
        (26, 26, 32),
        (13, 13, 32),
        (11, 11, 64),
        (5, 5, 64),
        (1600,),
        (128,),
        (10,),
    ]
    assert [s.params for s in summaries] == [320, 0, 18_496, 0, 0, 204_928, 1_290]
    # MACs: H'·W'·F·kh·kw·C for Conv2D, inputs·units for Dense.
    assert [s.macs for s in summaries] == [26 * 26 * 32 * 9, 0, 11 * 11 * 64 * 9 * 32, 0, 0, 1600 * 128, 128 * 10]
    assert [s.receptive_field for s in summaries] == [(3, 3), (4, 4), (8, 8), (10, 10)] + [(28, 28)] * 3
    assert summaries[2].formulas["params"].startswith("(3·3·32 + 1)·64 = 18,496")
    assert "⌊(13 − 3)/1⌋ + 1 = 11" in summaries[2].formulas["output_shape"]
    assert "11·11·64 outputs × 3·3·32 each = 2,230,272" in summaries[2].formulas["macs"]
    assert summaries[4].formulas["output_shape"].startswith("5·5·64 = 1,600")
    total = totals(summaries)
    assert (total.params, total.param_bytes) == (225_034, 900_136)


def test_lenet5_is_seed_001s_table():
    input_shape, stack = PRESETS["LeNet-5"]
    summaries = summarize(stack, input_shape)
    assert input_shape == (32, 32, 1)
    assert [s.output_shape for s in summaries][:5] == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (1, 1, 120)]
    assert [s.params for s in summaries if s.params] == [156, 2_416, 48_120, 10_164, 850]
    assert {normalize_layer(layer, 1).get("activation") for layer in stack} - {None} <= {"tanh", "softmax"}
    assert "AveragePooling2D" in {layer["type"] for layer in stack}
    assert 55_000 < totals(summaries).params < 65_000
    # C5's 5×5 units see 16 + (5−1)·4 = 32 rows: the whole 32×32 input, as LeNet intends.
    assert summaries[4].receptive_field == (32, 32)


def _notebook_model(name: str):
    """The course notebook's network written out in Keras as the notebook writes it (not from our stacks)."""
    L = keras.layers
    conv = {"kernel_size": (3, 3), "activation": "relu"}
    models = {
        "MNIST CNN": [
            keras.Input((28, 28, 1)),
            L.Conv2D(32, (3, 3)),
            L.Activation("relu"),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(64, (3, 3)),
            L.Activation("relu"),
            L.MaxPooling2D((2, 2)),
            L.Flatten(),
            L.Dense(128),
            L.Activation("relu"),
            L.Dense(10),
            L.Activation("softmax"),
        ],
        "MNIST CNN ('same' padding)": [
            keras.Input((28, 28, 1)),
            L.Conv2D(32, padding="same", **conv),
            L.MaxPool2D((2, 2)),
            L.Conv2D(64, padding="same", **conv),
            L.MaxPool2D((2, 2)),
            L.Flatten(),
            L.Dense(128, activation="relu"),
            L.Dense(10, activation="softmax"),
        ],
        "Fashion-MNIST CNN": [
            keras.Input((28, 28, 1)),
            L.Conv2D(32, **conv),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(64, **conv),
            L.MaxPooling2D((2, 2)),
            L.Conv2D(64, **conv),
            L.Dropout(0.3),
            L.Flatten(),
            L.Dense(64, activation="relu"),
            L.Dropout(0.3),
            L.Dense(10, activation="softmax"),
        ],
        "NEU CNN": [
            keras.Input((200, 200, 1)),
            L.Conv2D(32, padding="same", **conv),
            L.MaxPool2D((2, 2)),
            L.Conv2D(64, padding="same", **conv),
            L.MaxPool2D((2, 2)),
            L.Conv2D(128, padding="same", **conv),
            L.MaxPool2D((2, 2)),
            L.Flatten(),
            L.Dense(128, activation="relu"),
            L.Dense(6, activation="softmax"),
        ],
    }
    return keras.Sequential(models[name])


@pytest.mark.parametrize(
    "name, params",
    [
        ("MNIST CNN", 225_034),
        ("MNIST CNN ('same' padding)", 421_642),
        ("Fashion-MNIST CNN", 93_322),
        ("NEU CNN", 10_333_574),
    ],
)
def test_each_notebook_preset_is_the_notebooks_model(name, params):
    input_shape, stack = PRESETS[name]
    assert name in NOTEBOOK_PRESETS
    reference = _notebook_model(name)
    assert reference.count_params() == params == totals(summarize(stack, input_shape)).params
    assert_matches_keras(stack, input_shape)
    assert summarize(stack, input_shape)[-1].output_shape == tuple(reference.layers[-1].output.shape[1:])
    kinds = [type(layer).__name__ for layer in reference.layers if type(layer).__name__ != "Activation"]
    assert [layer["type"].replace("MaxPooling2D", "MaxPool2D") for layer in stack] == [
        kind.replace("MaxPooling2D", "MaxPool2D") for kind in kinds
    ]


def test_fashion_preset_flattens_three_by_three_by_sixty_four():
    input_shape, stack = PRESETS["Fashion-MNIST CNN"]
    summaries = summarize(stack, input_shape)
    flatten = next(s for s in summaries if s.type == "Flatten")
    assert (flatten.input_shape, flatten.output_shape) == ((3, 3, 64), (576,))
    assert [layer["rate"] for layer in stack if layer["type"] == "Dropout"] == [0.3, 0.3]


def test_neu_presets_end_in_six_classes():
    for name, side in (("NEU CNN", 200), ("NEU CNN 64x64 (fast)", 64)):
        input_shape, stack = PRESETS[name]
        assert input_shape == (side, side, 1)
        assert check_classifier(stack, input_shape, 6)[-1].output_shape == (6,)
        assert PRESET_INFO[name].dataset == "neu"


def test_strided_and_dense_on_map_costs_by_hand():
    summaries = summarize(
        [
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2},
            {"type": "BatchNormalization"},
            {"type": "Dense", "units": 5, "use_bias": False},
        ],
        (10, 10, 3),
    )
    assert summaries[0].output_shape == (4, 4, 4)
    assert summaries[0].macs == 4 * 4 * 4 * (3 * 3 * 3)
    assert (summaries[1].params, summaries[1].trainable_params, summaries[1].macs) == (16, 8, 64)
    assert (summaries[2].output_shape, summaries[2].params, summaries[2].macs) == ((4, 4, 5), 20, 4 * 4 * 4 * 5)
    assert "no bias" in summaries[2].formulas["params"]


def test_receptive_field_recurrence_with_dilation_and_rectangles():
    summaries = summarize(
        [
            {"type": "Conv2D", "filters": 2, "kernel_size": 3, "dilation_rate": 2},  # 1 + (5−1)·1 = 5
            {"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2},  # 5 + 2·1 = 7, j = 2
            {"type": "ZeroPadding2D", "padding": 1},  # unchanged
            {"type": "AveragePooling2D", "pool_size": 2},  # 7 + 1·2 = 9, j = 4
            {"type": "Conv2D", "filters": 2, "kernel_size": (3, 1)},
        ],  # rows 9 + 2·4 = 17
        (40, 40, 1),
    )
    assert [s.receptive_field for s in summaries] == [(5, 5), (7, 7), (7, 7), (9, 9), (17, 9)]
    capped = summarize([{"type": "Conv2D", "filters": 1, "kernel_size": 5, "padding": "same"}] * 2, (8, 8, 1))
    assert capped[1].receptive_field == (8, 8)
    assert "capped" in capped[1].formulas["receptive_field"]


def test_receptive_field_equals_the_gradient_footprint_in_tensorflow():
    """With ones as weights and linear layers, d(centre unit)/d(input) is non-zero exactly on its field."""
    import tensorflow as tf

    stacks = [
        [
            {"type": "Conv2D", "filters": 1, "kernel_size": 3, "dilation_rate": 2},
            {"type": "AveragePooling2D", "pool_size": 2},
            {"type": "Conv2D", "filters": 1, "kernel_size": (3, 5), "strides": 2},
            {"type": "AveragePooling2D", "pool_size": 3, "strides": 1},
        ],
        [
            {"type": "Conv2D", "filters": 1, "kernel_size": 5, "strides": (2, 1)},
            {"type": "Conv2D", "filters": 1, "kernel_size": 2, "strides": 2},
            {"type": "Conv2D", "filters": 1, "kernel_size": 3, "dilation_rate": (1, 3)},
        ],
        [
            {
                "type": "Residual",
                "layers": [
                    {"type": "Conv2D", "filters": 1, "kernel_size": 3, "padding": "same"},
                    {"type": "Conv2D", "filters": 1, "kernel_size": 3, "padding": "same"},
                ],
            },
            {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2},
            {"type": "SeparableConv2D", "filters": 1, "kernel_size": (3, 2), "dilation_rate": 2},
            {
                "type": "Residual",
                "layers": [{"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}],
                "shortcut": "projection",
            },
        ],
    ]
    for stack in stacks:
        model = to_keras(stack, (48, 48, 1))
        for weights in model.weights:
            weights.assign(np.ones(weights.shape, dtype="float32") * ("kernel" in weights.name))
        x = tf.constant(np.random.default_rng(0).random((1, 48, 48, 1), dtype=np.float32))
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = model(x)
            unit = out[0, out.shape[1] // 2, out.shape[2] // 2, 0]
        footprint = np.nonzero(tape.gradient(unit, x).numpy()[0, :, :, 0])
        extent = tuple(int(axis.max() - axis.min() + 1) for axis in footprint)
        assert extent == summarize(stack, (48, 48, 1))[-1].receptive_field, stack


def test_new_layer_numbers_by_hand():
    grouped, depthwise, separable, transposed, upsampled = summarize(
        [
            {"type": "Conv2D", "filters": 6, "kernel_size": 3, "groups": 2, "padding": "same"},
            {"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 2, "use_bias": False},
            {"type": "SeparableConv2D", "filters": 8, "kernel_size": 3},
            {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3, "strides": 2, "output_padding": 1},
            {"type": "UpSampling2D", "size": (2, 3), "interpolation": "bilinear"},
        ],
        (10, 10, 4),
    )
    assert (grouped.params, grouped.macs) == (3 * 3 * 2 * 6 + 6, 10 * 10 * 6 * 3 * 3 * 2)
    assert (depthwise.output_shape, depthwise.params) == ((8, 8, 12), 3 * 3 * 6 * 2)
    assert separable.params == 3 * 3 * 12 + 12 * 8 + 8
    assert separable.macs == 6 * 6 * 12 * 9 + 6 * 6 * 12 * 8
    assert transposed.output_shape == ((6 - 1) * 2 - 0 + 3 + 1, (6 - 1) * 2 + 3 + 1, 4)  # (i−1)·s − 2p + k + op
    assert transposed.macs == 6 * 6 * 8 * 3 * 3 * 4
    assert "(6−1)·2 − 2·0 + 3 + 1 = 14" in transposed.formulas["output_shape"]
    assert upsampled.output_shape == (28, 42, 4) and upsampled.params == 0


@pytest.mark.parametrize(
    ("layer", "input_shape", "words"),
    [
        ({"type": "Conv2D", "filters": 6, "kernel_size": 3, "groups": 4}, (8, 8, 6), ["groups=4", "divide"]),
        (
            {"type": "Residual", "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3}]},
            (8, 8, 3),
            ["Layer 1 (Residual)", "(8, 8, 3) into (6, 6, 8)", "projection"],
        ),
        (
            {
                "type": "Residual",
                "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3}],
                "shortcut": "projection",
            },
            (8, 8, 3),
            ["whole strides", "6×6"],
        ),
        (
            {"type": "Residual", "layers": [{"type": "Conv2D", "filters": 0, "kernel_size": 3}]},
            (8, 8, 3),
            ["Layer 1 (Residual)", "branch layer 1 (Conv2D)", "filters"],
        ),
        (
            {"type": "Residual", "layers": [{"type": "Residual", "layers": [{"type": "ReLU"}]}]},
            (8, 8, 3),
            ["itself a Residual"],
        ),
        ({"type": "Residual", "layers": []}, (8, 8, 3), ["empty"]),
        (
            {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2},
            (8, 8, 3),
            ["output_padding 2", "smaller than the stride 2"],
        ),
        ({"type": "Reshape", "target_shape": [5, -1]}, (8, 8, 3), ["192 values", "divides"]),
        ({"type": "Reshape", "target_shape": [7, 7]}, (8, 8, 3), ["192 values", "49"]),
        ({"type": "UpSampling2D", "interpolation": "bicubic"}, (8, 8, 3), ["'nearest' or 'bilinear'"]),
        ({"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (8, 8, 3), ["dilation"]),
    ],
)
def test_invalid_new_layers_name_the_layer_and_the_fix(layer, input_shape, words):
    with pytest.raises(StackError) as caught:
        summarize([layer], input_shape)
    assert caught.value.position == 1
    for word in words:
        assert word in str(caught.value)


def test_format_bytes():
    assert [format_bytes(v) for v in (0, 1023, 147_456, 11 * 2**20, 3 * 2**40)] == [
        "0 bytes",
        "1023 bytes",
        "144 KiB",
        "11 MiB",
        "3.07e+03 GiB",
    ]


# ---------------------------------------------------------------- invalid stacks
CONV = {"type": "Conv2D", "filters": 8, "kernel_size": 3}
POOL = {"type": "MaxPooling2D", "pool_size": 2}
# (stack, input shape, position, words the message must contain)
ARGUMENT_PROBLEMS = [
    ([CONV, {"type": "Conv2d", "filters": 8, "kernel_size": 3}], (28, 28, 1), 2, ["unknown layer type", "Conv2D"]),
    ([{"type": "Conv2D", "filter": 8, "kernel_size": 3}], (28, 28, 1), 1, ["unknown argument 'filter'", "'filters'"]),
    ([CONV, {**CONV, "filters": 0}], (28, 28, 1), 2, ["filters must be at least 1"]),
    ([{**CONV, "strides": 0}], (28, 28, 1), 1, ["strides must be at least 1"]),
    ([{**CONV, "strides": [1, 0]}], (28, 28, 1), 1, ["strides must be at least 1"]),
    ([{**CONV, "kernel_size": [3, 3, 3]}], (28, 28, 1), 1, ["(rows, cols)"]),
    ([{**CONV, "filters": 3.5}], (28, 28, 1), 1, ["whole number"]),
    ([{**CONV, "filters": True}], (28, 28, 1), 1, ["whole number"]),
    ([{**CONV, "padding": "full"}], (28, 28, 1), 1, ["'valid'", "'same'"]),
    ([{**CONV, "activation": "rectifier"}], (28, 28, 1), 1, ["activation"]),
    ([{"type": "Dense"}], (28, 28, 1), 1, ["'units' is required"]),
    ([{"type": "Dropout", "rate": 1.5}], (28, 28, 1), 1, ["rate"]),
    ([{"type": "ZeroPadding2D", "padding": -1}], (28, 28, 1), 1, ["at least 0"]),
    ([{"type": "Activation"}], (28, 28, 1), 1, ["required"]),
    (["Conv2D"], (28, 28, 1), 1, ["must be a dict"]),
    ([{"filters": 3}], (28, 28, 1), 1, ["unknown layer type"]),
]
SHAPE_PROBLEMS = [  # Keras refuses these too
    ([{**CONV, "strides": 2, "dilation_rate": 2}], (28, 28, 1), 1, ["strides > 1 with dilation_rate > 1"]),
    ([POOL, POOL, CONV], (8, 8, 1), 3, ["2×2 input is smaller than the 3×3 kernel", "padding='same'"]),
    ([{**CONV, "kernel_size": 3, "dilation_rate": 3}], (6, 6, 1), 1, ["dilation 3×3 spreads it over 7×7"]),
    ([POOL, POOL, POOL], (4, 4, 1), 3, ["1×1 input is smaller than the 2×2 pooling window", "1×1"]),
    ([CONV, {"type": "Flatten"}, CONV], (28, 28, 1), 3, ["flat vector (5408,)", "layer 2 (Flatten)"]),
    (
        [{"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 4}, POOL],
        (9, 9, 2),
        3,
        ["layer 1 (GlobalAveragePooling2D)"],
    ),
    ([{"type": "Flatten"}, {"type": "ZeroPadding2D"}], (9, 9, 2), 2, ["(height, width, channels)"]),
]
INVALID = ARGUMENT_PROBLEMS + SHAPE_PROBLEMS


@pytest.mark.parametrize(("stack", "input_shape", "position", "words"), INVALID)
def test_invalid_stacks_name_the_layer_and_the_fix(stack, input_shape, position, words):
    with pytest.raises(InputError) as caught:
        summarize(stack, input_shape)
    error = caught.value
    layer_type = stack[position - 1].get("type") if isinstance(stack[position - 1], dict) else None
    assert isinstance(error, StackError) and error.position == position
    assert str(error).startswith(f"Layer {position}" + (f" ({layer_type})" if layer_type else ""))
    for word in words:
        assert word in str(error)
    with pytest.raises(StackError):
        to_keras(stack, input_shape)  # our message, not Keras'


@pytest.mark.parametrize("case", SHAPE_PROBLEMS)
def test_keras_also_refuses_the_shape_problems(case):
    stack, input_shape, _, _ = case
    with pytest.raises((ValueError, TypeError)):
        _raw_keras(stack, input_shape)


def test_random_stacks_broken_on_purpose_report_the_inserted_layer():
    broken = 0
    for input_shape, stack in RANDOM_STACKS:
        summaries = summarize(stack, input_shape)
        for index, summary in enumerate(summaries):
            out = summary.output_shape
            if len(out) == 1:  # a Conv2D after a flat output
                bad = [*stack[: index + 1], CONV, *stack[index + 1 :]]
            else:  # a pooling window one larger than the map
                bad = [
                    *stack[: index + 1],
                    {"type": "AveragePooling2D", "pool_size": max(out[:2]) + 1},
                    *stack[index + 1 :],
                ]
            with pytest.raises(StackError) as caught:
                summarize(bad, input_shape)
            assert caught.value.position == index + 2
            broken += 1
    assert broken > 4 * N_RANDOM


@pytest.mark.parametrize("shape", [(28, 28), (0, 28, 1), (28, 28, 1.5), "28x28", (28, 28, 1000), None])
def test_bad_input_shapes(shape):
    with pytest.raises(StackError, match="input shape") as caught:
        summarize([CONV], shape)
    assert caught.value.position is None


def test_stack_must_be_a_list_of_reasonable_length():
    with pytest.raises(StackError):
        summarize({"type": "Flatten"}, (4, 4, 1))
    with pytest.raises(StackError, match="201 layers, counting those inside blocks; the most allowed is 200 layers"):
        summarize([{"type": "Dropout", "rate": 0.1}] * 201, (4, 4, 1))
    assert summarize([], (4, 4, 1)) == []


def test_advice_and_check_classifier():
    notes = advice(summarize([CONV, {"type": "Dense", "units": 10}], (8, 8, 1)))
    assert any("Layer 2 (Dense)" in note and "Flatten" in note for note in notes)
    assert any("ends with the map (6, 6, 10)" in note for note in notes)
    assert advice(summarize(*reversed(PRESETS["MNIST CNN"]))) == []
    with pytest.raises(StackError, match="Dense\\(6, activation='softmax'\\)"):
        check_classifier(PRESETS["MNIST CNN"][1], (28, 28, 1), 6)
    with pytest.raises(StackError, match="Flatten"):
        check_classifier([CONV], (28, 28, 1), 10)
    with pytest.raises(StackError, match="empty"):
        check_classifier([], (28, 28, 1), 10)


def test_default_layers_are_valid_and_compact_forms_are_keras_equivalent():
    for layer_type in LAYER_TYPES:
        layer = default_layer(layer_type)
        assert compact_layer(layer) == layer or "pool_size" in compact_layer(layer)
    with pytest.raises(InputError):
        default_layer("Conv3D")
    assert compact_layer({"type": "ZeroPadding2D", "padding": ((1, 1), (2, 2))}) == {
        "type": "ZeroPadding2D",
        "padding": [1, 2],
    }
    assert compact_layer({"type": "ZeroPadding2D", "padding": ((1, 0), (2, 2))}) == {
        "type": "ZeroPadding2D",
        "padding": [[1, 0], [2, 2]],
    }
    assert compact_layer({**CONV, "strides": (1, 1), "activation": None}) == CONV


# ---------------------------------------------------------------- JSON and code
def test_json_round_trip_keeps_every_number():
    for input_shape, stack in [*PRESETS.values(), *RANDOM_STACKS]:
        text = to_json(stack, input_shape)
        loaded_shape, loaded = from_json(text)
        assert loaded_shape == input_shape
        assert summarize(loaded, loaded_shape) == summarize(stack, input_shape)
        assert from_json(text.encode()) == (loaded_shape, loaded)
        json.loads(text)


def test_problems_are_reported_in_stack_order():
    """The first bad layer is named even when a later one also has a bad argument."""
    with pytest.raises(StackError) as caught:
        summarize([POOL, POOL, CONV, {"type": "Dense", "units": 0}], (8, 8, 1))
    assert caught.value.position == 3


def test_json_may_hold_an_unfinished_stack_for_the_builder_to_show():
    shape, stack = from_json(to_json([POOL, POOL, CONV], (8, 8, 1)))
    with pytest.raises(StackError) as caught:
        summarize(stack, shape)
    assert caught.value.position == 3


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("{", "not valid JSON"),
        ('{"input_shape": [28, 28, 1], "layers": [}', "line 1"),
        ("[1, 2]", "'input_shape' and 'layers'"),
        ('{"layers": []}', "'input_shape' and 'layers'"),
        ('{"input_shape": [28, 28, 1], "layers": {}}', "must be a list"),
        ('{"input_shape": [28, 28], "layers": []}', "input shape"),
        ('{"input_shape": [28, 28, 1], "layers": [{"type": "Conv3D"}]}', "Layer 1"),
        ('{"input_shape": [28, 28, 1], "layers": [{"type": "Dense", "units": "ten"}]}', "Layer 1 (Dense): units"),
        ('{"format": "keras", "input_shape": [28, 28, 1], "layers": []}', "format"),
        ('{"input_shape": [28, 28, 1], "layers": [], "optimizer": "adam"}', "Unknown key"),
        (b"\xff\xfe\x00junk", "UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "JSON"),
        (" " * 100_001, "This JSON is too big: 100,001 characters; the most allowed is 100,000 characters"),
        ("[" * 17 + "]" * 17, "This JSON is nested too deeply: 17 levels; the most allowed is 16 levels"),
    ],
)
def test_malformed_json_is_an_input_error(text, words):
    with pytest.raises(InputError) as caught:
        from_json(text)
    assert words in str(caught.value)


def test_generated_code_runs_and_builds_the_same_model(capsys, tmp_path, monkeypatch):
    # A reused demo network's weights come from its Keras file, which the code expects beside it.
    monkeypatch.chdir(tmp_path)
    shutil.copy(PRETRAINED_DIR / "mnist.keras", tmp_path / "mnist.keras")
    small = [(shape, stack) for shape, stack in PRESETS.values() if totals(summarize(stack, shape)).params < 50_000_000]
    residual = [case for case in RANDOM_STACKS if any(layer["type"] == "Residual" for layer in case[1])][:5]
    cases = [*small, *RANDOM_STACKS[:10], *residual]
    for input_shape, stack in cases:
        code = to_code(stack, input_shape)
        namespace: dict[str, Any] = {}
        exec(compile(code, "model.py", "exec"), namespace)  # noqa: S102 - our own generated code
        model = namespace["model"]
        reference = to_keras(stack, input_shape)
        assert model.count_params() == reference.count_params()
        assert [tuple(layer.output.shape) for layer in model.layers] == [
            tuple(layer.output.shape) for layer in reference.layers
        ]
        if any(layer["type"] == "Pretrained" for layer in stack):  # the demo's weights, frozen, in both
            reused = [layer for layer in reference.layers if layer.name.startswith("pretrained_")]
            assert all(not layer.trainable for layer in reused)
            for layer in reused:
                for ours, theirs in zip(model.get_layer(layer.name).get_weights(), layer.get_weights(), strict=True):
                    np.testing.assert_array_equal(ours, theirs)
    assert "Total params" in capsys.readouterr().out
    code = to_code(*reversed(PRESETS["MNIST CNN"]))
    assert 'layers.Conv2D(32, kernel_size=3, activation="relu"),  # -> (26, 26, 32)' in code
    assert "layers.MaxPooling2D(pool_size=2)" in code


def test_dense_on_pixels_matches_keras_and_the_largest_layer_share():
    """The "why convolutions" numbers: a Dense layer on the raw pixels, and the largest layer's share."""
    from cnnviz.architecture import dense_on_pixels, largest_layer

    values, params = dense_on_pixels((28, 28, 1), 1000)
    model = keras.Sequential([keras.Input((values,)), keras.layers.Dense(1000)])
    assert (values, params) == (784, model.count_params())
    assert dense_on_pixels((224, 224, 3), 1000) == (150_528, 150_529_000)
    shape, stack = PRESETS["MNIST CNN"]
    summaries = summarize(stack, shape)
    largest, share = largest_layer(summaries)
    assert largest.params == max(s.params for s in summaries)
    assert share == pytest.approx(largest.params / to_keras(stack, shape).count_params())
    flat = summarize([{"type": "Flatten"}], (4, 4, 1))
    assert largest_layer(flat) == (flat[0], 0.0)


def test_a_checked_stack_keeps_the_layers_before_the_first_invalid_one():
    from cnnviz.architecture import check_stack

    good = [{"type": "Conv2D", "filters": 4, "kernel_size": 3}, {"type": "MaxPooling2D"}]
    checked = check_stack(good, (8, 8, 1))
    assert checked.error is None and checked.bad_position is None
    assert [s.output_shape for s in checked.summaries] == [(6, 6, 4), (3, 3, 4)]
    shrunk = [*good, {"type": "Conv2D", "filters": 4, "kernel_size": 5}, {"type": "Flatten"}]  # 5×5 on 3×3
    checked = check_stack(shrunk, (8, 8, 1))
    assert checked.bad_position == 3 and "smaller than the 5×5 kernel" in str(checked.error)
    assert [s.output_shape for s in checked.summaries] == [(6, 6, 4), (3, 3, 4)]
    assert check_stack("not a stack", (8, 8, 1)).summaries == []  # type: ignore[arg-type]


# ---------------------------------------------------------------- the course's two components
@pytest.mark.parametrize(
    ("name", "features", "classifier"),
    [
        ("LeNet-5", ["Conv2D", "AveragePooling2D"] * 2 + ["Conv2D"], ["Flatten", "Dense", "Dense"]),
        ("MNIST CNN", ["Conv2D", "MaxPooling2D"] * 2, ["Flatten", "Dense", "Dense"]),
        ("Small ResNet (28×28)", ["Conv2D", "Residual", "Residual"], ["GlobalAveragePooling2D", "Dense"]),
        ("Reused digit features (28×28)", ["Pretrained"], ["Dropout", "Dense"]),
    ],
)
def test_two_parts_split_where_the_feature_maps_become_one_vector(name, features, classifier):
    """Flatten or global pooling opens the classification part; a reused extractor closes the features part;
    each part's parameters are its Keras layers' own."""
    input_shape, stack = PRESETS[name]
    summaries = summarize(stack, input_shape)
    parts = two_parts(summaries)
    assert parts is not None
    assert [s.type for s in parts.features] == features and [s.type for s in parts.classifier] == classifier
    assert all(len(s.output_shape) == 3 for s in parts.features[:-1])
    model = to_keras(stack, input_shape)
    for part in (parts.features, parts.classifier):
        keras_params = sum(layer.count_params() for s in part for layer in _keras_parts(model, s))
        assert keras_params == totals(part).params


def test_a_stack_without_a_classification_part_has_no_two_parts():
    shape, autoencoder = PRESETS["Convolutional autoencoder (28×28)"]
    assert two_parts(summarize(autoencoder, shape)) is None  # it ends in an image
    assert two_parts(summarize([{"type": "Flatten"}, {"type": "Dense", "units": 10}], (28, 28, 1))) is None
