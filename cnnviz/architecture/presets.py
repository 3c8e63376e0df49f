"""Ready-made stacks from the course material, each with its input shape and a one-line story.

Keys are stable names other pages may refer to (the training page picks its CPU-friendly
recipes by name). ``PRESET_INFO[name].dataset`` is the ``cnnviz.datasets`` name the stack was
made for (``None`` for CIFAR-like colour input, which has no bundled data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PresetInfo:
    """Where a preset comes from and which dataset it fits."""

    description: str
    dataset: str | None


def _conv(filters: int, activation: str = "relu", **more: Any) -> dict[str, Any]:
    return {"type": "Conv2D", "filters": filters, "kernel_size": more.pop("kernel_size", 3),
            "activation": activation, **more}


def _maxpool() -> dict[str, Any]:
    return {"type": "MaxPooling2D", "pool_size": 2}


def _flatten() -> dict[str, Any]:
    return {"type": "Flatten"}


def _dense(units: int, activation: str) -> dict[str, Any]:
    return {"type": "Dense", "units": units, "activation": activation}


LENET5 = "LeNet-5"
MNIST = "MNIST CNN"
MNIST_SAME = "MNIST CNN ('same' padding)"
FASHION_MNIST = "Fashion-MNIST CNN"
NEU = "NEU CNN"
NEU_FAST = "NEU CNN 64x64 (fast)"
VGG = "Small VGG"

# ---------------------------------------------------------------- the course notebooks' models, layer for layer
#: Each is the exact network of one course notebook (tests pin the parameter counts against Keras).
NOTEBOOK_PRESETS: dict[str, tuple[tuple[int, int, int], list[dict[str, Any]]]] = {
    MNIST: ((28, 28, 1), [
        _conv(32), _maxpool(), _conv(64), _maxpool(), _flatten(), _dense(128, "relu"), _dense(10, "softmax"),
    ]),
    MNIST_SAME: ((28, 28, 1), [
        _conv(32, padding="same"), _maxpool(), _conv(64, padding="same"), _maxpool(),  # → (7, 7, 64)
        _flatten(), _dense(128, "relu"), _dense(10, "softmax"),
    ]),
    FASHION_MNIST: ((28, 28, 1), [
        _conv(32), _maxpool(), _conv(64), _maxpool(), _conv(64),  # 26 → 13 → 11 → 5 → 3
        {"type": "Dropout", "rate": 0.3}, _flatten(), _dense(64, "relu"), {"type": "Dropout", "rate": 0.3},
        _dense(10, "softmax"),
    ]),
    NEU: ((200, 200, 1), [
        _conv(32, padding="same"), _maxpool(), _conv(64, padding="same"), _maxpool(),
        _conv(128, padding="same"), _maxpool(),  # → (25, 25, 128)
        _flatten(), _dense(128, "relu"), _dense(6, "softmax"),
    ]),
}

PRESETS: dict[str, tuple[tuple[int, int, int], list[dict[str, Any]]]] = {
    LENET5: ((32, 32, 1), [
        _conv(6, "tanh", kernel_size=5),                # C1: 6@28×28
        {"type": "AveragePooling2D", "pool_size": 2},  # S2: 6@14×14
        _conv(16, "tanh", kernel_size=5),               # C3: 16@10×10
        {"type": "AveragePooling2D", "pool_size": 2},  # S4: 16@5×5
        _conv(120, "tanh", kernel_size=5),              # C5: 120@1×1
        _flatten(),
        _dense(84, "tanh"),                             # F6
        _dense(10, "softmax"),                          # output
    ]),
    **NOTEBOOK_PRESETS,
    NEU_FAST: ((64, 64, 1), [
        _conv(16, padding="same"), _maxpool(), _conv(32, padding="same"), _maxpool(),
        _conv(64, padding="same"), _maxpool(),  # → (8, 8, 64)
        {"type": "GlobalAveragePooling2D"}, _dense(64, "relu"), {"type": "Dropout", "rate": 0.3},
        _dense(6, "softmax"),
    ]),
VGG: ((32, 32, 3), [
        _conv(32, padding="same"), _conv(32, padding="same"), {"type": "BatchNormalization"}, _maxpool(),
        _conv(64, padding="same"), _conv(64, padding="same"), {"type": "BatchNormalization"}, _maxpool(),
        _conv(128, padding="same"), _conv(128, padding="same"), {"type": "BatchNormalization"}, _maxpool(),
        _flatten(), _dense(128, "relu"), {"type": "Dropout", "rate": 0.5}, _dense(10, "softmax"),
    ]),
}

PRESET_INFO: dict[str, PresetInfo] = {
    LENET5: PresetInfo(
        "LeCun et al. (1998) as in the course's table: 5×5 convolutions with tanh and average pooling, "
        "C1 6@28×28 → S2 → C3 16@10×10 → S4 → C5 120 → F6 84 → 10 outputs, about 60k parameters.",
        "mnist",
    ),
    MNIST: PresetInfo(
        "The course's MNIST notebook, layer for layer: two 3×3 convolution + max-pooling blocks without "
        "padding (28 → 26 → 13 → 11 → 5), Flatten (1,600 values), Dense 128 and 10 softmax outputs: "
        "225,034 parameters, 99.01 % test accuracy after 5 epochs of Adam.",
        "mnist",
    ),
    MNIST_SAME: PresetInfo(
        "The course's second MNIST network: the same two blocks with 'same' padding, so the map goes "
        "28 → 14 → 7 and Flatten hands 7·7·64 = 3,136 values to Dense 128: 421,642 parameters.",
        "mnist",
    ),
    FASHION_MNIST: PresetInfo(
        "The course's Fashion-MNIST notebook, layer for layer: three 3×3 convolutions (32, 64, 64) with two "
        "poolings shrink 28 → 3, Flatten gives 3·3·64 = 576 values, Dense 64, Dropout 0.3 twice: "
        "93,322 parameters, about 90.5 % best validation accuracy.",
        "fashion_mnist",
    ),
    NEU: PresetInfo(
        "The course's steel-defect notebook on 200×200 grayscale images: three conv blocks with 'same' "
        "padding (32/64/128 filters), Flatten (25·25·128 = 80,000 values), Dense 128, 6 defect classes. "
        "Flatten → Dense holds 10.2 of its 10.3 million parameters; slow on a CPU (try the 64×64 variant).",
        "neu",
    ),
    NEU_FAST: PresetInfo(
        "The NEU model made CPU-friendly: 64×64 input, 16/32/64 filters and global average pooling "
        "instead of Flatten, for quick training on a CPU.",
        "neu",
    ),
    VGG: PresetInfo(
        "A small VGG-style network for 32×32 colour images (CIFAR-like): pairs of 3×3 convolutions "
        "with batch normalization before each pooling, doubling the filters as the map halves.",
        None,
    ),
}
