"""How a network learns, in numbers: softmax, cross-entropy, gradient descent, one real
backpropagation step, mini-batches and the three optimizers of the course.

All in NumPy, so the page never loads TensorFlow (a 3–12 s import): the backpropagation step is
worked out by the chain rule on a network small enough to write down, and the optimizer race
follows Keras' own update rules. The tests pin every number against Keras and TensorFlow:
``keras.activations.softmax``, ``keras.losses``, ``tf.GradientTape`` on the same network, and
Keras' ``SGD``, ``RMSprop`` and ``Adam`` on the same valley.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnnviz.errors import InputError
from cnnviz.ops import conv2d

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


# ---------------------------------------------------------------- one backpropagation step, by hand
#: The course's 6×6 image: bright (10) left half, dark (0) right half; its vertical edge is what a filter can find.
EDGE_IMAGE = np.array([[10, 10, 10, 0, 0, 0]] * 6, dtype=np.float32)


@dataclass(frozen=True)
class TinyNet:
    """Conv2D(1 filter, 3×3, 'valid') → Flatten → Dense(2, softmax) on a one-channel image: its weights.

    Small enough to backpropagate by hand in NumPy (tests check every gradient against
    ``tf.GradientTape`` on the same Keras model), so the page that shows it never loads TensorFlow.
    """

    conv_kernel: np.ndarray  # (3, 3)
    conv_bias: float
    dense_kernel: np.ndarray  # (features, 2)
    dense_bias: np.ndarray  # (2,)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The feature map (valid cross-correlation plus bias, no activation) and the two probabilities."""
        feature = conv2d(np.asarray(x, np.float64), self.conv_kernel) + self.conv_bias
        return feature, softmax(feature.ravel() @ self.dense_kernel + self.dense_bias)

    def gradients(self, x: np.ndarray, label: int) -> TinyNet:
        """∂loss/∂weight for every weight, loss = −log p[label] (the chain rule, layer by layer backwards).

        Softmax with cross-entropy gives ∂loss/∂logits = p − one_hot(label); the Dense layer passes back
        W·(p − y); the convolution's kernel gradient is the input cross-correlated with that map.
        """
        x = np.asarray(x, np.float64)
        feature, p = self.forward(x)
        d_logits = p - one_hot(label, len(p))
        d_feature = (self.dense_kernel @ d_logits).reshape(feature.shape)
        return TinyNet(
            conv_kernel=conv2d(x, d_feature),
            conv_bias=float(d_feature.sum()),
            dense_kernel=np.outer(feature.ravel(), d_logits),
            dense_bias=d_logits,
        )

    def minus(self, gradients: TinyNet, learning_rate: float) -> TinyNet:
        """One SGD step: every weight w ← w − η·∂loss/∂w."""
        return TinyNet(
            self.conv_kernel - learning_rate * gradients.conv_kernel,
            self.conv_bias - learning_rate * gradients.conv_bias,
            self.dense_kernel - learning_rate * gradients.dense_kernel,
            self.dense_bias - learning_rate * gradients.dense_bias,
        )


