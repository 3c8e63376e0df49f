"""My classes' transfer path (issue 28): a frozen digit network's features, computed once, and a head on them.

On a fixed set of drawn shapes (``cnnviz.shapes``, prepared as the page prepares drawings), five examples
per class: reusing the features scores at least as well as the tiny network trained from scratch. The
features of a set of images are computed once: a second training on the same images reuses them (a
counter, not a clock, says so), and the head trained on them is the whole model's training.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cnnviz.datasets import from_examples
from cnnviz.errors import InputError
from cnnviz.recipes import RECIPES
from cnnviz.shapes import example_set
from cnnviz.training import TrainConfig, train
from cnnviz.training.transfer import FEATURES, FeatureCache, few_per_class, frozen_base

SHAPES = ("circle", "cross", "triangle", "square")


@pytest.fixture(scope="module")
def drawings():
    """5 drawings per shape to learn from, 50 others per shape to score on (fixed random starts)."""
    collected = from_examples(example_set(SHAPES, 5, seed=0), center=True, test_fraction=0)
    held_out = from_examples(example_set(SHAPES, 50, seed=10_000), center=True, test_fraction=0)
    return dataclasses.replace(collected, x_test=held_out.x_train, y_test=held_out.y_train)


def test_reusing_the_digit_features_beats_or_equals_scratch_with_five_examples(drawings):
    scratch, transfer = RECIPES["my_classes_tiny"], RECIPES["my_classes_transfer"]
    from_scratch = train(scratch.stack, drawings, scratch.config)
    reused = train(transfer.stack, drawings, transfer.config)
    assert reused.train_samples == from_scratch.train_samples == 20
    assert reused.test_accuracy >= from_scratch.test_accuracy
    assert reused.test_accuracy >= 0.85  # far above the 25 % of guessing among four shapes


def test_features_are_computed_once_per_image(drawings):
    transfer = RECIPES["my_classes_transfer"]
    FEATURES.clear()
    before = FEATURES.computed
    first = train(transfer.stack, drawings, transfer.config)
    assert FEATURES.computed == before + 20  # the 20 examples, once
    again = train(transfer.stack, drawings, dataclasses.replace(transfer.config, seed=1, epochs=5))
    assert FEATURES.computed == before + 20  # the same images, in another order: nothing recomputed
    assert any("were already computed" in note for note in again.notes)
    assert any("computed the features of 20 images once" in note for note in first.notes)
    fewer = few_per_class(drawings, 3)
    train(transfer.stack, fewer, dataclasses.replace(transfer.config, epochs=2))
    assert FEATURES.computed == before + 20  # a subset of them: still nothing new
    grown = dataclasses.replace(
        drawings,
        x_train=np.concatenate([drawings.x_train, drawings.x_test[:4]]),
        y_train=np.concatenate([drawings.y_train, drawings.y_test[:4]]),
    )
    grown_run = train(transfer.stack, grown, dataclasses.replace(transfer.config, epochs=2))
    assert FEATURES.computed == before + 24  # four examples added: only their features computed
    assert any("(4 new, 20 kept from an earlier training)" in note for note in grown_run.notes)


def test_the_head_on_cached_features_trains_as_the_whole_frozen_model(drawings, monkeypatch):
    """The same weights as training the whole model, base frozen, on the images every epoch."""
    stack = [{"type": "Pretrained", "model": "mnist"}, {"type": "Dense", "units": 4, "activation": "softmax"}]
    config = TrainConfig(epochs=3, batch_size=8, learning_rate=1e-2, validation_split=0.0)
    assert frozen_base(stack, (28, 28, 1)) == 8
    cached = train(stack, drawings, config)
    assert any("only the layers after it trained" in note for note in cached.notes)
    monkeypatch.setattr(FEATURES, "max_bytes", 0)  # no room for features: the whole model trains
    whole = train(stack, drawings, config)
    assert not any("only the layers after it trained" in note for note in whole.notes)
    for ours, reference in zip(cached.model.get_weights(), whole.model.get_weights(), strict=True):
        np.testing.assert_allclose(ours, reference, atol=1e-5)
    assert cached.history["loss"] == pytest.approx(whole.history["loss"], abs=1e-5)


def test_few_per_class_takes_the_first_examples_of_every_class(drawings):
    three = few_per_class(drawings, 3)
    assert np.bincount(three.y_train).tolist() == [3, 3, 3, 3]
    assert len(three.y_test) == len(drawings.y_test)
    with pytest.raises(InputError, match="has 5 training examples; 6 per class are needed"):
        few_per_class(drawings, 6)


def test_the_cache_is_bounded_by_bytes():
    cache = FeatureCache(max_bytes=1000)
    images = np.arange(3 * 4, dtype=np.uint8).reshape(3, 2, 2, 1)
    calls = []

    def compute(batch):
        calls.append(len(batch))
        return np.zeros((len(batch), 100), np.float32)  # 400 bytes per image

    assert cache.features("base", images, compute).shape == (3, 100)
    assert cache.computed == 3 and calls == [3]
    cache.features("base", images[1:], compute)
    assert cache.computed == 3  # the last two were kept (800 bytes)
    cache.features("base", images[:1], compute)
    assert cache.computed == 4 and calls == [3, 1]  # the first had been dropped to stay within 1000 bytes
    cache.features("other weights", images[:1], compute)
    assert cache.computed == 5  # another base: other features
