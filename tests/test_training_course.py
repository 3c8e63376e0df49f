"""The training options the course's experiments need, on real MNIST digits: pixels shuffled the same way for
every image (in the worker, test images included), the notebook's "first 5,000 images" validation, one-hot
labels with categorical cross-entropy, the ANN-vs-CNN runs and their verdict, the 32 random predictions."""

from __future__ import annotations

import dataclasses
import gzip
from types import SimpleNamespace

import numpy as np
import pytest

from cnnviz import datasets
from cnnviz.errors import InputError
from cnnviz.recipes import ANN_VS_CNN, DENSE_STACK, EXPERIMENT_BASE, RECIPES, ann_vs_cnn
from cnnviz.training import TrainConfig, random_examples, train
from cnnviz.training.config import pixel_order, shuffled_pixels
from cnnviz.training.fit import first_in_files
from cnnviz.ui.training.ann_vs_cnn import PREFIX, latest_runs, verdict


@pytest.fixture(scope="module")
def mnist(data_dir) -> datasets.Dataset:  # data_dir: skipped without the offline data
    return datasets.load("mnist")


@pytest.fixture(scope="module")
def small(mnist) -> datasets.Dataset:
    return dataclasses.replace(
        mnist,
        x_train=mnist.x_train[:600].copy(),
        y_train=mnist.y_train[:600].copy(),
        x_test=mnist.x_test[:200].copy(),
        y_test=mnist.y_test[:200].copy(),
        file_order=mnist.file_order[:600].copy(),
    )


def test_shuffled_pixels_moves_every_image_the_same_fixed_way():
    images = np.random.default_rng(0).integers(0, 256, (5, 4, 6, 1)).astype(np.uint8)
    moved = shuffled_pixels(images)
    order = pixel_order(24)
    np.testing.assert_array_equal(moved.reshape(5, 24), images.reshape(5, 24)[:, order])
    np.testing.assert_array_equal(shuffled_pixels(images), moved)  # the same order every time
    assert sorted(moved[2].ravel()) == sorted(images[2].ravel())  # the same values, other places
    assert not np.array_equal(moved, images)


def test_a_dense_network_does_not_care_which_order_the_pixels_come_in(small):
    """A dense layer's weights for shuffled pixels are its weights for the original ones, rows moved: same answers."""
    run = train(DENSE_STACK, small, TrainConfig(epochs=1, validation_split=0.0))
    model = run.model
    weights = model.get_weights()
    order = pixel_order(28 * 28)
    moved = [weights[0][order], *weights[1:]]
    x = small.x_test.astype(np.float32) / 255
    original = model.predict(x, verbose=0)
    model.set_weights(moved)
    np.testing.assert_allclose(model.predict(shuffled_pixels(x), verbose=0), original, rtol=1e-5, atol=1e-6)


def test_the_worker_shuffles_training_and_test_images_alike(small):
    config = TrainConfig(epochs=1, validation_split=0.1, shuffle_pixels=True)
    run = train(DENSE_STACK, small, config)
    assert any("one fixed random order" in note for note in run.notes)
    x_test = shuffled_pixels(small.x_test).astype(np.float32) / 255
    np.testing.assert_allclose(run.test_probabilities, run.model.predict(x_test, verbose=0), rtol=1e-5, atol=1e-6)
    assert "pixels shuffled" in config.describe()


def test_validation_first_holds_out_the_first_images_of_the_files(small, mnist):
    config = TrainConfig(epochs=1, validation_first=100, keep_best=True)
    run = train(DENSE_STACK, small, config)
    in_first = int((small.file_order < 100).sum())
    assert run.val_samples == in_first and run.train_samples == 600 - in_first
    assert any("first 100 of the training files" in note for note in run.notes)
    fit, held = first_in_files(np.arange(600), small.file_order, 100)
    assert set(small.file_order[held]) == set(small.file_order[small.file_order < 100])
    assert len(fit) + len(held) == 600
    full_fit, full_held = first_in_files(np.arange(len(mnist.y_train)), mnist.file_order, 5000)
    assert len(full_held) == 5000 and sorted(mnist.file_order[full_held]) == list(range(5000))


def test_validation_first_without_a_file_order_takes_the_datasets_own_first_images():
    fit, held = first_in_files(np.array([7, 2, 9, 0, 4]), None, 3)
    assert held.tolist() == [1, 3] and fit.tolist() == [0, 2, 4]


