"""The shipped demo models: they load, they are small, their cards tell the truth, they reach their targets.

Targets (issue 7): MNIST ≥ 98 % on the official 10,000 test images (trained on the 5,000-image
offline subset), Fashion-MNIST ≥ 91 % on its 10,000 test images, NEU ≥ 97 % on the stratified test
split of ``cnnviz.datasets.load("neu", image_size=64)``. Each model is loaded and scored once.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from cnnviz import datasets, inspection
from cnnviz.errors import InputError
from scripts import pretrain
from tests.conftest import mnist_sample

TARGETS = {"mnist": 0.98, "fashion_mnist": 0.91, "neu": 0.97}
MAX_FILE_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module", params=sorted(TARGETS))
def scored(request, data_dir):  # data_dir: skipped without the offline data
    """(name, model, card, dataset, test accuracy measured here) for each shipped model."""
    name = request.param
    card = inspection.pretrained_card(name)
    model = inspection.load_pretrained(name)
    image_size = card["input_shape"][0] if name == "neu" else None
    dataset = datasets.load(name, image_size=image_size)
    probabilities = model.predict(dataset.x_test.astype(np.float32) / 255, batch_size=500, verbose=0)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == dataset.y_test))
    return SimpleNamespace(name=name, model=model, card=card, dataset=dataset, accuracy=accuracy)


def test_each_model_reaches_its_target_on_the_full_test_set(scored):
    assert len(scored.dataset.y_test) == scored.card["data"]["test_images"]
    assert scored.accuracy >= TARGETS[scored.name]


def test_each_card_reports_the_accuracy_measured_here(scored):
    assert scored.card["test_accuracy"] == pytest.approx(scored.accuracy, abs=1e-4)


def test_each_model_fits_its_card_and_its_data(scored):
    assert scored.card["class_names"] == scored.dataset.class_names
    assert inspection.input_shape(scored.model) == tuple(scored.card["input_shape"])
    assert scored.model.count_params() == scored.card["params"]
    assert [layer.name for layer in scored.model.layers] == [layer["name"] for layer in scored.card["layers"]]
    for key in ("source", "train_images", "validation_images"):
        assert scored.card["data"][key]
    assert scored.card["recipe"]["command"] == f"python -m scripts.pretrain {scored.name}"
    assert scored.card["date"]
    assert (inspection.PRETRAINED_DIR / f"{scored.name}.keras").stat().st_size < MAX_FILE_BYTES


def test_mnist_was_trained_on_the_offline_5k_subset_only():
    card = inspection.pretrained_card("mnist")
    assert card["data"]["train_images"] + card["data"]["validation_images"] == 5000


def test_an_unknown_model_name_is_refused():
    with pytest.raises(InputError, match="mnist"):
        inspection.load_pretrained("imagenet")


def test_the_recipe_trains_saves_and_reloads_a_model(tmp_path):
    """The pretraining pipeline end to end on 400 images and one epoch (the real runs take an hour)."""
    small = mnist_sample(train=400, test=200)
    model, card = pretrain.train_recipe("mnist", small, epochs=1, verbose=0)
    path = pretrain.save(model, card, tmp_path)
    assert path.stat().st_size < MAX_FILE_BYTES
    import keras

    reloaded = keras.models.load_model(path, compile=False)
    x = small.x_test[:8].astype(np.float32) / 255
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert card["data"]["train_images"] == 360 and card["data"]["test_images"] == 200
    assert 0 <= card["test_accuracy"] <= 1
