"""How a network learns, in numbers: softmax, cross-entropy, gradient descent, one real
backpropagation step, mini-batches and the three optimizers of the course.

NumPy for the closed-form parts (tests pin them against ``keras.activations.softmax`` and
``keras.losses``); TensorFlow, imported lazily inside the functions that need it, for everything
that trains: the backpropagation step and the optimizer race run Keras' own optimizers, the same
code path as the Training page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnnviz.errors import InputError

OPTIMIZER_NAMES = ("SGD", "RMSprop", "Adam")


# ---------------------------------------------------------------- softmax and cross-entropy
def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities e^zᵢ / Σⱼ e^zⱼ of a vector of logits (shifted by the maximum so e^z never overflows)."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size < 2:
        raise InputError("Softmax needs at least two scores (one per class)")
    if not np.all(np.isfinite(z)):
        raise InputError("Every score must be a finite number")
    e = np.exp(z - z.max())
    return e / e.sum()


def cross_entropy(probabilities: np.ndarray, label: int) -> float:
    """The loss −log p[label]: the only term of Σ yᵢ·(−log pᵢ) that a one-hot label keeps."""
    p = np.asarray(probabilities, dtype=np.float64)
    if not 0 <= label < len(p):
        raise InputError(f"The true class must be between 0 and {len(p) - 1}, not {label}")
    return float(-np.log(np.clip(p[label], 1e-12, 1.0)))


def one_hot(label: int, classes: int) -> np.ndarray:
    """The label as a vector of zeros with a 1 at ``label``: what ``categorical_crossentropy`` expects."""
    vector = np.zeros(classes)
    vector[label] = 1.0
    return vector


# ---------------------------------------------------------------- gradient descent on one weight
@dataclass(frozen=True)
class Bowl:
    """The loss L(w) = a·(w − w*)²: the simplest surface with one best weight w*."""

    a: float = 1.0
    best: float = 3.0

    def loss(self, w: np.ndarray) -> np.ndarray:
        return self.a * (np.asarray(w, dtype=np.float64) - self.best) ** 2

    def gradient(self, w: float) -> float:
        return 2 * self.a * (w - self.best)


def gradient_descent(bowl: Bowl, start: float, learning_rate: float, steps: int) -> np.ndarray:
    """The weights w₀, w₁, … of ``steps`` updates w ← w − η·dL/dw (stops early once they blow up)."""
    weights = [float(start)]
    for _ in range(steps):
        w = weights[-1] - learning_rate * bowl.gradient(weights[-1])
        weights.append(w)
        if not math.isfinite(w) or abs(w) > 1e6:
            break
    return np.array(weights)


def step_verdict(bowl: Bowl, learning_rate: float) -> str:
    """What the step size does on this bowl: each step multiplies the distance to w* by 1 − 2aη."""
    factor = 1 - 2 * bowl.a * learning_rate
    if abs(factor) >= 1:
        return "diverging" if abs(factor) > 1 else "bouncing"
    if factor < 0:
        return "overshooting"
    return "too small" if factor > 0.8 else "good"


# ---------------------------------------------------------------- mini-batches and epochs
def steps_per_epoch(images: int, batch_size: int) -> int:
    """Weight updates in one epoch: ⌈images / batch size⌉ (the last batch may be smaller)."""
    if images < 1 or batch_size < 1:
        raise InputError("Images and batch size must be at least 1")
    return math.ceil(images / batch_size)


# ---------------------------------------------------------------- the real thing, with TensorFlow
#: The course's 6×6 image: bright (10) left half, dark (0) right half; its vertical edge is what a filter can find.
EDGE_IMAGE = np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=np.float32)


@dataclass(frozen=True)
class BackpropStep:
    """One training step of a tiny conv net: the filter before, its gradient, the filter after, the losses."""

    before: np.ndarray  # (3, 3) filter weights
    gradient: np.ndarray  # (3, 3) dLoss/dweight
    after: np.ndarray  # (3, 3)
    probabilities_before: np.ndarray
    probabilities_after: np.ndarray
    loss_before: float
    loss_after: float
    learning_rate: float
    label: int


def backprop_step(
    image: np.ndarray = EDGE_IMAGE, label: int = 1, learning_rate: float = 0.05, seed: int = 0
) -> BackpropStep:
    """One real SGD step of Conv2D(1, 3×3) → Flatten → Dense(2, softmax) on one image (pixels / 10).

    The gradient comes from ``tf.GradientTape`` and the update from ``keras.optimizers.SGD``: exactly
    what ``model.fit`` does for one batch of one image.
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    x = np.asarray(image, np.float32)[None, :, :, None] / 10.0
    model = keras.Sequential(
        [
            keras.Input(x.shape[1:]),
            keras.layers.Conv2D(1, 3, name="conv"),  # no ReLU: a fresh filter could output only zeros and not learn
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax", name="out"),
        ]
    )
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
    y = np.array([label])
    kernel = model.get_layer("conv").kernel
    before = kernel.numpy()[:, :, 0, 0].copy()
    with tf.GradientTape() as tape:
        p_before = model(x, training=True)
        loss = loss_fn(y, p_before)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    kernel_grad = grads[[v is kernel for v in model.trainable_variables].index(True)]
    p_after = model(x, training=False)
    return BackpropStep(
        before=before,
        gradient=np.asarray(kernel_grad)[:, :, 0, 0],
        after=kernel.numpy()[:, :, 0, 0].copy(),
        probabilities_before=np.asarray(p_before)[0],
        probabilities_after=np.asarray(p_after)[0],
        loss_before=float(loss),
        loss_after=float(loss_fn(y, p_after)),
        learning_rate=learning_rate,
        label=label,
    )