def test_categorical_cross_entropy_on_one_hot_labels_is_the_same_loss(small):
    sparse = train(DENSE_STACK, small, TrainConfig(epochs=1, validation_split=0.1, seed=3))
    one_hot = train(
        DENSE_STACK, small, TrainConfig(epochs=1, validation_split=0.1, seed=3, loss="categorical_crossentropy")
    )
    assert one_hot.history["loss"][0] == pytest.approx(sparse.history["loss"][0], rel=1e-3)
    assert one_hot.history["val_loss"][0] == pytest.approx(sparse.history["val_loss"][0], rel=1e-3)
    assert one_hot.test_accuracy == pytest.approx(sparse.test_accuracy, abs=0.02)


def test_bad_values_of_the_new_options_are_refused():
    with pytest.raises(InputError, match="loss"):
        TrainConfig(loss="mse").validate()
    with pytest.raises(InputError, match="first images"):
        TrainConfig(validation_first=0).validate()
    TrainConfig(validation_split=0.0, validation_first=10, keep_best=True, early_stopping_patience=2).validate()


def test_the_fashion_reproduction_is_the_notebooks_training():
    config = RECIPES["notebook_fashion"].config
    assert (config.optimizer, config.loss, config.batch_size, config.epochs) == (
        "rmsprop",
        "categorical_crossentropy",
        32,
        10,
    )
    assert config.validation_first == 5000 and config.keep_best and config.early_stopping_patience == 10


def test_ann_vs_cnn_trains_both_networks_with_pixels_in_place_and_shuffled():
    variants = ann_vs_cnn(EXPERIMENT_BASE)
    assert [v.config.shuffle_pixels for v in variants] == [False, False, True, True]
    assert variants[0].stack == variants[2].stack == DENSE_STACK
    assert any(layer["type"] == "Conv2D" for layer in variants[1].stack)
    assert all(dataclasses.replace(v.config, shuffle_pixels=False) == EXPERIMENT_BASE for v in variants)


def _fake_run(label: str, accuracy: float | None, shuffled: bool) -> SimpleNamespace:
    return SimpleNamespace(
        label=f"Run 3 · {PREFIX}{label}",
        test_accuracy=accuracy,
        config=TrainConfig(shuffle_pixels=shuffled),
        parameters=1000,
        seconds=12.0,
    )


def test_the_verdict_reads_the_four_runs_numbers():
    accuracies = [0.90, 0.95, 0.90, 0.80]
    runs = [_fake_run(label, a, shuffled) for (label, _, shuffled), a in zip(ANN_VS_CNN, accuracies, strict=True)]
    found = latest_runs([_fake_run("CNN", 0.10, False), *runs])  # an older CNN run is replaced by the latest
    assert list(found) == [label for label, _, _ in ANN_VS_CNN] and found["CNN"].test_accuracy == 0.95
    text = verdict(found)
    assert "dense network by +0.0 points" in text and "CNN moved by -15.0 points" in text
    assert verdict({label: run for label, run in list(found.items())[:2]}).startswith("The table fills in")


def test_thirty_two_random_test_predictions_right_and_wrong_alike():
    probabilities = np.random.default_rng(1).dirichlet(np.ones(10), size=500)
    labels = np.random.default_rng(2).integers(0, 10, 500)
    examples = random_examples(probabilities, labels, 32)
    indices = [example.index for example in examples]
    assert len(set(indices)) == 32
    assert indices == np.random.default_rng(0).choice(500, size=32, replace=False).tolist()
    for example in examples:
        assert example.predicted == int(probabilities[example.index].argmax()) and example.true == labels[example.index]
    assert {example.correct for example in random_examples(probabilities, labels, 500)} == {True, False}


def test_the_first_images_are_the_training_files_first_ones(data_dir):
    """Fashion-MNIST's first 20 training images, as the notebook plots them (x_train[:20]): compared with the
    IDX files themselves, read here byte by byte."""
    fashion = datasets.load("fashion_mnist")
    first = fashion.first_images(20)
    folder = data_dir / "fashion-mnist"
    with (
        gzip.open(folder / "train-labels-idx1-ubyte.gz") as labels,
        gzip.open(folder / "train-images-idx3-ubyte.gz") as pictures,
    ):
        expected_labels = np.frombuffer(labels.read(), np.uint8, offset=8)[:20]
        expected_images = np.frombuffer(pictures.read(16 + 20 * 28 * 28), np.uint8, offset=16).reshape(20, 28, 28)
    assert fashion.y_train[first].tolist() == expected_labels.tolist()
    np.testing.assert_array_equal(fashion.x_train[first][..., 0], expected_images)
    unordered = dataclasses.replace(fashion, file_order=None)
    assert unordered.first_images(3).tolist() == [0, 1, 2]
