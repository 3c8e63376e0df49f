"""The layer builder's editor: one collapsible form per layer, kept in step with the stack.

A self-contained widget like :mod:`cnnviz.ui.kernel_editor`. The stack lives in
:func:`cnnviz.ui.state.stack` (a list of dicts in Keras' vocabulary) and
:func:`cnnviz.ui.state.input_shape`; every widget has a key derived from its layer's id
(``builder_ids``), so a widget follows its layer when the layer moves. Each argument is a
:class:`Field` that both draws its widget and, in the :func:`sync` callback, reads it back, so
the stack is updated before the script reruns and every label and number is fresh.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

import streamlit as st

from cnnviz.architecture import (
    ACTIVATIONS,
    LAYER_FACTS,
    LAYER_TYPES,
    PRESETS,
    StackError,
    compact_layer,
    default_layer,
    from_json,
    normalize_input_shape,
    normalize_layer,
)
from cnnviz.errors import InputError
from cnnviz.ui import state

INPUT_SHAPES = {
    "MNIST / Fashion-MNIST 28×28×1": (28, 28, 1),
    "CIFAR-like 32×32×3": (32, 32, 3),
    "LeNet-5 32×32×1": (32, 32, 1),
    "NEU 200×200×1": (200, 200, 1),
    "NEU small 64×64×1": (64, 64, 1),
    "ImageNet size 224×224×3": (224, 224, 3),
}
CUSTOM = "Custom…"
EMPTY = "Empty stack"
DEFAULT_PRESET = "MNIST CNN"
MENU_ACTIVATIONS = ("relu", "linear", "sigmoid", "tanh", "softmax", "elu", "selu", "leaky_relu", "gelu", "swish")
ss = st.session_state


# ---------------------------------------------------------------- state
def fresh_ids(count: int) -> list[int]:
    """Unique ids for new layers: widget keys follow a layer when it moves."""
    start = ss.get("builder_next_id", 0)
    ss["builder_next_id"] = start + count
    return list(range(start, start + count))


def show_shape_in_widgets(shape: tuple[int, int, int]) -> None:
    """Point the input-shape widgets at ``shape`` (allowed before they are drawn in a run)."""
    ss["builder_shape"] = next((label for label, value in INPUT_SHAPES.items() if value == shape), CUSTOM)
    ss["builder_h"], ss["builder_w"], ss["builder_c"] = shape
    ss["builder_shape_seen"] = shape


def replace_stack(stack: list[dict], shape: tuple[int, int, int]) -> None:
    ss.pop("builder_import_status", None)  # an import's message belongs to the stack it was about
    state.set_stack(stack)
    state.set_input_shape(tuple(shape))
    ss["builder_ids"] = fresh_ids(len(stack))
    ss["builder_seen"] = copy.deepcopy(stack)
    show_shape_in_widgets(shape)


def init_state() -> None:
    """Defaults on first visit; fresh widgets when another page changed the stack or the shape."""
    if not state.has_stack():
        shape, stack = PRESETS[DEFAULT_PRESET]
        state.set_stack(copy.deepcopy(stack))
        if not state.has_input_shape():
            state.set_input_shape(shape)
    if not isinstance(state.stack(), list):
        state.set_stack([])
    try:
        state.set_input_shape(normalize_input_shape(state.input_shape()))
    except InputError as error:
        st.error(f"{error}. Using 28×28×1 instead.")
        state.set_input_shape((28, 28, 1))
    if ss.get("builder_seen") != state.stack() or len(ss.get("builder_ids", [])) != len(state.stack()):
        ss["builder_ids"] = fresh_ids(len(state.stack()))
    if ss.get("builder_shape_seen") != state.input_shape() or "builder_shape" not in ss:
        show_shape_in_widgets(state.input_shape())


def remember_rendered_stack() -> None:
    ss["builder_seen"] = copy.deepcopy(state.stack())


# ---------------------------------------------------------------- callbacks (run before the script)
def load_start() -> None:
    choice = ss["builder_start"]
    if choice == EMPTY:
        replace_stack([], state.input_shape())
    else:
        shape, stack = PRESETS[choice]
        replace_stack(copy.deepcopy(stack), shape)


def move(index: int, delta: int) -> None:
    other = index + delta
    for items in (state.stack(), ss["builder_ids"]):
        items[index], items[other] = items[other], items[index]
    remember_rendered_stack()


def remove(index: int) -> None:
    del state.stack()[index], ss["builder_ids"][index]
    remember_rendered_stack()


def duplicate(index: int) -> None:
    state.stack().insert(index + 1, copy.deepcopy(state.stack()[index]))
    ss["builder_ids"].insert(index + 1, fresh_ids(1)[0])
    remember_rendered_stack()


def add_layer() -> None:
    position = min(int(ss.get("builder_add_at", len(state.stack()) + 1)), len(state.stack()) + 1)
    state.stack().insert(position - 1, default_layer(ss["builder_add_type"]))
    ss["builder_ids"].insert(position - 1, fresh_ids(1)[0])
    remember_rendered_stack()


def import_json(text: str | bytes, source: str) -> None:
    try:
        shape, stack = from_json(text)
    except InputError as error:
        ss["builder_import_status"] = ("error", f"Could not import {source}: {error}")
        return
    replace_stack(stack, shape)
    ss["builder_import_status"] = (
        "success",
        f"Imported {len(stack)} layers on a {'×'.join(map(str, shape))} input from {source}.",
    )


def import_upload() -> None:
    upload = ss.get("builder_upload")
    if upload is not None:
        import_json(upload.getvalue(), upload.name)


def import_paste() -> None:
    import_json(ss.get("builder_paste", ""), "the pasted text")


# ---------------------------------------------------------------- widgets for one layer's arguments
@dataclass(frozen=True)
class Field:
    """One argument's widget. ``kind``: count, pair, choice, activation, flag, rate, stride or sides.

    The same description draws the widget and, in :func:`sync`, reads it back, so a callback can
    update the stack before the script runs and every label and number is fresh.
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


