"""cnnviz.learning against Keras: softmax, the two cross-entropies, SGD steps, one backprop step (against
tf.GradientTape on the same network), the three optimizers (against Keras' own), dropout."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz import learning
from cnnviz.errors import InputError

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("logits", [[1.0, 0.5, 3.0, 0.0, -1.0], [0.0, 0.0], [800.0, 799.0, -800.0], [-3.0, 7.5, 2.0]])
def test_softmax_matches_keras_and_sums_to_one(logits):
    ours = learning.softmax(np.array(logits))
    theirs = np.asarray(keras.activations.softmax(np.array([logits], np.float32)))[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    assert ours.sum() == pytest.approx(1.0) and np.all(ours > 0) or logits[2] == -800.0


def test_softmax_refuses_what_is_not_a_score_vector():
    for bad in ([1.0], [1.0, np.inf], [[1.0, 2.0]]):
        with pytest.raises(InputError):
            learning.softmax(np.array(bad))


@pytest.mark.parametrize("label", range(5))
def test_cross_entropy_is_keras_sparse_and_one_hot_loss(label):
    p = learning.softmax(np.array([1.0, 0.5, 3.0, 0.0, -1.0]))
    sparse = float(keras.losses.SparseCategoricalCrossentropy()(np.array([label]), p[None].astype(np.float32)))
    dense = float(keras.losses.CategoricalCrossentropy()(learning.one_hot(label, 5)[None], p[None].astype(np.float32)))
    assert learning.cross_entropy(p, label) == pytest.approx(sparse, rel=1e-5) == pytest.approx(dense, rel=1e-5)


def test_a_confident_mistake_costs_most():
    sure_right, unsure, sure_wrong = ([0.98, 0.01, 0.01], [0.4, 0.3, 0.3], [0.01, 0.98, 0.01])
    losses = [learning.cross_entropy(np.array(p), 0) for p in (sure_right, unsure, sure_wrong)]
    assert losses == sorted(losses) and losses[2] > 4 > losses[0]


def test_gradient_descent_is_keras_sgd_and_the_verdicts_follow_the_step_size():
    bowl = learning.Bowl()
    w = keras.Variable(-2.0)
    sgd = keras.optimizers.SGD(learning_rate=0.1)
    keras_path = [-2.0]
    for _ in range(5):
        sgd.apply_gradients([(keras.ops.convert_to_tensor(bowl.gradient(float(w.numpy()))), w)])
        keras_path.append(float(w.numpy()))
    np.testing.assert_allclose(learning.gradient_descent(bowl, -2.0, 0.1, 5), keras_path, rtol=1e-5)
    assert [learning.step_verdict(bowl, r) for r in (0.01, 0.1, 0.9, 1.0, 1.1)] == [
        "too small",
        "good",
        "overshooting",
        "bouncing",
        "diverging",
    ]
    exploding = learning.gradient_descent(bowl, -2.0, 1.1, 200)
    assert abs(exploding[-1]) > 1e6 and len(exploding) < 201


def test_one_backprop_step_is_before_minus_rate_times_gradient_and_lowers_the_loss():
    step = learning.backprop_step(learning_rate=0.05)
    np.testing.assert_allclose(step.after, step.before - 0.05 * step.gradient, atol=1e-6)
    assert np.abs(step.gradient).max() > 0.1
    assert step.loss_after < step.loss_before
    assert step.loss_before == pytest.approx(-np.log(step.probabilities_before[1]), rel=1e-5)
    assert step.probabilities_after[1] > step.probabilities_before[1]
    # The image is the same in every row, so every row of the gradient is too.
    np.testing.assert_allclose(step.gradient, np.repeat(step.gradient[:1], 3, axis=0), atol=1e-6)


def test_steps_per_epoch_matches_the_notebooks_progress_bars():
    assert learning.steps_per_epoch(60_000, 32) == 1875
    assert learning.steps_per_epoch(55_000, 32) == 1719
    with pytest.raises(InputError):
        learning.steps_per_epoch(0, 32)


def _keras_tiny_net(net: learning.TinyNet, image_shape: tuple[int, int]):
    """The same network in Keras, float64, holding ``net``'s weights."""
    model = keras.Sequential(
        [
            keras.Input((*image_shape, 1)),
            keras.layers.Conv2D(1, 3, name="conv", dtype="float64"),
            keras.layers.Flatten(dtype="float64"),
            keras.layers.Dense(2, activation="softmax", name="out", dtype="float64"),
        ]
    )
    model.get_layer("conv").set_weights([net.conv_kernel[:, :, None, None], np.array([net.conv_bias])])
    model.get_layer("out").set_weights([net.dense_kernel, net.dense_bias])
    return model


