"""A page's state as a short, readable query string, and back (``?kernel=sobel_x&stride=2&image=mnist-digit-7``).

Each page has a :data:`SCHEMAS` entry: query name → (state key, :class:`Codec`). :func:`encode` turns
the page's state (a mapping of state keys to values, e.g. ``st.session_state``) into query values;
:func:`decode` turns a query string back into state values, validating every part on its own: a
hostile or stale link (unknown names, a 50×50 kernel, stride 0, kilobytes of junk, a stack that does
not fit) loses only its bad parts, each with a sentence saying why. No Streamlit here.

The stack codec writes one token per layer, separated by spaces (``+`` in the address bar):
``conv-32-k.3-a.relu maxpool-size.2 flatten dense-10-a.softmax``; the first required argument
is positional, the others ``name.value`` with short names for the common ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from cnnviz import architecture, limits
from cnnviz.datasets.api import NATIVE_SIZE, NEU_SIZE_CHOICES, NEU_SIZES
from cnnviz.errors import InputError
from cnnviz.kernels import PRESETS, parse_kernel
from cnnviz.samples import SAMPLES
from cnnviz.text import echo

MAX_VALUE_CHARS = limits.LINK_VALUE_CHARS.most  # longest query value read (a 40-layer stack is ~600 characters)
MAX_PARAMS = limits.LINK_PARTS.most  # query names looked at; the rest of a flooded link is ignored
MAX_LINK_LAYERS = limits.LINK_LAYERS.most
#: Query names the whole app owns (the sidebar's presentation mode): every page keeps them and never
#: calls them unknown.
APP_PARAMS = frozenset({"present"})
DEMO_MODELS = ("mnist", "fashion_mnist", "neu")
SAMPLE_SLUGS = {file.removesuffix(".png"): name for name, file in SAMPLES.items()}
LAYER_CODES = {
    "Conv2D": "conv",
    "MaxPooling2D": "maxpool",
    "AveragePooling2D": "avgpool",
    "GlobalAveragePooling2D": "gap",
    "GlobalMaxPooling2D": "gmp",
    "Flatten": "flatten",
    "Dense": "dense",
    "Dropout": "dropout",
    "BatchNormalization": "bn",
    "Activation": "act",
    "ZeroPadding2D": "zeropad",
}
ARG_CODES = {
    "kernel_size": "k",
    "strides": "s",
    "padding": "p",
    "activation": "a",
    "pool_size": "size",
    "dilation_rate": "d",
    "use_bias": "bias",
}
INSIDE_TABS = {
    "activations": ":material/layers: Activations, layer by layer",
    "filters": ":material/grid_view: Learned filters",
    "gradcam": ":material/whatshot: Where did it look? (Grad-CAM)",
    "field": ":material/center_focus_strong: Receptive field",
}


@dataclass(frozen=True)
class Codec:
    """How one value travels: ``write`` state value → text, ``read`` text → state value (raises InputError)."""

    read: Callable[[str], Any]
    write: Callable[[Any], str]


def whole(low: int, high: int, what: str) -> Codec:
    """A whole number in ``[low, high]``."""

    def read(text: str) -> int:
        if not re.fullmatch(r"\d{1,9}", text) or not low <= int(text) <= high:
            raise InputError(f"{what} must be a whole number from {low} to {high}, not {text[:20]!r}")
        return int(text)

    return Codec(read, lambda value: str(int(value)))


def number(low: float, high: float, what: str) -> Codec:
    """A finite number in ``[low, high]``."""

    def read(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise InputError(f"{what} must be a number from {low:g} to {high:g}, not {text[:20]!r}")
        return value

    return Codec(read, lambda value: f"{float(value):g}")


def choice(options: Mapping[str, Any], what: str) -> Codec:
    """One of ``options`` (link text → state value)."""
    back = {value: text for text, value in options.items()}

    def read(text: str) -> Any:
        if text not in options:
            raise InputError(f"{what} must be one of {', '.join(options)}, not {text[:20]!r}")
        return options[text]

    return Codec(read, lambda value: back[value])


def _same(values: tuple[str, ...]) -> dict[str, str]:
    return {value: value for value in values}


FLAG = choice({"1": True, "0": False}, "A switch")
IMAGE = choice(SAMPLE_SLUGS, "The image")


def _read_kernel(text: str) -> Any:
    if text in PRESETS:
        return PRESETS[text].matrix.copy()
    if not re.fullmatch(r"[0-9eE./ _+-]+", text):
        raise InputError(f"The kernel must be a preset name ({', '.join(list(PRESETS)[:4])}, …) or rows of numbers")
    return parse_kernel("\n".join(row.replace("_", " ") for row in text.split()))


def exact_text(value: float) -> str:
    """The shortest text that reads back as exactly ``value``: ``2``, ``-1/9`` for a simple fraction, else ``repr``."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    fraction = Fraction(value).limit_denominator(1000)
    texts = [repr(value)]
    if fraction.numerator / fraction.denominator == value:
        texts.append(f"{fraction.numerator}/{fraction.denominator}")
    return min(texts, key=len)


