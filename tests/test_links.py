"""The link is the lesson: every page's state survives a trip through the address bar, and hostile
query strings lose only their bad parts (AppTest, so the pages' own widgets are checked)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import links, options
from cnnviz.architecture import PRESETS, compact_layer, summarize
from cnnviz.datasets import NAMES, NEU_SIZES
from cnnviz.errors import InputError
from cnnviz.kernels import PRESETS as KERNELS
from cnnviz.recipes import RECIPES
from cnnviz.training import OPTIMIZERS
from tests.conftest import run_page

HOSTILE = {
    "utm_source": "x",
    "kernel": " ".join(["_".join(["1"] * 50)] * 50),
    "stride": "0",
    "junk": "%00<script>" * 1000,
    "stack": "conv-32-k.99 flatten",
}


def opened(page: str, query: dict[str, str]) -> AppTest:
    return run_page(page, query=query, timeout=90)


def reopened(app: AppTest, page: str) -> AppTest:
    """The same page opened in a fresh session from the link the first one wrote."""
    assert not app.exception
    return opened(page, {key: str(value) for key, value in app.query_params.items()})


def notices(app: AppTest) -> list[str]:
    return [w.value for w in app.warning if "link could not be used" in w.value]


# ---------------------------------------------------------------- the codecs, no Streamlit
def test_every_preset_stack_round_trips_and_a_15_layer_stack_fits_comfortably_in_a_url():
    for _shape, stack in PRESETS.values():
        text = links.write_stack(stack)
        assert links.read_stack(text) == [compact_layer(layer, i) for i, layer in enumerate(stack, start=1)]
    _, vgg = PRESETS["Small VGG"]
    assert len(vgg) >= 15 and len(links.write_stack(vgg)) < 300  # browsers take 2,000+


def test_hostile_parts_are_dropped_one_by_one_and_the_rest_is_applied():
    values, problems = links.decode("convolution", {**HOSTILE, "padding": "same", "dilation": "2"})
    assert values == {"conv_padding": "same", "conv_dilation": 2}
    assert len(problems) == 3  # unknown names (once), the 50×50 kernel, stride 0
    _, problems = links.decode("layer_builder", {"stack": HOSTILE["stack"], "input": "28x28x1"})
    assert "larger" in problems[0] or "smaller" in problems[0]
    with pytest.raises(InputError):
        links.read_stack("conv-32 " * 100)
    kernel, _ = links.decode("convolution", {"kernel": "-1_0_1 -2_0_2 -1_0_1"})
    np.testing.assert_array_equal(kernel["conv_kernel_matrix"], KERNELS["sobel_x"].matrix)
    assert links.encode("convolution", {"conv_kernel_matrix": KERNELS["sobel_x"].matrix}) == ({"kernel": "sobel_x"}, [])


# ---------------------------------------------------------------- every option, one by one
#: Spans with more values than this are sampled (the random starts are 2³¹): both ends, the powers of two
#: around them and 2,000 random values. Every other option is round-tripped value by value.
MOST_VALUES_ENUMERATED = 1_000_001


def every_value(codec: links.Codec) -> Iterator[Any]:
    allowed = codec.allowed()
    if not isinstance(allowed, range) or len(allowed) <= MOST_VALUES_ENUMERATED:
        yield from allowed
        return
    rng = random.Random(30)
    powers = [2**k + d for k in range(allowed.stop.bit_length()) for d in (-1, 0, 1)]
    picks = [allowed[0], allowed[-1], *powers, *(rng.randrange(allowed.start, allowed.stop) for _ in range(2000))]
    yield from (value for value in picks if value in allowed)


def preset_shape(stack: list[dict[str, Any]]) -> tuple[int, int, int]:
    """The input shape of the preset that ``stack`` (a preset or one without its last layer) comes from."""
    for shape, preset in PRESETS.values():
        if [compact_layer(layer, i) for i, layer in enumerate(preset, start=1)][: len(stack)] == stack:
            return shape
    raise AssertionError("not a preset's stack")


def state_for(page: str, name: str, value: Any) -> dict[str, Any]:
    """The page's state holding ``value`` for part ``name``, and what makes that part matter (``links.NEEDS``)."""
    schema = links.SCHEMAS[page]
    state = {schema[name][0].format_map(links.DEFAULT_TEXT): value}
    if name in links.NEEDS.get(page, {}):
        other, text = links.NEEDS[page][name]
        state[schema[other][0]] = schema[other][1].read(text)
    if name == "stack":
        state["input_shape"] = preset_shape(value)
        if page == "training":
            state[schema["network"][0]] = options.NETWORK_SOURCES["stack"]
    return state


