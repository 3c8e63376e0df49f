"""AppTest runs of the Inside page's explanation tabs (issue 26): every number the page shows is computed
again here, from the library or from Keras, and compared. Background work runs in the test process' own
background thread (``CNNVIZ_EXPLAIN_ON_WORKERS=0``); tests/test_background.py covers the Dask workers."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import architecture, explain, inspection
from cnnviz.images import to_model_input
from cnnviz.samples import DEFAULT_SAMPLE, load_sample
from cnnviz.training import TrainConfig, TrainingRun
from cnnviz.ui.cache import get_dataset
from cnnviz.ui.inside import fool, why
from cnnviz.ui.inside.work import server_work
from tests.conftest import markdown_text, rerun_until, run_page

keras = pytest.importorskip("keras")
TIMEOUT = 180
NUMBER = r"(-?\d+\.\d+)"


@pytest.fixture(autouse=True)
def in_this_process(monkeypatch):
    monkeypatch.setenv("CNNVIZ_EXPLAIN_ON_WORKERS", "0")


def start(tab: str, **state) -> AppTest:
    return open_tab(run_page("inside", state=state, timeout=TIMEOUT), tab)


def open_tab(app: AppTest, tab: str) -> AppTest:
    app.session_state["inside_tab"] = next(label for label in (t.label for t in app.tabs) if tab in label)
    return settle(app.run())


def settle(app: AppTest, timeout: float = 300) -> AppTest:
    """Rerun the page (as its polling fragments would) until no background work is left running."""
    rerun_until(app, lambda _: not server_work().unfinished(), timeout)
    app.run()
    assert not app.exception, app.exception
    return app


def charts(app: AppTest, prefix: str) -> list:
    """The Plotly charts whose key starts with ``prefix``."""
    return [chart for chart in app.get("plotly_chart") if (chart.key or "").startswith(prefix)]


def captions(app: AppTest) -> str:
    return "\n".join(block.value for block in app.caption)


@pytest.fixture(scope="module")
def mnist():
    return inspection.load_pretrained("mnist")


@pytest.fixture(scope="module")
def digit(mnist):
    """The default sample as the page prepares it (MNIST's centring on) and its predicted class."""
    x = to_model_input(load_sample(DEFAULT_SAMPLE), inspection.input_shape(mnist), center=True)
    return x, int(np.argmax(inspection.predict(mnist, x)))


@pytest.fixture(scope="module")
def test_images():
    data = get_dataset("mnist")
    return data.x_test, data.y_test


def test_why_shows_five_maps_and_the_completeness_check_of_each_baseline(mnist, digit):
    x, top = digit
    app = start("Why this answer")
    assert len(charts(app, "why_your input")) == len(why.METHODS)
    for baseline in ("black", "blurred"):
        if baseline != "black":
            app = settle(app.radio(key=why.BASELINE_KEY).set_value(baseline).run())
        reference = explain.make_baseline(x, baseline)
        attributions = explain.integrated_gradients(mnist, x, top, baseline=reference, steps=why.IG_STEPS)
        check = explain.completeness(mnist, x, attributions, top, baseline=reference)
        text = next(m.value for m in app.markdown if m.value.startswith("**Completeness check"))
        total, probability, start_probability = (float(v) for v in re.findall(NUMBER, text)[:3])
        assert total == pytest.approx(check.attribution_sum, abs=2e-4)
        assert probability == pytest.approx(check.probability, abs=2e-4)
        assert start_probability == pytest.approx(check.baseline_probability, abs=2e-4)
    for method, (formula, _) in why.METHODS.items():
        assert f"**{method}** {formula}" in markdown_text(app)


def test_the_sanity_check_redraws_every_map_for_the_randomised_network(mnist, digit):
    x, top = digit
    app = start("Why this answer")
    app = settle(next(b for b in app.button if b.label.startswith("Sanity check")).click().run())
    cascade = next(s for s in app.select_slider if s.label.startswith("Randomise from the top layer"))
    layers = explain.cascade_layers(mnist)
    assert cascade.options == [f"{name} ({i} of {len(layers)})" for i, name in enumerate(layers, start=1)]
    app = settle(cascade.set_value("conv5").run())
    randomised = explain.randomized(mnist, from_layer="conv5", seed=0)
    for method in ("gradient", "occlusion"):
        trained, twin = (why.compute_maps(model, x, top, "black").maps[method] for model in (mnist, randomised))
        rho = explain.rank_correlation(trained, twin)
        assert f"ρ = {rho:+.2f}" in markdown_text(app).replace("ρ = **", "ρ = ").replace("**", "")
    assert "Adebayo et al. (2018" in markdown_text(app)
    app = settle(next(b for b in app.button if b.label == "Back to the trained network").click().run())
    assert not any(s.label.startswith("Randomise from the top layer") for s in app.select_slider)


def test_a_channel_is_shown_with_its_picture_its_most_exciting_test_images_and_its_kernel(mnist, digit, test_images):
    x, _ = digit
    app = start("What does a filter look for")
    layer = next(s for s in app.selectbox if s.label == "Layer").value
    assert layer == inspection.conv_layer_names(mnist)[-1]
    activations = dict(inspection.activations(mnist, x))[layer]
    channels = app.multiselect(key=f"inside_looks_{app.selectbox(key='inside_model').value}_channels_{layer}")
    strongest = sorted(int(c) for c in np.argsort(-activations.reshape(-1, activations.shape[-1]).mean(0))[:4])
    assert sorted(channels.value) == strongest  # at first, the channels this input excites most
    channel = strongest[0]
    app = settle(channels.set_value([channel]).run())
    picture = explain.feature_visualization(mnist, layer, channel, steps=256)
    outputs = keras.Model(mnist.inputs, mnist.get_layer(layer).output)
    made = float(outputs.predict(picture[None], verbose=0)[0, ..., channel].mean())
    shown = float(re.search(r"mean output \*\*(\S+)\*\*", captions(app))[1].rstrip("."))
    assert shown == pytest.approx(made, rel=2e-3)
    images, labels = test_images
    means = outputs.predict(images[:1000].astype(np.float32) / 255, verbose=0)[..., channel].mean(axis=(1, 2))
    best = np.argsort(-means)[:6]
    assert f"({', '.join(str(labels[i]) for i in best)})" in captions(app)
    assert f"{means[best[0]]:.3g}" in captions(app)
    assert any("its 64 kernel slices" in c.value for c in app.caption)


def test_the_class_map_places_the_test_images_and_measures_its_purity(mnist, test_images):
    images, labels = test_images
    app = start("class map", inside_map_images=1000)
    purity = next(m for m in app.metric if m.label == "Neighbours of the same class")
    from sklearn.decomposition import PCA

    points = PCA(n_components=2).fit_transform(explain.features(mnist, images[:1000]))
    assert purity.value == f"{explain.neighbour_purity(points, labels[:1000]):.0%}"
    assert re.search(r"1,000 test images, \d+ mistakes ringed", captions(app))
    app = settle(app.radio(key="inside_map_method").set_value("tsne").run())
    assert any(key.startswith("tsne/demo-mnist/1000") for key in server_work().work_keys())
    tsne = next(m for m in app.metric if m.label == "Neighbours of the same class")
    assert int(tsne.value.rstrip("%")) > int(purity.value.rstrip("%"))  # t-SNE keeps neighbours together
    app = settle(app.radio(key="inside_map_view").set_value("thumbnails").run())
    (thumbnails,) = charts(app, "inside_map_")
    traces = json.loads(thumbnails.proto.spec)["data"]
    assert thumbnails.key.endswith("_thumbnails") and traces[0]["source"].startswith("data:image/png;base64,")


def test_fool_flips_the_answer_and_draws_the_accuracy_curve(mnist, digit, test_images):
    x, top = digit
    app = start("Fool the network", inside_fool_eps=0.25)
    attacked = explain.fgsm(mnist, x, top, 0.25)
    after = int(np.argmax(inspection.predict(mnist, attacked)))
    assert any(m.value.startswith(f"**= the attacked image**: {after} (") for m in app.markdown)
    assert (after != top) == ("**Fooled.**" in markdown_text(app))
    images, labels = test_images
    accuracy = explain.fgsm_accuracy(mnist, images[:1000], labels[:1000], (0.0, 0.1, 0.25))
    assert (
        f"{accuracy[0]:.1%} right on clean images, {accuracy[1]:.1%} at ε = 0.1 and {accuracy[2]:.1%} at ε = 0.25"
        in captions(app)
    )
    assert accuracy[2] < accuracy[1] < accuracy[0]


def _run(label: str, stack: list[dict], **extra) -> TrainingRun:
    keras.utils.set_random_seed(0)
    return TrainingRun(
        model=architecture.to_keras(stack, (28, 28, 1)),
        history={"loss": [1.0]},
        test_loss=1.0,
        test_accuracy=0.5,
        seconds=1.0,
        config=extra.pop("config", TrainConfig()),
        stack=stack,
        input_shape=(28, 28, 1),
        class_names=[str(k) for k in range(10)],
        dataset="mnist",
        label=label,
        **extra,
    )


def test_an_adversarially_trained_run_is_compared_on_the_same_curve(test_images):
    stack = [{"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]
    run = _run("Run 1 · FGSM-trained ε 0.1", stack, config=TrainConfig(adversarial_epsilon=0.1))
    menu = run_page("inside", state={"runs": [run]}, timeout=TIMEOUT).selectbox(key="inside_model")
    app = open_tab(menu.set_value(next(o for o in menu.options if o.startswith("Demo: Handwritten"))).run(), "Fool")
    compare = next(m for m in app.multiselect if m.label == "Compare with your runs")
    assert compare.options == ["Run 1 · FGSM-trained ε 0.1"]
    app = settle(compare.set_value(["Run 1 · FGSM-trained ε 0.1"]).run())
    (curves,) = charts(app, "fool_curves")
    names = [trace["name"] for trace in json.loads(curves.proto.spec)["data"]]
    assert names == ["Demo: Handwritten digits (MNIST)", "Run 1 (FGSM-trained, ε 0.1)"]
    images, labels = test_images
    expected = explain.fgsm_accuracy(run.model, images[:1000], labels[:1000], fool.CURVE_EPSILONS)
    work = server_work().get(next(key for key in server_work().work_keys() if key.startswith("attack/run-")))
    np.testing.assert_allclose(work.result, expected, atol=1e-12)


def test_a_network_without_convolutions_or_test_images_says_what_it_cannot_show():
    stack = [{"type": "Flatten"}, {"type": "Dense", "units": 16, "activation": "relu"}, {"type": "Dense", "units": 10}]
    run = _run("dense only", stack)
    app = start("Why this answer", runs=[run])
    assert any("Grad-CAM needs a model with at least one convolution" in i.value for i in app.info)
    assert len(charts(app, "why_your input")) == len(why.METHODS) - 1
    app = open_tab(app, "class map")
    assert any("kept no test images" in i.value for i in app.info)
    app = open_tab(app, "filter look")
    assert any(c.value.startswith("The 16 weights of") for c in app.caption)  # an output unit's weights


def test_the_tab_and_its_settings_travel_in_the_link():
    app = settle(run_page("inside", query={"tab": "fool", "eps": "0.2"}, timeout=TIMEOUT))
    assert app.session_state["inside_fool_eps"] == 0.2 and app.query_params["tab"] == "fool"
    assert app.query_params["eps"] == "0.2" and "baseline" not in app.query_params
    app = settle(run_page("inside", query={"tab": "why", "baseline": "noise"}, timeout=TIMEOUT))
    assert app.radio(key=why.BASELINE_KEY).value == "noise" and app.query_params["baseline"] == "noise"
