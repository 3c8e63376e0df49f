"""A page's state as a short, readable query string, and back (``?kernel=sobel_x&stride=2&image=mnist-digit-7``).

Each page has a :data:`SCHEMAS` entry: query name → (state key, :class:`Codec`). :func:`encode` turns
the page's state (a mapping of state keys to values, e.g. ``st.session_state``) into query values;
:func:`decode` turns a query string back into state values, validating every part on its own: a
hostile or stale link (unknown names, a 50×50 kernel, stride 0, kilobytes of junk, a stack that does
not fit) loses only its bad parts, each with a sentence saying why; a value a link cannot carry is
left out of the link with a sentence too. The options and bounds are the widgets' own
(:mod:`cnnviz.options`), so what a page offers is what a link carries. No Streamlit here.

The stack codec writes one token per layer, separated by spaces (``+`` in the address bar):
``conv-32-k.3-a.relu maxpool-size.2 flatten dense-10-a.softmax``; the first required argument
is positional, the others ``name.value`` with short names for the common ones.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from cnnviz import architecture, limits, options
from cnnviz.architecture.layers import MAX_CHANNELS, MAX_SIDE
from cnnviz.datasets.api import NAMES, NATIVE_SIZE, NEU_SIZE_CHOICES, NEU_SIZES
from cnnviz.errors import InputError
from cnnviz.images import CHANNEL_NAMES
from cnnviz.inspection import PRETRAINED_NAMES, pretrained_card
from cnnviz.kernels import PRESETS, parse_kernel
from cnnviz.options import OPTIMIZERS, Span
from cnnviz.samples import SAMPLES
from cnnviz.text import echo

MAX_VALUE_CHARS = limits.LINK_VALUE_CHARS.most  # longest query value read (a 40-layer stack is ~600 characters)
MAX_PARAMS = limits.LINK_PARTS.most  # query names looked at; the rest of a flooded link is ignored
MAX_LINK_LAYERS = limits.LINK_LAYERS.most
#: Query names the whole app owns (the sidebar's presentation mode): every page keeps them and never
#: calls them unknown.
APP_PARAMS = frozenset({"present"})
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


@dataclass(frozen=True)
class Codec:
    """How one value travels: ``write`` state value → text, ``read`` text → state value.

    Both raise :class:`InputError` with a sentence for the student: ``read`` for a bad or hostile
    link, ``write`` for a value a link cannot carry (it is then left out of the link, with that
    sentence). ``allowed()`` gives the state values the codec carries: every one for a finite set or
    a :class:`~cnnviz.options.Span`, the named ones (presets) for an open set such as kernels or stacks.
    """

    read: Callable[[str], Any]
    write: Callable[[Any], str]
    allowed: Callable[[], Iterable[Any]]


def whole(span: Span[int], what: str) -> Codec:
    """A whole number of ``span``."""
    rule = f"{what} must be a whole number from {span.low} to {span.high}"

    def read(text: str) -> int:
        if not re.fullmatch(r"\d{1,12}", text) or int(text) not in span:
            raise InputError(f"{rule}, not {text[:20]!r}")
        return int(text)

    def write(value: Any) -> str:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or int(value) not in span:
            raise InputError(f"{rule}: {echo(value)} cannot travel in a link")
        return str(int(value))

    return Codec(read, write, span.values)


def steps(span: Span[float], what: str) -> Codec:
    """A number of ``span``; a link's number in between is read as the nearest step (0.12 → 0.1)."""
    rule = f"{what} must be a number from {span.low:g} to {span.high:g}"

    def read(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and span.low <= value <= span.high):
            raise InputError(f"{rule}, not {text[:20]!r}")
        return span.nearest(value)

    def write(value: Any) -> str:
        if value not in span:
            raise InputError(f"{rule} in steps of {span.step:g}: {echo(value)} cannot travel in a link")
        return f"{value:g}"

    return Codec(read, write, span.values)


def choice(options: Mapping[str, Any], what: str, *, stays: str = "") -> Codec:
    """One of ``options`` (link text → state value). ``stays``: why a value outside them cannot travel."""
    back = {value: text for text, value in options.items()}

    def read(text: str) -> Any:
        if text not in options:
            raise InputError(f"{what} must be one of {', '.join(options)}, not {text[:20]!r}")
        return options[text]

    def write(value: Any) -> str:
        try:
            return back[value]
        except (KeyError, TypeError):  # TypeError: an unhashable value
            raise InputError(stays or f"{what} {echo(value)} cannot travel in a link") from None

    return Codec(read, write, options.values)


def _same(values: Iterable[str]) -> dict[str, str]:
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


KERNEL = Codec(_read_kernel, _write_kernel, lambda: [preset.matrix for preset in PRESETS.values()])


