"""Why did training stall? Each layer's inner state after every epoch, recorded by a cheap Keras callback.

:func:`internals_recorder` makes a callback that, before training (epoch 0) and after every epoch,
records for each top-level layer:

- ``weight_counts``: a histogram of its kernels (the weights with two or more axes; a layer without
  any, such as BatchNormalization, all its trainable weights) over ``bins`` fixed bins,
  ``weight_edges``, symmetric around 0 and twice as wide as the largest initial weight;
- ``gradient_counts``: the same for the gradient of the training loss with respect to those
  weights, on a fixed *probe batch* in inference mode (no dropout), over ``gradient_edges`` fixed
  from the gradients before training (twice their largest);
  values beyond the edges are counted in the outermost bins; ``weight_rms`` and ``gradient_rms``
  (root mean squares) follow the sizes however far they move;
- ``update_ratio``: ``‖ΔW‖ / ‖W‖`` of the epoch's last optimizer step (≈ 1e-3 is the usual healthy
  size; far smaller: the layer has stopped learning, far larger: unstable), and ``epoch_change``,
  the same ratio for the whole epoch;
- ``dead_relu``: for a layer ending in a ReLU, the share of its channels that output 0 for every
  position of every probe image (a dead unit gets no gradient and never recovers).

The cost is one forward and backward pass of the probe batch and one copy of the weights per recorded
epoch, plus one copy before that epoch's first and last steps; the first record also traces the
probe (a fixed cost, once). With a ``budget`` the recorder keeps its per-epoch cost within that
share of the training time: after the first epoch it records every k-th epoch, k the smallest for
which one record costs at most ``budget`` × k epochs (tiny epochs: every few epochs; the state
before training and the last epoch are always recorded). bench/bench_explain.py and
bench/bench_training.py measure it against training throughput. :meth:`result` returns plain lists
and numbers (JSON-able) in the format documented there. TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cnnviz.errors import InputError

BINS = 32
PROBE_IMAGES = 64
FORMAT = 1
#: The share of training time the recorder may take per epoch in the app's trainings (see the module doc).
TRAINING_BUDGET = 0.03
#: The per-epoch lists of a layer with trainable weights (None for a layer without).
WEIGHT_KEYS = ("weight_counts", "gradient_counts", "weight_rms", "gradient_rms", "update_ratio", "epoch_change")
_TINY = 1e-12


def probe_batch(images: np.ndarray, labels: np.ndarray, *, size: int = PROBE_IMAGES, seed: int = 0) -> tuple:
    """A fixed random ``size`` of the training images (float32 in [0, 1]) and their labels, for the recorder."""
    order = np.random.default_rng(seed).permutation(len(labels))[:size]
    x = np.asarray(images)[order]
    return (x.astype(np.float32) / 255 if x.dtype == np.uint8 else x.astype(np.float32)), np.asarray(labels)[order]


def internals_recorder(
    model: Any,
    probe_images: np.ndarray,
    probe_labels: np.ndarray,
    *,
    bins: int = BINS,
    first_epoch: int = 0,
    budget: float | None = None,
) -> Any:
    """A Keras callback recording ``model``'s internals (module doc) on the probe batch; see ``.result()``.

    ``model`` is the network itself (not an augmentation wrapper around it); ``first_epoch`` the
    number of epochs already done when ``fit`` starts (when a run is continued); ``budget`` the share
    of the training time the per-epoch records may take (None: record every epoch).
    """
    import keras

    from cnnviz.explain.classifier import network

    if len(probe_images) == 0 or len(probe_images) != len(probe_labels):
        raise InputError("The probe batch needs images, one label each.")
    if budget is not None and not 0 < budget <= 1:
        raise InputError(f"The recorder's time budget must be a share above 0 and at most 1, not {budget!r}.")
    layers = _recorded_layers(model)
    relu_names = [layer.name for layer in layers if _ends_in_relu(layer)]
    probe_model = network(model).layer_outputs([*relu_names, model.layers[-1].name])  # ReLU outputs, then p
    probe = _probe_function(
        layers, relu_names, probe_model, np.asarray(probe_images, np.float32), np.asarray(probe_labels)
    )

    class InternalsRecorder(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epochs: list[int] = []
            self.records: dict[str, dict[str, list]] = {layer.name: _empty_record() for layer in layers}
            self.edges: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            self.every = 1  # record every this many epochs (after the first, see the module doc)
            self._epoch_start: dict[str, np.ndarray] | None = None
            self._before_last_step: dict[str, np.ndarray] | None = None
            self._epoch_started = 0.0
            self._in_epoch = False
            self._last_ended: int | None = None

        def _due(self, epoch: int) -> bool:
            """Whether the state after ``epoch`` (counted from 1) is recorded."""
            done = epoch - first_epoch
            return done <= 1 or done % self.every == 0 or epoch == (self.params or {}).get("epochs")

        def on_train_begin(self, logs: dict | None = None) -> None:
            self._record(first_epoch)

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._in_epoch = True
            if budget is not None and epoch + 1 - first_epoch == 1:  # the first epoch sets the pace
                self._epoch_started = time.perf_counter()
            self._epoch_start = _kernels(layers) if self._due(epoch + 1) else None

        def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
            if self._epoch_start is not None and batch == (self.params or {}).get("steps", 0) - 1:
                self._before_last_step = _kernels(layers)

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self._in_epoch, self._last_ended = False, epoch + 1
            if not self._due(epoch + 1):
                return
            if budget is None or epoch + 1 - first_epoch != 1:
                self._record(epoch + 1)
                return
            epoch_seconds = time.perf_counter() - self._epoch_started
            started = time.perf_counter()
            self._record(epoch + 1)
            cost = time.perf_counter() - started
            self.every = max(1, math.ceil(cost / (budget * max(epoch_seconds, 1e-9))))

        def on_train_end(self, logs: dict | None = None) -> None:
            # Stopped early after a complete epoch that was not due: record it, the run's last state.
            ended = self._last_ended
            if not self._in_epoch and ended is not None and ended != self.epochs[-1]:
                self._record(ended)

        def _record(self, epoch: int) -> None:
            kernels = _kernels(layers)
            gradients, dead = probe()
            before_last_step, start = self._before_last_step or {}, self._epoch_start or {}
            for layer in layers:
                name, record = layer.name, self.records[layer.name]
                record["dead_relu"].append(dead.get(name))
                if name not in kernels:  # no trainable weights: only the ReLU's share
                    for key in WEIGHT_KEYS:
                        record[key].append(None)
                    continue
                weights, gradient = kernels[name], gradients[name]
                if name not in self.edges:
                    self.edges[name] = (_edges(weights, bins), _edges(gradient, bins))
                weight_edges, gradient_edges = self.edges[name]
                record["weight_counts"].append(_histogram(weights, weight_edges))
                record["gradient_counts"].append(_histogram(gradient, gradient_edges))
                record["weight_rms"].append(_rms(weights))
                record["gradient_rms"].append(_rms(gradient))
                before, begun = before_last_step.get(name), start.get(name)
                record["update_ratio"].append(None if before is None else _ratio(weights, before))
                record["epoch_change"].append(None if begun is None else _ratio(weights, begun))
            self.epochs.append(epoch)
            self._epoch_start, self._before_last_step = None, None

        def result(self, epochs_done: int | None = None) -> dict[str, Any]:
            """The recording as plain data: ``{"format", "bins", "probe_images", "every", "epochs", "layers"}``.

            ``epochs`` lists the epoch numbers recorded (the first is the state before training; with a
            budget, every ``every``-th epoch after the first, and the last);
            ``layers`` has one dict per layer: ``name``, ``type``, ``weight_edges`` and
            ``gradient_edges`` (``bins + 1`` floats, or None without trainable weights), and one
            entry per recorded epoch in each of ``weight_counts``/``gradient_counts`` (``bins`` ints),
            ``weight_rms``, ``gradient_rms``, ``update_ratio``, ``epoch_change`` (None before training;
            all None without trainable weights) and ``dead_relu`` (None for a layer without ReLU).
            ``epochs_done`` keeps only the records up to that many complete epochs (an epoch stopped
            half-way is left out).
            """
            limit = math.inf if epochs_done is None else epochs_done
            keep = sum(1 for epoch in self.epochs if epoch <= limit)
            out_layers = []
            for layer in layers:
                edges = self.edges.get(layer.name)
                record = {key: values[:keep] for key, values in self.records[layer.name].items()}
                out_layers.append(
                    {
                        "name": layer.name,
                        "type": type(layer).__name__,
                        "weight_edges": None if edges is None else edges[0].tolist(),
                        "gradient_edges": None if edges is None else edges[1].tolist(),
                        **record,
                    }
                )
            return {
                "format": FORMAT,
                "bins": bins,
                "probe_images": len(probe_labels),
                "every": self.every,
                "epochs": self.epochs[:keep],
                "layers": out_layers,
            }

    return InternalsRecorder()


def _empty_record() -> dict[str, list]:
    return {key: [] for key in (*WEIGHT_KEYS, "dead_relu")}


def _recorded_layers(model: Any) -> list:
    """Top-level layers with trainable weights or a ReLU at their end, in order."""
    return [
        layer
        for layer in model.layers
        if type(layer).__name__ != "InputLayer" and (layer.trainable_weights or _ends_in_relu(layer))
    ]


def _ends_in_relu(layer: Any) -> bool:
    if type(layer).__name__ == "ReLU":
        config = layer.get_config()
        return not config.get("negative_slope") and config.get("threshold", 0) == 0
    return getattr(getattr(layer, "activation", None), "__name__", "") == "relu"


def tracked_variables(layer: Any) -> list:
    """The weights a layer's histograms show: its trainable kernels (two or more axes), else all trainable."""
    kernels = [w for w in layer.trainable_weights if len(w.shape) >= 2]
    return kernels or list(layer.trainable_weights)