def same(a: Any, b: Any) -> bool:
    return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) else a == b and type(a) is type(b)


def test_every_allowed_value_of_every_option_survives_a_link():
    """Each page's every part, each value it allows (spans above a million values sampled): encode → decode gives
    the value back, with no problem either way."""
    counted = 0
    for page, schema in links.SCHEMAS.items():
        for name, (key, codec) in schema.items():
            key = key.format_map(links.DEFAULT_TEXT)
            values = 0
            for value in every_value(codec):
                query, left_out = links.encode(page, state_for(page, name, value))
                assert not left_out and name in query, (page, name, value, left_out)
                decoded, problems = links.decode(page, query)
                assert not problems and same(decoded[key], value), (page, name, value, query, problems)
                values += 1
            assert values, (page, name)
            counted += values
    assert counted > 1_010_000  # every one of the million example sets, the pixel offsets, ...


def test_the_options_are_what_the_codecs_allow():
    """The codecs carry the options the widgets offer (one constant each), and the notebook batch size 50 among them."""
    training = {name: codec for name, (_key, codec) in links.SCHEMAS["training"].items()}
    assert list(training["batch"].allowed()) == list(options.BATCH_SIZES) and 50 in options.BATCH_SIZES
    assert list(training["lr"].allowed()) == list(options.LEARNING_RATES)
    assert list(training["images"].allowed()) == list(options.TRAINING_IMAGES)
    assert list(training["epochs"].allowed()) == list(range(1, 61))
    assert list(training["val"].allowed()) == [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    assert list(training["optimizer"].allowed()) == list(OPTIMIZERS)
    assert list(training["dataset"].allowed()) == list(NAMES)
    assert list(training["neu_size"].allowed()) == list(NEU_SIZES)
    assert list(training["network"].allowed()) == list(options.NETWORK_SOURCES.values())
    assert list(training["recipe"].allowed()) == list(RECIPES)


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_recipes_settings_travel_in_a_link(name):
    """A recipe's settings are options of the form, so the link of a recipe's form carries all of them."""
    config = RECIPES[name].config
    state = {
        "tr_source": options.NETWORK_SOURCES["recipe"],
        "tr_recipe": name,
        "tr_optimizer": config.optimizer,
        "tr_lr": config.learning_rate,
        "tr_batch": config.batch_size,
        "tr_epochs": config.epochs,
        "tr_subset": config.max_train_samples or "all",
        "tr_val": config.validation_split,
        "tr_early": config.early_stopping_patience is not None,
        "tr_patience": config.early_stopping_patience or 2,
        "tr_seed": config.seed,
    }
    query, left_out = links.encode("training", state)
    assert not left_out
    values, problems = links.decode("training", query)
    assert not problems
    assert values == {key: value for key, value in state.items() if key != "tr_patience" or state["tr_early"]}


def test_a_value_a_link_cannot_carry_is_left_out_with_a_reason():
    state = {
        "tr_source": options.NETWORK_SOURCES["stack"],
        "tr_batch": 48,  # no widget offers it
        "tr_epochs": 61,
        "tr_dataset": "uploaded",
        "tr_recipe": "no such recipe",  # irrelevant with the layer builder's stack: left out without a word
        "stack": [{"type": "Residual", "layers": [{"type": "Dense", "units": 4}]}],
        "tr_seed": 7,
    }
    query, left_out = links.encode("training", state)
    assert query == {"network": "stack", "start": "7"}
    assert [problem.split(":")[0] for problem in left_out] == ["dataset", "stack", "batch", "epochs"]
    assert "48 cannot travel in a link" in left_out[2] and "from 1 to 60" in left_out[3]
    assert "uploaded images" in left_out[0]


# ---------------------------------------------------------------- every page, through AppTest
def test_the_widgets_offer_the_options_the_links_carry():
    """The Convolution and Training pages' widgets read the same constants as the codecs."""
    conv = opened("convolution", {"padding": "custom", "pool_size": "2"})  # a pooling setting opens its section
    for key, span in (
        ("conv_stride", options.CONV_STRIDES),
        ("conv_p", options.CONV_PADDING_ZEROS),
        ("conv_dilation", options.CONV_DILATIONS),
        ("conv_pool_size", options.POOL_SIZES),
        ("conv_pool_stride", options.POOL_STRIDES),
    ):
        assert (conv.number_input(key=key).min, conv.number_input(key=key).max) == (span.low, span.high), key
    assert conv.radio(key="conv_padding").options == list(options.CONV_PADDINGS.values())
    assert conv.radio(key="conv_pool").options == list(options.POOLINGS.values())
    assert conv.selectbox(key="conv_activation").options == list(options.CONV_ACTIVATIONS)
    training = opened("training", {"early": "1"})
    assert training.radio(key="tr_source").options[-2:] == [options.NETWORK_SOURCES[c] for c in ("recipe", "preset")]
    assert training.select_slider(key="tr_lr").options == [f"{r:g}" for r in options.LEARNING_RATES]
    assert training.select_slider(key="tr_batch").options == [str(b) for b in options.BATCH_SIZES]
    assert training.select_slider(key="tr_subset").options == [
        n if n == "all" else f"{n:,}" for n in options.TRAINING_IMAGES
    ]
    for slider, span in (("tr_epochs", options.EPOCHS), ("tr_val", options.VALIDATION_SPLITS)):
        assert (training.slider(key=slider).min, training.slider(key=slider).max) == (span.low, span.high), slider
    assert training.slider(key="tr_val").step == options.VALIDATION_SPLITS.step
    for key, span in (("tr_patience", options.PATIENCES), ("tr_seed", options.RANDOM_STARTS)):
        assert (training.number_input(key=key).min, training.number_input(key=key).max) == (span.low, span.high), key


def test_convolution_link_round_trip():
    query = {
        "image": "photo-stripes",
        "kernel": "1_2_1 0_0_0 -1_-2_-1",
        "stride": "2",
        "padding": "custom",
        "p": "3",
        "dilation": "2",
        "flip": "1",
        "activation": "tanh",
        "pool": "avg",
        "pool_size": "3",
        "pool_stride": "1",
    }
    app = opened("convolution", query)
    assert not app.exception and not notices(app)
    assert app.number_input(key="conv_stride").value == 2 and app.number_input(key="conv_p").value == 3
    assert app.toggle(key="conv_flip").value and app.selectbox(key="conv_activation").value == "tanh"
    assert app.radio(key="conv_pool").value == "average"
    assert app.session_state["image_label"] == "Sample: Photo: stripes and checks (generated)"
    written = dict(app.query_params)
    assert {**written, "kernel": ""} == {**query, "kernel": ""}
    np.testing.assert_array_equal(links.KERNEL.read(written["kernel"]), [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    again = reopened(app, "convolution")
    assert [m.value for m in again.metric] == [m.value for m in app.metric]


def test_a_linked_preset_kernel_shows_in_the_kernel_editor():
    app = opened("convolution", {"kernel": "sobel_x"})
    assert not app.exception and not notices(app)
    assert app.selectbox(key="conv_kernel_preset").value == "sobel_x"
    np.testing.assert_array_equal(app.session_state["conv_kernel_matrix"], KERNELS["sobel_x"].matrix)


def test_convolution_hostile_link_keeps_the_page_working():
    app = opened("convolution", {**HOSTILE, "padding": "same"})
    assert not app.exception
    assert len(notices(app)) == 1 and "stride" in notices(app)[0] and "kernel" in notices(app)[0]
    assert app.radio(key="conv_padding").value == "same" and app.number_input(key="conv_stride").value == 1


def test_pixels_link_round_trip():
    app = opened("pixels", {"image": "photo-sunset", "channel": "blue", "top": "5", "left": "7"})
    assert not app.exception and not notices(app)
    assert app.radio(key="pixels_channel").value == "blue" and app.number_input(key="pixels_top").value == 5
    assert reopened(app, "pixels").number_input(key="pixels_left").value == 7


def test_layer_builder_link_round_trip_and_a_stack_that_does_not_fit():
    shape, stack = PRESETS["Small VGG"]
    query = {"input": "32x32x3", "stack": links.write_stack(stack)}
    app = opened("layer_builder", query)
    assert not app.exception and not notices(app)
    assert app.session_state["stack"] == [compact_layer(layer, i) for i, layer in enumerate(stack, start=1)]
    assert dict(app.query_params) == query
    assert reopened(app, "layer_builder").session_state["input_shape"] == (32, 32, 3)
    broken = opened("layer_builder", {"input": "4x4x1", "stack": links.write_stack(stack)})
    assert not broken.exception and len(notices(broken)) == 1
    summarize(broken.session_state["stack"], broken.session_state["input_shape"])  # the page kept a valid stack


def test_training_form_link_round_trip():
    query = {
        "dataset": "neu",
        "neu_size": "32",
        "network": "preset",
        "preset": "NEU CNN 64x64 (fast)",
        "optimizer": "sgd",
        "lr": "0.01",
        "batch": "32",
        "epochs": "7",
        "images": "500",
        "val": "0.2",
        "early": "1",
        "patience": "3",
        "augment": "0",
        "cosine": "1",
        "best": "1",
        "fgsm": "1",
        "fgsm_eps": "0.2",
        "start": "42",
        "shuffle": "1",
        "valfirst": "0",
        "loss": "categorical",
    }
    app = opened("training", query)
    assert not app.exception and not notices(app)
    assert app.session_state["tr_seed"] == 42 and app.session_state["tr_lr"] == 0.01
    assert app.session_state["tr_shuffle_pixels"] and app.session_state["tr_loss"] == "categorical_crossentropy"
    assert app.session_state["tr_fgsm"] and app.session_state["tr_fgsm_eps"] == 0.2
    assert dict(app.query_params) == query
    assert reopened(app, "training").session_state["tr_preset"] == "NEU CNN 64x64 (fast)"
    hostile = opened("training", {**HOSTILE, "epochs": "100000", "optimizer": "adam"})
    assert not hostile.exception and len(notices(hostile)) == 1


def test_inside_link_round_trip():
    app = opened("inside", {"model": "fashion_mnist", "tab": "filters", "image": "fashion-trouser"})
    assert not app.exception and not notices(app)
    assert app.session_state["inside_model"] == links.demo_label("fashion_mnist")
    assert app.session_state["inside_tab"] == options.INSIDE_TABS["filters"]
    assert dict(app.query_params)["tab"] == "filters"
    assert reopened(app, "inside").session_state["inside_model"] == links.demo_label("fashion_mnist")
    hostile = opened("inside", {**HOSTILE, "model": "resnet", "tab": "x" * 10_000})
    assert not hostile.exception and len(notices(hostile)) == 1


def test_a_preset_travels_by_name_and_a_custom_residual_stack_is_refused_with_a_message():
    _, mobilenet = next(value for name, value in PRESETS.items() if name.startswith("MobileNet"))
    text = links.write_stack(mobilenet)
    assert text.startswith(links.PRESET_PREFIX) and len(text) < 60
    assert links.read_stack(text) == [compact_layer(layer, i) for i, layer in enumerate(mobilenet, start=1)]
    with pytest.raises(InputError, match="no preset network"):
        links.read_stack("preset.no_such_network")
    residual = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"},
        {"type": "Residual", "layers": [{"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"}]},
    ]
    with pytest.raises(InputError, match="cannot travel in a link"):
        links.write_stack(residual)


def test_typed_kernels_travel_exactly():
    kernel = np.array([[1 / 9, -1 / 16, 0.1], [1e-7, 2.0, -0.333333], [float(np.float32(0.1)), 3 / 7, -1 / 3]])
    text = links.KERNEL.write(kernel)
    assert "1/9" in text and "-1/16" in text and "3/7" in text  # simple fractions stay readable
    np.testing.assert_array_equal(links.KERNEL.read(text), kernel)
    for value in (1 / 3, -2.5, 1e-12, 123456.789, np.nextafter(0.5, 1)):
        assert (
            float(links.exact_text(value).split("/")[0]) / float((links.exact_text(value) + "/1").split("/")[1])
            == value
        )


def test_a_typed_kernel_survives_a_link_round_trip_through_the_page():
    thirds = "1/3_-1/9_0.1 1/7_2_-1/16 0_0_1e-05"
    app = opened("convolution", {"kernel": thirds})
    assert not app.exception and not notices(app)
    kernel = app.session_state["conv_kernel_matrix"]
    again = reopened(app, "convolution")
    np.testing.assert_array_equal(again.session_state["conv_kernel_matrix"], kernel)
    np.testing.assert_array_equal(kernel, [[1 / 3, -1 / 9, 0.1], [1 / 7, 2, -1 / 16], [0, 0, 1e-05]])


def test_datasets_link_round_trip():
    query = {"dataset": "neu", "size": "32", "log": "1", "examples": "3"}
    app = opened("data", query)
    assert not app.exception and not notices(app)
    assert app.session_state["data_choice"] == "NEU steel defects"
    assert app.session_state["data_neu_size"] == "32 × 32" and app.toggle(key="data_log_neu").value
    assert [m.value for m in app.metric][-1] == "32 × 32 × 1"
    assert dict(app.query_params) == query
    again = reopened(app, "data")
    assert [m.value for m in again.metric] == [m.value for m in app.metric]
    fashion = opened("data", {"dataset": "fashion_mnist", "log": "0", "size": "128"})  # a size only NEU uses
    assert fashion.session_state["data_choice"] == "Fashion-MNIST clothes"
    assert not fashion.toggle(key="data_log_fashion_mnist").value
    assert dict(fashion.query_params) == {"dataset": "fashion_mnist", "log": "0"}


def test_datasets_link_says_my_classes_cannot_travel():
    app = opened("data", {"dataset": "mnist"})
    app.segmented_control(key="data_choice").set_value("Your own zip").run()
    assert not app.exception and "dataset" not in dict(app.query_params)
    said = " ".join(c.value for c in app.caption)
    assert "“My classes” can't travel in a link" in said and "opens “MNIST digits”" in said


def test_datasets_hostile_link_keeps_the_page_working():
    app = opened("data", {**HOSTILE, "dataset": "x" * 10_000, "log": "maybe", "examples": "-1", "size": "64"})
    assert not app.exception
    assert len(notices(app)) == 1
    for part in ("unknown parts", "dataset: too long", "log:", "examples:"):
        assert part in notices(app)[0]
    assert app.session_state["data_choice"] == "MNIST digits" and [m.value for m in app.metric][0] == "10"


def in_the_app(query: dict[str, str]) -> AppTest:
    """app.py (navigation, sidebar, Home first) opened on a link."""
    return run_page("app", query=query, timeout=90)


def test_home_link_round_trip_keeps_presentation_mode():
    app = in_the_app({"present": "1"})
    assert not app.exception and not notices(app) and app.toggle(key="presentation").value
    assert dict(app.query_params) == {"present": "1"}
    assert any(code.value.endswith("?present=1") for code in app.code)  # the link in "Copy link to this view"
    again = in_the_app(dict(app.query_params))
    assert again.toggle(key="presentation").value and dict(again.query_params) == {"present": "1"}
    app.toggle(key="presentation").set_value(False).run()
    assert "present" not in dict(app.query_params) and not any("present=1" in c.value for c in app.code)
    hostile = in_the_app({"junk": "%00" * 3000, "present": "1"})
    assert not hostile.exception and len(notices(hostile)) == 1 and hostile.toggle(key="presentation").value


def test_presentation_mode_follows_to_the_next_page_link():
    app = in_the_app({"present": "1"})
    app.switch_page("pages/data.py").run()
    assert not app.exception and app.toggle(key="presentation").value
    assert dict(app.query_params) == {"dataset": "mnist", "log": "1", "present": "1"}


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("pixels", {"channel": "green"}),
        ("convolution", {"stride": "2"}),
        ("layer_builder", {"input": "32x32x3"}),
        ("training", {"epochs": "3"}),
        ("inside", {"tab": "filters"}),
        ("data", {"dataset": "fashion_mnist"}),
    ],
)
def test_presentation_mode_survives_every_pages_link(page, query):
    app = opened(page, {**query, "present": "1"})
    assert not app.exception and not notices(app)  # `present` is the app's own part, not an unknown one
    written = dict(app.query_params)
    assert written["present"] == "1" and query.items() <= written.items()
    assert reopened(app, page).query_params["present"] == "1"
