"""The widgets of one layer's arguments: a :class:`Field` per argument, and the form of each layer type.

A field both draws its widget(s) and reads them back from the session state, so the layer editor's
callback (:func:`cnnviz.ui.layer_builder.edits.sync`) can write the stack before the script reruns. The
ranges are the sensible ones for teaching; a bigger imported value is kept, never clipped.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

import streamlit as st

from cnnviz.architecture import ACTIVATIONS
from cnnviz.architecture.layers import PRETRAINED_BASES
from cnnviz.architecture.pretrained import BASE_TITLES, FINE_TUNE_LEARNING_RATE

MENU_ACTIVATIONS = ("relu", "linear", "sigmoid", "tanh", "softmax", "elu", "selu", "leaky_relu", "gelu", "swish")
SIDES = ("top", "bottom", "left", "right")
ss = st.session_state


@dataclass(frozen=True)
class Field:
    """One argument's widget. ``kind``: count, pair, choice, activation, flag, rate, stride or sides.

    The same description draws the widget (:func:`draw`) and reads it back (:func:`read`), so a
    callback can update the stack before the script runs and every label and number is fresh.
    """

    arg: str
    label: str
    kind: str
    high: float = 1
    options: tuple = ()
    help: str | None = None


def bounded(value: float, high: float) -> float:
    """A widget's upper bound that never excludes the current value (an imported stack may exceed it)."""
    return max(high, value)


def number_widgets(field: Field, key: str, c: dict) -> list[tuple[str, str, int]]:
    """(widget key, label, layer's value) of each number box of a count, pair, stride or sides field."""
    name, value = f"{key}_{field.arg}", c[field.arg]
    if field.kind == "count":
        return [(name, field.label, value)]
    if field.kind == "stride":
        if ss.get(f"{name}_auto", value is None):
            return []
        value = value or c["pool_size"]
    if field.kind in ("pair", "stride"):
        return [(f"{name}_rows", f"{field.label} rows", value[0]), (f"{name}_cols", f"{field.label} cols", value[1])]
    if field.kind == "sides":
        return [(f"{name}_{side}", side.title(), v) for side, v in zip(SIDES, (*value[0], *value[1]), strict=True)]
    return []


def keep_in_range(field: Field, key: str, c: dict) -> list[str]:
    """Put a typed number above the field's maximum back to the layer's value; say what was kept.

    The boxes have no maximum of their own: the browser would keep showing "40" while the stack
    silently kept 3.
    """
    notes = []
    for name, label, kept in number_widgets(field, key, c):
        typed = ss.get(name, kept)
        if typed is not None and typed > bounded(kept, field.high):
            ss[name] = kept
            notes.append(
                f"{label}: {typed:g} is more than the maximum {bounded(kept, field.high):g}, so {kept:g} was kept."
            )
    return notes


def read(field: Field, key: str, c: dict):
    """The field's value from its widgets' state, or the layer's own value where no widget exists yet."""
    name = f"{key}_{field.arg}"
    if field.kind == "pair":
        return ss.get(f"{name}_rows", c[field.arg][0]), ss.get(f"{name}_cols", c[field.arg][1])
    if field.kind == "stride":
        if ss.get(f"{name}_auto", c[field.arg] is None):
            return None
        pair = c[field.arg] or c["pool_size"]
        return ss.get(f"{name}_rows", pair[0]), ss.get(f"{name}_cols", pair[1])
    if field.kind == "sides":
        current = (*c[field.arg][0], *c[field.arg][1])
        top, bottom, left, right = (ss.get(f"{name}_{side}", v) for side, v in zip(SIDES, current, strict=True))
        return (top, bottom), (left, right)
    return ss.get(name, c[field.arg])


class WidgetCallback(TypedDict):
    """The keyword arguments every field widget shares: the layer's sync callback, and the field's help."""

    on_change: Callable[..., None]
    args: tuple
    help: str | None


def draw(field: Field, key: str, c: dict, on_change: Callable[..., None], args: tuple) -> None:
    """The field's widget(s) under the layer's widget ``key``, showing the layer's value ``c``.

    Any change calls ``on_change(*args)``, which reads the widgets back with :func:`read`.
    """
    name, value = f"{key}_{field.arg}", c[field.arg]
    common: WidgetCallback = {"on_change": on_change, "args": args, "help": field.help}
    if field.kind == "count":
        st.number_input(field.label, 1, None, value, key=name, **common)
    elif field.kind in ("pair", "stride"):
        if field.kind == "stride":
            st.checkbox("Stride = pool size", value is None, key=f"{name}_auto", **common)
            if ss.get(f"{name}_auto", value is None):
                return
            value = value or c["pool_size"]
        rows, cols = st.columns(2)
        rows.number_input(f"{field.label} rows", 1, None, value[0], key=f"{name}_rows", **common)
        cols.number_input(f"{field.label} cols", 1, None, value[1], key=f"{name}_cols", **common)
    elif field.kind in ("choice", "activation"):
        options = list(field.options) + [value] * (field.kind == "choice" and value not in field.options)
        if field.kind == "activation":
            options += [value] * (value not in options) + [a for a in ACTIVATIONS if a not in options and a != value]
        st.selectbox(field.label, options, index=options.index(value), key=name, **common)
    elif field.kind == "flag":
        st.checkbox(field.label, value, key=name, **common)
    elif field.kind == "rate":
        st.slider(field.label, 0.0, bounded(float(value), 0.95), float(value), 0.05, key=name, **common)
    elif field.kind == "sides":
        for column, side, amount in zip(st.columns(4), SIDES, (*value[0], *value[1]), strict=True):
            column.number_input(side.title(), 0, None, amount, key=f"{name}_{side}", **common)


