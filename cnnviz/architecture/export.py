"""A stack as a Keras model, as readable Keras code, and as JSON (with validated import)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cnnviz.architecture.layers import (
    LAYER_ARGS,
    StackError,
    compact_layer,
    layer_names,
    normalize_input_shape,
    normalize_stack,
)
from cnnviz.architecture.summary import n, summarize, totals

if TYPE_CHECKING:  # pragma: no cover
    import keras

JSON_FORMAT = "cnn-explorer-stack"
JSON_VERSION = 1
MAX_JSON_CHARS = 1_000_000

Stack = Sequence[Mapping[str, Any]]


def to_keras(stack: Stack, input_shape: Sequence[int], *, name: str = "cnn_explorer") -> keras.Sequential:
    """A ``keras.Sequential`` (not compiled) with ``keras.Input(input_shape)`` and one named layer per dict.

    Layers are named explicitly per type ("conv2d_1", "dense_2") because Keras' automatic names
    depend on the thread. Raises :class:`StackError` first if the stack is invalid, so the user
    gets our message rather than Keras'. Imports Keras (and so TensorFlow) on first call.
    """
    summarize(stack, input_shape)
    import keras

    layers = [keras.Input(shape=normalize_input_shape(input_shape))]
    canonical = normalize_stack(stack)
    for cfg, layer_name in zip(canonical, layer_names(canonical), strict=True):
        kwargs = {key: value for key, value in cfg.items() if key != "type"}
        layers.append(getattr(keras.layers, cfg["type"])(name=layer_name, **kwargs))
    return keras.Sequential(layers, name=name)


def _python(value: Any) -> str:
    """A compact argument value as Python source: lists become tuples, strings use double quotes."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_python(v) for v in value) + ")"
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
    """``model = keras.Sequential([...])`` as source lines, one layer per line with its output shape.

    Needs ``import keras`` and ``from keras import layers``; shared by :func:`to_code` and the notebook export.
    """
    summaries = summarize(stack, input_shape)
    shape = normalize_input_shape(input_shape)
    calls = [_layer_call(compact_layer(layer, position)) for position, layer in enumerate(stack, start=1)]
    return [
        "model = keras.Sequential(",
        "    [",
        f"        keras.Input(shape={_python(shape)}),",
        *(f"        {call},  # -> {s.output_shape}" for call, s in zip(calls, summaries, strict=True)),
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


def from_json(text: str | bytes) -> tuple[tuple[int, int, int], list[dict[str, Any]]]:
    """``(input_shape, stack)`` read from :func:`to_json`'s format; the stack in compact form.

    Raises :class:`StackError` (an ``InputError``) for text that is not JSON, the wrong schema,
    an unknown layer type or argument, or a value out of range. Shape problems (a kernel larger
    than its input, ...) are left to :func:`summarize`, so such a stack can still be loaded and fixed.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StackError("This file is not UTF-8 text, so it cannot be a stack saved as JSON") from None
    if len(text) > MAX_JSON_CHARS:
        raise StackError(f"This JSON is too long ({len(text):,} characters); a stack file is a few kB")
    if not text.strip():
        raise StackError("The JSON is empty: paste or upload a stack saved by the layer builder")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise StackError(f"This is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise StackError("This JSON is nested too deeply to be a stack") from None
    example = '{"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": 32, "kernel_size": 3}, ...]}'
    if not isinstance(document, dict) or "layers" not in document or "input_shape" not in document:
        raise StackError(f"The JSON must be an object with 'input_shape' and 'layers', like {example}")
    if document.get("format", JSON_FORMAT) != JSON_FORMAT or document.get("version", JSON_VERSION) != JSON_VERSION:
        raise StackError(
            f"This JSON says format {document.get('format')!r} version {document.get('version')!r}; "
            f"the layer builder reads format {JSON_FORMAT!r} version {JSON_VERSION}"
        )
    unknown = sorted(set(document) - {"format", "version", "input_shape", "layers"})
    if unknown:
        raise StackError(f"Unknown key(s) {', '.join(map(repr, unknown))} in the JSON; expected only {example}")
    if not isinstance(document["layers"], list):
        raise StackError(f"'layers' must be a list of layer objects, like {example}")
    input_shape = normalize_input_shape(document["input_shape"])
    layers = _as_list(document["layers"])
    return input_shape, [compact_layer(layer, position) for position, layer in enumerate(layers, start=1)]
