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
    return {
        "type": "Conv2D",
        "filters": filters,
        "kernel_size": more.pop("kernel_size", 3),
        "activation": activation,
        **more,
    }


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
    MNIST: (
        (28, 28, 1),
        [
            _conv(32),
            _maxpool(),
            _conv(64),
            _maxpool(),
            _flatten(),
            _dense(128, "relu"),
            _dense(10, "softmax"),
        ],
    ),
    MNIST_SAME: (
        (28, 28, 1),
        [
            _conv(32, padding="same"),
            _maxpool(),
            _conv(64, padding="same"),
            _maxpool(),  # → (7, 7, 64)
            _flatten(),
            _dense(128, "relu"),
            _dense(10, "softmax"),
        ],
    ),
    FASHION_MNIST: (
        (28, 28, 1),
        [
            _conv(32),
            _maxpool(),
            _conv(64),
            _maxpool(),
            _conv(64),  # 26 → 13 → 11 → 5 → 3
            {"type": "Dropout", "rate": 0.3},
            _flatten(),
            _dense(64, "relu"),
            {"type": "Dropout", "rate": 0.3},
            _dense(10, "softmax"),
        ],
    ),
    NEU: (
        (200, 200, 1),
        [
            _conv(32, padding="same"),
            _maxpool(),
            _conv(64, padding="same"),
            _maxpool(),
            _conv(128, padding="same"),
            _maxpool(),  # → (25, 25, 128)
            _flatten(),
            _dense(128, "relu"),
            _dense(6, "softmax"),
        ],
    ),
}

