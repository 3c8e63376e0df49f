"""Every fact the app states about one layer type, in one table: ``LAYER_FACTS[type]``.

The layer builder's menu line, the Inside page's note on a layer's output, the short name of the
stack diagram and the one-line architecture, the diagram's colour, Keras' snake-case base name and
whether the layer works value by value all come from here, so a new layer type is described once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerFacts:
    """What the app says and draws for one layer type."""

    help: str  # one line, shown in the builder's menu and in each layer's box
    keras_name: str  # Keras' snake-case base name, for explicit layer names ("conv2d_1")
    colour: str  # Okabe-Ito (colour-blind safe) per family in the stack diagram; shape-keeping layers grey
    short: str = ""  # the abbreviation in the stack diagram and the one-line architecture (default: the type)
    note: str = ""  # the Inside page's words on what this layer's output shows
    elementwise: bool = False  # keeps every value where it is: does not change what a unit sees


GREY = "#999999"

LAYER_FACTS: dict[str, LayerFacts] = {
    "Conv2D": LayerFacts(
        "slides learned filters over the map",
        "conv2d",
        "#0072B2",
        "Conv",
        "Each channel is one learned filter slid over the previous layer: bright where its pattern is.",
    ),
    "MaxPooling2D": LayerFacts(
        "keeps the largest value of each window",
        "max_pooling2d",
        "#009E73",
        "MaxPool",
        "Each value is the largest in a small window: the map shrinks, strong responses survive.",
    ),
    "AveragePooling2D": LayerFacts(
        "keeps the average of each window",
        "average_pooling2d",
        "#009E73",
        "AvgPool",
        "Each value is the mean of a small window: the map shrinks and smooths.",
    ),
    "GlobalAveragePooling2D": LayerFacts(
        "one average per channel",
        "global_average_pooling2d",
        "#CC79A7",
        "GAP",
        "One number per channel: the mean of its whole map.",
    ),
    "GlobalMaxPooling2D": LayerFacts(
        "one maximum per channel",
        "global_max_pooling2d",
        "#CC79A7",
        "GMP",
        "One number per channel: the largest value of its map.",
    ),
    "Flatten": LayerFacts(
        "turns the map into one long vector",
        "flatten",
        "#CC79A7",
        note="The maps unrolled into one long vector, ready for the dense layers.",
    ),
    "Dense": LayerFacts(
        "every input connected to every neuron",
        "dense",
        "#E69F00",
        note="Every unit weighs all values of the previous layer; the last one gives the class probabilities.",
    ),
    "Dropout": LayerFacts(
        "randomly zeroes values while training",
        "dropout",
        GREY,
        "Drop",
        "Dropout only acts while training; here it passes values through unchanged.",
        elementwise=True,
    ),
    "BatchNormalization": LayerFacts(
        "re-centres and re-scales each channel",
        "batch_normalization",
        GREY,
        "BN",
        "Every channel re-centred and re-scaled with statistics learned during training.",
        elementwise=True,
    ),
    "Activation": LayerFacts(
        "applies a function to each value",
        "activation",
        GREY,
        "Act",
        "The non-linearity: ReLU keeps positive values and zeroes the rest.",
        elementwise=True,
    ),
    "ZeroPadding2D": LayerFacts(
        "adds a border of zeros", "zero_padding2d", GREY, "Pad", "A frame of zeros around every map."
    ),
    "DepthwiseConv2D": LayerFacts(
        "one filter per channel, no mixing (MobileNet)", "depthwise_conv2d", "#0072B2", "DWConv"
    ),
    "SeparableConv2D": LayerFacts(
        "depthwise filter, then a 1×1 convolution mixing channels", "separable_conv2d", "#0072B2", "SepConv"
    ),
    "Conv2DTranspose": LayerFacts(
        "scatters a learned kernel per input cell: grows the map", "conv2d_transpose", "#56B4E9", "ConvT"
    ),
    "UpSampling2D": LayerFacts("enlarges the map by repeating or blending values", "up_sampling2d", "#009E73", "Up"),
    "Reshape": LayerFacts("rearranges the same values into a new shape", "reshape", "#CC79A7"),
    "ReLU": LayerFacts("max(x, 0), optionally capped (ReLU6)", "re_lu", GREY, elementwise=True),
    "Residual": LayerFacts(
        "a branch of layers whose output is added to its input (ResNet)", "residual", "#0072B2", "ResBlock"
    ),
    "Pretrained": LayerFacts(
        "a demo network's convolutional part, with what it learned (transfer learning)",
        "pretrained",
        "#D55E00",
        "Pretrained",
        "The features a demo network learned to compute from its own images, reused here.",
    ),
}

#: Keras layer types, beyond the builder's, that keep every value where it is (in models trained elsewhere).
_OTHER_ELEMENTWISE = frozenset(
    {
        "LeakyReLU",
        "ELU",
        "PReLU",
        "Softmax",
        "LayerNormalization",
        "GaussianNoise",
        "GaussianDropout",
        "SpatialDropout2D",
        "Rescaling",
    }
)
ELEMENTWISE: frozenset[str] = frozenset(kind for kind, facts in LAYER_FACTS.items() if facts.elementwise) | (
    _OTHER_ELEMENTWISE
)


def short_name(kind: str) -> str:
    """The abbreviation of a layer type ("MaxPool"); a type without one, or unknown, keeps its name."""
    facts = LAYER_FACTS.get(kind)
    return (facts.short if facts else "") or kind


def layer_colour(kind: str) -> str:
    """The stack diagram's colour for a layer type (grey for a type the table does not know)."""
    facts = LAYER_FACTS.get(kind)
    return facts.colour if facts else GREY


def layer_note(kind: str) -> str:
    """The Inside page's note on a layer's output ("" for a type without one)."""
    facts = LAYER_FACTS.get(kind)
    return facts.note if facts else ""
