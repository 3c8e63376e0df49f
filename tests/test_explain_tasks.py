"""cnnviz.explain.tasks: a network rebuilt from plain data, and each background task against the library call
(or a Keras sub-model) computed directly in the test."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from cnnviz import architecture, explain
from cnnviz.errors import InputError
from cnnviz.explain import tasks
from cnnviz.explain.tasks import ModelSource

keras = pytest.importorskip("keras")

STACK = [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 6, "kernel_size": 3, "activation": "relu"},
    {"type": "Flatten"},
    {"type": "Dense", "units": 8, "activation": "relu"},
    {"type": "Dense", "units": 3, "activation": "softmax"},
]
SHAPE = (12, 12, 1)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(3)
    return architecture.to_keras(STACK, SHAPE)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (40, *SHAPE), dtype=np.uint8)


@pytest.fixture(scope="module")
def source(model):
    return ModelSource.of_stack(STACK, SHAPE, model.get_weights())


def test_a_source_names_its_weights_travels_as_plain_data_and_rebuilds_the_same_network(model, source, images):
    same = ModelSource.of_stack(STACK, SHAPE, model.get_weights())
    changed_weights = model.get_weights()
    changed_weights[0] = changed_weights[0] + 1e-6
    assert same.fingerprint == source.fingerprint
    assert ModelSource.of_stack(STACK, SHAPE, changed_weights).fingerprint != source.fingerprint
    assert ModelSource.of_demo("mnist").fingerprint == "demo-mnist"
    travelled = pickle.loads(pickle.dumps(source))  # what Dask sends to a worker
    rebuilt = travelled.build()
    assert rebuilt is not model and travelled.build() is rebuilt  # built once per process
    x = images.astype(np.float32) / 255
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_features_and_answers_equal_the_library_and_the_model(model, source, images):
    reports = []
    mapped = tasks.image_features(source, images, report=lambda done, note="": reports.append(done))
    x = images.astype(np.float32) / 255
    np.testing.assert_allclose(mapped.features, explain.features(model, images), atol=1e-5)
    probabilities = model.predict(x, verbose=0)
    np.testing.assert_array_equal(mapped.predicted, probabilities.argmax(axis=1))
    np.testing.assert_allclose(mapped.confidence, probabilities.max(axis=1), atol=1e-5)
    assert reports[-1] == 1.0 and reports == sorted(reports)


def test_channel_means_are_each_channels_mean_output(model, source, images):
    layer = model.layers[2]  # the second convolution
    means = tasks.channel_means(source, layer.name, images)
    outputs = keras.Model(model.inputs, layer.output).predict(images.astype(np.float32) / 255, verbose=0)
    np.testing.assert_allclose(means, outputs.mean(axis=(1, 2)), rtol=1e-4, atol=1e-5)
    dense = tasks.channel_means(source, model.layers[-2].name, images)
    expected = keras.Model(model.inputs, model.layers[-2].output).predict(images.astype(np.float32) / 255, verbose=0)
    np.testing.assert_allclose(dense, expected, rtol=1e-4, atol=1e-5)


def test_a_visualisation_reports_the_channels_mean_output_on_its_own_picture(model, source):
    layer = model.layers[2].name
    (picture,) = tasks.visualize_channels(source, layer, [1], steps=12)
    np.testing.assert_allclose(picture.image, explain.feature_visualization(model, layer, 1, steps=12), atol=1e-5)
    output = keras.Model(model.inputs, model.layers[2].output).predict(picture.image[None], verbose=0)
    assert picture.channel == 1 and picture.mean_value == pytest.approx(float(output[0, ..., 1].mean()), rel=1e-4)
    with pytest.raises(InputError):
        tasks.visualize_channels(source, layer, list(range(tasks.MAX_CHANNELS + 1)))


def test_attack_curve_in_chunks_equals_one_call_and_places_equal_reduce(model, source, images, monkeypatch):
    labels = np.arange(len(images)) % 3
    epsilons = (0.0, 0.1, 0.3)
    monkeypatch.setattr(tasks, "CHUNK_IMAGES", 16)  # 40 images in chunks of 16, 16 and 8
    curve = tasks.attack_curve(source, images, labels, epsilons)
    np.testing.assert_allclose(curve, explain.fgsm_accuracy(model, images, labels, epsilons), atol=1e-12)
    points = np.random.default_rng(1).normal(size=(30, 5)).astype(np.float32)
    np.testing.assert_allclose(tasks.place(points, method="pca"), explain.reduce(points, method="pca"))
    with pytest.raises(InputError):
        tasks.attack_curve(source, images, labels[:-1], epsilons)
    with pytest.raises(InputError):
        tasks.image_features(source, np.zeros((tasks.MAX_TASK_IMAGES + 1, *SHAPE), np.uint8))


def test_a_task_whose_chunks_together_cost_too_much_is_refused_before_any_work(source, images, monkeypatch):
    from cnnviz.explain import classifier

    net = classifier.network(source.build())
    monkeypatch.setattr(classifier, "MAX_MACS", net.macs * (len(images) - 1))  # each chunk would pass alone
    calls = []
    monkeypatch.setattr(tasks, "features_and_probabilities", lambda *args, **kwargs: calls.append(args))
    with pytest.raises(InputError, match="multiply-adds"):
        tasks.image_features(source, images)
    with pytest.raises(InputError, match="multiply-adds"):
        tasks.channel_means(source, source.build().layers[0].name, images)
    assert calls == []
