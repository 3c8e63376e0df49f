"""What every explanation asks of a Keras classifier, compiled once per model, and the limits on a request.

:func:`network` wraps a model in a :class:`Network`: its class scores before the softmax (logits), its
probabilities, the gradient of one class's probability and of the cross-entropy loss with respect to
the input pixels, each a ``tf.function`` traced once for any batch size and called in chunks of
:data:`BATCH_PIXELS`. Working from the logits keeps the loss's gradient exact when the softmax
saturates (Keras' own cross-entropy clips probabilities at 1e-7, so a confident prediction would have
a gradient of exactly zero). Every call holds :data:`cnnviz.inspection.MODEL_LOCK`, as the Inside
page's other functions do, because models are shared between sessions.

Cost: :meth:`Network.check_cost` refuses, before any work, a request whose multiply-adds (passes
through the network × the network's multiply-adds per image) exceed :data:`MAX_MACS`.
TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from cnnviz import limits
from cnnviz.errors import InputError
from cnnviz.inspection import MODEL_LOCK, input_shape
from cnnviz.text import shape_text, short

#: Multiply-adds one request may cost (:data:`cnnviz.limits.EXPLAIN_MACS`). Pages run anything over a
#: second with progress, and t-SNE or whole-test-set curves on the Dask workers.
MAX_MACS = limits.EXPLAIN_MACS.most
#: A gradient costs about this many forward passes (the forward pass and a backward pass twice as dear).
GRADIENT_PASSES = 3
#: Images per chunk: this many input pixels (64 MNIST digits, 64 NEU 64×64 images, 5 at 224×224).
BATCH_PIXELS = 64 * 64 * 64
MAX_BATCH = 64  # more per chunk gets slower per image on 2 cores (caches), not faster
MAX_SIDE = limits.EXPLAIN_SIDE.most  # the longest image side an explanation accepts (the datasets' own limit)

_NETWORKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Network:
    """A classifier's compiled functions. Build it with :func:`network`, which keeps one per model.

    ``macs`` is an upper estimate of the multiply-adds of one forward pass of one image; ``logits`` a
    Keras-callable from images ``(B, H, W, C)`` to class scores ``(B, K)`` in inference mode.
    """

    def __init__(self, model: Any) -> None:
        import keras

        self.input_shape = input_shape(model)
        height, width, _ = self.input_shape
        if max(height, width) > MAX_SIDE:
            raise InputError(
                f"Explanations work on images up to {MAX_SIDE}×{MAX_SIDE}; this model takes {height}×{width}."
            )
        self._inputs, self._outputs, self._reads = _traced(model)
        scores_shape = tuple(self._outputs[-1].shape[1:])
        if len(scores_shape) != 1 or not scores_shape[0] or scores_shape[0] < 2:
            raise InputError(
                f"Explanations need a classifier with one score per class; this model outputs {scores_shape}."
            )
        self.classes: int = scores_shape[0]
        self.layers = _top_layers(model)
        self.layer_names = [layer.name for layer in self.layers]
        self.macs = forward_macs(model)
        head = keras.Model(self._inputs, [self._reads[-1], self._outputs[-1]], name="explained_head")
        last = self.layers[-1]  # a local, not self: the compiled functions must not hold the Network
        self.logits = lambda x: _scores(last, *head(x, training=False))
        self.compiled: dict[str, Any] = {}  # compiled functions and models by name (also other modules')

    # ---- checks ---------------------------------------------------------------------------------

    def check_cost(self, passes: float, what: str) -> None:
        """Refuse (InputError) a request of ``passes`` forward passes when it exceeds :data:`MAX_MACS`."""
        macs = passes * self.macs
        if macs > MAX_MACS:
            raise InputError(
                f"{what} would cost about {short(int(macs))} multiply-adds ({short(int(passes))} passes through "
                f"this network), more than the {short(MAX_MACS)} allowed at once: ask for less."
            )

    def image(self, image: Any) -> np.ndarray:
        """One image as float32 ``(H, W, C)`` in [0, 1] for this network (uint8 is scaled by 1/255)."""
        array = np.asarray(image)
        return self.images((array[:, :, None] if array.ndim == 2 else array)[None])[0]

    def images(self, images: Any) -> np.ndarray:
        """A batch as float32 ``(N, H, W, C)`` in [0, 1]; refuses other shapes, NaN and values outside [0, 1]."""
        array = np.asarray(images)
        if array.ndim == 3 and self.input_shape[2] == 1:
            array = array[..., None]
        if array.ndim != 4 or array.shape[1:] != self.input_shape:
            raise InputError(
                f"The model expects {shape_text(self.input_shape)} images but got "
                f"{shape_text(array.shape[1:])}; prepare them with to_model_input first."
            )
        if array.dtype == np.uint8:
            return array.astype(np.float32) * np.float32(1 / 255)
        array = array.astype(np.float32)
        if array.size and not (np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1):
            raise InputError("Pixel values must be numbers between 0 and 1.")
        return array

    def class_index(self, class_index: int | None, image: np.ndarray) -> int:
        """``class_index`` checked against the classes, or the class the network predicts for ``image``."""
        if class_index is None:
            return int(np.argmax(self.probabilities(image[None])[0]))
        if isinstance(class_index, bool) or not isinstance(class_index, (int, np.integer)):
            raise InputError(f"The class must be a whole number, not {class_index!r}.")
        if not 0 <= class_index < self.classes:
            raise InputError(f"Class {class_index} does not exist: this model has classes 0 to {self.classes - 1}.")
        return int(class_index)

    def labels(self, labels: Any, count: int) -> np.ndarray:
        """``count`` class labels as int32, each checked to be one of the classes."""
        array = np.asarray(labels).reshape(-1)
        if array.shape != (count,) or not np.issubdtype(array.dtype, np.integer):
            raise InputError(f"Give one whole-number class label per image ({count} labels).")
        if count and not (array.min() >= 0 and array.max() < self.classes):
            raise InputError(f"Labels must be classes 0 to {self.classes - 1}.")
        return array.astype(np.int32)

    # ---- batched calls --------------------------------------------------------------------------

    def chunk(self) -> int:
        """Images per call of a compiled function."""
        height, width, _ = self.input_shape
        return max(1, min(MAX_BATCH, BATCH_PIXELS // (height * width)))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, K)`` float32 of prepared images."""
        return self._map("probabilities", images)[0]

    def class_gradients(self, images: np.ndarray, classes: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """``(p, ∂p/∂x)``: each image's probability of its class ``(N,)`` and that probability's gradient."""
        probabilities, gradients = self._map("class_gradients", images, _per_image(classes, len(images)))
        return probabilities, gradients

    def loss_gradients(self, images: np.ndarray, labels: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
        """``(probabilities (N, K), ∂L/∂x)`` with L the cross-entropy −log p(label) of each image."""
        probabilities, gradients = self._map("loss_gradients", images, _per_image(labels, len(images)))
        return probabilities, gradients

    def layer_values(self, name: str, images: np.ndarray) -> np.ndarray:
        """Outputs ``(N, ...)`` float32 of the top-level layer ``name`` for prepared images, in batches."""
        key = f"layer/{name}"
        with MODEL_LOCK:
            if key not in self.compiled:
                import tensorflow as tf

                layer_model = self.layer_outputs([name])
                self.compiled[key] = tf.function(
                    lambda x: tf.cast(layer_model(x, training=False), tf.float32),
                    input_signature=[tf.TensorSpec([None, *self.input_shape], tf.float32)],
                    autograph=False,
                )
        return self._map(key, images)[0]

    def layer_values_and_probabilities(self, name: str, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(outputs of the top-level layer name (N, ...), class probabilities (N, K))`` float32 of prepared
        images from one pass through the network (the class map needs both for thousands of images)."""
        key = f"layer+probabilities/{name}"
        with MODEL_LOCK:
            if key not in self.compiled:
                import keras
                import tensorflow as tf

                tensors = [self._reads[-1], self._outputs[-1], self._outputs[self._index(name)]]
                both, last = keras.Model(self._inputs, tensors, name="explained_values"), self.layers[-1]

                def values_and_probabilities(x: Any) -> tuple[Any, Any]:
                    read, output, values = both(x, training=False)
                    scores = tf.cast(_scores(last, read, output), tf.float32)
                    return tf.cast(values, tf.float32), tf.nn.softmax(scores)

                self.compiled[key] = tf.function(
                    values_and_probabilities,
                    input_signature=[tf.TensorSpec([None, *self.input_shape], tf.float32)],
                    autograph=False,
                )
        values, probabilities = self._map(key, images)
        return values, probabilities

    def _map(self, name: str, images: np.ndarray, *per_image: np.ndarray) -> tuple[np.ndarray, ...]:
        function = self._function(name)
        step, parts = self.chunk(), []
        for start in range(0, len(images), step):
            with MODEL_LOCK:
                out = function(images[start : start + step], *(a[start : start + step] for a in per_image))
            parts.append([np.asarray(o) for o in (out if isinstance(out, tuple) else (out,))])
        if not parts:
            raise InputError("There are no images to work on.")
        return tuple(np.concatenate(column) for column in zip(*parts, strict=True))

    def _function(self, name: str) -> Callable:
        with MODEL_LOCK:
            if name not in self.compiled:
                self.compiled.update(_compile(self.logits, self.input_shape))
            return self.compiled[name]

    def layer(self, name: str) -> Any:
        """The top-level layer called ``name``."""
        return self.layers[self._index(name)]

    def layer_outputs(self, names: Sequence[str]) -> Any:
        """A Keras model from the input to the outputs of the top-level layers ``names`` (a list), built once."""
        return self._tensor_model(f"outputs/{'/'.join(names)}", [self._outputs[self._index(n)] for n in names])

    def layer_input(self, name: str) -> Any:
        """A Keras model from the input to what the top-level layer ``name`` reads, built once."""
        return self._tensor_model(f"input/{name}", [self._reads[self._index(name)]])

    def _index(self, name: str) -> int:
        if name not in self.layer_names:
            raise InputError(f"The model has no layer called {name!r}; its layers are {', '.join(self.layer_names)}.")
        return self.layer_names.index(name)

    def _tensor_model(self, key: str, tensors: list) -> Any:
        import keras

        with MODEL_LOCK:
            if f"model/{key}" not in self.compiled:
                self.compiled[f"model/{key}"] = keras.Model(self._inputs, tensors, name="explained_layers")
            return self.compiled[f"model/{key}"]


def check_count(value: Any, limit: int, what: str, *, low: int = 1) -> int:
    """``value`` if it is a whole number from ``low`` to ``limit``; InputError naming ``what`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= limit:
        raise InputError(f"{what} must be a whole number from {low:,} to {limit:,}; got {value!r}.")
    return int(value)


def network(model: Any) -> Network:
    """The :class:`Network` of a Keras classifier, built once per model (and dropped with it).

    Raises InputError for a model that does not take one image or does not output one score per class.
    """
    with MODEL_LOCK:  # building traces the model's layers, which other sessions may be calling
        found = _NETWORKS.get(model)
        if found is None:
            found = _NETWORKS[model] = Network(model)
        return found


def leaf_layers(model: Any) -> list:
    """The layers that compute something, in order, with nested models opened (no InputLayer)."""
    leaves = []
    for layer in model.layers:
        if hasattr(layer, "layers"):
            leaves += leaf_layers(layer)
        elif type(layer).__name__ != "InputLayer":
            leaves.append(layer)
    return leaves


def forward_macs(model: Any) -> int:
    """Upper estimate of one image's multiply-adds: each kernel's size × the positions it is applied at.

    A layer's positions are its output's (rows × columns); a transposed convolution is over-counted
    by its stride², which is harmless for a limit. Layers without a kernel count one operation per
    output value.
    """
    total = 0
    for layer in leaf_layers(model):
        try:
            shape = tuple(int(size) for size in layer.output.shape[1:])
        except (AttributeError, ValueError, TypeError):  # a layer never called on its own: count it once
            shape = (1,)
        positions = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        kernels = sum(int(np.prod(w.shape)) for w in layer.weights if len(w.shape) >= 2)
        total += kernels * positions if kernels else int(np.prod(shape))
    return max(total, 1)


def _per_image(values: np.ndarray | int, count: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=np.int32), (count,))


def _scores(last: Any, read: Any, output: Any) -> Any:
    """The class scores before the softmax, from what the last layer ``read`` and its ``output``.

    A last Dense with a softmax is recomputed without it (``read @ kernel + bias``); a last Activation or
    Softmax layer is skipped (its input is the scores); any other model already outputs raw scores (the
    way :func:`cnnviz.inspection.predict` reads them too).
    """
    import keras

    if _ends_in_softmax(last) and type(last).__name__ == "Dense":
        scores = keras.ops.matmul(read, last.kernel)
        return scores + last.bias if last.use_bias else scores
    return read if _ends_in_softmax(last) else output


def _top_layers(model: Any) -> list:
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _traced(model: Any) -> tuple[Any, list, list]:
    """``(inputs, [each top-level layer's output], [what each reads])`` in one graph that does not hold
    ``model`` itself.

    A Sequential model is traced afresh from a new Input (after loading, its layers' first call nodes
    are not connected to one another; see :func:`cnnviz.inspection._feature_model`); a functional
    model already is that graph, but must end in its last layer to be read this way.
    """
    import keras

    layers = _top_layers(model)
    if isinstance(model, keras.Sequential):
        inputs = keras.Input(input_shape(model), name="explained_image")
        outputs, reads, value = [], [], inputs
        for layer in layers:
            reads.append(value)
            value = layer(value)
            outputs.append(value)
        return inputs, outputs, reads
    if len(model.outputs) != 1 or model.outputs[0] is not layers[-1].output:
        raise InputError("Explanations need a model with one output, made by its last layer.")
    return model.inputs[0], [layer.output for layer in layers], [layer.input for layer in layers]


def _ends_in_softmax(layer: Any) -> bool:
    activation = getattr(layer, "activation", None)
    return type(layer).__name__ == "Softmax" or getattr(activation, "__name__", "") == "softmax"


def _compile(logits: Callable, shape: tuple[int, int, int]) -> dict[str, Callable]:
    """The three compiled functions, each traced once for any batch size (fixed input signature).

    None has Python control flow on tensors, so AutoGraph's source rewrite (half a second per
    function on first use) is switched off, here and in the other ``tf.function`` of this package.
    """
    import tensorflow as tf

    images = tf.TensorSpec([None, *shape], tf.float32)
    indices = tf.TensorSpec([None], tf.int32)

    @tf.function(input_signature=[images], autograph=False)
    def probabilities(x):
        return tf.nn.softmax(tf.cast(logits(x), tf.float32))

    @tf.function(input_signature=[images, indices], autograph=False)
    def class_gradients(x, classes):
        with tf.GradientTape() as tape:
            tape.watch(x)
            chosen = tf.gather(tf.nn.softmax(tf.cast(logits(x), tf.float32)), classes, batch_dims=1)
        return chosen, tape.gradient(chosen, x)  # the images are independent: d(sum)/dx is per image

    @tf.function(input_signature=[images, indices], autograph=False)
    def loss_gradients(x, labels):
        with tf.GradientTape() as tape:
            tape.watch(x)
            scores = tf.cast(logits(x), tf.float32)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, scores)
        return tf.nn.softmax(scores), tape.gradient(loss, x)

    return {"probabilities": probabilities, "class_gradients": class_gradients, "loss_gradients": loss_gradients}
