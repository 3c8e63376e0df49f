"""The ``Pretrained`` stack entry: the convolutional part of a shipped demo network, with what it learned.

``{"type": "Pretrained", "model": "mnist", "trainable": False}`` stands for the demo model's layers up to
its last pooling or Flatten (MNIST: five convolutions and two max-poolings to a global average pooling,
128 features; Fashion-MNIST: four convolution/BN/ReLU blocks to Flatten, 3,136 features). Reusing them
is transfer learning: a small head on these features learns new classes from a few examples.

Everything is read from the shipped ``.keras`` files (``cnnviz/pretrained/``), never from anything a user
sends, and without TensorFlow: the layers from the file's ``config.json`` (:func:`base_layers`), the
weights from its ``model.weights.h5`` with h5py (:func:`base_weights`; Keras 3 keeps each layer's
variables under ``layers/<class in snake case>[_<n>]/vars/<i>``, numbered per class in layer order;
``tests/test_pretrained_layer.py`` checks them against ``keras.saving.load_model``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.architecture.layers import LAYER_ARGS, PRETRAINED_BASES, StackError, normalize_layer

#: The shipped demo models (the Inside page's), read here and by :mod:`cnnviz.inspection`.
PRETRAINED_DIR = Path(__file__).resolve().parents[1] / "pretrained"
#: What the pages call each base.
BASE_TITLES = {"mnist": "handwritten-digit (MNIST)", "fashion_mnist": "clothing (Fashion-MNIST)"}
#: A learning rate small enough for fine-tuning (``trainable: true``) not to wipe out what the base learned.
FINE_TUNE_LEARNING_RATE = 1e-4
_ENDS = ("MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten")


def _file(name: str) -> Path:
    if name not in PRETRAINED_BASES:
        raise StackError(f"There is no pretrained base called {name!r}; choose one of {', '.join(PRETRAINED_BASES)}.")
    return PRETRAINED_DIR / f"{name}.keras"


@lru_cache(maxsize=len(PRETRAINED_BASES))
def _config(name: str) -> dict[str, Any]:
    with zipfile.ZipFile(_file(name)) as archive:
        return json.loads(archive.read("config.json"))


def base_input_shape(name: str) -> tuple[int, int, int]:
    """The ``(H, W, C)`` images the base ``name`` takes (28×28×1 for both)."""
    first = _config(name)["config"]["layers"][0]["config"]
    height, width, channels = (int(size) for size in first["batch_shape"][1:])
    return height, width, channels


@lru_cache(maxsize=len(PRETRAINED_BASES))
def base_layers(name: str) -> tuple[tuple[str, dict[str, Any]], ...]:
    """``(Keras name in the demo file, layer dict in our vocabulary)`` of every layer of the base, in order."""
    found = []
    for position, layer in enumerate(_config(name)["config"]["layers"][1:], start=1):
        kind, config = layer["class_name"], layer["config"]
        if kind not in LAYER_ARGS:
            raise StackError(f"The {name} demo network has a {kind} layer, which a stack cannot hold")
        ours = {"type": kind, **{arg: config[arg] for arg in LAYER_ARGS[kind] if arg in config}}
        found.append((config["name"], normalize_layer(ours, position)))
    end = max(index for index, (_, layer) in enumerate(found) if layer["type"] in _ENDS)
    return tuple(found[: end + 1])


def base_stack(name: str) -> list[dict[str, Any]]:
    """The base's layers as a stack (canonical layer dicts; a fresh copy each call)."""
    return [dict(layer) for _, layer in base_layers(name)]


@lru_cache(maxsize=len(PRETRAINED_BASES))
def _weights(name: str) -> tuple[tuple[np.ndarray, ...], ...]:
    import h5py

    with zipfile.ZipFile(_file(name)) as archive:
        data = archive.read("model.weights.h5")
    seen: Counter[str] = Counter()
    weights = []
    with h5py.File(io.BytesIO(data), "r") as store:
        for layer in _config(name)["config"]["layers"][1:]:
            group = _snake(layer["class_name"])
            number, seen[group] = seen[group], seen[group] + 1
            variables = store["layers"].get(f"{group}_{number}" if number else group, {}).get("vars", {})
            arrays = tuple(np.array(variables[str(i)]) for i in range(len(variables)))
            for array in arrays:
                array.flags.writeable = False
            weights.append(arrays)
    return tuple(weights[: len(base_layers(name))])


def base_weights(name: str) -> list[list[np.ndarray]]:
    """Per layer of :func:`base_layers`, its weights in ``layer.get_weights()`` order (read-only arrays)."""
    return [list(arrays) for arrays in _weights(name)]


def _snake(class_name: str) -> str:
    """Keras' snake case of a class name: Conv2D → conv2d, GlobalAveragePooling2D → global_average_pooling2d."""
    text = re.sub(r"\W+", "", class_name)
    text = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", text)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", text).lower()