PRESETS: dict[str, tuple[tuple[int, int, int], list[dict[str, Any]]]] = {
    LENET5: (
        (32, 32, 1),
        [
            _conv(6, "tanh", kernel_size=5),  # C1: 6@28×28
            {"type": "AveragePooling2D", "pool_size": 2},  # S2: 6@14×14
            _conv(16, "tanh", kernel_size=5),  # C3: 16@10×10
            {"type": "AveragePooling2D", "pool_size": 2},  # S4: 16@5×5
            _conv(120, "tanh", kernel_size=5),  # C5: 120@1×1
            _flatten(),
            _dense(84, "tanh"),  # F6
            _dense(10, "softmax"),  # output
        ],
    ),
    **NOTEBOOK_PRESETS,
    NEU_FAST: (
        (64, 64, 1),
        [
            _conv(16, padding="same"),
            _maxpool(),
            _conv(32, padding="same"),
            _maxpool(),
            _conv(64, padding="same"),
            _maxpool(),  # → (8, 8, 64)
            {"type": "GlobalAveragePooling2D"},
            _dense(64, "relu"),
            {"type": "Dropout", "rate": 0.3},
            _dense(6, "softmax"),
        ],
    ),
    VGG: (
        (32, 32, 3),
        [
            _conv(32, padding="same"),
            _conv(32, padding="same"),
            {"type": "BatchNormalization"},
            _maxpool(),
            _conv(64, padding="same"),
            _conv(64, padding="same"),
            {"type": "BatchNormalization"},
            _maxpool(),
            _conv(128, padding="same"),
            _conv(128, padding="same"),
            {"type": "BatchNormalization"},
            _maxpool(),
            _flatten(),
            _dense(128, "relu"),
            {"type": "Dropout", "rate": 0.5},
            _dense(10, "softmax"),
        ],
    ),
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


# ---------------------------------------------------------------------------------------------
# Beyond VGG: depthwise/separable, residual and encoder-decoder networks, and VGG-16's scale
# ---------------------------------------------------------------------------------------------

MOBILENET = "MobileNet v1 (224×224 colour)"
VGG16 = "VGG-16 (224×224 colour)"
SMALL_RESNET = "Small ResNet (28×28)"
AUTOENCODER = "Convolutional autoencoder (28×28)"
TRANSFER = "Reused digit features (28×28)"


def _bn_relu6() -> list[dict[str, Any]]:
    return [{"type": "BatchNormalization"}, {"type": "ReLU", "max_value": 6.0}]


def _mobilenet_block(filters: int, strides: int) -> list[dict[str, Any]]:
    """Keras Applications' depthwise block: 3×3 depthwise, BN, ReLU6, then 1×1 convolution, BN, ReLU6."""
    return [
        {"type": "DepthwiseConv2D", "kernel_size": 3, "strides": strides, "padding": "same", "use_bias": False},
        *_bn_relu6(),
        {"type": "Conv2D", "filters": filters, "kernel_size": 1, "padding": "same", "use_bias": False},
        *_bn_relu6(),
    ]


def _mobilenet() -> list[dict[str, Any]]:
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1)]
    return [
        {"type": "Conv2D", "filters": 32, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": False},
        *_bn_relu6(),
        *(layer for filters, strides in blocks for layer in _mobilenet_block(filters, strides)),
        {"type": "GlobalAveragePooling2D", "keepdims": True},
        {"type": "Dropout", "rate": 0.001},
        {"type": "Conv2D", "filters": 1000, "kernel_size": 1, "padding": "same"},
        {"type": "Reshape", "target_shape": [1000]},
        {"type": "Activation", "activation": "softmax"},
    ]


def _vgg16() -> list[dict[str, Any]]:
    stages = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    layers: list[dict[str, Any]] = []
    for filters, count in stages:
        layers += [_conv(filters, padding="same") for _ in range(count)] + [_maxpool()]
    return [*layers, _flatten(), _dense(4096, "relu"), _dense(4096, "relu"), _dense(1000, "softmax")]


def _residual(filters: int, strides: int = 1) -> dict[str, Any]:
    return {
        "type": "Residual",
        "shortcut": "identity" if strides == 1 else "projection",
        "activation": "relu",
        "layers": [_conv(filters, strides=strides, padding="same"), _conv(filters, "linear", padding="same")],
    }


PRESETS.update(
    {
        MOBILENET: ((224, 224, 3), _mobilenet()),
        VGG16: ((224, 224, 3), _vgg16()),
        SMALL_RESNET: (
            (28, 28, 1),
            [
                _conv(16, padding="same"),
                _residual(16),
                _residual(32, strides=2),  # → (14, 14, 32)
                {"type": "GlobalAveragePooling2D"},
                _dense(10, "softmax"),
            ],
        ),
        TRANSFER: (
            (28, 28, 1),
            [
                {"type": "Pretrained", "model": "mnist", "trainable": False},  # → (128,)
                {"type": "Dropout", "rate": 0.3},
                _dense(10, "softmax"),
            ],
        ),
        AUTOENCODER: (
            (28, 28, 1),
            [
                _conv(16, strides=2, padding="same"),
                _conv(8, strides=2, padding="same"),  # encoder → (7, 7, 8)
                {
                    "type": "Conv2DTranspose",
                    "filters": 8,
                    "kernel_size": 3,
                    "strides": 2,
                    "padding": "same",
                    "activation": "relu",
                },  # → (14, 14, 8)
                {"type": "UpSampling2D", "size": 2},  # → (28, 28, 8)
                _conv(1, "sigmoid", padding="same"),  # → (28, 28, 1)
            ],
        ),
    }
)

PRESET_INFO.update(
    {
        MOBILENET: PresetInfo(
            "Howard et al. (2017) as in Keras Applications: a strided 3×3 convolution, then 13 depthwise 3×3 + "
            "pointwise 1×1 pairs with batch normalization and ReLU6, 4,253,864 parameters, about 8 times fewer "
            "multiply-adds than standard 3×3 convolutions of the same widths.",
            None,
        ),
        VGG16: PresetInfo(
            "Simonyan & Zisserman (2014), configuration D: 13 3×3 convolutions in five stages and three dense "
            "layers, 138,357,544 parameters, 102 million of them in the first dense layer.",
            None,
        ),
        SMALL_RESNET: PresetInfo(
            "He et al. (2015) in miniature: two residual blocks (the second halves the map and adds a 1×1 "
            "projection of its input), global average pooling and 10 outputs; trains on MNIST in a minute.",
            "mnist",
        ),
        TRANSFER: PresetInfo(
            "Transfer learning: the convolutional part of the MNIST demo network, frozen (138,848 parameters it "
            "learned on digits), then Dropout and 10 new outputs: only 1,290 weights are trained. Try it on "
            "Fashion-MNIST: how far do features learned on digits go with clothes?",
            "fashion_mnist",
        ),
        AUTOENCODER: PresetInfo(
            "An encoder–decoder: two strided convolutions squeeze 28×28 into 7×7×8, a transposed convolution and "
            "an upsampling grow it back, and the output has the input's shape (not a classifier: its target is "
            "the image itself).",
            None,
        ),
    }
)