SIDES = ("top", "bottom", "left", "right")


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
    """The keyword arguments every field widget shares: sync this layer on change, with the field's help."""

    on_change: Callable[[int, int | None], None]
    args: tuple[int, int | None]
    help: str | None


def draw(field: Field, uid: int, c: dict, branch: int | None = None) -> None:
    """The field's widget(s), showing the layer's value; any change calls :func:`sync` for this layer.

    ``branch`` is the index of a layer inside a Residual block's branch (its widgets sync into it).
    """
    name, value = f"{widget_key(uid, branch)}_{field.arg}", c[field.arg]
    common: WidgetCallback = {"on_change": sync, "args": (uid, branch), "help": field.help}
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
BRANCH_TYPES = [t for t in LAYER_TYPES if t != "Residual"]


def widget_key(uid: int, branch: int | None = None) -> str:
    return f"layer{uid}" if branch is None else f"layer{uid}_b{branch}"


def sync(uid: int, branch: int | None = None) -> None:
    """Callback: write this layer's widget values into the stack (before the script reruns)."""
    if uid not in ss["builder_ids"]:
        return
    index = ss["builder_ids"].index(uid)
    if branch is None:
        c = normalize_layer(state.stack()[index], index + 1)
    else:
        inner = state.stack()[index]["layers"]
        c = normalize_layer(inner[branch], branch + 1)
    key = widget_key(uid, branch)
    ss[f"{key}_kept"] = [note for row in FORMS[c["type"]] for field in row for note in keep_in_range(field, key, c)]
    edited = {**c, **{field.arg: read(field, key, c) for row in FORMS[c["type"]] for field in row}}
    if branch is None:
        state.stack()[index] = compact_layer(edited, index + 1)
    else:
        inner[branch] = compact_layer(edited, branch + 1)
    remember_rendered_stack()


def edit_branch(uid: int, action: str, position: int = 0) -> None:
    """Callback: add a layer to a Residual block's branch, or remove or move one of its layers."""
    inner = state.stack()[ss["builder_ids"].index(uid)]["layers"]
    if action == "add":
        inner.append(default_layer(ss[f"{widget_key(uid)}_branch_add"]))
    elif action == "remove":
        del inner[position]
    else:  # "up"
        inner[position - 1], inner[position] = inner[position], inner[position - 1]
    for key in [key for key in ss if str(key).startswith(f"{widget_key(uid)}_b")]:
        del ss[key]  # the branch's widgets start again from the edited layers
    remember_rendered_stack()


def layer_form(c: dict, uid: int, summary=None) -> None:
    for row in FORMS[c["type"]]:
        for column, field in zip(st.columns(len(row)), row, strict=True):
            with column:
                draw(field, uid, c)
    if c["type"] == "Residual":
        branch_form(c, uid, summary)
    elif c["type"] == "Reshape":
        st.caption(f"Target shape {list(c['target_shape'])} (-1 = inferred); change it in the JSON.")
    elif not FORMS[c["type"]]:
        st.caption("No arguments.")
    for note in ss.get(f"layer{uid}_kept", []):
        st.warning(note)


