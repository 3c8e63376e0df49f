"""The explanations that take seconds, as plain functions a Dask worker (or a background thread) can run.

Each task gets a :class:`ModelSource` (a demo model's name, or a stack with its weights: plain, picklable
data, never a Keras object), rebuilds the network where it runs (kept per process, so a second task on
the same network reuses it and its compiled functions) and reports its progress through ``report(done,
note)`` (see :mod:`cnnviz.background`):

- :func:`visualize_channels`: feature visualisations of several channels, each with the channel's mean
  value on it (to set beside the test image that excites the channel most);
- :func:`channel_means`: each channel's mean value on each of many images (which images excite it most);
- :func:`image_features`: the class map's features (:func:`cnnviz.explain.features`) and the network's
  answers, in chunks;
- :func:`place`: features placed in 2-D by PCA or t-SNE (:func:`cnnviz.explain.reduce`);
- :func:`attack_curve`: the accuracy under FGSM as ε grows (:func:`cnnviz.explain.fgsm_accuracy`), in chunks.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cnnviz import limits
from cnnviz.errors import InputError
from cnnviz.explain.adversarial import fgsm_accuracy
from cnnviz.explain.classifier import GRADIENT_PASSES, check_count
from cnnviz.explain.embedding import features_and_probabilities, reduce
from cnnviz.explain.visualization import MAX_FEATURE_STEPS, feature_visualization

MAX_CHANNELS = limits.FEATURE_CHANNELS.most  # channels visualised in one task
MAX_TASK_IMAGES = limits.EXPLAIN_TASK_IMAGES.most  # images one chunked task works on (the class map's largest)
CHUNK_IMAGES = 250  # images per step of a chunked task (one progress report each)
KEPT_MODELS = 4  # networks kept built per process
Report = Callable[..., None]

_BUILT: OrderedDict[str, Any] = OrderedDict()
_BUILT_LOCK = threading.Lock()


def _silent(done: float, note: str = "") -> None:
    """The ``report`` of a task nobody follows."""


@dataclass(frozen=True, eq=False)
class ModelSource:
    """A network a task can rebuild anywhere: a demo model by name, or a stack with its input shape and weights.

    ``fingerprint`` names the network and its weights (a demo model by its name; a stack by a hash of the
    stack, shape and every weight): results are cached under it.
    """

    demo: str | None = None
    stack: Sequence[dict[str, Any]] = ()
    input_shape: tuple[int, ...] = ()
    weights: Sequence[np.ndarray] = field(default=(), repr=False)
    fingerprint: str = field(default="", init=False)

    def __post_init__(self) -> None:
        if self.demo is not None:
            name = f"demo-{self.demo}"
        else:
            digest = hashlib.sha1(json.dumps([list(self.stack), list(self.input_shape)], sort_keys=True).encode())
            for weight in self.weights:
                array = np.ascontiguousarray(weight)
                digest.update(str(array.shape).encode())
                digest.update(array.tobytes())
            name = f"run-{digest.hexdigest()[:20]}"
        object.__setattr__(self, "fingerprint", name)

    @classmethod
    def of_demo(cls, name: str) -> ModelSource:
        return cls(demo=name)

    @classmethod
    def of_stack(
        cls, stack: Sequence[dict[str, Any]], input_shape: Sequence[int], weights: Sequence[Any]
    ) -> ModelSource:
        return cls(
            stack=[dict(layer) for layer in stack],
            input_shape=tuple(int(v) for v in input_shape),
            weights=[np.asarray(w) for w in weights],
        )

    def build(self) -> Any:
        """The Keras model (built once per process and fingerprint; the few most recent are kept)."""
        with _BUILT_LOCK:
            if self.fingerprint in _BUILT:
                _BUILT.move_to_end(self.fingerprint)
                return _BUILT[self.fingerprint]
        if self.demo is not None:
            from cnnviz.inspection import load_pretrained

            model = load_pretrained(self.demo)
        else:
            from cnnviz import architecture

            model = architecture.to_keras(list(self.stack), tuple(self.input_shape))
            model.set_weights(list(self.weights))
        with _BUILT_LOCK:
            _BUILT[self.fingerprint] = model
            while len(_BUILT) > KEPT_MODELS:
                _BUILT.popitem(last=False)
        return model


@dataclass(frozen=True)
class ChannelPicture:
    """A channel's feature visualisation ``image`` (H, W, C) in [0, 1] and the channel's mean value on it."""

    channel: int
    image: np.ndarray
    mean_value: float


def visualize_channels(
    source: ModelSource, layer: str, channels: Sequence[int], *, steps: int = 256, report: Report = _silent
) -> list[ChannelPicture]:
    """Feature visualisations (:func:`cnnviz.explain.feature_visualization`, random start 0) of ``channels``
    of ``layer``, each with the channel's mean output on its picture (the layer's output after its
    activation, measured like :func:`channel_means` measures the test images)."""
    check_count(len(channels), MAX_CHANNELS, "The number of channels to visualise")
    check_count(steps, MAX_FEATURE_STEPS, "Feature visualisation's steps")
    model = source.build()
    _check_total(model, 1, GRADIENT_PASSES * steps * len(channels), f"Visualising {len(channels)} channels")
    pictures = []
    for done, channel in enumerate(channels):
        report(done / len(channels), f"channel {channel} ({done + 1} of {len(channels)})")
        image = feature_visualization(model, layer, int(channel), steps=steps)
        value = _channel_values(model, layer, image[None])[0, int(channel)]
        pictures.append(ChannelPicture(int(channel), image, float(value)))
    report(1.0, "done")
    return pictures


def channel_means(source: ModelSource, layer: str, images: np.ndarray, *, report: Report = _silent) -> np.ndarray:
    """``(N, C)`` float32: each channel's mean value over the positions of ``layer``'s output for each image
    (a flat layer's units themselves), in chunks."""
    model = source.build()
    _check_total(model, len(images), 1, f"The values of layer {layer} on {len(images):,} images")
    (means,) = _chunked(images, lambda part: (_channel_values(model, layer, part),), report, "images")
    return means


@dataclass(frozen=True)
class MapFeatures:
    """What the class map needs of each image: its ``features`` (N, D), the ``predicted`` class and the
    network's ``confidence`` in it."""

    features: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray


def image_features(source: ModelSource, images: np.ndarray, *, report: Report = _silent) -> MapFeatures:
    """:func:`cnnviz.explain.features` of ``images`` (the input of the last Dense layer) and the network's
    answers, from one pass (:func:`cnnviz.explain.embedding.features_and_probabilities`)."""
    model = source.build()
    _check_total(model, len(images), 1, f"The class map of {len(images):,} images")
    values, probabilities = _chunked(images, lambda part: features_and_probabilities(model, part), report, "images")
    return MapFeatures(values, probabilities.argmax(axis=1), probabilities.max(axis=1))


def place(points: np.ndarray, *, method: str = "pca", report: Report = _silent) -> np.ndarray:
    """``(N, 2)`` float32: feature vectors placed by :func:`cnnviz.explain.reduce` (random start 0)."""
    report(0.0, f"placing {len(points):,} points with {'t-SNE' if method == 'tsne' else method.upper()}")
    placed = reduce(points, method=method)
    report(1.0, "done")
    return placed


def attack_curve(
    source: ModelSource,
    images: np.ndarray,
    labels: np.ndarray,
    epsilons: Sequence[float],
    *,
    report: Report = _silent,
) -> np.ndarray:
    """Accuracy ``(len(epsilons),)`` float64 under FGSM of each ε on ``images`` (:func:`cnnviz.explain.
    fgsm_accuracy`, in chunks so progress can be reported)."""
    check_count(len(images), MAX_TASK_IMAGES, "The number of images to attack")
    model = source.build()
    _check_total(model, len(images), GRADIENT_PASSES + len(epsilons), f"Attacking {len(images):,} images")
    labels = np.asarray(labels)
    if len(labels) != len(images):
        raise InputError(f"Give one label per image ({len(images)} images, {len(labels)} labels).")
    correct = np.zeros(len(epsilons))
    for start in range(0, len(labels), CHUNK_IMAGES):
        report(start / len(labels), f"{start:,} of {len(labels):,} images attacked")
        part = slice(start, start + CHUNK_IMAGES)
        correct += fgsm_accuracy(model, images[part], labels[part], epsilons) * len(labels[part])
    report(1.0, "done")
    return correct / max(len(labels), 1)


def _check_total(model: Any, images: int, passes: int, what: str) -> None:
    """Refuse, before any work, a task whose chunks together would cost more than one request may."""
    from cnnviz.explain.classifier import network

    network(model).check_cost(images * passes, what)


def _channel_values(model: Any, layer: str, images: np.ndarray) -> np.ndarray:
    """``(N, C)``: the layer's output for prepared images, averaged over its positions."""
    from cnnviz.explain.classifier import network

    net = network(model)
    batch = net.images(images)
    net.check_cost(len(batch), f"The values of layer {layer} on {len(batch):,} images")
    values = net.layer_values(layer, batch)
    return values.reshape(len(batch), -1, values.shape[-1]).mean(axis=1).astype(np.float32)


def _chunked(
    images: np.ndarray, compute: Callable[[np.ndarray], tuple[np.ndarray, ...]], report: Report, what: str
) -> tuple[np.ndarray, ...]:
    """``compute`` over ``images`` in chunks of :data:`CHUNK_IMAGES`, reporting after each; each of its
    outputs joined over the chunks."""
    check_count(len(images), MAX_TASK_IMAGES, f"The number of {what}")
    parts = []
    for start in range(0, len(images), CHUNK_IMAGES):
        report(start / len(images), f"{start:,} of {len(images):,} {what}")
        parts.append(compute(images[start : start + CHUNK_IMAGES]))
    report(1.0, "done")
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))