def _read_shape(text: str) -> tuple[int, int, int]:
    if not re.fullmatch(r"\d{1,5}x\d{1,5}x\d{1,4}", text):
        raise InputError(f"The input shape must look like 28x28x1, not {text[:20]!r}")
    return architecture.normalize_input_shape([int(part) for part in text.split("x")])


def _named_shapes() -> list[tuple[int, int, int]]:
    """The input shapes of the presets, the default one and the smallest and largest a stack accepts."""
    extremes = [(1, 1, 1), (MAX_SIDE, MAX_SIDE, MAX_CHANNELS)]
    named = {architecture.DEFAULT_INPUT_SHAPE, *(shape for shape, _ in architecture.PRESETS.values()), *extremes}
    return sorted(named)


SHAPE = Codec(_read_shape, lambda shape: "x".join(str(int(v)) for v in shape), _named_shapes)


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
            argument = names.get(key, key)
            # A short code names the argument of the layers that have it: UpSampling2D's own "size" is not pool_size.
            layer[argument if argument in specs or key not in specs else key] = _value(value)
        stack.append(architecture.compact_layer(layer, position))
    return stack


def _named_stacks() -> list[list[dict[str, Any]]]:
    """Every preset network (which travels by name), and each one without its last layer (which travels layer by
    layer when it fits in a link)."""
    stacks = []
    for _shape, stack in architecture.PRESETS.values():
        stacks.append(_compact(stack))
        if len(stack) <= MAX_LINK_LAYERS and not any(layer["type"] == "Residual" for layer in stack):
            stacks.append(_compact(stack[:-1]))
    return stacks


STACK = Codec(read_stack, write_stack, _named_stacks)

Schema = dict[str, tuple[str, Codec]]

#: The Datasets page's NEU sizes as link text ("64") → its size label.
NEU_SIZE_LINKS = {str(size or NATIVE_SIZE["neu"]): label for label, size in NEU_SIZE_CHOICES.items()}
#: What a page shows when its link leaves a part out (fills the ``{name}`` of a templated state key).
DEFAULT_TEXT = {"dataset": "mnist"}
#: Why the Datasets page's own zip and "My classes" are left out of its link, and what it opens instead.
DATA_STAYS = (
    "Your own zip and “My classes” can't travel in a link (they stay in this browser session): "
    f"the link opens “{options.DATA_CHOICES[DEFAULT_TEXT['dataset']]}”."
)


def _demo_model() -> Codec:
    """The Inside page's model: a demo model by name (a run trained in this session stays in it)."""

    def write(label: str) -> str:
        for name in PRETRAINED_NAMES:
            if demo_label(name) == label:
                return name
        demo = demo_label(PRETRAINED_NAMES[0]).split(" · ")[0].removeprefix("Demo: ")
        raise InputError(
            "Your own trained run can't travel in a link (it lives in this browser session only): "
            f"the link opens the demo model “{demo}” instead."
        )

    return Codec(
        lambda text: demo_label(_known(text, "demo models")), write, lambda: [demo_label(n) for n in PRETRAINED_NAMES]
    )


def _named(kind: str) -> Codec:
    """A recipe's or preset network's name."""

    def write(name: Any) -> str:
        return _known(str(name), kind)

    def allowed() -> list[str]:
        return list(_names(kind))

    return Codec(lambda text: _known(text, kind), write, allowed)


