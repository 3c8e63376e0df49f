"""A training run as plain data (NumPy arrays, numbers, strings, lists, dicts) and back.

A worker process returns :func:`to_payload` of its run instead of a Keras model, the run store
writes it as ``.npz`` + JSON, and the web server turns it back into a :class:`TrainingRun` with
:func:`from_payload`; the Keras model is rebuilt from the weights only when a page needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnnviz.training.config import TrainConfig
from cnnviz.training.run import TrainingRun

#: The plain (JSON-ready) fields of a payload; ``weights``, ``epoch_weights`` (the epoch scrubber's
#: copies: one list of arrays per recorded epoch), ``test_probabilities`` and ``test_labels`` are its arrays.
PLAIN_FIELDS = (
    "history",
    "test_loss",
    "test_accuracy",
    "seconds",
    "stack",
    "input_shape",
    "class_names",
    "notes",
    "dataset",
    "source",
    "stopped",
    "train_samples",
    "val_samples",
    "images_per_second",
    "final_epoch",
    "weights_capped",
)


def to_payload(run: TrainingRun) -> dict[str, Any]:
    """The run without Keras objects or dataset images: weights as a list of arrays, config as a dict."""
    payload = {name: getattr(run, name) for name in PLAIN_FIELDS}
    payload["input_shape"] = list(run.input_shape)
    payload["config"] = run.config.to_dict()
    payload["weights"] = [np.asarray(w) for w in (run.weights if run.weights is not None else run.model.get_weights())]
    payload["epoch_weights"] = [[np.asarray(w) for w in epoch] for epoch in run.epoch_weights]
    payload["test_probabilities"] = run.test_probabilities
    payload["test_labels"] = run.test_labels
    return payload


def from_payload(payload: dict[str, Any], dataset: Any = None, *, reused: str = "") -> TrainingRun:
    """The :class:`TrainingRun` of a payload; ``dataset`` lends its test images to the gallery."""
    values = {name: payload[name] for name in PLAIN_FIELDS}
    values["input_shape"] = tuple(values["input_shape"])
    has_test = payload.get("test_labels") is not None
    return TrainingRun(
        model=None,
        **values,
        config=TrainConfig.from_dict(payload["config"]),
        weights=list(payload["weights"]),
        epoch_weights=[list(epoch) for epoch in payload.get("epoch_weights", [])],
        test_probabilities=payload.get("test_probabilities"),
        test_labels=payload.get("test_labels"),
        test_images=dataset.x_test if has_test and dataset is not None else None,
        train_data=dataset,
        reused=reused,
        worker=str(payload.get("worker", "")),
    )
