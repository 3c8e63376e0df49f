"""AppTest runs of the Inside-the-network page: demo models, test examples, every layer, the training hand-off."""

from __future__ import annotations

import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import architecture, inspection
from cnnviz.images import to_model_input
from cnnviz.training import TrainConfig, TrainingRun
from cnnviz.ui import cache
from cnnviz.ui.cache import get_dataset
from tests.conftest import ROOT, page_path, run_page
from tests.svg_reading import SVG, pictures

TIMEOUT = 120  # first run: TensorFlow import and model load on a busy 2-core machine


def start(**state) -> AppTest:
    return run_page("inside", state=state, timeout=TIMEOUT)


def said(app: AppTest) -> str:
    """The page's sentence naming the network's answer."""
    return next(m.value for m in app.markdown if m.value.startswith("The network says"))


def widget(elements, label: str):
    return next(element for element in elements if element.label.startswith(label))


def open_tab(app: AppTest, name: str) -> AppTest:
    """Switch to the tab whose label contains ``name`` (only the open tab's content runs)."""
    app.session_state["inside_tab"] = next(tab.label for tab in app.tabs if name in tab.label)
    return app.run()


def choose_model(app: AppTest, prefix: str) -> AppTest:
    box = app.selectbox(key="inside_model")
    return box.set_value(next(option for option in box.options if option.startswith(prefix))).run()


@pytest.fixture
def app() -> AppTest:
    return start()


def test_the_mnist_demo_reads_the_default_sample_digit(app):
    assert not app.exception
    assert app.selectbox(key="inside_model").value.startswith("Demo: Handwritten digits")
    assert said(app).startswith("The network says **7**")
    assert len(app.get("plotly_chart")) >= 1  # the first layer's maps
    bars = pictures(app)["inside_probabilities"]  # a picture: no Plotly on the first screen
    assert len([bar for bar in bars.iter(f"{SVG}rect") if bar.get("fill")]) == 10  # one bar per digit
    card = next(e for e in app.expander if e.label.startswith("Model card"))
    assert "python -m scripts.pretrain mnist" in card.markdown[0].value


def test_the_chosen_network_can_be_taken_home(app):
    """The expander is drawn with the model and filled once the network has loaded."""
    home = next(e for e in app.expander if "Take this network home" in e.label)
    assert [b.label for b in home.button] == ["Prepare the downloads (5 formats, each checked)", "Run it on your phone"]
    assert any("**Take this network with you**" in m.value for m in home.markdown)


def test_walking_through_every_layer_shows_its_shape(app):
    slider = widget(app.select_slider, "Walk through the network")
    model = inspection.load_pretrained("mnist")
    for option, layer in zip(slider.options, model.layers, strict=True):
        app = slider.set_value(option).run()
        assert not app.exception, option
        shape = "×".join(str(size) for size in layer.output.shape[1:])
        assert any(f"**{layer.name}** ({type(layer).__name__}) · output {shape}" in m.value for m in app.markdown)
        slider = widget(app.select_slider, "Walk through the network")


def test_only_the_open_tab_runs(app):
    assert not any("Grad-CAM asks" in m.value for m in app.markdown)  # the activations tab is open
    app = open_tab(app, "Grad-CAM")
    assert not app.exception
    assert any("Grad-CAM asks" in m.value for m in app.markdown)
    assert not app.select_slider  # the layer walk of the activations tab no longer runs


def test_filters_grad_cam_and_receptive_field_react_to_their_controls(app):
    app = open_tab(app, "Learned filters")
    app = widget(app.selectbox, "Convolution layer").set_value("conv3").run()
    assert not app.exception
    assert any("one 3×3 kernel per input channel" in m.value for m in app.markdown)
    assert any("looks like" in m.value or "loosely" in m.value for m in app.markdown)
    app = open_tab(app, "Grad-CAM")
    app = widget(app.selectbox, "Explain the class").set_value(3).run()
    assert not app.exception
    assert any("evidence for **3**" in m.value for m in app.markdown)
    app = open_tab(app, "Receptive field")
    layer = widget(app.selectbox, "Layer").value
    app = widget(app.slider, "Row").set_value(0).run()
    app = widget(app.slider, "Column").set_value(0).run()
    assert not app.exception
    top, left, bottom, right = inspection.receptive_field(inspection.load_pretrained("mnist"), layer, 0, 0)
    assert any(f"rows {top}–{bottom} and columns {left}–{right}" in c.value for c in app.caption)


