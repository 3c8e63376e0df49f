"""A training's internals and its adversarial (FGSM) option, through the whole pipeline: ``train`` records the
internals with its callback, and the recording travels unchanged in the worker's payload, the run store and a
saved run; an FGSM-trained step is exactly a step on the batch and its attacked copy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnviz.errors import InputError
from cnnviz.training import TrainConfig, fit, load_run, save_run, train
from cnnviz.training.advice import run_name
from cnnviz.training.estimate import ADVERSARIAL_COST, training_seconds
from cnnviz.training.keys import KEY_PREFIX
from cnnviz.training.payload import from_payload, to_payload
from cnnviz.training.store import RunStore
from tests.conftest import TINY

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def trained(small):
    """A run trained by ``train`` with a spy on its internals callback."""
    made = []
    original = fit.internals_recorder

    def spy(*args, **kwargs):
        made.append(original(*args, **kwargs))
        return made[-1]

    fit.internals_recorder = spy
    try:
        run = train(TINY, small, TrainConfig(epochs=3, batch_size=32, validation_split=0.1))
    finally:
        fit.internals_recorder = original
    return run, made[0]


def test_the_run_holds_what_the_callback_recorded(trained):
    run, recorder = trained
    assert run.internals == recorder.result(run.epochs_done)
    assert run.internals["epochs"][0] == 0 and run.internals["epochs"][-1] == run.epochs_done == 3
    assert [layer["name"] for layer in run.internals["layers"]] == [
        layer.name for layer in run.model.layers if layer.weights
    ]
    assert json.loads(json.dumps(run.internals)) == run.internals  # plain data


def test_the_recording_travels_in_the_payload_the_store_and_a_saved_run(trained, small, tmp_path):
    run, _ = trained
    payload = to_payload(run)
    assert from_payload(payload, small).internals == run.internals
    store = RunStore(tmp_path / "store")
    key = KEY_PREFIX + "0123abcd"
    store.put(key, payload)
    assert from_payload(store.get(key), small).internals == run.internals
    assert load_run(save_run(run, tmp_path / "saved")).internals == run.internals


def test_an_fgsm_trained_step_is_a_step_on_the_batch_and_its_attacked_copy():
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 6, 6, 1), dtype=np.float32), rng.integers(0, 3, 8)
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")]
    )
    start = [w.copy() for w in model.get_weights()]
    config = TrainConfig(adversarial_epsilon=0.2)
    notes: list[str] = []
    wrapper = fit._with_adversarial(model, config, notes)
    wrapper.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    wrapper.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    # The same step written out: the FGSM copy from the untrained weights, then SGD on both halves.
    reference = keras.Sequential(
        [keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")]
    )
    reference.set_weights(start)
    images = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(images)
        loss = keras.losses.sparse_categorical_crossentropy(y, reference(images))
    attacked = np.clip(x + 0.2 * np.sign(tape.gradient(loss, images).numpy()), 0, 1)
    both, labels = np.concatenate([x, attacked]), np.concatenate([y, y])
    with tf.GradientTape() as tape:
        mean_loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, reference(both)))
    gradients = tape.gradient(mean_loss, reference.trainable_weights)
    expected = [w - 0.5 * g.numpy() for w, g in zip(start, gradients, strict=True)]
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)
    assert fit._with_adversarial(model, TrainConfig(), []) is model
    assert notes and "FGSM copy (ε = 0.2)" in notes[0]


def test_the_adversarial_option_is_checked_named_and_costed(small):
    with pytest.raises(InputError, match="ε"):
        TrainConfig(adversarial_epsilon=0.9).validate()
    with pytest.raises(InputError, match="ε"):
        TrainConfig(adversarial_epsilon=True).validate()
    config = TrainConfig(adversarial_epsilon=0.1)
    assert config.validate() is config and "FGSM-trained ε 0.1" in config.describe()
    assert run_name("Quick demo", config, TrainConfig()) == "FGSM-trained ε 0.1"
    assert TrainConfig.from_dict(config.to_dict()) == config
    plain = training_seconds(TINY, small, TrainConfig(epochs=3))
    attacked = training_seconds(TINY, small, TrainConfig(epochs=3, adversarial_epsilon=0.1))
    setup = training_seconds(TINY, small, TrainConfig(epochs=3)) - 3 * (
        training_seconds(TINY, small, TrainConfig(epochs=4)) - plain
    )
    assert attacked - setup == pytest.approx(ADVERSARIAL_COST * (plain - setup))


def test_internals_are_left_out_for_a_network_the_recorder_cannot_read(small, monkeypatch):
    def refuse(*args, **kwargs):
        raise InputError("not a classifier")

    monkeypatch.setattr(fit, "internals_recorder", refuse)
    run = train(TINY, small, TrainConfig(epochs=1, batch_size=64, validation_split=0))
    assert run.internals is None and run.epochs_done == 1


def test_a_head_trained_on_a_frozen_bases_features_records_the_whole_network_on_images(small):
    """A frozen Pretrained base trains only its head, on the base's features; the internals still probe the
    whole network on training images (features in the probe failed the training), and see the head learn."""
    stack = [{"type": "Pretrained", "model": "mnist"}, {"type": "Dense", "units": 10, "activation": "softmax"}]
    run = train(stack, small, TrainConfig(epochs=2, batch_size=32, learning_rate=1e-2, validation_split=0))
    assert any("only the layers after it trained" in note for note in run.notes)  # the head path was taken
    recorded = {layer["name"]: layer for layer in run.internals["layers"]}
    assert run.internals["epochs"] == [0, 1, 2]
    assert list(recorded) == [layer.name for layer in run.model.layers if layer.weights]
    head, base = recorded[run.model.layers[-1].name], recorded[run.model.layers[0].name]
    assert all(ratio > 0 for ratio in head["update_ratio"][1:])
    assert base["update_ratio"] == [None, None, None]  # frozen: it takes no steps, so no ratio
