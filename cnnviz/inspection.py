"""Look inside a trained Keras CNN: predictions, every layer's output, learned filters, Grad-CAM and
receptive fields, for one image at a time.

Images given to these functions are model inputs: float32 ``(H, W, C)`` in [0, 1] with the model's
input shape, as :func:`cnnviz.images.to_model_input` makes them. Models may be shared by many
Streamlit sessions, so every model call goes through one lock (``MODEL_LOCK``) and is made as
``model(x, training=False)``. TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cnnviz.architecture.layer_facts import ELEMENTWISE
from cnnviz.architecture.pretrained import PRETRAINED_DIR
from cnnviz.conv_geometry import pad_amounts
from cnnviz.errors import InputError
from cnnviz.text import shape_text

PRETRAINED_NAMES = ("mnist", "fashion_mnist", "neu")
MODEL_LOCK = threading.RLock()

# Per model, a Keras model returning every layer's output: built once, dropped with its model.
_FEATURE_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def load_pretrained(name: str):
    """The shipped demo model ``name`` ("mnist", "fashion_mnist" or "neu"), uncompiled, ready to predict."""
    import keras

    return keras.models.load_model(_pretrained_path(name, ".keras"), compile=False)


def pretrained_card(name: str) -> dict[str, Any]:
    """The model card of a shipped model: class names, data used, recipe, test accuracy, date."""
    return json.loads(_pretrained_path(name, ".json").read_text())


def _pretrained_path(name: str, suffix: str) -> Path:
    if name not in PRETRAINED_NAMES:
        raise InputError(f"There is no pretrained model called {name!r}; choose one of {', '.join(PRETRAINED_NAMES)}.")
    return PRETRAINED_DIR / f"{name}{suffix}"


def input_shape(model) -> tuple[int, int, int]:
    """The (H, W, C) one image must have for ``model``."""
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 3 or not all(shape):
        raise InputError(f"Only models that take one (H, W, C) image can be inspected; this one takes {shape}.")
    height, width, channels = (int(size) for size in shape)
    return height, width, channels


def _batch(model, image: np.ndarray) -> np.ndarray:
    """The image as a float32 batch of one, after checking it fits the model."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[:, :, None]
    expected = input_shape(model)
    if image.shape != expected:
        raise InputError(
            f"The model expects a {shape_text(expected)} input but got "
            f"{shape_text(image.shape)}; prepare it with to_model_input first."
        )
    return image[None]