@pytest.mark.parametrize(("prefix", "name"), [("Demo: Clothing", "fashion_mnist"), ("Demo: Steel", "neu")])
def test_a_test_set_example_is_predicted_like_the_library_does(app, prefix, name):
    app = choose_model(app, prefix)
    app = app.radio(key="inside_input_kind").set_value("A test-set example").run()
    app = widget(app.number_input, "Test image number").set_value(5).run()
    assert not app.exception
    card = inspection.pretrained_card(name)
    height = card["input_shape"][0]
    test_set = get_dataset(name, image_size=height if name == "neu" else None)
    image, label = test_set.x_test[5], int(test_set.y_test[5])
    expected = inspection.predict(inspection.load_pretrained(name), to_model_input(image, tuple(card["input_shape"])))
    answer = card["class_names"][int(np.argmax(expected))]
    verdict = ":material/check_circle: Right." if answer == card["class_names"][label] else ":material/cancel: Wrong"
    assert said(app).startswith(f"The network says **{answer}**") and verdict in said(app)


def _run(stack: list[dict], input_shape: tuple, class_names: list[str], **extra) -> TrainingRun:
    """A finished run of ``stack`` (fresh weights) as the Training page hands it over."""
    scores = {"test_loss": 1.0, "test_accuracy": 0.9, "dataset": "mnist", **extra}
    return TrainingRun(
        model=architecture.to_keras(stack, input_shape),
        history={"loss": [1.0]},
        seconds=1.0,
        config=TrainConfig(),
        stack=stack,
        input_shape=input_shape,
        class_names=class_names,
        **scores,
    )


def test_the_example_handed_over_by_the_training_page_opens_with_its_run():
    stack = [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 3, "activation": "softmax"},
    ]
    images = np.random.default_rng(0).integers(0, 256, (6, 12, 12, 1), dtype=np.uint8)
    run = _run(
        stack,
        (12, 12, 1),
        ["a", "b", "c"],
        test_accuracy=0.5,
        dataset="toy",
        label="tiny net",
        test_images=images,
        test_labels=np.array([0, 1, 2, 0, 1, 2]),
    )
    app = start(runs=[run], inside_example={"image": images[4], "label": 1, "run_index": 0})
    assert not app.exception
    assert app.selectbox(key="inside_model").value.startswith("tiny net")
    assert any("its true class is **b**" in c.value for c in app.caption)
    slider = widget(app.select_slider, "Walk through the network")
    app = slider.set_value(slider.options[-1]).run()  # the output layer: one bar per class
    assert not app.exception
    assert any(c.value == "3 numbers, one per class." for c in app.caption)
    app = app.radio(key="inside_input_kind").set_value("Your image").run()  # the 28×28 sample, resized to 12×12
    assert not app.exception
    assert said(app).startswith("The network says **")
    app = choose_model(app, "Demo: Clothing")  # the handed-over example belongs to the run, not to this model
    assert not app.exception
    assert "The example from the training page" not in app.radio(key="inside_input_kind").options


