"""A training run as plain data (NumPy arrays, numbers, strings, lists, dicts) and back.

A worker process returns :func:`to_payload` of its run instead of a Keras model, the run store
writes it as ``.npz`` + JSON, and the web server turns it back into a :class:`TrainingRun` with
:func:`from_payload`; the Keras model is rebuilt from the weights only when a page needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnviz.training.run import ARRAY_FIELDS, TrainingRun, from_plain, plain_values

__all__ = ["ARRAY_FIELDS", "from_payload", "to_payload"]


def to_payload(run: TrainingRun) -> dict[str, Any]:
    """The run without Keras objects or dataset images: its plain values (the config as a dict) and its
    :data:`~cnnviz.training.run.ARRAY_FIELDS`: the weights (taken from the model if the run has one), each
    recorded epoch's weights, the test probabilities and labels."""
    payload = plain_values(run)
    payload["weights"] = [np.asarray(w) for w in (run.weights if run.weights is not None else run.model.get_weights())]
    payload["epoch_weights"] = [[np.asarray(w) for w in epoch] for epoch in run.epoch_weights]
    payload["test_probabilities"] = run.test_probabilities
    payload["test_labels"] = run.test_labels
    return payload


def from_payload(payload: dict[str, Any], dataset: Any = None, *, reused: str = "") -> TrainingRun:
    """The :class:`TrainingRun` of a payload; ``dataset`` lends its test images to the gallery."""
    has_test = payload.get("test_labels") is not None
    return TrainingRun(
        model=None,
        **from_plain(payload),
        weights=list(payload["weights"]),
        epoch_weights=[list(epoch) for epoch in payload.get("epoch_weights", [])],
        test_probabilities=payload.get("test_probabilities"),
        test_labels=payload.get("test_labels"),
        test_images=dataset.x_test if has_test and dataset is not None else None,
        train_data=dataset,
        reused=reused,
        worker=str(payload.get("worker", "")),
    )
