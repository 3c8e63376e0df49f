"""Which trainings are the same: a dataset's content fingerprint and a training's deterministic key.

Training is deterministic for a given stack, dataset, settings and random start, so two requests
with the same :func:`training_key` would train the same network: the second one joins the first
(or reuses its stored result) instead of training again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Part of every key: change it when training code changes what a key trains, so stored runs of
#: the old code are no longer reused.
KEY_VERSION = 1
KEY_PREFIX = "cnnviz-train-"

_fingerprints: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _digest(*arrays: np.ndarray, text: str = "") -> str:
    hasher = hashlib.sha256(text.encode())
    for array in arrays:
        array = np.ascontiguousarray(array)
        hasher.update(f"{array.dtype.str}{array.shape}".encode())
        hasher.update(array.data.cast("B"))
    return hasher.hexdigest()


def array_digest(*arrays: np.ndarray) -> str:
    """SHA-256 of arrays' dtypes, shapes and bytes: equal for equal content."""
    return _digest(*arrays)


def dataset_fingerprint(dataset: Any) -> str:
    """SHA-256 of a dataset's images, labels and class names (computed once per dataset object)."""
    try:
        return _fingerprints[dataset]
    except (KeyError, TypeError):
        pass
    fingerprint = _digest(
        dataset.x_train,
        dataset.y_train,
        dataset.x_test,
        dataset.y_test,
        text=json.dumps([str(name) for name in dataset.class_names]),
    )
    with contextlib.suppress(TypeError):  # not weak-referenceable: fine, just not remembered
        _fingerprints[dataset] = fingerprint
    return fingerprint


def weights_fingerprint(weights: Sequence[np.ndarray], history: Mapping[str, Sequence[float]]) -> str:
    """SHA-256 of the weights and history a continued run starts from."""
    return _digest(*weights, text=json.dumps({k: list(map(float, v)) for k, v in sorted(history.items())}))


def training_key(
    stack: Sequence[Mapping[str, Any]], dataset_id: str, config: Mapping[str, Any], start_id: str = ""
) -> str:
    """``cnnviz-train-<hash>``: equal for equal stack, dataset, settings (random start included) and start."""
    text = json.dumps(
        {
            "version": KEY_VERSION,
            "stack": list(stack),
            "dataset": dataset_id,
            "config": dict(config),
            "start": start_id,
        },
        sort_keys=True,
        default=str,
    )
    return KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]


def run_key(stack: Sequence[Mapping[str, Any]], dataset: Any, config: Any, start: Any = None) -> str:
    """The key the Dask :class:`~cnnviz.training.service.TrainingService` stores this training's run under in
    the run store (``config``: a :class:`~cnnviz.training.TrainConfig`; ``start``: the finished run it
    continues, if any): what a class's record of a run points to, to open it again or put it in a zip."""
    start_id = ""
    if start is not None:
        weights = start.weights if start.weights is not None else start.model.get_weights()
        start_id = weights_fingerprint(weights, start.history)
    return training_key(list(stack), dataset_fingerprint(dataset), config.to_dict(), start_id)