def _layers(model) -> list:
    """The model's layers that compute something (no InputLayer), in order."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def predict(model, image: np.ndarray) -> np.ndarray:
    """Class probabilities (float64, summing to 1) of ``model`` for one prepared image.

    A model whose last layer gives raw scores (logits) gets a softmax here, so the result is always
    a probability distribution.
    """
    x = _batch(model, image)
    with MODEL_LOCK:
        output = np.asarray(model(x, training=False), dtype=np.float64)[0].ravel()
    if output.min() < 0 or abs(output.sum() - 1) > 1e-3:
        output = np.exp(output - output.max())
    return output / output.sum()


def _feature_model(model):
    """``keras.Model(inputs, [every layer's output])``, built once per model (call with MODEL_LOCK held).

    A functional model (residual blocks) already has one graph from its input to every layer.
    A Sequential model is traced afresh from a new ``keras.Input``: after loading or ``from_config``
    its layers hold several call nodes, and ``layer.output`` of the first node is not connected to
    ``model.outputs``, so gradients between them (Grad-CAM) would be ``None``.
    """
    import keras

    features = _FEATURE_MODELS.get(model)
    if features is None:
        layers = _layers(model)
        if isinstance(model, keras.Sequential):
            inputs = keras.Input(input_shape(model), name="inspected_image")
            outputs, value = [], inputs
            for layer in layers:
                value = layer(value)
                outputs.append(value)
        else:
            inputs, outputs = model.inputs[0], [layer.output for layer in layers]
        features = keras.Model(inputs, outputs, name=f"{model.name}_layer_outputs")
        _FEATURE_MODELS[model] = features
    return features


def activations(model, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Every layer's output for one prepared image, batch dimension removed: ``[(layer name, array)]``.

    One run of a model built once per model with every layer's output as an output.
    """
    x = _batch(model, image)
    with MODEL_LOCK:
        outputs = _feature_model(model)(x, training=False)
    return [(layer.name, np.asarray(output)[0]) for layer, output in zip(_layers(model), outputs, strict=True)]


def grad_cam_layer(model) -> str:
    """Name of the layer Grad-CAM looks at: the last convolution of any kind, with the BN/activation right
    after it; inside a residual block, the block's output (its Add and the activation after it)."""
    layers = _layers(model)
    convs = [i for i, layer in enumerate(layers) if "Conv" in type(layer).__name__]
    if not convs:
        raise InputError("Grad-CAM needs a model with at least one convolution layer.")
    index = convs[-1]
    while index + 1 < len(layers) and type(layers[index + 1]).__name__ in (ELEMENTWISE - {"Dropout"}) | {"Add"}:
        index += 1
    return layers[index].name


def grad_cam(model, image: np.ndarray, class_index: int | None = None) -> np.ndarray:
    """Grad-CAM heat map (H, W) float32 in [0, 1] at the input's size: where the model looked.

    The method of keras-io's ``grad_cam.py``: the gradient of the class score (before the softmax,
    as keras-io and the paper use it) with respect to the last convolution's feature maps,
    averaged per channel, weights those maps; their ReLU-ed sum, resized to the input and scaled
    to a maximum of 1, is the heat map. ``class_index`` defaults to the predicted class. All
    zeros when nothing in the image speaks for the class.
    """
    import tensorflow as tf

    x = tf.constant(_batch(model, image))
    height, width, _ = input_shape(model)
    names = [layer.name for layer in _layers(model)]
    watched = names.index(grad_cam_layer(model))
    with MODEL_LOCK:
        with tf.GradientTape() as tape:
            outputs = _feature_model(model)(x, training=False)
            conv_output, scores = outputs[watched], _class_scores(model, outputs)
            if len(scores.shape) != 2:
                raise InputError(
                    "Grad-CAM needs a classifier (one score per class); this model outputs "
                    f"{tuple(scores.shape[1:])} maps."
                )
            classes = scores.shape[-1]
            if class_index is None:
                class_index = int(tf.argmax(scores[0]))
            elif not 0 <= class_index < classes:
                raise InputError(f"Class {class_index} does not exist: this model has classes 0 to {classes - 1}.")
            class_channel = scores[:, class_index]
        grads = tape.gradient(class_channel, conv_output)
    pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
    heatmap = np.asarray(conv_output[0] @ pooled_grads[..., tf.newaxis])[:, :, 0]
    # ReLU first; linear resizing keeps it non-negative; scaled after resizing, so the map's peak is exactly 1.
    heatmap = cv2.resize(np.maximum(heatmap, 0).astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    return heatmap / heatmap.max() if heatmap.max() > 0 else heatmap


def _class_scores(model, outputs: list):
    """The class scores before the softmax (logits) of a traced batch; the outputs themselves otherwise.

    The softmax saturates: for a confident prediction its gradients vanish and Grad-CAM turns to
    noise, which is why keras-io removes the last activation. Here the shared model is left alone
    and the last Dense layer's pre-activation is recomputed from the layer before it.
    """
    import keras

    last = _layers(model)[-1]
    activation = getattr(last, "activation", None)
    layers = _layers(model)
    # In a functional model (residual blocks) the layer listed before the last must also feed it.
    chained = isinstance(model, keras.Sequential) or (len(layers) > 1 and last.input is layers[-2].output)
    if getattr(activation, "__name__", "") != "softmax" or len(outputs) < 2 or not chained:
        return outputs[-1]
    if type(last).__name__ == "Activation":
        return outputs[-2]
    if type(last).__name__ == "Dense":
        scores = keras.ops.matmul(outputs[-2], last.kernel)
        return scores + last.bias if last.use_bias else scores
    return outputs[-1]


def conv_layer_names(model) -> list[str]:
    """Names of the model's 2-D convolution layers, first to last."""
    return [layer.name for layer in _layers(model) if type(layer).__name__ == "Conv2D"]


def conv_filters(model, layer_name: str | None = None) -> np.ndarray:
    """Learned kernel of a Conv2D layer (the first by default) as (kh, kw, C_in, F) float32."""
    names = conv_layer_names(model)
    if not names:
        raise InputError("This model has no Conv2D layer, so it has no learned filters to show.")
    layer_name = layer_name or names[0]
    if layer_name not in names:
        raise InputError(f"{layer_name!r} is not a Conv2D layer of this model; choose one of {', '.join(names)}.")
    return np.asarray(model.get_layer(layer_name).get_weights()[0], dtype=np.float32)


def filter_images(kernel: np.ndarray) -> np.ndarray:
    """One image per filter of a (kh, kw, C_in, F) kernel, for display.

    With one input channel (a grayscale first layer) each filter is its (kh, kw) weights; with
    three (an RGB first layer) a (kh, kw, 3) colour patch; with more (a deeper layer) the mean over
    the input channels, a rough summary (see :func:`filter_slices` for the full picture).
    Result: (F, kh, kw) or (F, kh, kw, 3), float32, raw weights (not rescaled).
    """
    filters = np.moveaxis(kernel, -1, 0)
    if kernel.shape[2] == 1:
        return filters[..., 0]
    if kernel.shape[2] == 3:
        return filters
    return filters.mean(axis=-1)


def filter_slices(kernel: np.ndarray, filter_index: int) -> np.ndarray:
    """The (C_in, kh, kw) weights filter ``filter_index`` applies to each of its input channels."""
    if not 0 <= filter_index < kernel.shape[3]:
        raise InputError(f"Filter {filter_index} does not exist: this layer has filters 0 to {kernel.shape[3] - 1}.")
    return np.moveaxis(kernel[:, :, :, filter_index], -1, 0)


@dataclass(frozen=True)
class KernelMatch:
    """The hand-made kernel a learned filter looks most like; ``similarity`` is the cosine in [-1, 1]."""

    name: str
    similarity: float

    @property
    def inverted(self) -> bool:
        """True when the learned filter is the negative of the preset (dark and light swapped)."""
        return self.similarity < 0


def closest_kernel(weights: np.ndarray, presets: dict[str, Any]) -> KernelMatch | None:
    """The preset (``name -> object with .matrix``) of the same size most like ``weights`` (kh, kw).

    Likeness is the cosine of the two weight vectors; a filter that is a preset with its sign
    flipped matches it with a negative similarity. ``None`` when no preset has the same size or
    the filter is all zeros.
    """
    learned = np.asarray(weights, dtype=np.float64).ravel()
    norm = np.linalg.norm(learned)
    best: KernelMatch | None = None
    for name, preset in presets.items():
        matrix = np.asarray(preset.matrix, dtype=np.float64)
        if matrix.shape != weights.shape or norm == 0 or not np.any(matrix):
            continue
        similarity = float(learned @ matrix.ravel() / (norm * np.linalg.norm(matrix)))
        if best is None or abs(similarity) > abs(best.similarity):
            best = KernelMatch(name, similarity)
    return best


def receptive_field(model, layer_name: str, row: int, col: int) -> tuple[int, int, int, int]:
    """Input pixels unit (row, col) of layer ``layer_name``'s output depends on: (top, left, bottom, right).

    Inclusive bounds of the smallest rectangle holding every input pixel that reaches the unit.
    Traced back layer by layer through each window's size, stride, dilation and padding ("same"
    pads like TensorFlow, the odd extra pixel at the bottom/right); padding and pixels a pooling
    layer never reads are left out. A layer after Flatten or global pooling sees the whole image.
    Raises InputError for a unit outside the layer or made of zero padding only.
    """
    height, width, _ = input_shape(model)
    names = [layer.name for layer in _layers(model)]
    if layer_name not in names:
        raise InputError(f"The model has no layer called {layer_name!r}.")
    windows = []  # (kernel, stride, dilation, padding before, input extent) per axis, input to output
    extent = np.array([height, width])
    for layer in _layers(model)[: names.index(layer_name) + 1]:
        kind = type(layer).__name__
        if layer.name.endswith("_projection") and layer.name != layer_name:
            continue  # a residual shortcut: the branch beside it sees at least as much
        if kind == "Conv2DTranspose":
            raise InputError(
                "The receptive field cannot be followed back through a transposed convolution: "
                "each of its outputs mixes a varying number of input cells."
            )
        if len(layer.output.shape) != 4:
            return 0, 0, height - 1, width - 1
        window = None if kind in ELEMENTWISE else _window(layer)
        if window is None:  # per-position layers (activations, Dense on the channels) keep the field
            if tuple(layer.output.shape[1:3]) != tuple(extent):
                raise InputError(f"The receptive field cannot be followed through a {kind} layer.")
            continue
        windows.append((*_padded(window, extent), extent))
        extent = np.array(layer.output.shape[1:3])
    if not (0 <= row < extent[0] and 0 <= col < extent[1]):
        raise InputError(f"Layer {layer_name} has rows 0 to {extent[0] - 1} and columns 0 to {extent[1] - 1}.")
    seen = [np.array([row]), np.array([col])]  # positions per axis; dilation can leave gaps
    for kernel, stride, dilation, pad_before, size in reversed(windows):
        for axis in range(2):
            taps = seen[axis][:, None] * stride[axis] - pad_before[axis] + dilation[axis] * np.arange(kernel[axis])
            seen[axis] = np.unique(taps[(taps >= 0) & (taps < size[axis])])
            if seen[axis].size == 0:
                raise InputError(
                    f"Unit ({row}, {col}) of layer {layer_name} lies in the zero padding: it sees no input pixel."
                )
    return int(seen[0][0]), int(seen[1][0]), int(seen[0][-1]), int(seen[1][-1])


def _window(layer) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | str] | None:
    """(kernel, stride, dilation, padding) per axis of a sliding-window layer; None for other layers.

    Padding is "valid", "same" or the pixels added before (top, left) by ZeroPadding2D/Cropping2D.
    """
    config = layer.get_config()
    one = np.array([1, 1])
    if "padding" in config and isinstance(config["padding"], (list, tuple)):  # ZeroPadding2D
        (top, _), (left, _) = config["padding"]
        return one, one, one, np.array([top, left])
    if "cropping" in config:
        (top, _), (left, _) = config["cropping"]
        return one, one, one, -np.array([top, left])
    kernel = config.get("kernel_size") or config.get("pool_size")
    if kernel is None:
        return None
    kernel = np.array(kernel)
    stride = np.array(config.get("strides") or kernel)
    return kernel, stride, np.array(config.get("dilation_rate", (1, 1))), config.get("padding", "valid")


def _padded(window, extent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The window with its padding as pixels added before (top, left), for an input of size ``extent``."""
    kernel, stride, dilation, padding = window
    if isinstance(padding, np.ndarray):
        return kernel, stride, dilation, padding
    if padding == "same":  # TensorFlow's rule (cnnviz.ops): the odd extra pixel goes at the bottom/right
        before = [
            pad_amounts(int(n), int(k), int(s), "same", int(d))[0]
            for n, k, s, d in zip(extent, kernel, stride, dilation, strict=True)
        ]
        return kernel, stride, dilation, np.array(before)
    return kernel, stride, dilation, np.array([0, 0])
