"""A stack as a Keras model, as readable Keras code, and as JSON (with validated import)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cnnviz import limits
from cnnviz.architecture.layers import (
    LAYER_ARGS,
    RESIDUAL,
    StackError,
    compact_layer,
    normalize_input_shape,
    normalize_stack,
)
from cnnviz.architecture.summary import LayerSummary, projection_strides, summarize
from cnnviz.architecture.whole_stack import totals
from cnnviz.text import echo, n

if TYPE_CHECKING:  # pragma: no cover
    import keras

JSON_FORMAT = "cnn-explorer-stack"
JSON_VERSION = 1
MAX_JSON_CHARS = limits.STACK_JSON_CHARS.most
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings (skipped whole) and brackets

Stack = Sequence[Mapping[str, Any]]


def to_keras(stack: Stack, input_shape: Sequence[int], *, name: str = "cnn_explorer") -> keras.Model:
    """The stack as a Keras model (not compiled) on ``keras.Input(input_shape)``, one named layer per dict.

    A plain stack becomes a ``keras.Sequential``. With a Residual block it is a functional
    ``keras.Model``: the block's branch, an optional 1×1 projection ("residual_1_projection") of
    its input and an ``Add`` named after the block ("residual_1", or "residual_1_add" followed by
    the block's activation named "residual_1"). Layers are named explicitly per type
    ("conv2d_1", "residual_1_conv2d_1") because Keras' automatic names depend on the thread.
    Raises :class:`StackError` first if the stack is invalid, so the user gets our message
    rather than Keras'. Imports Keras (and so TensorFlow) on first call.
    """
    summaries = summarize(stack, input_shape)
    import keras

    inputs = keras.Input(shape=normalize_input_shape(input_shape))
    canonical = normalize_stack(stack)
    if all(cfg["type"] != RESIDUAL for cfg in canonical):
        return keras.Sequential(
            [inputs, *(_keras_layer(keras, cfg, s.name) for cfg, s in zip(canonical, summaries, strict=True))],
            name=name,
        )
    x = inputs
    for cfg, summary in zip(canonical, summaries, strict=True):
        x = (
            _residual_graph(keras, cfg, summary, x)
            if cfg["type"] == RESIDUAL
            else _keras_layer(keras, cfg, summary.name)(x)
        )
    return keras.Model(inputs, x, name=name)


def _keras_layer(keras: Any, cfg: Mapping[str, Any], layer_name: str) -> Any:
    kwargs = {key: value for key, value in cfg.items() if key != "type"}
    return getattr(keras.layers, cfg["type"])(name=layer_name, **kwargs)


def _residual_graph(keras: Any, cfg: Mapping[str, Any], summary: LayerSummary, x: Any) -> Any:
    """The block as a functional sub-graph: branch, shortcut (identity or 1×1 projection), Add, activation."""
    y = x
    for inner, inner_summary in zip(cfg["layers"], summary.branch, strict=True):
        y = _keras_layer(keras, inner, inner_summary.name)(y)
    shortcut = x
    if cfg["shortcut"] == "projection":
        strides = projection_strides(summary.input_shape, summary.output_shape)
        shortcut = keras.layers.Conv2D(
            summary.output_shape[2], 1, strides=strides, padding="same", name=f"{summary.name}_projection"
        )(x)
    if cfg["activation"] == "linear":
        return keras.layers.Add(name=summary.name)([y, shortcut])
    added = keras.layers.Add(name=f"{summary.name}_add")([y, shortcut])
    return keras.layers.Activation(cfg["activation"], name=summary.name)(added)


def _python(value: Any) -> str:
    """A compact argument value as Python source: lists become tuples, strings use double quotes."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_python(v) for v in value) + (",)" if len(value) == 1 else ")")
    return repr(value)


def _layer_call(layer: Mapping[str, Any]) -> str:
    """``layers.Conv2D(32, kernel_size=3, activation="relu")``: a required first argument is positional."""
    specs = LAYER_ARGS[layer["type"]]
    first = next(iter(specs), None)
    args = [
        _python(value) if key == first and specs[key].required else f"{key}={_python(value)}"
        for key, value in layer.items()
        if key != "type"
    ]
    return f"layers.{layer['type']}({', '.join(args)})"


def model_lines(stack: Stack, input_shape: Sequence[int]) -> list[str]:
    """The source lines that build ``model``, one layer per line with its output shape.

    A plain stack is written as ``keras.Sequential``; one with Residual blocks with the functional API.
    Needs ``import keras`` and ``from keras import layers``; shared by :func:`to_code` and the notebook export.
    """
    summaries = summarize(stack, input_shape)
    shape = normalize_input_shape(input_shape)
    compact = [compact_layer(layer, position) for position, layer in enumerate(stack, start=1)]
    if any(layer["type"] == RESIDUAL for layer in compact):
        body = ["inputs = keras.Input(shape=" + _python(shape) + ")", "x = inputs"]
        for layer, s in zip(compact, summaries, strict=True):
            body += (
                _residual_code(layer, s)
                if layer["type"] == RESIDUAL
                else [f"x = {_layer_call(layer)}(x)  # -> {s.output_shape}"]
            )
        body.append("model = keras.Model(inputs, x)")
        return body
    return [
        "model = keras.Sequential(",
        "    [",
        f"        keras.Input(shape={_python(shape)}),",
        *(f"        {_layer_call(layer)},  # -> {s.output_shape}" for layer, s in zip(compact, summaries, strict=True)),
        "    ]",
        ")",
    ]


