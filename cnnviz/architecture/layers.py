"""The layer types a stack may hold, their arguments with Keras' defaults, and argument checking.

A layer is a dict in Keras' own vocabulary: ``"type"`` is the Keras layer class name and the
other keys are that class's constructor arguments. :func:`normalize_layer` checks one such dict
and returns its *canonical* form (every argument present, pairs as tuples, padding in lower
case), which the rest of the package computes with. :func:`compact_layer` goes the other way:
only the arguments that differ from Keras' defaults, square pairs written as one int, so it is
readable and JSON-friendly (used for the page's state, JSON export and generated code).
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnnviz import limits
from cnnviz.architecture.layer_facts import LAYER_FACTS
from cnnviz.errors import InputError
from cnnviz.text import echo

MAX_LAYERS = limits.STACK_LAYERS.most  # counting the layers inside blocks (count_layers)
DEFAULT_INPUT_SHAPE = (28, 28, 1)  # a stack's input until a student chooses another: an MNIST digit
MAX_SIDE = limits.INPUT_SIDE.most  # input height/width
MAX_CHANNELS = limits.INPUT_CHANNELS.most  # input channels
MAX_UNITS = limits.LAYER_UNITS.most  # filters of a Conv2D, units of a Dense layer
MAX_WINDOW = limits.LAYER_WINDOW.most  # kernel, pool, stride, dilation and zero-padding sizes

#: Activation names accepted by Keras 3 (``keras.activations.get``) that keep the shape.
ACTIVATIONS: tuple[str, ...] = (
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "linear",
    "elu",
    "selu",
    "leaky_relu",
    "gelu",
    "swish",
    "silu",
    "softplus",
    "softsign",
    "relu6",
    "hard_sigmoid",
    "mish",
    "exponential",
)
#: Layers that need an (height, width, channels) input.
SPATIAL_TYPES = frozenset(
    {
        "Conv2D",
        "MaxPooling2D",
        "AveragePooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "ZeroPadding2D",
        "DepthwiseConv2D",
        "SeparableConv2D",
        "Conv2DTranspose",
        "UpSampling2D",
        "Residual",
    }
)
#: The block type whose "layers" argument is a nested stack (exported as a Keras sub-graph with Add).
RESIDUAL = "Residual"
SHORTCUTS = ("identity", "projection")
INTERPOLATIONS = ("nearest", "bilinear")

_REQUIRED = object()


class StackError(InputError):
    """An invalid stack or input shape, explained for the user.

    ``position`` is the 1-based index of the offending layer (``None`` when the problem is the
    input shape or the stack as a whole) and ``layer_type`` its type, so a page can highlight it.
    """

    def __init__(self, message: str, position: int | None = None, layer_type: str | None = None):
        super().__init__(message)
        self.position = position
        self.layer_type = layer_type


class _Bad(Exception):
    """Internal: an argument's value is wrong; the text completes "<argument> ..."."""


@dataclass(frozen=True)
class Arg:
    """One constructor argument: a parser to canonical form, Keras' default and a hint."""

    parse: Callable[[Any], Any]
    default: Any = _REQUIRED
    hint: str = ""
    shown: bool = False  # kept in the compact form even at its default, for readability

    @property
    def required(self) -> bool:
        """True when Keras has no default, so the layer dict must give it."""
        return self.default is _REQUIRED