def _write_kernel(matrix: Any) -> str:
    for name, preset in PRESETS.items():
        if preset.matrix.shape == matrix.shape and (preset.matrix == matrix).all():
            return name
    return " ".join("_".join(exact_text(v) for v in row) for row in matrix)


KERNEL = Codec(_read_kernel, _write_kernel)


def _read_shape(text: str) -> tuple[int, int, int]:
    if not re.fullmatch(r"\d{1,5}x\d{1,5}x\d{1,4}", text):
        raise InputError(f"The input shape must look like 28x28x1, not {text[:20]!r}")
    return architecture.normalize_input_shape([int(part) for part in text.split("x")])


SHAPE = Codec(_read_shape, lambda shape: "x".join(str(int(v)) for v in shape))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "x".join(_text(v) for v in value)
    if isinstance(value, float):
        text = repr(value)
        return text if "e" not in text else f"{value:.12f}".rstrip("0")
    if value is None:
        return "none"
    text = str(value)
    if not re.fullmatch(r"[A-Za-z0-9_.]+", text) or isinstance(value, int) and value < 0:
        raise InputError(f"The value {echo(text)} cannot travel in a link")
    return text


def _value(text: str) -> Any:
    if re.fullmatch(r"\d+(x\d+)+", text):
        return [int(part) for part in text.split("x")]
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d*\.\d+|\d+\.\d*", text):
        return float(text)
    return {"true": True, "false": False, "none": None}.get(text, text)


