"""Advice around a run: learning rates per optimizer, names that say what changed, the chance-level warning."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cnnviz.recipes import RECIPES
from cnnviz.training import OPTIMIZERS, TrainConfig
from cnnviz.training.advice import (
    SUGGESTED_RATES,
    chance_level,
    did_not_learn,
    not_learning_advice,
    run_name,
    suggested_rate,
)

BASE = RECIPES["quick_mnist"].config


def test_every_optimizer_has_a_suggestion_and_sgd_needs_a_larger_one():
    assert set(SUGGESTED_RATES) == set(OPTIMIZERS)
    assert suggested_rate("sgd") >= 10 * suggested_rate("adam")


def test_an_unchanged_recipe_keeps_its_title_and_a_changed_one_says_what_changed():
    title = RECIPES["quick_mnist"].title
    assert run_name(title, BASE, BASE) == title
    changed = replace(BASE, optimizer="sgd", learning_rate=0.01, epochs=8)
    assert run_name(title, changed, BASE) == "SGD lr 0.01 · 8 epochs"
    others = replace(BASE, batch_size=128, max_train_samples=None, seed=7, augmentation=({"type": "RandomFlip"},))
    assert run_name(title, others, BASE) == "batch 128 · all images · augmented · random start 7"


@pytest.mark.parametrize(
    "accuracy, classes, expected",
    [
        (0.135, 10, True),
        (0.185, 10, True),
        (0.20, 10, False),
        (0.97, 10, False),
        (0.52, 2, True),
        (0.60, 2, False),
        (None, 10, False),
    ],
)
def test_a_run_near_chance_level_did_not_learn(accuracy, classes, expected):
    assert did_not_learn(accuracy, classes) is expected


def test_the_advice_points_the_learning_rate_the_right_way():
    assert chance_level(10) == pytest.approx(0.1)
    slow = TrainConfig(optimizer="sgd", learning_rate=0.001)
    assert not_learning_advice(slow).startswith("Try a larger learning rate: 0.1 suits SGD")
    wild = TrainConfig(optimizer="adam", learning_rate=0.1)
    assert not_learning_advice(wild).startswith("Try a smaller learning rate: 0.001 suits Adam")
    assert not_learning_advice(TrainConfig()).startswith("Train for more epochs")