def whole(value: Any, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high]`` (bools and fractional numbers are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _Bad(f"must be a whole number, got {echo(value)}")
    if isinstance(value, numbers.Integral):
        value = int(value)
    elif math.isfinite(number := float(value)) and number.is_integer():
        value = int(number)
    else:
        raise _Bad(f"must be a whole number, got {echo(value)}")
    if value < low:
        raise _Bad(f"must be at least {low}, got {echo(value)}")
    if value > high:
        raise _Bad(f"must be at most {high:,}, got {value:,}")
    return value


def _count(low: int, high: int) -> Callable[[Any], int]:
    return lambda value: whole(value, low, high)


def _pair(low: int, high: int) -> Callable[[Any], tuple[int, int]]:
    """An int (same for rows and columns) or a (rows, cols) pair, as a tuple."""

    def parse(value: Any) -> tuple[int, int]:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise _Bad(f"must be one number or a (rows, cols) pair, got {list(value)}")
            return whole(value[0], low, high), whole(value[1], low, high)
        number = whole(value, low, high)
        return number, number

    return parse


def _optional_pair(low: int, high: int) -> Callable[[Any], tuple[int, int] | None]:
    pair = _pair(low, high)
    return lambda value: None if value is None else pair(value)


def _padding(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in ("valid", "same"):
        raise _Bad(f"must be 'valid' (no padding) or 'same' (keep the size), got {echo(value)}")
    return value.lower()


def _activation(value: Any) -> str:
    if value is None:
        return "linear"
    if not isinstance(value, str) or value.lower() not in ACTIVATIONS:
        close = _suggest(str(value), ACTIVATIONS)
        raise _Bad(f"{echo(value)} is not an activation I know{close}; use one of {', '.join(ACTIVATIONS)}")
    return value.lower()


def _required_activation(value: Any) -> str:
    if value is None:
        raise _Bad("must name an activation such as 'relu'")
    return _activation(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, got {echo(value)}")
    return value


def _fraction(low: float, high: float, *, high_included: bool) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
            raise _Bad(f"must be a number, got {echo(value)}")
        value = float(value)
        if value < low or value > high or (value == high and not high_included):
            upper = f"at most {high}" if high_included else f"below {high}"
            raise _Bad(f"must be at least {low} and {upper}, got {echo(value)}")
        return value

    return parse


def _zero_padding(value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """int, (rows, cols) or ((top, bottom), (left, right)), as Keras' ZeroPadding2D accepts."""
    side = _count(0, MAX_WINDOW)
    if isinstance(value, (list, tuple)):
        if len(value) == 2 and all(isinstance(v, (list, tuple)) for v in value):
            if any(len(v) != 2 for v in value):
                raise _Bad("must be ((top, bottom), (left, right))")
            (top, bottom), (left, right) = value
            return (side(top), side(bottom)), (side(left), side(right))
        if len(value) == 2:
            rows, cols = side(value[0]), side(value[1])
            return (rows, rows), (cols, cols)
        raise _Bad(f"must be one number, (rows, cols) or ((top, bottom), (left, right)); got {echo(value)}")
    amount = side(value)
    return (amount, amount), (amount, amount)


def _choice(options: tuple[str, ...], meaning: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in options:
            raise _Bad(f"must be {' or '.join(repr(o) for o in options)} ({meaning}), got {echo(value)}")
        return value.lower()

    return parse


def _target_shape(value: Any) -> tuple[int, ...]:
    """Keras' Reshape target: 1 to 3 whole numbers ≥ 1, one of which may be -1 (inferred)."""
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 3:
        raise _Bad(f"must be a list of 1 to 3 sizes such as [7, 7, 64] or [-1], got {echo(value)}")
    sizes = tuple(-1 if v == -1 and not isinstance(v, bool) else whole(v, 1, MAX_SIDE * MAX_SIDE) for v in value)
    if sizes.count(-1) > 1:
        raise _Bad("may contain -1 (inferred) only once")
    return sizes


def _optional_cap(value: Any) -> float | None:
    return None if value is None else _fraction(0.0, 1e6, high_included=True)(value)


def _output_padding(value: Any) -> tuple[int, int] | None:
    return None if value is None else _pair(0, MAX_WINDOW)(value)


def _branch(value: Any) -> tuple[dict[str, Any], ...]:
    """The nested stack of a Residual block, every inner layer canonical (no block inside a block)."""
    check = value if isinstance(value, (list, tuple)) else None
    if check is None:
        raise _Bad("must be a list of layer dicts (the block's branch)")
    if not check:
        raise _Bad("is empty: put at least one layer, e.g. a Conv2D with padding='same', in the branch")
    if not limits.STACK_LAYERS.allows(count_layers(check)):
        raise _Bad(f"may hold at most {limits.STACK_LAYERS.text(limits.STACK_LAYERS.most)}")
    inner = []
    for position, layer in enumerate(check, start=1):
        if isinstance(layer, Mapping) and layer.get("type") == RESIDUAL:
            raise _Bad(f"layer {position} is itself a Residual block; put the blocks one after the other instead")
        try:
            inner.append(normalize_layer(layer, position))
        except StackError as error:
            raise _Bad(f"→ branch {str(error)[0].lower()}{str(error)[1:]}") from None
    return tuple(inner)


_POOL_ARGS = {
    "pool_size": Arg(_pair(1, MAX_WINDOW), (2, 2), "the window's size, e.g. 2", shown=True),
    "strides": Arg(_optional_pair(1, MAX_WINDOW), None, "how far the window moves; None = pool_size"),
    "padding": Arg(_padding, "valid"),
}
_GLOBAL_POOL_ARGS = {"keepdims": Arg(_flag, False)}

# Arguments shared by the convolution types (Keras' own names and defaults).
_KERNEL = Arg(_pair(1, MAX_WINDOW), hint="the filter's size, e.g. 3 for 3×3")
_STRIDES = Arg(_pair(1, MAX_WINDOW), (1, 1), "1 moves the filter one pixel at a time")
_PADDING = Arg(_padding, "valid")
_DILATION = Arg(_pair(1, MAX_WINDOW), (1, 1), "1 is an ordinary filter")
_ACTIVATION = Arg(_activation, "linear")
_BIAS = Arg(_flag, True)
_MULTIPLIER = Arg(_count(1, MAX_UNITS), 1, "filters per input channel, e.g. 1")

#: For each supported type, its arguments in Keras' order.
LAYER_ARGS: dict[str, dict[str, Arg]] = {
    "Conv2D": {
        "filters": Arg(_count(1, MAX_UNITS), hint="how many filters to learn, e.g. 32"),
        "kernel_size": _KERNEL,
        "strides": _STRIDES,
        "padding": _PADDING,
        "dilation_rate": _DILATION,
        "groups": Arg(_count(1, MAX_UNITS), 1, "channel groups; channels and filters must both divide by it"),
        "activation": _ACTIVATION,
        "use_bias": _BIAS,
    },
    "DepthwiseConv2D": {
        "kernel_size": _KERNEL,
        "strides": _STRIDES,
        "padding": _PADDING,
        "depth_multiplier": _MULTIPLIER,
        "dilation_rate": _DILATION,
        "activation": _ACTIVATION,
        "use_bias": _BIAS,
    },
    "SeparableConv2D": {
        "filters": Arg(_count(1, MAX_UNITS), hint="how many 1×1 pointwise filters, e.g. 64"),
        "kernel_size": _KERNEL,
        "strides": _STRIDES,
        "padding": _PADDING,
        "dilation_rate": _DILATION,
        "depth_multiplier": _MULTIPLIER,
        "activation": _ACTIVATION,
        "use_bias": _BIAS,
    },
    "Conv2DTranspose": {
        "filters": Arg(_count(1, MAX_UNITS), hint="how many filters (output channels), e.g. 32"),
        "kernel_size": _KERNEL,
        "strides": Arg(_pair(1, MAX_WINDOW), (1, 1), "2 doubles the map's size"),
        "padding": _PADDING,
        "output_padding": Arg(_output_padding, None, "extra rows/columns at the bottom/right, below the stride"),
        "dilation_rate": _DILATION,
        "activation": _ACTIVATION,
        "use_bias": _BIAS,
    },
    "UpSampling2D": {
        "size": Arg(_pair(1, MAX_WINDOW), (2, 2), "how many times larger, e.g. 2", shown=True),
        "interpolation": Arg(_choice(INTERPOLATIONS, "repeat cells or blend neighbours"), "nearest"),
    },
    "Reshape": {"target_shape": Arg(_target_shape, hint="the new shape without the batch, e.g. [7, 7, 64]")},
    "ReLU": {
        "max_value": Arg(_optional_cap, None, "a ceiling such as 6 (ReLU6); None = no ceiling"),
        "negative_slope": Arg(_fraction(0.0, 1e6, high_included=True), 0.0, "slope below 0; 0 = plain ReLU"),
    },
    RESIDUAL: {
        "layers": Arg(_branch, hint="the branch, e.g. [Conv2D(16, 3, padding='same'), ...]"),
        "shortcut": Arg(
            _choice(SHORTCUTS, "identity adds the input as it is; projection adds a 1×1 convolution of it"),
            "identity",
            shown=True,
        ),
        "activation": Arg(_activation, "linear", "applied after the sum, e.g. 'relu' as in ResNet"),
    },
    "MaxPooling2D": _POOL_ARGS,
    "AveragePooling2D": _POOL_ARGS,
    "GlobalAveragePooling2D": _GLOBAL_POOL_ARGS,
    "GlobalMaxPooling2D": _GLOBAL_POOL_ARGS,
    "Flatten": {},
    "Dense": {
        "units": Arg(_count(1, MAX_UNITS), hint="how many neurons, e.g. 128"),
        "activation": Arg(_activation, "linear"),
        "use_bias": Arg(_flag, True),
    },
    "Dropout": {"rate": Arg(_fraction(0.0, 1.0, high_included=False), hint="the fraction dropped, e.g. 0.5")},
    "BatchNormalization": {
        "momentum": Arg(_fraction(0.0, 1.0, high_included=True), 0.99),
        "epsilon": Arg(_fraction(1e-12, 1.0, high_included=True), 0.001),
        "center": Arg(_flag, True),
        "scale": Arg(_flag, True),
    },
    "Activation": {"activation": Arg(_required_activation, hint="e.g. 'relu'")},
    "ZeroPadding2D": {"padding": Arg(_zero_padding, ((1, 1), (1, 1)), "zeros added on each side")},
}
LAYER_TYPES: tuple[str, ...] = tuple(LAYER_ARGS)


def _suggest(word: str, choices: Sequence[str]) -> str:
    lower = {choice.lower(): choice for choice in choices}
    match = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f" (did you mean '{lower[match[0]]}'?)" if match else ""


def where(position: int, layer_type: str | None) -> str:
    """The prefix of every message about a layer: "Layer 3 (Conv2D)"."""
    return f"Layer {position} ({layer_type})" if layer_type else f"Layer {position}"


def normalize_layer(layer: Mapping[str, Any], position: int) -> dict[str, Any]:
    """Check one layer dict and return it with every argument, in canonical form.

    ``position`` (1-based) only serves the messages. Raises :class:`StackError` for a non-dict,
    an unknown type, an unknown or missing argument, or a value out of range.
    """
    if not isinstance(layer, Mapping):
        raise StackError(
            f"Layer {position}: each layer must be a dict such as "
            '{"type": "Conv2D", "filters": 32, "kernel_size": 3}; got ' + type(layer).__name__,
            position,
        )
    layer_type = layer.get("type")
    if not isinstance(layer_type, str) or layer_type not in LAYER_ARGS:
        hint = _suggest(str(layer_type), LAYER_TYPES) if isinstance(layer_type, str) else ""
        named = layer_type if isinstance(layer_type, str) and len(layer_type) <= 40 else None  # a name, not a novel
        raise StackError(
            f"{where(position, named)}: unknown layer type {echo(layer_type)}{hint}; "
            f"use one of {', '.join(LAYER_TYPES)}",
            position,
            named,
        )
    specs = LAYER_ARGS[layer_type]
    prefix = where(position, layer_type)
    for name in layer:
        if name != "type" and name not in specs:
            accepted = ", ".join(specs) if specs else "no arguments"
            raise StackError(
                f"{prefix}: unknown argument {echo(name)}{_suggest(str(name), list(specs))}; "
                f"{layer_type} accepts {accepted} here",
                position,
                layer_type,
            )
    canonical: dict[str, Any] = {"type": layer_type}
    for name, spec in specs.items():
        if name not in layer:
            if spec.required:
                raise StackError(f"{prefix}: {name!r} is required ({spec.hint})", position, layer_type)
            canonical[name] = spec.default
            continue
        try:
            canonical[name] = spec.parse(layer[name])
        except _Bad as problem:
            hint = f" ({spec.hint})" if spec.hint else ""
            raise StackError(f"{prefix}: {name} {problem}{hint}", position, layer_type) from None
    return canonical


def count_layers(stack: Any) -> int:
    """Layers in ``stack`` and inside its blocks (a Residual's ``layers``), counted before any is checked.

    Counting stops past a hundred times :data:`cnnviz.limits.STACK_LAYERS`, so even a list that holds
    itself is counted in bounded time (and refused).
    """
    count, pending = 0, [stack]
    while pending and count <= 100 * limits.STACK_LAYERS.most:
        items = pending.pop()
        if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
            continue
        for layer in items:
            count += 1
            if isinstance(layer, Mapping) and isinstance(layer.get("layers"), Sequence):
                pending.append(layer["layers"])
    return count


def check_container(stack: Any) -> None:
    """The stack itself must be a list within :data:`cnnviz.limits.STACK_LAYERS` (the layers in blocks count)."""
    if isinstance(stack, (str, bytes, Mapping)) or not isinstance(stack, Sequence):
        raise StackError("A stack must be a list of layer dicts")
    count = count_layers(stack)
    if not limits.STACK_LAYERS.allows(count):
        shown = f"{count:,} layers, counting those inside blocks"
        raise StackError(limits.STACK_LAYERS.message(count, "This stack", shown=shown))


def normalize_stack(stack: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every layer of ``stack`` in canonical form (see :func:`normalize_layer`)."""
    check_container(stack)
    return [normalize_layer(layer, position) for position, layer in enumerate(stack, start=1)]


def normalize_input_shape(input_shape: Any) -> tuple[int, int, int]:
    """``(height, width, channels)`` as ints in sensible ranges, or :class:`StackError`."""
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence) or len(input_shape) != 3:
        raise StackError(
            "The input shape must be three numbers (height, width, channels) such as (28, 28, 1); "
            f"got {echo(input_shape)}"
        )
    bounds = (MAX_SIDE, MAX_SIDE, MAX_CHANNELS)
    try:
        return tuple(whole(value, 1, high) for value, high in zip(input_shape, bounds, strict=True))  # type: ignore[return-value]
    except _Bad:
        raise StackError(
            f"The input shape {echo(tuple(input_shape))} must be whole numbers: height and width from 1 to "
            f"{MAX_SIDE}, channels from 1 to {MAX_CHANNELS} (1 for grayscale, 3 for colour)"
        ) from None


def _compact_value(value: Any) -> Any:
    """A canonical value in its shortest Keras form: (3, 3) → 3, ((1, 1), (2, 2)) → [1, 2]."""
    if isinstance(value, tuple):
        if all(isinstance(v, tuple) for v in value):
            if all(v[0] == v[1] for v in value):
                value = tuple(v[0] for v in value)
            else:
                return [list(v) for v in value]
        return value[0] if value[0] == value[1] else list(value)
    return value


def compact_layer(layer: Mapping[str, Any], position: int = 1) -> dict[str, Any]:
    """The layer with only its non-default arguments (and ``pool_size``), pairs shortened; JSON-ready.

    Raises :class:`StackError` like :func:`normalize_layer`.
    """
    canonical = normalize_layer(layer, position)
    compact: dict[str, Any] = {"type": canonical["type"]}
    for name, spec in LAYER_ARGS[canonical["type"]].items():
        if name == "layers":
            compact[name] = [compact_layer(inner, index) for index, inner in enumerate(canonical[name], start=1)]
        elif name == "target_shape":
            compact[name] = list(canonical[name])
        elif spec.required or spec.shown or canonical[name] != spec.default:
            compact[name] = _compact_value(canonical[name])
    return compact


def layer_names(stack: Sequence[Mapping[str, Any]]) -> list[str]:
    """Explicit Keras names numbered per type from 1: conv2d_1, max_pooling2d_1, conv2d_2, ..."""
    seen: Counter[str] = Counter()
    names = []
    for layer in stack:
        seen[layer["type"]] += 1
        names.append(keras_layer_name(layer["type"], seen[layer["type"]]))
    return names


def keras_layer_name(layer_type: str, number: int) -> str:
    """The ``number``-th layer of ``layer_type`` (from 1) in Keras' naming: conv2d_2."""
    return f"{LAYER_FACTS[layer_type].keras_name}_{number}"


def default_layer(layer_type: str) -> dict[str, Any]:
    """A sensible new layer of this type for the builder (compact form)."""
    starters: dict[str, dict[str, Any]] = {
        "Conv2D": {"filters": 32, "kernel_size": 3, "activation": "relu"},
        "Dense": {"units": 64, "activation": "relu"},
        "Dropout": {"rate": 0.25},
        "Activation": {"activation": "relu"},
        "DepthwiseConv2D": {"kernel_size": 3, "padding": "same"},
        "SeparableConv2D": {"filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"},
        "Conv2DTranspose": {"filters": 16, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"},
        "UpSampling2D": {"size": 2},
        "Reshape": {"target_shape": [-1]},
        "ReLU": {"max_value": 6.0},
        RESIDUAL: {
            "layers": [
                {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"},
                {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same"},
            ],
            "shortcut": "projection",
            "activation": "relu",
        },
    }
    if layer_type not in LAYER_ARGS:
        raise InputError(f"Unknown layer type {echo(layer_type)}; use one of {', '.join(LAYER_TYPES)}")
    return {"type": layer_type, **starters.get(layer_type, {})}