def _preset_slug(name: str) -> str:
    """A preset's name as link text: "MobileNet v1 (224×224×3)" → "mobilenet_v1_224_224_3"."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _compact(stack: Any) -> list[dict[str, Any]]:
    return [architecture.compact_layer(layer, position) for position, layer in enumerate(stack, start=1)]


PRESET_PREFIX = "preset."


def write_stack(stack: Any) -> str:
    """The stack as space-separated layer tokens, or ``preset.<name>`` for a preset as it is (so MobileNet's
    86 layers and a residual network travel too); InputError for a stack or value a link cannot hold.
    """
    wanted = _compact(stack)
    for name, (_shape, preset) in architecture.PRESETS.items():
        if _compact(preset) == wanted:
            return PRESET_PREFIX + _preset_slug(name)
    if len(stack) > MAX_LINK_LAYERS:
        raise InputError(f"A link holds at most {MAX_LINK_LAYERS} layers")
    tokens = []
    for position, layer in enumerate(stack, start=1):
        compact = architecture.compact_layer(layer, position)
        kind = compact.pop("type")
        specs = architecture.LAYER_ARGS[kind]
        first = next(iter(specs), None)
        parts = [LAYER_CODES.get(kind, kind)]
        for key, value in compact.items():
            positional = key == first and specs[key].required
            parts.append(_text(value) if positional else f"{ARG_CODES.get(key, key)}.{_text(value)}")
        tokens.append("-".join(parts))
    return " ".join(tokens)


def read_stack(text: str) -> list[dict[str, Any]]:
    """The inverse of :func:`write_stack`, every layer checked (StackError naming the layer)."""
    if text.startswith(PRESET_PREFIX):
        slugs = {_preset_slug(name): stack for name, (_shape, stack) in architecture.PRESETS.items()}
        if text[len(PRESET_PREFIX) :] not in slugs:
            raise InputError(f"There is no preset network called {text[len(PRESET_PREFIX) :][:40]!r}")
        return _compact(slugs[text[len(PRESET_PREFIX) :]])
    tokens = text.split()
    if len(tokens) > MAX_LINK_LAYERS:
        raise InputError(f"The stack has {len(tokens)} layers; a link holds at most {MAX_LINK_LAYERS}")
    types = {code: kind for kind, code in LAYER_CODES.items()} | {kind: kind for kind in architecture.LAYER_TYPES}
    names = {code: arg for arg, code in ARG_CODES.items()}
    stack = []
    for position, token in enumerate(tokens, start=1):
        code, *parts = token.split("-")
        if code not in types:
            raise InputError(f"Layer {position} of the stack: {code[:20]!r} is not a layer type")
        kind = types[code]
        layer: dict[str, Any] = {"type": kind}
        specs = architecture.LAYER_ARGS[kind]
        first = next(iter(specs), None)
        if parts and first is not None and specs[first].required:  # written without its name
            layer[first] = _value(parts.pop(0))
        for part in parts:
            key, _, value = part.partition(".")
            layer[names.get(key, key)] = _value(value)
        stack.append(architecture.compact_layer(layer, position))
    return stack


STACK = Codec(read_stack, write_stack)

Schema = dict[str, tuple[str, Codec]]

#: The Datasets page's choices that travel (its own zips and "My classes" stay in the browser).
DATA_CHOICES = {"mnist": "MNIST digits", "fashion_mnist": "Fashion-MNIST clothes", "neu": "NEU steel defects"}
#: The Datasets page's NEU sizes as link text ("64") → its size label.
NEU_SIZE_LINKS = {str(size or NATIVE_SIZE["neu"]): label for label, size in NEU_SIZE_CHOICES.items()}
#: What a page shows when its link leaves a part out (fills the ``{name}`` of a templated state key).
DEFAULT_TEXT = {"dataset": "mnist"}
_CONVOLUTION_PADDING = {"valid": "valid", "same": "same", "custom": "custom P"}
SCHEMAS: dict[str, Schema] = {
    "pixels": {
        "image": ("image", IMAGE),
        "channel": ("pixels_channel", choice(_same(("red", "green", "blue")), "The channel")),
        "top": ("pixels_top", whole(0, 4096, "The top row")),
        "left": ("pixels_left", whole(0, 4096, "The left column")),
    },
    "convolution": {
        "image": ("image", IMAGE),
        "kernel": ("conv_kernel_matrix", KERNEL),
        "stride": ("conv_stride", whole(1, 16, "The stride")),
        "padding": ("conv_padding", choice(_CONVOLUTION_PADDING, "The padding")),
        "p": ("conv_p", whole(0, 32, "The padding P")),
        "dilation": ("conv_dilation", whole(1, 8, "The dilation")),
        "flip": ("conv_flip", FLAG),
        "activation": (
            "conv_activation",
            choice(_same(("relu", "leaky_relu", "tanh", "sigmoid", "elu", "linear")), "The activation"),
        ),
        "pool": ("conv_pool", choice({"max": "max", "avg": "average", "global": "global average"}, "The pooling")),
        "pool_size": ("conv_pool_size", whole(1, 8, "The pool size")),
        "pool_stride": ("conv_pool_stride", whole(1, 8, "The pool stride")),
    },
    "layer_builder": {
        "input": ("input_shape", SHAPE),
        "stack": ("stack", STACK),
    },
    "training": {
        "dataset": ("tr_dataset", choice(_same(("mnist", "fashion_mnist", "neu")), "The dataset")),
        "neu_size": ("tr_neu_size", choice({str(s): s for s in NEU_SIZES}, "The NEU image size")),
        "network": (
            "tr_source",
            choice(
                {"stack": "Your stack from the layer builder", "recipe": "A recipe", "preset": "A preset"},
                "The network",
            ),
        ),
        "recipe": ("tr_recipe", Codec(lambda text: _known(text, "recipes"), str)),
        "preset": ("tr_preset", Codec(lambda text: _known(text, "presets"), str)),
        "input": ("input_shape", SHAPE),
        "stack": ("stack", STACK),
        "optimizer": ("tr_optimizer", choice(_same(("adam", "sgd", "rmsprop")), "The optimizer")),
        "lr": (
            "tr_lr",
            choice({f"{r:g}": r for r in (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2, 3e-2, 1e-1)}, "The learning rate"),
        ),
        "batch": ("tr_batch", choice({str(b): b for b in (16, 32, 64, 128, 256)}, "The batch size")),
        "epochs": ("tr_epochs", whole(1, 60, "The number of epochs")),
        "images": (
            "tr_subset",
            choice(
                {str(n): n for n in ("all", 500, 1000, 2000, 3000, 5000, 10000, 20000)}, "The number of training images"
            ),
        ),
        "val": (
            "tr_val",
            Codec(
                lambda text: round(number(0, 0.3, "The validation split").read(text) * 20) / 20,
                lambda value: f"{round(value, 2):g}",
            ),
        ),
        "early": ("tr_early", FLAG),
        "patience": ("tr_patience", whole(1, 20, "The patience")),
        "augment": ("tr_augment", FLAG),
        "cosine": ("tr_cosine", FLAG),
        "best": ("tr_keep_best", FLAG),
        "start": ("tr_seed", whole(0, 2**31 - 1, "The random start")),
    },
    "data": {
        "dataset": ("data_choice", choice(DATA_CHOICES, "The dataset")),
        "size": ("data_neu_size", choice(NEU_SIZE_LINKS, "The NEU image size")),
        "log": ("data_log_{dataset}", FLAG),  # the page keeps one switch per dataset
        "examples": ("data_examples_seed", whole(0, 10**6, "The example set")),
    },
    "home": {},
    "inside": {
        "model": (
            "inside_model",
            Codec(
                lambda text: demo_label(_known(text, "demo models")),
                lambda label: next(n for n in DEMO_MODELS if demo_label(n) == label),
            ),
        ),
        "tab": ("inside_tab", choice({code: label for code, label in INSIDE_TABS.items()}, "The tab")),
        "image": ("image", IMAGE),
    },
}


def _known(text: str, kind: str) -> str:
    from cnnviz.recipes import RECIPES

    known: dict[str, Collection[str]] = {
        "recipes": RECIPES,
        "presets": architecture.PRESETS,
        "demo models": DEMO_MODELS,
    }
    names = known[kind]
    if text not in names:
        raise InputError(f"There is no {kind[:-1]} called {text[:30]!r}: choose one of {', '.join(names)}")
    return text


def demo_label(name: str) -> str:
    """The Inside page's menu label of a demo model ("Demo: MNIST digits · 99.2% on its test set")."""
    from cnnviz.inspection import pretrained_card

    card = pretrained_card(name)
    return f"Demo: {card['title']} · {card['test_accuracy']:.1%} on its test set"


