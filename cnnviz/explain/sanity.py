"""The sanity check of Adebayo et al. (2018): does a map change when the network's weights are randomised?

The cascade re-initialises the network from the top (output) layer down, one more layer each step
(:func:`cascade_layers` lists the steps, :func:`randomized` makes each network). A map that follows
what the network learned must change; one that stays the same shows the image's edges, not the
network's reasons. :func:`rank_correlation` measures how alike two maps are (Spearman's ρ, as in the
paper; of absolute values by default, since a map's sign is often arbitrary).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnviz.errors import InputError
from cnnviz.explain.classifier import MAX_SIDE, leaf_layers

MAX_MAP_VALUES = MAX_SIDE * MAX_SIDE * 3


def cascade_layers(model: Any) -> list[str]:
    """Names of the layers with weights, top (output) first: the steps of the cascade."""
    return [layer.name for layer in reversed(leaf_layers(model)) if layer.weights]


def randomized(model: Any, *, from_layer: str | None = None, seed: int = 0) -> Any:
    """A copy of ``model`` whose weights from layer ``from_layer`` up to the output are re-initialised.

    ``from_layer`` defaults to the top layer with weights. Each re-initialised variable is drawn
    again by its layer's own initializer (``kernel_initializer``, ``bias_initializer``,
    BatchNormalization's ``gamma_initializer``...) with a random start from ``seed``; a variable
    without one is shuffled (same values, positions scrambled). Layers below ``from_layer`` keep
    their trained weights; ``model`` itself is not changed.
    """
    import keras

    names = [layer.name for layer in leaf_layers(model)]
    weighted = cascade_layers(model)
    if not weighted:
        raise InputError("This model has no weights to randomise.")
    from_layer = weighted[0] if from_layer is None else from_layer
    if from_layer not in weighted:
        raise InputError(f"{from_layer!r} is not a layer with weights; choose one of {', '.join(weighted)}.")
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    rng = np.random.default_rng(seed)
    for position, layer in enumerate(leaf_layers(copy)[names.index(from_layer) :]):
        for variable in layer.weights:
            variable.assign(_redrawn(layer, variable, seed * 1000 + position, rng))
    return copy


def _redrawn(layer: Any, variable: Any, seed: int, rng: np.random.Generator) -> np.ndarray:
    """New values for ``variable``: its initializer's, or its own values shuffled when it has none."""
    import keras

    name = variable.name.split("/")[-1].split(":")[0]
    candidates = (f"{name}_initializer", f"{name.removesuffix('_kernel')}_initializer", "depthwise_initializer")
    initializer = next((getattr(layer, c) for c in candidates if getattr(layer, c, None) is not None), None)
    shape, dtype = tuple(variable.shape), variable.dtype
    if initializer is None:
        return rng.permutation(np.asarray(variable).ravel()).reshape(shape)
    config = initializer.get_config()
    if "seed" in config:
        initializer = type(initializer).from_config({**config, "seed": seed})
    return np.asarray(keras.ops.convert_to_numpy(initializer(shape, dtype=dtype)))


def rank_correlation(map_a: Any, map_b: Any, *, absolute: bool = True) -> float:
    """Spearman's rank correlation of two maps of the same shape, in [-1, 1].

    With ``absolute`` (the default) the maps' magnitudes are compared. A constant map has no order,
    so its correlation with anything is reported as 0.
    """
    from scipy.stats import spearmanr

    a, b = np.asarray(map_a, dtype=np.float64).ravel(), np.asarray(map_b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise InputError(f"The maps must have the same shape to be compared ({np.shape(map_a)} vs {np.shape(map_b)}).")
    if a.size > MAX_MAP_VALUES:
        raise InputError(f"Maps of up to {MAX_MAP_VALUES:,} values can be compared; these have {a.size:,}.")
    if absolute:
        a, b = np.abs(a), np.abs(b)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)