def to_code(stack: Stack, input_shape: Sequence[int]) -> str:
    """Runnable, readable Keras 3 code that builds this stack as ``model`` (only non-default arguments)."""
    shape = normalize_input_shape(input_shape)
    lines = [
        f'"""A CNN built with CNN Explorer\'s layer builder: {n(totals(summarize(stack, input_shape)).params)} '
        "parameters.",
        "",
        "Needs Keras 3 (pip install keras tensorflow). Run: python model.py",
        '"""',
        "import keras",
        "from keras import layers",
        "",
        *model_lines(stack, input_shape),
        'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
        "model.summary()",
        f"# x_train: (N, {shape[0]}, {shape[1]}, {shape[2]}) floats in [0, 1]; y_train: N class indices",
        "# model.fit(x_train, y_train, epochs=5, validation_split=0.1)",
        "",
    ]
    return "\n".join(lines)


def _residual_code(layer: Mapping[str, Any], summary: LayerSummary) -> list[str]:
    """The lines of one Residual block: the branch on ``y``, the shortcut, the sum back into ``x``."""
    lines = [f"# Residual block {summary.name}: a branch plus a shortcut, added", "y = x"]
    lines += [
        f"y = {_layer_call(inner)}(y)  # -> {s.output_shape}"
        for inner, s in zip(layer["layers"], summary.branch, strict=True)
    ]
    shortcut = "x"
    if layer.get("shortcut") == "projection":
        strides = _python(projection_strides(summary.input_shape, summary.output_shape))
        lines.append(f'shortcut = layers.Conv2D({summary.output_shape[2]}, 1, strides={strides}, padding="same")(x)')
        shortcut = "shortcut"
    lines.append(f"x = layers.Add()([y, {shortcut}])  # -> {summary.output_shape}")
    if layer.get("activation", "linear") != "linear":
        lines.append(f"x = layers.Activation({_python(layer['activation'])})(x)")
    return lines


def to_json(stack: Stack, input_shape: Sequence[int]) -> str:
    """The stack and its input shape as JSON (non-default arguments only); read back by :func:`from_json`.

    Checks every layer's arguments (not the shapes, so an unfinished stack can be saved).
    """
    layers = [compact_layer(layer, position) for position, layer in enumerate(_as_list(stack), start=1)]
    head = {"format": JSON_FORMAT, "version": JSON_VERSION, "input_shape": list(normalize_input_shape(input_shape))}
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in head.items()]
    body = ",\n".join(f"    {json.dumps(layer)}" for layer in layers)
    return "{\n" + "\n".join(lines) + '\n  "layers": [' + (f"\n{body}\n  " if layers else "") + "]\n}\n"


def _as_list(stack: Any) -> list:
    normalize_stack(stack)  # the container's checks: a list, not too long
    return list(stack)


def json_depth(text: str) -> int:
    """How deeply the brackets of a JSON text nest (brackets inside strings do not count), without parsing it."""
    depth = deepest = 0
    for token in _JSON_TOKENS.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


def from_json(text: str | bytes) -> tuple[tuple[int, int, int], list[dict[str, Any]]]:
    """``(input_shape, stack)`` read from :func:`to_json`'s format; the stack in compact form.

    Raises :class:`StackError` (an ``InputError``) for text that is not JSON, the wrong schema,
    an unknown layer type or argument, or a value out of range; its size and the nesting of its
    brackets are checked against :mod:`cnnviz.limits` before it is parsed. Shape problems (a kernel larger
    than its input, ...) are left to :func:`summarize`, so such a stack can still be loaded and fixed.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StackError("This file is not UTF-8 text, so it cannot be a stack saved as JSON") from None
    if not limits.STACK_JSON_CHARS.allows(len(text)):
        raise StackError(limits.STACK_JSON_CHARS.message(len(text), "This JSON"))
    if not limits.STACK_JSON_DEPTH.allows(depth := json_depth(text)):
        raise StackError(limits.STACK_JSON_DEPTH.message(depth, "This JSON"))
    if not text.strip():
        raise StackError("The JSON is empty: paste or upload a stack saved by the layer builder")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise StackError(f"This is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise StackError("This JSON is nested too deeply to be a stack") from None
    except ValueError:  # a number of more than 4,300 digits (Python refuses to read it)
        raise StackError("This JSON holds a number far too long to be a layer's setting") from None
    example = '{"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": 32, "kernel_size": 3}, ...]}'
    if not isinstance(document, dict) or "layers" not in document or "input_shape" not in document:
        raise StackError(f"The JSON must be an object with 'input_shape' and 'layers', like {example}")
    if document.get("format", JSON_FORMAT) != JSON_FORMAT or document.get("version", JSON_VERSION) != JSON_VERSION:
        raise StackError(
            f"This JSON says format {echo(document.get('format'))} version {echo(document.get('version'))}; "
            f"the layer builder reads format {JSON_FORMAT!r} version {JSON_VERSION}"
        )
    unknown = sorted(set(document) - {"format", "version", "input_shape", "layers"})
    if unknown:
        raise StackError(f"Unknown key(s) {', '.join(map(echo, unknown[:5]))} in the JSON; expected only {example}")
    if not isinstance(document["layers"], list):
        raise StackError(f"'layers' must be a list of layer objects, like {example}")
    input_shape = normalize_input_shape(document["input_shape"])
    layers = _as_list(document["layers"])
    return input_shape, [compact_layer(layer, position) for position, layer in enumerate(layers, start=1)]