@pytest.mark.parametrize(("label", "seed", "rate"), [(1, 0, 0.05), (0, 3, 0.2), (1, 7, 0.01)])
def test_the_numpy_backprop_step_is_gradient_tape_and_keras_sgd_on_the_same_network(label, seed, rate):
    tf = pytest.importorskip("tensorflow")
    x = learning.EDGE_IMAGE / 10.0
    net = learning.tiny_net(x.shape, seed)
    model = _keras_tiny_net(net, x.shape)
    batch, y = x[None, :, :, None].astype(np.float64), np.array([label])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:
        p_before = model(batch, training=True)
        loss = loss_fn(y, p_before)
    grads = tape.gradient(loss, model.trainable_variables)
    # Keras' losses compute in float32 whatever the model's dtype: agreement to float32 precision.
    ours = net.gradients(x, label)
    expected = [ours.conv_kernel[:, :, None, None], [ours.conv_bias], ours.dense_kernel, ours.dense_bias]
    for theirs, mine in zip(grads, expected, strict=True):
        np.testing.assert_allclose(np.asarray(theirs), mine, rtol=1e-6, atol=1e-9)
    keras.optimizers.SGD(learning_rate=rate).apply_gradients(zip(grads, model.trainable_variables, strict=True))
    step = learning.backprop_step(label=label, learning_rate=rate, seed=seed)
    np.testing.assert_allclose(step.after, model.get_layer("conv").kernel.numpy()[:, :, 0, 0], rtol=1e-6, atol=1e-9)
    p_after = np.asarray(model(batch, training=False))[0]
    np.testing.assert_allclose(step.probabilities_before, np.asarray(p_before)[0], rtol=1e-6)
    np.testing.assert_allclose(step.probabilities_after, p_after, rtol=1e-6)
    assert step.loss_before == pytest.approx(float(loss), rel=1e-6)
    assert step.loss_after == pytest.approx(float(loss_fn(y, p_after[None])), rel=1e-6)


def test_a_fresh_tiny_net_follows_keras_default_initialisers():
    net = learning.tiny_net((6, 6), seed=0)
    conv_limit, dense_limit = np.sqrt(6 / (9 + 9)), np.sqrt(6 / (16 + 2))
    assert np.abs(net.conv_kernel).max() <= conv_limit and np.abs(net.dense_kernel).max() <= dense_limit
    assert net.conv_bias == 0 and not net.dense_bias.any()
    assert not np.array_equal(net.conv_kernel, learning.tiny_net((6, 6), seed=1).conv_kernel)


@pytest.mark.parametrize("rate", [0.01, 0.1, 0.3])
def test_optimizer_steps_and_paths_are_keras_own_optimizers(rate):
    """Each update from the same weights and history is Keras' update; the page's paths are Keras' paths.

    Keras keeps the learning rate and Adam's betas as float32 numbers (0.999 is 0.99900001), so a step
    agrees to ~1e-5 of its size and 40 steps drift by ~1e-5; a wrong rule (no bias correction, ε inside
    the root, a missing square) is off by far more.
    """
    made = {"SGD": keras.optimizers.SGD, "RMSprop": keras.optimizers.RMSprop, "Adam": keras.optimizers.Adam}
    paths = learning.optimizer_paths(steps=40, learning_rate=rate)
    for name, optimizer_class in made.items():
        w = keras.Variable(np.array([-4.0, 2.0]), dtype="float64")
        optimizer, state, keras_path = optimizer_class(learning_rate=rate), {}, [w.numpy()]
        for _ in range(40):
            before = w.numpy()
            gradient = learning.valley_gradient(before)
            ours = learning.optimizer_step(name, before, gradient, state, rate)
            optimizer.apply_gradients([(keras.ops.convert_to_tensor(gradient), w)])
            keras_path.append(w.numpy())
            np.testing.assert_allclose(ours - before, keras_path[-1] - before, rtol=1e-4, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(paths[name][:, :2], keras_path, rtol=1e-3, atol=1e-4, err_msg=name)


def test_an_unknown_optimizer_is_an_input_error():
    with pytest.raises(InputError, match="Adam"):
        learning.optimizer_step("Adagrad", np.zeros(2), np.ones(2), {}, 0.1)


def test_adaptive_optimizers_cross_the_valley_faster_than_sgd():
    paths = learning.optimizer_paths(steps=40, learning_rate=0.1)
    assert set(paths) == {"SGD", "RMSprop", "Adam"}
    for path in paths.values():
        assert path.shape == (41, 3)
        np.testing.assert_allclose(path[:, 2], learning.valley_loss(path[:, :2].T), rtol=1e-5)
    assert paths["RMSprop"][-1, 2] < paths["SGD"][-1, 2]
    assert abs(paths["RMSprop"][-1, 0]) < abs(paths["SGD"][-1, 0])  # further along the flat direction


def test_dropout_zeroes_units_and_scales_the_rest_as_keras_does():
    values = np.arange(1, 2001, dtype=np.float32).reshape(40, 50)
    ours = learning.dropout_batch(values, 0.3, seed=1)
    theirs = np.asarray(keras.layers.Dropout(0.3, seed=1)(values, training=True))
    for out in (ours, theirs):
        kept = out != 0
        np.testing.assert_allclose(out[kept], values[kept] / 0.7, rtol=1e-6)
        assert 0.25 < 1 - kept.mean() < 0.35
    np.testing.assert_array_equal(learning.dropout_batch(values, 0.0), values)
    with pytest.raises(InputError):
        learning.dropout_batch(np.ones(3), 1.0)
