"""The course's six experiments split across the class: each group trains one variant ("group A: SGD,
group B: Adam") of the quick digits recipe, so the class's curves answer the experiment's question
together. A one-run experiment gives its groups different random starts instead."""

from __future__ import annotations

from dataclasses import replace

from cnnviz.classroom import experiment_groups
from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS, RECIPES
from cnnviz.training import TrainingPlan

EXPERIMENT_RECIPE = "quick_mnist"  # every group trains a variant of this recipe's network and data


def group_labels(experiment: str) -> list[str]:
    """The groups of ``experiment`` (a key of ``recipes.EXPERIMENTS``): one per variant, or A and B."""
    return experiment_groups(experiment, list(RECIPES[EXPERIMENT_RECIPE].stack))


def variant_labels(experiment: str) -> set[str]:
    """The labels the experiment's runs carry (how the dashboard finds them among a student's runs)."""
    if experiment not in EXPERIMENTS:
        return set()
    return {variant.label for variant in EXPERIMENTS[experiment].variants(_stack(), EXPERIMENT_BASE)}


def _stack() -> list[dict]:
    return [dict(layer) for layer in RECIPES[EXPERIMENT_RECIPE].stack]


def group_plan(experiment: str, group: str, group_index: int) -> TrainingPlan:
    """The training a student of ``group`` does for ``experiment``."""
    from cnnviz.ui.cache import get_dataset

    recipe = RECIPES[EXPERIMENT_RECIPE]
    variants = EXPERIMENTS[experiment].variants(_stack(), EXPERIMENT_BASE)
    variant = next((v for v in variants if v.label == group), None)
    config = variant.config if variant is not None else variants[0].config
    if variant is None:  # one run for everyone: each group its own random start
        variant = variants[0]
        config = replace(config, seed=config.seed + group_index)
    return TrainingPlan(variant.stack, get_dataset(recipe.dataset), config, label=variant.label)


def experiment_title(experiment: str | None) -> str:
    """The experiment's title ("SGD vs RMSprop vs Adam"), or "" for none or one this app does not know."""
    found = EXPERIMENTS.get(experiment or "")
    return found.title if found is not None else ""