SCHEMAS: dict[str, Schema] = {
    "pixels": {
        "image": ("image", IMAGE),
        "channel": ("pixels_channel", choice(_same(CHANNEL_NAMES), "The channel")),
        "top": ("pixels_top", whole(options.PIXEL_OFFSETS, "The top row")),
        "left": ("pixels_left", whole(options.PIXEL_OFFSETS, "The left column")),
    },
    "convolution": {
        "image": ("image", IMAGE),
        "kernel": ("conv_kernel_matrix", KERNEL),
        "stride": ("conv_stride", whole(options.CONV_STRIDES, "The stride")),
        "padding": ("conv_padding", choice(options.CONV_PADDINGS, "The padding")),
        "p": ("conv_p", whole(options.CONV_PADDING_ZEROS, "The padding P")),
        "dilation": ("conv_dilation", whole(options.CONV_DILATIONS, "The dilation")),
        "flip": ("conv_flip", FLAG),
        "activation": ("conv_activation", choice(_same(options.CONV_ACTIVATIONS), "The activation")),
        "pool": ("conv_pool", choice(options.POOLINGS, "The pooling")),
        "pool_size": ("conv_pool_size", whole(options.POOL_SIZES, "The pool size")),
        "pool_stride": ("conv_pool_stride", whole(options.POOL_STRIDES, "The pool stride")),
    },
    "layer_builder": {
        "input": ("input_shape", SHAPE),
        "stack": ("stack", STACK),
    },
    "training": {
        "dataset": (
            "tr_dataset",
            choice(
                _same(NAMES),
                "The dataset",
                stays="Your uploaded images and “My classes” can't travel in a link (they stay in this browser "
                "session)",
            ),
        ),
        "neu_size": ("tr_neu_size", choice({str(s): s for s in NEU_SIZES}, "The NEU image size")),
        "network": ("tr_source", choice(options.NETWORK_SOURCES, "The network")),
        "recipe": ("tr_recipe", _named("recipes")),
        "preset": ("tr_preset", _named("presets")),
        "input": ("input_shape", SHAPE),
        "stack": ("stack", STACK),
        "optimizer": ("tr_optimizer", choice(_same(OPTIMIZERS), "The optimizer")),
        "lr": ("tr_lr", choice({f"{r:g}": r for r in options.LEARNING_RATES}, "The learning rate")),
        "batch": ("tr_batch", choice({str(b): b for b in options.BATCH_SIZES}, "The batch size")),
        "epochs": ("tr_epochs", whole(options.EPOCHS, "The number of epochs")),
        "images": (
            "tr_subset",
            choice({str(n): n for n in options.TRAINING_IMAGES}, "The number of training images"),
        ),
        "val": ("tr_val", steps(options.VALIDATION_SPLITS, "The validation split")),
        "early": ("tr_early", FLAG),
        "patience": ("tr_patience", whole(options.PATIENCES, "The patience")),
        "augment": ("tr_augment", FLAG),
        "cosine": ("tr_cosine", FLAG),
        "best": ("tr_keep_best", FLAG),
        "start": ("tr_seed", whole(options.RANDOM_STARTS, "The random start")),
    },
    "data": {
        "dataset": (
            "data_choice",
            choice({code: options.DATA_CHOICES[code] for code in options.LINKED_DATA}, "The dataset", stays=DATA_STAYS),
        ),
        "size": ("data_neu_size", choice(NEU_SIZE_LINKS, "The NEU image size")),
        "log": ("data_log_{dataset}", FLAG),  # the page keeps one switch per dataset
        "examples": ("data_examples_seed", whole(options.EXAMPLE_SETS, "The example set")),
    },
    "home": {},
    "inside": {
        "model": ("inside_model", _demo_model()),
        "tab": ("inside_tab", choice(options.INSIDE_TABS, "The tab")),
        "image": ("image", IMAGE),
    },
}


def _names(kind: str) -> Collection[str]:
    """The recipes, preset networks or demo models a link may name."""
    from cnnviz.recipes import RECIPES

    known: dict[str, Collection[str]] = {
        "recipes": RECIPES,
        "presets": architecture.PRESETS,
        "demo models": PRETRAINED_NAMES,
    }
    return known[kind]


def _known(text: str, kind: str) -> str:
    names = _names(kind)
    if text not in names:
        raise InputError(f"There is no {kind[:-1]} called {text[:30]!r}: choose one of {', '.join(names)}")
    return text


def demo_label(name: str) -> str:
    """The Inside page's menu label of a demo model ("Demo: MNIST digits · 99.2% on its test set")."""
    card = pretrained_card(name)
    return f"Demo: {card['title']} · {card['test_accuracy']:.1%} on its test set"


#: The parts that matter only with another part's value: page → {part: (the other part, its link text)}.
NEEDS: dict[str, dict[str, tuple[str, str]]] = {
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
}


def _relevant(page: str, name: str, query: Mapping[str, str]) -> bool:
    """False for a part the rest of the query makes irrelevant (a recipe name when the network is a preset, ...)."""
    need = NEEDS.get(page, {}).get(name)
    return need is None or query.get(need[0]) == need[1]


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


def encode(page: str, state: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """``(query values, problems)`` for ``page`` from ``state``.

    State keys that are missing are left out; a value a link cannot carry (a residual stack, an uploaded
    dataset, a batch size no widget offers) is left out with a sentence saying why, so nothing is dropped
    silently. Parts the rest of the query makes irrelevant are left out without a word.
    """
    query: dict[str, str] = {}
    refused: dict[str, str] = {}
    for name, (key, codec) in SCHEMAS[page].items():
        key = key.format_map(DEFAULT_TEXT | query)
        if key not in state or state[key] is None:
            continue
        try:
            text = codec.write(state[key])
            limits.LINK_VALUE_CHARS.check(len(text), "Written out, it")  # else the link could not be read back
            query[name] = text
        except InputError as error:
            refused[name] = f"{name}: {error}"
    kept = {name: text for name, text in query.items() if _relevant(page, name, query)}
    return kept, [problem for name, problem in refused.items() if _relevant(page, name, query)]


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