ACTIVATION = Field("activation", "Activation", "activation", options=MENU_ACTIVATIONS)
PADDING = Field(
    "padding",
    "Padding",
    "choice",
    options=("valid", "same"),
    help="valid: no padding, the map shrinks; same: zeros around, so the size becomes ⌈size/stride⌉.",
)
BIAS = Field("use_bias", "Use bias", "flag")
POOL_FORM = [[Field("pool_size", "Pool", "pair", 8)], [Field("strides", "Stride", "stride", 8)], [PADDING]]
GLOBAL_FORM = [[Field("keepdims", "Keep a 1×1 map (keepdims)", "flag")]]
#: Rows of fields per layer type; ranges are the sensible ones for teaching.
FORMS: dict[str, list[list[Field]]] = {
    "Conv2D": [
        [
            Field("filters", "Filters", "count", 1024, help="How many filters it learns: the output's channels."),
            ACTIVATION,
        ],
        [Field("kernel_size", "Kernel", "pair", 15)],
        [Field("strides", "Stride", "pair", 8)],
        [Field("dilation_rate", "Dilation", "pair", 8, help="Gaps between kernel taps; 1 = an ordinary kernel.")],
        [PADDING, BIAS],
    ],
    "MaxPooling2D": POOL_FORM,
    "AveragePooling2D": POOL_FORM,
    "GlobalAveragePooling2D": GLOBAL_FORM,
    "GlobalMaxPooling2D": GLOBAL_FORM,
    "Flatten": [],
    "Dense": [[Field("units", "Units (neurons)", "count", 4096), ACTIVATION], [BIAS]],
    "Dropout": [[Field("rate", "Rate (fraction dropped while training)", "rate")]],
    "BatchNormalization": [[Field("scale", "Scale (γ)", "flag"), Field("center", "Center (β)", "flag")]],
    "Activation": [[ACTIVATION]],
    "ZeroPadding2D": [[Field("padding", "Zeros", "sides", 16)]],
    "DepthwiseConv2D": [
        [Field("depth_multiplier", "Depth multiplier", "count", 16, help="Filters per input channel."), ACTIVATION],
        [Field("kernel_size", "Kernel", "pair", 15)],
        [Field("strides", "Stride", "pair", 8)],
        [PADDING, BIAS],
    ],
    "SeparableConv2D": [
        [
            Field("filters", "Filters", "count", 1024, help="1×1 filters mixing the channels: the output's channels."),
            ACTIVATION,
        ],
        [Field("kernel_size", "Kernel", "pair", 15)],
        [Field("strides", "Stride", "pair", 8)],
        [Field("depth_multiplier", "Depth multiplier", "count", 16), PADDING],
        [BIAS],
    ],
    "Conv2DTranspose": [
        [Field("filters", "Filters", "count", 1024, help="The output's channels."), ACTIVATION],
        [Field("kernel_size", "Kernel", "pair", 15)],
        [Field("strides", "Stride", "pair", 8, help="2 roughly doubles the map's size.")],
        [PADDING, BIAS],
    ],
    "UpSampling2D": [
        [Field("size", "Factor", "pair", 8)],
        [
            Field(
                "interpolation",
                "Interpolation",
                "choice",
                options=("nearest", "bilinear"),
                help="nearest repeats each value; bilinear blends neighbours.",
            )
        ],
    ],
    "Reshape": [],
    "ReLU": [
        [
            Field(
                "max_value", "Cap (6 = ReLU6)", "choice", options=(None, 6.0), help="The largest output; None = no cap."
            )
        ]
    ],
    "Pretrained": [
        [
            Field(
                "model",
                "Demo network",
                "choice",
                options=PRETRAINED_BASES,
                help="Whose convolutional part to reuse: "
                + "; ".join(f"{name}: the {title} network" for name, title in BASE_TITLES.items())
                + ". Both take 28×28×1 images.",
            ),
            Field(
                "trainable",
                "Fine-tune it (trainable)",
                "flag",
                help="Off: its weights stay as the demo network learned them and only the layers after it "
                f"learn (fast, good with few examples). On: they are trained further too; use a small learning "
                f"rate such as {FINE_TUNE_LEARNING_RATE:g}, or the first big steps wipe out what it learned.",
            ),
        ]
    ],
    "Residual": [
        [
            Field(
                "shortcut",
                "Shortcut",
                "choice",
                options=("identity", "projection"),
                help="identity adds the input as it is (the branch must keep the shape); projection adds "
                "a 1×1 convolution of it that matches the branch's shape.",
            ),
            Field("activation", "After the sum", "activation", options=MENU_ACTIVATIONS),
        ]
    ],
}


def draw_form(c: dict, key: str, on_change: Callable[..., None], args: tuple) -> None:
    """Every field of the layer ``c``'s type, a row of columns per row of its form."""
    for row in FORMS[c["type"]]:
        for column, field in zip(st.columns(len(row)), row, strict=True):
            with column:
                draw(field, key, c, on_change, args)


def kept_notes(c: dict, key: str) -> list[str]:
    """Put every number typed above its maximum back (see :func:`keep_in_range`); what was kept, said."""
    return [note for row in FORMS[c["type"]] for field in row for note in keep_in_range(field, key, c)]


def read_form(c: dict, key: str) -> dict:
    """The layer ``c`` with every field of its form read back from its widgets."""
    return {**c, **{field.arg: read(field, key, c) for row in FORMS[c["type"]] for field in row}}
