"""What the Inside page's explanation sections need about the chosen network: where a background task can
rebuild it (:func:`model_source`, whose fingerprint keys every cached result) and its test images."""

from __future__ import annotations

import numpy as np

from cnnviz.datasets import load_size
from cnnviz.explain.tasks import ModelSource
from cnnviz.inspection import MODEL_LOCK
from cnnviz.training import TrainingRun
from cnnviz.ui.cache import get_dataset
from cnnviz.ui.inside.model_choice import ChosenModel


def model_source(chosen: ChosenModel) -> ModelSource:
    """The chosen network as a task can rebuild it: a demo model by name, or the run's stack with the
    weights of the epoch on show."""
    if chosen.demo is not None or chosen.run is None:
        return ModelSource.of_demo(str(chosen.demo))
    with MODEL_LOCK:  # the epoch slider sets the weights of this model under the same lock
        weights = chosen.model.get_weights()
    return ModelSource.of_stack(chosen.run.stack, chosen.run.input_shape, weights)


def run_source(run: TrainingRun) -> ModelSource:
    """A finished run's final network as a task can rebuild it."""
    weights = run.weights if run.weights is not None else run.model.get_weights()
    return ModelSource.of_stack(run.stack, run.input_shape, weights)


def test_set(chosen: ChosenModel) -> tuple[np.ndarray, np.ndarray] | None:
    """``(images uint8 (N, H, W, C), labels)`` of the chosen network's test set, or None if its run kept none."""
    if chosen.demo is not None:
        data = get_dataset(chosen.demo, image_size=load_size(chosen.demo, chosen.input_shape[0]))
        return data.x_test, data.y_test
    if chosen.run is not None and chosen.run.test_images is not None and chosen.run.test_labels is not None:
        return chosen.run.test_images, chosen.run.test_labels
    return None
