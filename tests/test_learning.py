"""cnnviz.learning against Keras: softmax, the two cross-entropies, SGD steps, one backprop step, dropout."""

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
