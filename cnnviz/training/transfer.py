"""Reuse what a network already learned: a frozen base's features, computed once, and a head trained on them.

When a stack starts with a frozen ``Pretrained`` entry and training adds no augmentation, every epoch
would push the same images through the same frozen layers. As Teachable Machine does, :func:`head_training`
computes each image's features once (kept in :data:`FEATURES`, bounded by bytes, keyed by the
image's and the base weights' content) and ``fit`` trains only the layers after the base, on them.
The maths is the whole model's with the base frozen: a frozen BatchNormalization uses its moving
statistics, and no Dropout sits inside a base. The head shares its layers with the whole model, so the
model (and the epoch scrubber's copies of its weights) follows every step.

:func:`few_per_class` takes the first ``k`` training examples of every class (the "how many examples
does each way need?" curve). TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnnviz import architecture
from cnnviz.errors import InputError
from cnnviz.text import duration_text
from cnnviz.training.config import TrainConfig
from cnnviz.training.keys import array_digest

#: Features kept per worker process; a set whose features would not fit trains the whole model as usual.
FEATURE_CACHE_BYTES = 64 * 2**20
FEATURE_BATCH = 256


class FeatureCache:
    """Features per image (keyed by the base weights' and the image's content), least recently used dropped
    beyond ``max_bytes``. ``computed`` counts the images whose features were really computed.

    Per image, as Teachable Machine keeps them: a reshuffled, smaller or grown set of examples reuses
    what it can and computes only the new images.
    """

    def __init__(self, max_bytes: int = FEATURE_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.computed = 0
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def features(self, base_id: str, images: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """The features of ``images`` (one row each): kept ones reused, the others ``compute(images[missing])``."""
        keys = [f"{base_id}-{hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest()}" for image in images]
        with self._lock:
            found = {key: self._items[key] for key in keys if key in self._items}
            for key in found:
                self._items.move_to_end(key)
        missing = list({key: index for index, key in enumerate(keys) if key not in found}.items())
        if missing:
            rows = np.asarray(compute(images[[index for _, index in missing]]), np.float32)
            with self._lock:
                self.computed += len(missing)
                for (key, _), row in zip(missing, rows, strict=True):
                    row.flags.writeable = False
                    found[key] = row
                    if key not in self._items:
                        self._items[key] = row
                        self._bytes += row.nbytes
                while self._bytes > self.max_bytes and self._items:
                    self._bytes -= self._items.popitem(last=False)[1].nbytes
        return np.stack([found[key] for key in keys])

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


FEATURES = FeatureCache()


@dataclass(frozen=True)
class HeadTraining:
    """The layers after a frozen base as a model of their own, and the features it trains and validates on."""

    model: Any
    x_fit: np.ndarray
    validation: tuple[np.ndarray, np.ndarray] | None
    seconds: float
    note: str


def frozen_base(stack: Sequence[Mapping[str, Any]], input_shape: Sequence[int]) -> int:
    """How many Keras layers a frozen Pretrained entry at the start of ``stack`` becomes (0 if none)."""
    if not stack or stack[0].get("type") != "Pretrained" or stack[0].get("trainable", False):
        return 0
    return len(architecture.summarize(stack[:1], input_shape)[0].branch)


def head_training(
    model: Any,
    stack: Sequence[Mapping[str, Any]],
    config: TrainConfig,
    x_fit: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
    cache: FeatureCache = FEATURES,
) -> HeadTraining | None:
    """The head of ``model`` and the cached features of ``x_fit`` (and the validation images), or None.

    None when the stack does not start with a frozen base, when training augments the images (each
    epoch then sees other pictures), when the model is not a plain sequence of layers, or when the
    features would take more than the cache holds: the whole model then trains as usual.
    """
    import keras

    count = frozen_base(stack, tuple(model.inputs[0].shape[1:]))
    if not count or config.augmentation or not isinstance(model, keras.Sequential) or count >= len(model.layers):
        return None
    base_layers = model.layers[:count]
    feature_shape = tuple(int(size) for size in base_layers[-1].output.shape[1:])
    images = len(x_fit) + (len(validation[1]) if validation is not None else 0)
    if images * int(np.prod(feature_shape)) * 4 > cache.max_bytes:
        return None
    base = keras.Sequential([keras.Input(tuple(model.inputs[0].shape[1:])), *base_layers], name="frozen_base")
    weights_id = array_digest(*base.get_weights())
    started, before = time.perf_counter(), cache.computed

    def compute(batch: np.ndarray) -> np.ndarray:
        return np.asarray(base.predict(batch, batch_size=FEATURE_BATCH, verbose=0))

    fit_features = cache.features(weights_id, x_fit, compute)
    val_features = None
    if validation is not None:
        val_features = (cache.features(weights_id, validation[0], compute), validation[1])
    seconds, computed = time.perf_counter() - started, cache.computed - before
    head = keras.Sequential([keras.Input(feature_shape), *model.layers[count:]], name="head_on_features")
    reused = images - computed
    note = (
        f"The frozen demo part computed the features of {images:,} images once"
        + (f" ({computed:,} new, {reused:,} kept from an earlier training)" if reused and computed else "")
        + f" in {duration_text(seconds)}; only the layers after it trained, on them."
        if computed
        else f"The frozen demo part's features of these {images:,} images were already computed (kept from an "
        "earlier training): only the layers after it trained."
    )
    return HeadTraining(head, fit_features, val_features, seconds, note)


def few_per_class(dataset: Any, per_class: int) -> Any:
    """``dataset`` with only the first ``per_class`` training examples of every class (the test set unchanged).

    Raises :class:`InputError` when a class has fewer training examples than that.
    """
    labels = np.asarray(dataset.y_train)
    chosen: list[int] = []
    for label in range(len(dataset.class_names)):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            name = dataset.class_names[label]
            raise InputError(f"“{name}” has {len(members)} training examples; {per_class} per class are needed.")
        chosen.extend(members[:per_class])
    order = np.sort(np.asarray(chosen, np.int64))
    return dataclasses.replace(dataset, x_train=dataset.x_train[order], y_train=labels[order])