def branch_form(c: dict, uid: int, summary) -> None:
    """A Residual block's branch as a nested stack: each inner layer's form, with move up / remove."""
    st.markdown("**Branch** (its output is added to the block's input)")
    inner_summaries = summary.branch if summary is not None else ()
    for position, inner in enumerate(c["layers"]):
        with st.container(border=True):
            head, up, remove_button = st.columns([8, 1, 1], vertical_alignment="center")
            shape = (
                f"  →  {'×'.join(map(str, inner_summaries[position].output_shape))}"
                if position < len(inner_summaries)
                else ""
            )
            head.markdown(f"{position + 1} · {describe(inner)}{shape}")
            up.button(
                "",
                icon=":material/arrow_upward:",
                key=f"{widget_key(uid, position)}_up",
                help="Move up",
                on_click=edit_branch,
                args=(uid, "up", position),
                disabled=position == 0,
                type="tertiary",
            )
            remove_button.button(
                "",
                icon=":material/delete:",
                key=f"{widget_key(uid, position)}_remove",
                help="Remove from the branch",
                on_click=edit_branch,
                args=(uid, "remove", position),
                disabled=len(c["layers"]) == 1,
                type="tertiary",
            )
            for row in FORMS[inner["type"]]:
                for column, field in zip(st.columns(len(row)), row, strict=True):
                    with column:
                        draw(field, uid, inner, position)
    pick, add = st.columns([3, 1], vertical_alignment="bottom")
    pick.selectbox(
        "Add to the branch",
        BRANCH_TYPES,
        key=f"{widget_key(uid)}_branch_add",
        format_func=lambda t: f"{t}: {LAYER_FACTS[t].help}",
    )
    add.button(
        "Add",
        key=f"{widget_key(uid)}_branch_add_button",
        on_click=edit_branch,
        args=(uid, "add"),
        icon=":material/add:",
    )


def describe(c: dict) -> str:
    """A short label: "Conv2D 32 · 3×3 · relu"."""

    def size(pair):
        return f"{pair[0]}×{pair[1]}"

    details = {
        "Conv2D": lambda: (
            [str(c["filters"]), size(c["kernel_size"])]
            + ([f"stride {size(c['strides'])}"] if max(c["strides"]) > 1 else [])
            + ([c["padding"]] if c["padding"] == "same" else [])
            + [c["activation"]]
        ),
        "MaxPooling2D": lambda: [size(c["pool_size"])],
        "AveragePooling2D": lambda: [size(c["pool_size"])],
        "Dense": lambda: [str(c["units"]), c["activation"]],
        "Dropout": lambda: [f"{c['rate']:g}"],
        "Activation": lambda: [c["activation"]],
        "DepthwiseConv2D": lambda: (
            [size(c["kernel_size"])] + ([f"stride {size(c['strides'])}"] if max(c["strides"]) > 1 else [])
        ),
        "SeparableConv2D": lambda: [str(c["filters"]), size(c["kernel_size"])],
        "Conv2DTranspose": lambda: [str(c["filters"]), size(c["kernel_size"]), f"stride {size(c['strides'])}"],
        "UpSampling2D": lambda: [f"×{size(c['size'])}", c["interpolation"]],
        "ReLU": lambda: [f"max {c['max_value']:g}"] if c["max_value"] is not None else [],
        "Residual": lambda: [f"{len(c['layers'])} layers", c["shortcut"]],
    }.get(c["type"], list)()
    return " · ".join([c["type"], *details])


def type_of(layer) -> str:
    """The layer's type for a label, whatever another page or a file put in the stack."""
    return str(layer.get("type", "?")) if isinstance(layer, dict) else "?"


def layer_row(index: int, layer: dict, uid: int, summary, error: StackError | None) -> None:
    """One layer: a collapsible editor, with move / duplicate / remove buttons beside it."""
    count = len(state.stack())
    key = f"layer{uid}"
    bad = error is not None and error.position == index + 1
    try:
        canonical = normalize_layer(layer, index + 1)
    except InputError:
        canonical = None
    what = describe(canonical) if canonical else type_of(layer)
    title = ("⚠ " if bad else "") + f"{index + 1} · {what}"
    if summary is not None:
        title += f"  →  {'×'.join(map(str, summary.output_shape))}"
    row = st.container(horizontal=True, gap="small", vertical_alignment="top")
    box = row.expander(title, expanded=bad, key=f"{key}_box")
    buttons = (
        ("up", ":material/arrow_upward:", "Move up", move, (index, -1), index == 0),
        ("down", ":material/arrow_downward:", "Move down", move, (index, 1), index == count - 1),
        ("duplicate", ":material/content_copy:", "Duplicate", duplicate, (index,), False),
        ("remove", ":material/delete:", "Remove", remove, (index,), False),
    )
    for name, icon, tip, action, args, disabled in buttons:
        row.button(
            "", icon=icon, key=f"{key}_{name}", help=tip, on_click=action, args=args, disabled=disabled, type="tertiary"
        )
    with box:
        if bad:
            st.error(str(error))
        if canonical is None:
            st.code(repr(layer))
            return
        st.caption(LAYER_FACTS[canonical["type"]].help)
        layer_form(canonical, uid, summary)
        if summary is not None:
            st.caption(f"Parameters: {summary.formulas['params']}")