def _kernels(layers: Sequence[Any]) -> dict[str, np.ndarray]:
    """Each layer's tracked weights, flattened into one float32 copy."""
    return {
        layer.name: np.concatenate([np.asarray(w, dtype=np.float32).ravel() for w in tracked_variables(layer)])
        for layer in layers
        if layer.trainable_weights
    }


def _probe_function(
    layers: Sequence[Any], relu_names: list[str], probe_model: Any, x: np.ndarray, y: np.ndarray
) -> Callable[[], tuple[dict[str, np.ndarray], dict[str, float]]]:
    """A function giving the training loss's gradients per layer (flattened) and the dead-ReLU share per
    ReLU layer on the probe batch, at the model's current weights.

    The pass is one ``tf.function`` traced on first use (without AutoGraph, whose source rewrite alone
    took half a second): each later pass is several times cheaper than an eager one.
    """
    import keras
    import tensorflow as tf

    variables = {layer.name: tracked_variables(layer) for layer in layers if layer.trainable_weights}
    flat = [v for values in variables.values() for v in values]
    images, labels = tf.constant(x), tf.constant(y)
    loss_function = keras.losses.SparseCategoricalCrossentropy()

    @tf.function(autograph=False)  # no tensor-dependent Python control flow: skip the slow AutoGraph rewrite
    def probe_pass():
        with tf.GradientTape() as tape:
            outputs = probe_model(images, training=False)
            outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]  # one comes unwrapped
            loss = loss_function(labels, outputs[-1])
        gradients = [tf.zeros_like(v) if g is None else g for v, g in zip(flat, tape.gradient(loss, flat), strict=True)]
        # A channel fired if it is above 0 for any probe image at any position.
        fired = [tf.reduce_max(tf.reshape(o, [-1, o.shape[-1]]), axis=0) > 0 for o in outputs[:-1]]
        return gradients, fired

    def probe() -> tuple[dict[str, np.ndarray], dict[str, float]]:
        gradients, fired = probe_pass()
        by_layer, position = {}, 0
        for name, values in variables.items():
            parts = gradients[position : position + len(values)]
            position += len(values)
            by_layer[name] = np.concatenate([np.asarray(g, np.float32).ravel() for g in parts])
        dead = {name: float(1 - np.asarray(f).mean()) for name, f in zip(relu_names, fired, strict=True)}
        return by_layer, dead

    return probe


def _edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Fixed bin edges: symmetric around 0, twice the largest absolute value before training (≥ 1e-12)."""
    limit = 2 * max(float(np.abs(values).max(initial=0)), _TINY)
    return np.linspace(-limit, limit, bins + 1)


def _histogram(values: np.ndarray, edges: np.ndarray) -> list[int]:
    """Counts per bin of equal-width ``edges`` (as ``np.histogram``: each bin holds its left edge, the last
    both), values beyond the edges counted in the outermost bins; one pass of ``bincount``."""
    bins = len(edges) - 1
    index = np.floor((values - edges[0]) * (bins / (edges[-1] - edges[0])))
    return np.bincount(np.clip(index, 0, bins - 1).astype(np.intp), minlength=bins).tolist()


def _rms(values: np.ndarray) -> float:
    return float(np.linalg.norm(values) / np.sqrt(values.size)) if values.size else 0.0


def _ratio(now: np.ndarray, before: np.ndarray) -> float:
    """``‖now − before‖ / ‖before‖`` (0 when both are 0)."""
    norm = float(np.linalg.norm(before))
    change = float(np.linalg.norm(now - before))
    return change / norm if norm else (0.0 if change == 0 else float("inf"))
