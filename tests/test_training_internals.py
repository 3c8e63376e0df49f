"""The training-internals callback against a brute-force recording made beside it in the same fit.

A second callback, called right after the recorder at the same moments, keeps each layer's weights,
the weights before every epoch's last step, the probe batch's gradients (a plain GradientTape) and
each ReLU channel's outputs image by image; the recorder's histograms, ratios and dead-ReLU shares
must be what those give (histogram counts within a count or two: oneDNN rounding may move a value
sitting on a bin edge).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnviz.errors import InputError
from cnnviz.training import internals

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
layers = keras.layers

STEPS, EPOCHS, BINS = 5, 3, 16


def tiny_model():
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            layers.Conv2D(4, 3, activation="relu", name="conv"),
            layers.BatchNormalization(name="bn"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Activation("relu", name="relu"),
            layers.Flatten(name="flatten"),
            layers.Dense(8, activation="relu", name="hidden"),
            layers.Dense(6, activation="relu", name="dead"),
            layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    kernel, bias = model.get_layer("dead").get_weights()
    bias[:3] = -100  # half its units never fire: dead from the start (and, getting no gradient, for ever)
    model.get_layer("dead").set_weights([kernel, bias])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    return model


class BruteForce(keras.callbacks.Callback):
    """Everything the recorder summarises, kept whole, at the same moments."""

    def __init__(self, model, probe_x, probe_y):
        super().__init__()
        self.net, self.probe_x, self.probe_y = model, probe_x, probe_y
        self.states, self.before_last = [], []

    def kernels(self):
        return {
            layer.name: np.concatenate([np.asarray(w).ravel() for w in layer.trainable_weights if len(w.shape) >= 2])
            if any(len(w.shape) >= 2 for w in layer.trainable_weights)
            else np.concatenate([np.asarray(w).ravel() for w in layer.trainable_weights])
            for layer in self.net.layers
            if layer.trainable_weights
        }

    def snapshot(self):
        weights = self.kernels()
        variables = {
            layer.name: [w for w in layer.trainable_weights if len(w.shape) >= 2] or layer.trainable_weights
            for layer in self.net.layers
            if layer.trainable_weights
        }
        with tf.GradientTape() as tape:
            probabilities = self.net(self.probe_x, training=False)
            loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(self.probe_y, probabilities))
        flat = [v for vs in variables.values() for v in vs]
        grads = dict(zip([id(v) for v in flat], tape.gradient(loss, flat), strict=True))
        gradients = {
            name: np.concatenate([np.asarray(grads[id(v)]).ravel() for v in vs]) for name, vs in variables.items()
        }
        dead = {}
        for name in ("conv", "relu", "hidden", "dead"):
            extractor = keras.Model(self.net.inputs[0], self.net.get_layer(name).output)
            channels = extractor.output.shape[-1]
            fired = np.zeros(channels, bool)
            for image in self.probe_x:  # one image at a time, channel by channel
                output = extractor(image[None], training=False).numpy()[0]
                for channel in range(channels):
                    fired[channel] |= bool((output[..., channel] > 0).any())
            dead[name] = 1 - fired.mean()
        self.states.append((weights, gradients, dead))

    def on_train_begin(self, logs=None):
        self.snapshot()

    def on_train_batch_begin(self, batch, logs=None):
        if batch == STEPS - 1:
            self.before_last.append(self.kernels())

    def on_epoch_end(self, epoch, logs=None):
        self.snapshot()


@pytest.fixture(scope="module")
def recorded():
    rng = np.random.default_rng(0)
    x = rng.random((STEPS * 16, 10, 10, 1), dtype=np.float32)
    y = rng.integers(0, 3, len(x))
    model = tiny_model()
    probe_x, probe_y = internals.probe_batch(x, y, size=24, seed=1)
    recorder = internals.internals_recorder(model, probe_x, probe_y, bins=BINS)
    reference = BruteForce(model, probe_x, probe_y)
    model.fit(x, y, batch_size=16, epochs=EPOCHS, verbose=0, shuffle=False, callbacks=[recorder, reference])
    return recorder.result(), reference


def by_name(result):
    return {layer["name"]: layer for layer in result["layers"]}


def test_the_format_is_plain_data_with_one_entry_per_epoch(recorded):
    result, _ = recorded
    assert json.loads(json.dumps(result)) == result
    assert result["format"] == internals.FORMAT and result["bins"] == BINS and result["probe_images"] == 24
    assert result["epochs"] == [0, 1, 2, 3]
    assert [layer["name"] for layer in result["layers"]] == ["conv", "bn", "relu", "hidden", "dead", "out"]
    for layer in result["layers"]:
        for key in (*internals.WEIGHT_KEYS, "dead_relu"):
            assert len(layer[key]) == EPOCHS + 1, (layer["name"], key)


def test_weight_histograms_on_fixed_bins_match_numpy(recorded):
    result, reference = recorded
    for name, layer in by_name(result).items():
        if name == "relu":
            assert layer["weight_edges"] is None and layer["weight_counts"] == [None] * (EPOCHS + 1)
            continue
        first = reference.states[0][0][name]
        limit = 2 * np.abs(first).max()
        np.testing.assert_allclose(layer["weight_edges"], np.linspace(-limit, limit, BINS + 1), rtol=1e-6)
        for epoch, (weights, _, _) in enumerate(reference.states):
            edges = np.asarray(layer["weight_edges"])
            expected, _ = np.histogram(np.clip(weights[name], edges[0], edges[-1]), bins=edges)
            assert np.abs(np.asarray(layer["weight_counts"][epoch]) - expected).sum() <= 2, (name, epoch)
            assert layer["weight_rms"][epoch] == pytest.approx(np.sqrt(np.mean(weights[name] ** 2)), rel=1e-5)


def test_gradient_histograms_are_the_probe_batch_gradients(recorded):
    result, reference = recorded
    for name, layer in by_name(result).items():
        if name == "relu":
            continue
        first = reference.states[0][1][name]
        limit = 2 * max(np.abs(first).max(), 1e-12)
        np.testing.assert_allclose(layer["gradient_edges"], np.linspace(-limit, limit, BINS + 1), rtol=1e-4)
        for epoch, (_, gradients, _) in enumerate(reference.states):
            edges = np.asarray(layer["gradient_edges"])
            expected, _ = np.histogram(np.clip(gradients[name], edges[0], edges[-1]), bins=edges)
            assert np.abs(np.asarray(layer["gradient_counts"][epoch]) - expected).sum() <= 2, (name, epoch)
            rms = np.sqrt(np.mean(gradients[name] ** 2))
            assert layer["gradient_rms"][epoch] == pytest.approx(rms, rel=1e-3, abs=1e-9)


def test_update_ratios_are_the_last_step_and_the_whole_epoch(recorded):
    result, reference = recorded
    for name, layer in by_name(result).items():
        if name == "relu":
            continue
        assert layer["update_ratio"][0] is None and layer["epoch_change"][0] is None
        for epoch in range(1, EPOCHS + 1):
            now, start = reference.states[epoch][0][name], reference.states[epoch - 1][0][name]
            before = reference.before_last[epoch - 1][name]
            expected_step = np.linalg.norm(now - before) / np.linalg.norm(before)
            expected_epoch = np.linalg.norm(now - start) / np.linalg.norm(start)
            assert layer["update_ratio"][epoch] == pytest.approx(expected_step, rel=1e-3, abs=1e-9)
            assert layer["epoch_change"][epoch] == pytest.approx(expected_epoch, rel=1e-3, abs=1e-9)
    conv = by_name(result)["conv"]
    assert all(0 < ratio < conv["epoch_change"][epoch] for epoch, ratio in enumerate(conv["update_ratio"]) if epoch)


def test_dead_relu_shares_are_the_brute_force_ones(recorded):
    result, reference = recorded
    layers_by_name = by_name(result)
    for name in ("conv", "relu", "hidden", "dead"):
        for epoch, (_, _, dead) in enumerate(reference.states):
            assert layers_by_name[name]["dead_relu"][epoch] == pytest.approx(dead[name]), (name, epoch)
    assert all(share >= 0.5 for share in layers_by_name["dead"]["dead_relu"])
    assert layers_by_name["bn"]["dead_relu"] == [None] * (EPOCHS + 1)
    assert layers_by_name["out"]["dead_relu"] == [None] * (EPOCHS + 1)


def test_a_stopped_or_continued_run_keeps_whole_epochs_only():
    rng = np.random.default_rng(1)
    x, y = rng.random((32, 10, 10, 1), dtype=np.float32), rng.integers(0, 3, 32)
    model = tiny_model()
    recorder = internals.internals_recorder(model, x[:8], y[:8], first_epoch=4)
    model.fit(x, y, batch_size=16, epochs=7, initial_epoch=4, verbose=0, callbacks=[recorder])
    assert recorder.result()["epochs"] == [4, 5, 6, 7]
    kept = recorder.result(epochs_done=6)
    assert kept["epochs"] == [4, 5, 6]
    assert all(len(layer["weight_counts"]) == 3 for layer in kept["layers"])


def test_probe_batch_and_bad_input():
    images = np.arange(5 * 4 * 4, dtype=np.uint8).reshape(5, 4, 4, 1)
    x, y = internals.probe_batch(images, np.arange(5), size=3, seed=0)
    assert x.shape == (3, 4, 4, 1) and x.dtype == np.float32 and x.max() <= 1
    np.testing.assert_allclose(x, images[y].astype(np.float32) / 255)
    with pytest.raises(InputError, match="probe"):
        internals.internals_recorder(tiny_model(), x[:0], y[:0])


class Ticks:
    """A clock that moves one second per reading: an epoch and a record each "take" one second."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        self.now += 1.0
        return self.now