def optimizer_paths(
    steps: int = 40, learning_rate: float = 0.1, start: tuple[float, float] = (-4.0, 2.0)
) -> dict[str, np.ndarray]:
    """The path each Keras optimizer takes on the long narrow valley L(w₁, w₂) = w₁²/10 + 2·w₂².

    Returns ``{name: (steps + 1, 3) array of w₁, w₂, loss}``. Plain SGD zig-zags across the steep
    direction and crawls along the flat one; RMSprop and Adam scale each weight's step by its own
    recent gradient size, so both directions move at a similar pace.
    """
    import keras
    import tensorflow as tf

    made = {"SGD": keras.optimizers.SGD, "RMSprop": keras.optimizers.RMSprop, "Adam": keras.optimizers.Adam}
    paths = {}
    for name in OPTIMIZER_NAMES:
        w = tf.Variable(np.array(start, np.float32))
        optimizer = made[name](learning_rate=learning_rate)
        points = []
        for _ in range(steps + 1):
            with tf.GradientTape() as tape:
                loss = valley_loss(w)
            points.append((*w.numpy().tolist(), float(loss)))
            optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        paths[name] = np.array(points)
    return paths


def valley_loss(w):  # noqa: ANN001, ANN201 - NumPy arrays or TensorFlow tensors alike
    """L(w₁, w₂) = w₁²/10 + 2·w₂²: flat along w₁, steep along w₂ (works on NumPy and TensorFlow values)."""
    return w[0] ** 2 / 10 + 2 * w[1] ** 2


# ---------------------------------------------------------------- dropout on one batch
def dropout_batch(values: np.ndarray, rate: float, seed: int = 0) -> np.ndarray:
    """``values`` as ``keras.layers.Dropout(rate)`` treats them while training: each unit is 0 with
    probability ``rate``, the others are multiplied by 1/(1 − rate). NumPy, so the Convolution page
    can show it without TensorFlow (a test checks the rule against Keras' layer)."""
    if not 0 <= rate < 1:
        raise InputError(f"The dropout rate must be at least 0 and below 1, not {rate}")
    values = np.asarray(values, dtype=np.float64)
    keep = np.random.default_rng(seed).random(values.shape) >= rate
    return np.where(keep, values / (1 - rate), 0.0)
