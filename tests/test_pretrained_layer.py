"""The Pretrained stack entry (issue 28): a demo network's convolutional part, with what it learned.

Checked against Keras itself: the weights read without TensorFlow equal ``keras.saving.load_model``'s,
the summary's shapes and (non-)trainable counts equal the built model's, its features equal the demo
network's own, training leaves a frozen part unchanged and fine-tunes a trainable one, the exported
notebook rebuilds it offline, and links carry it.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from cnnviz import datasets, links
from cnnviz.architecture import StackError, summarize, to_keras, totals
from cnnviz.architecture.layers import PRETRAINED_BASES
from cnnviz.architecture.pretrained import base_input_shape, base_layers, base_weights
from cnnviz.inspection import load_pretrained
from cnnviz.training import TrainConfig, to_notebook, train
from tests.test_architecture import assert_matches_keras

keras = pytest.importorskip("keras")

HEAD = [{"type": "Dropout", "rate": 0.2}, {"type": "Dense", "units": 10, "activation": "softmax"}]


def reused(model: str, trainable: bool = False) -> list[dict]:
    return [{"type": "Pretrained", "model": model, "trainable": trainable}, *HEAD]


@pytest.mark.parametrize("name", PRETRAINED_BASES)
def test_the_weights_read_from_the_file_are_the_demo_networks(name):
    demo = load_pretrained(name)
    layers = base_layers(name)
    assert layers[-1][1]["type"] in ("GlobalAveragePooling2D", "Flatten")  # up to the last pooling/flatten
    assert [layer.name for layer in demo.layers[: len(layers)]] == [theirs for theirs, _ in layers]
    for (theirs, _), weights in zip(layers, base_weights(name), strict=True):
        expected = demo.get_layer(theirs).get_weights()
        assert len(weights) == len(expected)
        for ours, reference in zip(weights, expected, strict=True):
            np.testing.assert_array_equal(ours, reference)
    assert base_input_shape(name) == tuple(demo.inputs[0].shape[1:]) == (28, 28, 1)


@pytest.mark.parametrize("name", PRETRAINED_BASES)
@pytest.mark.parametrize("trainable", [False, True])
def test_summary_equals_keras_shapes_and_counts(name, trainable):
    stack = reused(name, trainable)
    assert_matches_keras(stack, (28, 28, 1))  # every inner layer's shape, trainable and frozen count
    model = to_keras(stack, (28, 28, 1))
    summary = summarize(stack, (28, 28, 1))
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert totals(summary).non_trainable_params == frozen
    base = summary[0]
    if not trainable:  # every weight of the reused part is non-trainable, the head's are trainable
        assert base.trainable_params == 0 and base.non_trainable_params == base.params > 0
        assert totals(summary).trainable_params == summary[-1].params
    assert base.output_shape == {"mnist": (128,), "fashion_mnist": (3136,)}[name]


@pytest.mark.parametrize("name", PRETRAINED_BASES)
def test_the_reused_part_computes_the_demo_networks_features(name):
    demo = load_pretrained(name)
    cut = len(base_layers(name))
    reference = keras.Model(demo.inputs[0], demo.layers[cut - 1].output)
    ours = to_keras([{"type": "Pretrained", "model": name}], (28, 28, 1))
    images = datasets.load(name).x_test[:16].astype(np.float32) / 255
    expected = np.asarray(reference(images, training=False))
    got = np.asarray(ours(images, training=False))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_bad_inputs_get_a_clear_message():
    with pytest.raises(StackError, match=r"takes 28×28×1 images.*its input here is 32×32×3"):
        summarize(reused("mnist"), (32, 32, 3))
    with pytest.raises(StackError, match=r"takes 28×28×1 images.*its input here is 30×30×1"):
        summarize([{"type": "ZeroPadding2D"}, *reused("mnist")], (28, 28, 1))
    with pytest.raises(StackError, match="model must be 'mnist' or 'fashion_mnist'"):
        summarize([{"type": "Pretrained", "model": "../secrets"}], (28, 28, 1))
    with pytest.raises(StackError, match="'model' is required"):
        summarize([{"type": "Pretrained"}], (28, 28, 1))
    with pytest.raises(StackError, match="is a Pretrained part"):
        summarize([{"type": "Residual", "layers": reused("mnist")[:1]}], (28, 28, 1))
    with pytest.raises(StackError, match="trainable must be true or false"):
        summarize([{"type": "Pretrained", "model": "mnist", "trainable": "yes"}], (28, 28, 1))


def _small_mnist(per_class: int = 30) -> datasets.Dataset:
    from cnnviz.training.transfer import few_per_class

    return few_per_class(datasets.load("mnist"), per_class)


def _base_weights(run) -> list[np.ndarray]:
    return [w for layer in run.model.layers if layer.name.startswith("pretrained_") for w in layer.get_weights()]


def test_training_keeps_a_frozen_part_and_fine_tunes_a_trainable_one(data_dir):
    data = _small_mnist()
    frozen = train(reused("mnist"), data, TrainConfig(epochs=2, batch_size=32, validation_split=0.0))
    for ours, demo in zip(_base_weights(frozen), [w for ws in base_weights("mnist") for w in ws], strict=True):
        np.testing.assert_array_equal(ours, demo)
    head = frozen.model.layers[-1].get_weights()[0]
    assert not np.allclose(head, frozen.epoch_weights[0][-2])  # the head learned
    assert frozen.test_accuracy > 0.8  # digits' own features: a head on 300 digits reads the test set well
    fine = train(reused("mnist", trainable=True), data, TrainConfig(epochs=1, batch_size=32, learning_rate=1e-4))
    changed = [
        not np.array_equal(ours, demo)
        for ours, demo in zip(_base_weights(fine), [w for ws in base_weights("mnist") for w in ws], strict=True)
    ]
    assert all(changed)


def test_links_carry_a_reused_part():
    for name in PRETRAINED_BASES:
        for trainable in (False, True):
            stack = reused(name, trainable)
            text = links.write_stack(stack)
            assert f"pretrained-{name}" in text
            assert links.read_stack(text)[0] == {"type": "Pretrained", "model": name, "trainable": trainable}
    with pytest.raises(links.InputError):
        links.read_stack("pretrained-neu dense-10")


def _outputs(cell) -> str:
    parts = [output.get("text", "") + output.get("data", {}).get("text/plain", "") for output in cell.outputs]
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(parts))


@pytest.mark.timeout(900)
def test_the_notebook_rebuilds_the_reused_part_offline(tmp_path, data_dir):
    stack = reused("mnist")
    notebook = nbformat.reads(to_notebook(stack, "mnist", TrainConfig(epochs=1, max_train_samples=300)), as_version=4)
    source = "".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "cnnviz" not in source and "load_model" not in source  # everything it needs is inside
    # After the notebook: the reused layers' weights, summed, as the demo network has them.
    checksum = "\n".join(
        [
            "import json",
            "reused = [layer for layer in model.layers if layer.name.startswith('pretrained_')]",
            "print('CHECK', json.dumps([[float(np.abs(w).sum()) for w in layer.get_weights()] for layer in reused]))",
        ]
    )
    notebook.cells.append(nbformat.v4.new_code_cell(checksum))
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    text = "\n".join(_outputs(cell) for cell in notebook.cells if cell.cell_type == "code")
    summary = summarize(stack, (28, 28, 1))
    assert int(re.search(r"Non-trainable params: ([\d,]+)", text)[1].replace(",", "")) == summary[0].params
    assert int(re.search(r"Trainable params: ([\d,]+)", text)[1].replace(",", "")) == summary[-1].params
    sums = np.array([s for layer in eval(re.search(r"CHECK (.*)", text)[1]) for s in layer])  # noqa: S307 - our JSON
    expected = np.array([float(np.abs(w).sum()) for ws in base_weights("mnist") for w in ws])
    np.testing.assert_allclose(sums, expected, rtol=1e-6)  # the frozen layers kept the demo's weights
