"""What does a channel look for? An input made to excite it as much as possible (feature visualisation).

Gradient ascent on the channel's mean activation, regularised the way Olah et al. (2017, "Feature
Visualization", the Lucid library) found makes the result look like something rather than
high-frequency noise:

- the image is parameterised by its Fourier spectrum, scaled by 1/frequency, so every step changes
  coarse patterns as easily as fine ones (and a 3-channel image's colours are decorrelated first);
- a sigmoid keeps the pixels in [0, 1];
- every step sees the image shifted by a random few pixels (jitter), so the pattern cannot rely on
  single pixels;
- the ascent climbs the channel's values *before* its layer's activation (ReLU, softmax), negative
  ones counted at a tenth (a leaky ReLU, :data:`LEAK`): a ReLU channel that is zero everywhere on the
  grey start would give no gradient at all, while this objective always has one and rises with the
  mean after the ReLU (for a softmax unit, the ascent climbs its class score).

Adam with a fixed learning rate; ``steps`` updates from the random start ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cnnviz import limits
from cnnviz.explain.classifier import GRADIENT_PASSES, check_count, network
from cnnviz.inspection import MODEL_LOCK

MAX_FEATURE_STEPS = limits.FEATURE_STEPS.most
ACTIVATION_LAYERS = frozenset({"Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax"})
LEARNING_RATE = 0.05
LEAK = 0.1
SPECTRUM_SCALE = 0.01  # standard deviation of the random start's Fourier coefficients (Lucid's)
# ImageNet's colour correlation (Lucid): turns decorrelated channels into RGB for 3-channel images.
_COLOR_CORRELATION = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32)


def feature_visualization(model: Any, layer_name: str, channel: int, *, steps: int = 256, seed: int = 0) -> np.ndarray:
    """An image ``(H, W, C)`` float32 in [0, 1] that maximises the mean activation of ``channel`` of
    layer ``layer_name`` (over all positions; a Dense layer's unit itself). Method: module doc."""
    import tensorflow as tf

    net = network(model)
    check_count(steps, MAX_FEATURE_STEPS, "Feature visualisation's steps")
    channels = int(net.layer_outputs([layer_name]).outputs[0].shape[-1])
    check_count(channel, channels - 1, f"The channel of layer {layer_name}", low=0)
    net.check_cost(GRADIENT_PASSES * steps, f"Feature visualisation with {steps} steps")
    step_function, sync = _ascent_step(net, layer_name)
    with MODEL_LOCK:
        sync()
    height, width, depth = net.input_shape
    spectrum_shape = (depth, height, width // 2 + 1, 2)
    start = np.random.default_rng(seed).normal(0.0, SPECTRUM_SCALE, spectrum_shape).astype(np.float32)
    params = tf.Variable(start)
    moments = [tf.Variable(tf.zeros_like(start)), tf.Variable(tf.zeros_like(start))]
    for step in range(steps):
        with MODEL_LOCK:
            step_function(params, *moments, tf.constant(channel), tf.constant([seed, step], tf.int64))
    return np.asarray(_image(params, net.input_shape))


def _ascent_step(net: Any, layer_name: str) -> tuple[Callable, Callable[[], None]]:
    """One Adam step up the channel's mean value before the activation, compiled once per network and
    layer; and the function that copies the layer's current weights into that computation."""
    import tensorflow as tf

    key = f"feature_step/{layer_name}"
    if key in net.compiled:
        return net.compiled[key]
    layer_model, sync = _before_activation(net, layer_name)
    height, width, _ = net.input_shape
    jitter = max(1, round(max(height, width) / 14))  # 2 pixels on a 28×28 digit, 5 on a 64×64 photo

    @tf.function(reduce_retracing=True, autograph=False)
    def step(params, first, second, channel, seed):
        with tf.GradientTape() as tape:
            image = _image(params, net.input_shape)[None]
            padded = tf.pad(image, [[0, 0], [jitter, jitter], [jitter, jitter], [0, 0]], mode="REFLECT")
            shifted = tf.image.stateless_random_crop(padded, tf.shape(image), seed=seed)
            activation = tf.cast(layer_model(shifted), tf.float32)
            objective = tf.reduce_mean(tf.nn.leaky_relu(activation[..., channel], LEAK))
        gradient = -tape.gradient(objective, params)
        count = tf.cast(seed[1] + 1, tf.float32)
        first.assign(0.9 * first + 0.1 * gradient)
        second.assign(0.999 * second + 0.001 * tf.square(gradient))
        unbiased_first, unbiased_second = first / (1 - 0.9**count), second / (1 - 0.999**count)
        params.assign_sub(LEARNING_RATE * unbiased_first / (tf.sqrt(unbiased_second) + 1e-8))
        return objective

    net.compiled[key] = step, sync
    return step, sync


def _before_activation(net: Any, layer_name: str) -> tuple[Callable, Callable[[], None]]:
    """``(images → the layer's values before its activation, sync)``.

    An activation layer's values before it are its input; a layer with a built-in activation is
    recomputed by a twin with a linear activation, fed what the layer reads, whose weights ``sync()``
    copies from the layer (the model's weights can change: the epoch scrubber sets old epochs' ones).
    """
    layer = net.layer(layer_name)
    activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
    if type(layer).__name__ in ACTIVATION_LAYERS:
        reads = net.layer_input(layer_name)
        return (lambda x: reads(x, training=False)), (lambda: None)
    outputs = net.layer_outputs([layer_name])
    if activation == "linear":
        return (lambda x: outputs(x, training=False)), (lambda: None)
    reads = net.layer_input(layer_name)
    twin = type(layer).from_config({**layer.get_config(), "activation": "linear", "name": f"{layer.name}_linear"})
    twin.build(reads.outputs[0].shape)
    return (lambda x: twin(reads(x, training=False))), (lambda: twin.set_weights(layer.get_weights()))


def _image(params: Any, shape: tuple[int, int, int]) -> Any:
    """The image ``(H, W, C)`` in [0, 1] that Fourier coefficients ``(C, H, W//2+1, 2)`` stand for."""
    import tensorflow as tf

    height, width, depth = shape
    scale = tf.constant(_frequency_scale(height, width)[None], tf.complex64)
    spectrum = tf.complex(params[..., 0], params[..., 1]) * scale
    image = tf.transpose(tf.signal.irfft2d(spectrum, fft_length=[height, width]), [1, 2, 0]) / 4.0
    if depth == 3:
        image = tf.reshape(tf.reshape(image, [-1, 3]) @ tf.constant(_decorrelation().T), [height, width, 3])
    return tf.sigmoid(image)


def _frequency_scale(height: int, width: int) -> np.ndarray:
    """Lucid's 1/f scaling of the Fourier coefficients (times √(H·W), which irfft2d's 1/(H·W) undoes)."""
    frequencies = np.sqrt(np.fft.fftfreq(height)[:, None] ** 2 + np.fft.rfftfreq(width)[None, :] ** 2)
    return (np.sqrt(height * width) / np.maximum(frequencies, 1.0 / max(height, width))).astype(np.float32)


def _decorrelation() -> np.ndarray:
    """The colour correlation matrix scaled to unit column norm at most (Lucid's ``color_correlation_normalized``)."""
    return _COLOR_CORRELATION / np.max(np.linalg.norm(_COLOR_CORRELATION, axis=0))