def test_a_run_without_convolutions_still_shows_everything_it_has():
    stack = [
        {"type": "Flatten"},
        {"type": "Dense", "units": 16, "activation": "relu"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    run = _run(stack, (28, 28, 1), [str(k) for k in range(10)], test_loss=None, test_accuracy=None, label="dense only")
    app = start(runs=[run])
    app = choose_model(app, "dense only")
    assert not app.exception
    for tab, message in (
        ("Learned filters", "no Conv2D layer"),
        ("Grad-CAM", "Grad-CAM needs a model with at least one convolution"),
        ("Receptive field", "no feature maps"),
    ):
        app = open_tab(app, tab)
        assert not app.exception
        assert any(message in i.value for i in app.info), tab


def test_the_latest_run_is_offered_first_under_its_full_name():
    stack = [{"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]

    def run(label: str) -> TrainingRun:
        return _run(stack, (28, 28, 1), [str(k) for k in range(10)], label=label)

    first, second = run("Run 1 · Quick demo: digits in about 20 seconds"), run("Run 2 · SGD lr 0.03 · 8 epochs")
    app = start(runs=[first])
    assert app.selectbox(key="inside_model").value == "Run 1 · Quick demo: digits in about 20 seconds · 90.0% on test"
    app = choose_model(app, "Demo: Clothing")
    app.session_state["runs"] = [first, second]  # a run finished on the Training page meanwhile
    app = app.run()
    assert not app.exception
    options = app.selectbox(key="inside_model").options
    assert options[:2] == [
        "Run 2 · SGD lr 0.03 · 8 epochs · 90.0% on test",
        "Run 1 · Quick demo: digits in about 20 seconds · 90.0% on test",
    ]
    assert all(option.startswith("Demo: ") for option in options[2:])
    assert app.selectbox(key="inside_model").value == options[0]
    assert any(c.value == f"**{options[0]}**" for c in app.caption)


@pytest.mark.parametrize("name", inspection.PRETRAINED_NAMES)
def test_a_demo_models_facts_come_from_its_card_and_match_the_network(name):
    """The facts line is drawn from the card before the network has loaded: it must say what the network is."""
    card, model = inspection.pretrained_card(name), inspection.load_pretrained(name)
    assert tuple(card["input_shape"]) == inspection.input_shape(model)
    assert len(card["layers"]) == len(model.layers) and card["params"] == model.count_params()


def test_a_demo_model_loads_once_per_server_and_a_failed_load_starts_again(monkeypatch):
    calls = []

    def load(name: str):
        calls.append(name)
        if len(calls) == 1:
            raise OSError("the disk hiccuped")
        return f"network {name}"

    monkeypatch.setattr(cache, "_MODELS", {})
    monkeypatch.setattr(cache, "_load_pretrained", load)
    failed = cache.pretrained_loading("neu")
    with pytest.raises(OSError):
        failed.result(timeout=10)
    loading = cache.pretrained_loading("neu")  # a new load, shared by every later call
    assert loading is not failed and loading.result(timeout=10) == "network neu"
    assert cache.pretrained_loading("neu") is loading and calls == ["neu", "neu"]


def test_the_page_draws_the_model_and_the_input_before_the_network_has_loaded(monkeypatch):
    """Nothing above the answer needs TensorFlow: with no network at all, all of it is drawn; the next
    run loads the network and the page answers."""

    def no_network(name: str):
        raise RuntimeError("the network is not there")

    monkeypatch.setattr(cache, "_MODELS", {})
    monkeypatch.setattr(cache, "_load_pretrained", no_network)
    app = AppTest.from_file(page_path("inside"), default_timeout=TIMEOUT).run()
    assert app.exception  # the load failed (its message is redacted, as on a server)
    assert app.title[0].value == "Inside the network"
    assert any(e.label.startswith("Model card") for e in app.expander)
    assert any(c.value.startswith("Takes a 28×28×1 image · 10 layers · 140,138 parameters") for c in app.caption)
    assert app.radio(key="inside_input_kind").value == "Your image"
    assert not any(m.value.startswith("The network says") for m in app.markdown)

    monkeypatch.setattr(cache, "_load_pretrained", lambda name: inspection.load_pretrained(name))
    app = app.run()
    assert not app.exception
    assert said(app).startswith("The network says **7**")


def test_the_training_page_prepares_insides_demo_network_and_a_light_page_does_not(monkeypatch):
    """Inside comes after Training: its first demo network (and TensorFlow) loads while the student reads there."""
    loads = []

    def load(name: str):
        loads.append(name)
        return f"network {name}"

    monkeypatch.setattr(cache, "_MODELS", {})
    monkeypatch.setattr(cache, "_PREPARING", set())
    monkeypatch.setattr(cache, "_load_pretrained", load)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()  # home
    assert not app.exception and not cache._MODELS and not cache._PREPARING
    app.switch_page("pages/training.py").run()
    assert not app.exception and {"mnist"} == set(cache._PREPARING) | set(cache._MODELS)
    app.run()  # another run of the page, and another call, start nothing more
    cache.prepare_pretrained("mnist", after=0)
    deadline = time.monotonic() + 60
    while "mnist" not in cache._MODELS:
        assert time.monotonic() < deadline, "the demo network never started loading"
        time.sleep(0.1)
    assert cache._MODELS["mnist"].result(timeout=60) == "network mnist" and loads == ["mnist"]