def tiny_net(image_shape: tuple[int, int] = EDGE_IMAGE.shape, seed: int = 0) -> TinyNet:
    """A fresh :class:`TinyNet` as Keras starts one: Glorot-uniform kernels (±√(6 / (fan_in + fan_out))), zero biases.

    The random numbers come from NumPy with random start ``seed``, so they are not the ones Keras would
    draw; the rule they are drawn by is Keras' default.
    """
    rng = np.random.default_rng(seed)
    features = (image_shape[0] - 2) * (image_shape[1] - 2)
    return TinyNet(
        conv_kernel=rng.uniform(-1, 1, (3, 3)) * math.sqrt(6 / (9 + 9)),
        conv_bias=0.0,
        dense_kernel=rng.uniform(-1, 1, (features, 2)) * math.sqrt(6 / (features + 2)),
        dense_bias=np.zeros(2),
    )


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

    Exactly what ``model.fit`` does for one batch of one image with ``keras.optimizers.SGD`` (the
    tests check it against ``tf.GradientTape`` and Keras' SGD), computed in NumPy in well under a
    millisecond instead of loading TensorFlow for seconds.
    """
    x = np.asarray(image, np.float64) / 10.0
    net = tiny_net(x.shape, seed)
    gradients = net.gradients(x, label)
    stepped = net.minus(gradients, learning_rate)
    p_before, p_after = net.forward(x)[1], stepped.forward(x)[1]
    return BackpropStep(
        before=net.conv_kernel,
        gradient=gradients.conv_kernel,
        after=stepped.conv_kernel,
        probabilities_before=p_before,
        probabilities_after=p_after,
        loss_before=cross_entropy(p_before, label),
        loss_after=cross_entropy(p_after, label),
        learning_rate=learning_rate,
        label=label,
    )


# ---------------------------------------------------------------- Keras' three optimizers, by hand
#: Keras' defaults: RMSprop(rho=0.9, epsilon=1e-7); Adam(beta_1=0.9, beta_2=0.999, epsilon=1e-7).
RHO, BETA_1, BETA_2, EPSILON = 0.9, 0.9, 0.999, 1e-7


def optimizer_step(
    name: str, w: np.ndarray, gradient: np.ndarray, state: dict[str, Any], learning_rate: float
) -> np.ndarray:
    """The weights after one update of Keras' ``SGD``, ``RMSprop`` or ``Adam`` (default settings).

    ``state`` holds the optimizer's running averages between calls (start with ``{}``); the rules are
    the ones in Keras' ``update_step`` (tests run Keras' own optimizers next to these):

    - SGD: w ← w − η·g
    - RMSprop: v ← ρ·v + (1 − ρ)·g²; w ← w − η·g / √(v + ε)
    - Adam: m ← m + (1 − β₁)(g − m); v ← v + (1 − β₂)(g² − v); w ← w − η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)
    """
    if name == "SGD":
        return w - learning_rate * gradient
    if name == "RMSprop":
        v = state["v"] = RHO * state.get("v", 0.0) + (1 - RHO) * gradient**2
        return w - learning_rate * gradient / np.sqrt(v + EPSILON)
    if name != "Adam":
        raise InputError(f"Unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZER_NAMES)}")
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = state.get("m", 0.0) + (1 - BETA_1) * (gradient - state.get("m", 0.0))
    v = state["v"] = state.get("v", 0.0) + (1 - BETA_2) * (gradient**2 - state.get("v", 0.0))
    alpha = learning_rate * math.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
    return w - alpha * m / (np.sqrt(v) + EPSILON)


def optimizer_paths(
    steps: int = 40, learning_rate: float = 0.1, start: tuple[float, float] = (-4.0, 2.0)
) -> dict[str, np.ndarray]:
    """The path each of Keras' optimizers takes on the long narrow valley L(w₁, w₂) = w₁²/10 + 2·w₂².

    Returns ``{name: (steps + 1, 3) array of w₁, w₂, loss}``. Plain SGD zig-zags across the steep
    direction and crawls along the flat one; RMSprop and Adam scale each weight's step by its own
    recent gradient size, so both directions move at a similar pace.
    """
    paths = {}
    for name in OPTIMIZER_NAMES:
        w, points = np.array(start, np.float64), []
        state: dict[str, Any] = {}
        for _ in range(steps + 1):
            points.append((*w, float(valley_loss(w))))
            w = optimizer_step(name, w, valley_gradient(w), state, learning_rate)
        paths[name] = np.array(points)
    return paths


def valley_loss(w):  # noqa: ANN001, ANN201 - NumPy arrays or TensorFlow tensors alike
    """L(w₁, w₂) = w₁²/10 + 2·w₂²: flat along w₁, steep along w₂ (works on NumPy and TensorFlow values)."""
    return w[0] ** 2 / 10 + 2 * w[1] ** 2


def valley_gradient(w: np.ndarray) -> np.ndarray:
    """∇L = (w₁/5, 4·w₂): the valley's slope along each weight."""
    return np.array([w[0] / 5, 4 * w[1]])


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