def _prune(page: str, query: dict[str, str]) -> dict[str, str]:
    """Leave out what the rest of the query makes irrelevant (a recipe name when the network is a preset, ...)."""
    needs = {
        "convolution": {"p": ("padding", "custom")},
        "data": {"size": ("dataset", "neu")},
        "training": {
            "recipe": ("network", "recipe"),
            "preset": ("network", "preset"),
            "stack": ("network", "stack"),
            "input": ("network", "stack"),
            "neu_size": ("dataset", "neu"),
            "patience": ("early", "1"),
        },
    }.get(page, {})
    return {
        name: text for name, text in query.items() if name not in needs or query.get(needs[name][0]) == needs[name][1]
    }


def _check_fit(values: dict[str, Any], problems: list[str]) -> None:
    """Drop a linked stack that does not fit its input shape (a link never opens on a broken stack)."""
    if "stack" not in values:
        return
    try:
        architecture.summarize(values["stack"], values.get("input_shape", architecture.DEFAULT_INPUT_SHAPE))
    except InputError as error:
        problems.append(f"stack: {error}")
        del values["stack"]
        values.pop("input_shape", None)


def encode(page: str, state: Mapping[str, Any]) -> dict[str, str]:
    """The query values for ``page`` from ``state`` (state keys that are missing or cannot travel are left out)."""
    query: dict[str, str] = {}
    for name, (key, codec) in SCHEMAS[page].items():
        key = key.format_map(DEFAULT_TEXT | query)
        if key not in state or state[key] is None:
            continue
        try:
            query[name] = codec.write(state[key])
        except (InputError, KeyError, TypeError, ValueError, StopIteration):
            continue  # e.g. an uploaded image or a residual block: not in the link, the rest still is
    return _prune(page, query)


def decode(page: str, query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """``(state values by state key, problems)`` from a query; every bad part is dropped with a reason."""
    schema = SCHEMAS[page]
    values: dict[str, Any] = {}
    problems = []
    unknown = [name for name in list(query)[:MAX_PARAMS] if name not in schema and name not in APP_PARAMS]
    if unknown:
        shown = ", ".join(repr(name[:20]) for name in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        problems.append(f"unknown part{'s' if len(unknown) > 1 else ''} {shown} ignored")
    read: dict[str, str] = {}  # the link text of every part read well
    for name, (key, codec) in schema.items():
        if name not in query:
            continue
        text = str(query[name])
        if len(text) > MAX_VALUE_CHARS:
            problems.append(f"{name}: too long ({len(text):,} characters)")
            continue
        try:
            values[key.format_map(DEFAULT_TEXT | read)] = codec.read(text.strip())
            read[name] = text.strip()
        except InputError as error:
            problems.append(f"{name}: {error}")
    _check_fit(values, problems)
    return values, problems