def test_a_time_budget_records_every_kth_epoch_and_the_last_with_the_same_values(monkeypatch):
    monkeypatch.setattr(internals, "time", Ticks())  # the first epoch: 1 s, its record: 1 s
    rng = np.random.default_rng(1)
    x, y = rng.random((32, 10, 10, 1), dtype=np.float32), rng.integers(0, 3, 32)
    model = tiny_model()
    full = internals.internals_recorder(model, x[:8], y[:8])
    budgeted = internals.internals_recorder(model, x[:8], y[:8], budget=0.5)  # 1 s of record per 2 s of epochs
    model.fit(x, y, batch_size=16, epochs=5, verbose=0, shuffle=False, callbacks=[full, budgeted])
    every, sparse, dense = budgeted.every, budgeted.result(), full.result()
    assert every == 2 and sparse["every"] == 2 and dense["every"] == 1
    assert sparse["epochs"] == [0, 1, 2, 4, 5] and dense["epochs"] == [0, 1, 2, 3, 4, 5]
    for thin, whole in zip(sparse["layers"], dense["layers"], strict=True):
        for key in (*internals.WEIGHT_KEYS, "dead_relu"):
            assert thin[key] == [whole[key][epoch] for epoch in sparse["epochs"]], (thin["name"], key)
    assert [len(layer["weight_counts"]) for layer in budgeted.result(epochs_done=3)["layers"]] == [3] * 6


def test_a_run_stopped_after_an_epoch_that_was_not_due_records_that_epoch(monkeypatch):
    monkeypatch.setattr(internals, "time", Ticks())

    class StopAfterThree(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 2

    rng = np.random.default_rng(1)
    x, y = rng.random((32, 10, 10, 1), dtype=np.float32), rng.integers(0, 3, 32)
    model = tiny_model()
    recorder = internals.internals_recorder(model, x[:8], y[:8], budget=0.5)
    model.fit(x, y, batch_size=16, epochs=8, verbose=0, callbacks=[recorder, StopAfterThree()])
    result = recorder.result(epochs_done=3)
    assert result["epochs"] == [0, 1, 2, 3]
    assert by_name(result)["conv"]["epoch_change"][-1] is None  # its start was not kept: not known
    with pytest.raises(InputError, match="budget"):
        internals.internals_recorder(model, x[:8], y[:8], budget=0)
