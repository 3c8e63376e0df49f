"""The layer editor's model: the stack checked for one run, the editor's session state and its callbacks.

The stack lives in :func:`cnnviz.ui.state.stack` (a list of dicts in Keras' vocabulary) and
:func:`cnnviz.ui.state.input_shape`. Every layer has an id (``builder_ids``) from which its widgets'
keys are made, so a widget follows its layer when the layer moves. The callbacks here run before
the script reruns, so every label and number drawn by :mod:`cnnviz.ui.layer_builder.editor` is fresh.
Every ``builder_*`` key is the editor's own.
"""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st

from cnnviz.architecture import (
    DEFAULT_INPUT_SHAPE,
    PRESETS,
    compact_layer,
    default_layer,
    from_json,
    normalize_input_shape,
    normalize_layer,
)
from cnnviz.datasets import NATIVE_SIZE
from cnnviz.errors import InputError
from cnnviz.text import shape_text
from cnnviz.ui import state
from cnnviz.ui.layer_builder.fields import kept_notes, read_form


def _square(side: int, channels: int = 1) -> tuple[int, int, int]:
    return side, side, channels


#: The input shapes to choose from; the datasets' at their native sizes.
INPUT_SHAPES = {
    f"{name} {shape_text(shape)}": shape
    for name, shape in (
        ("MNIST / Fashion-MNIST", _square(NATIVE_SIZE["mnist"])),
        ("CIFAR-like", _square(32, 3)),
        ("LeNet-5", _square(32)),
        ("NEU", _square(NATIVE_SIZE["neu"])),
        ("NEU small", _square(64)),
        ("ImageNet size", _square(224, 3)),
    )
}
CUSTOM = "Custom…"
EMPTY = "Empty stack"
DEFAULT_PRESET = "MNIST CNN"
ss = st.session_state


def type_of(layer: Any) -> str:
    """The layer's type for a label, whatever another page or a file put in the stack."""
    return str(layer.get("type", "?")) if isinstance(layer, dict) else "?"


# ---------------------------------------------------------------- state
def layer_ids() -> list[int]:
    """The id of each layer of the stack, in order (widget keys are made from them)."""
    return ss["builder_ids"]


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
    remember_stack()
    show_shape_in_widgets(shape)


def prepare_editor() -> None:
    """Defaults on a first visit; fresh widgets when a link or another page changed the stack or its input shape.

    Call it before the editor is drawn: a bad input shape is replaced, with an error saying so.
    """
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
        st.error(f"{error}. Using {shape_text(DEFAULT_INPUT_SHAPE)} instead.")
        state.set_input_shape(DEFAULT_INPUT_SHAPE)
    if ss.get("builder_seen") != state.stack() or len(ss.get("builder_ids", [])) != len(state.stack()):
        ss["builder_ids"] = fresh_ids(len(state.stack()))
    remember_stack()
    if ss.get("builder_shape_seen") != state.input_shape() or "builder_shape" not in ss:
        show_shape_in_widgets(state.input_shape())


def remember_stack() -> None:
    """Note the stack the editor's widgets show: a different one next run came from elsewhere."""
    ss["builder_seen"] = copy.deepcopy(state.stack())


def use_input_shape(shape: tuple[int, int, int], *, typed: bool) -> None:
    """Make ``shape`` the input shape: a chosen one, or one ``typed`` in the custom height, width and channels."""
    state.set_input_shape(shape)
    if not typed:  # the custom fields start from the last chosen shape
        ss["builder_h"], ss["builder_w"], ss["builder_c"] = shape
    ss["builder_shape_seen"] = shape


def add_at_the_end_when_resized() -> None:
    """Point "At position" at the end again when the stack grew or shrank (before the box is drawn)."""
    if ss.get("builder_add_len") != len(state.stack()):
        ss["builder_add_at"], ss["builder_add_len"] = len(state.stack()) + 1, len(state.stack())


def import_status() -> tuple[str, str] | None:
    """The last import's ("error" or "success", message), until another stack replaces it."""
    return ss.get("builder_import_status")


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
    stack, ids = state.stack(), layer_ids()
    stack[index], stack[other] = stack[other], stack[index]
    ids[index], ids[other] = ids[other], ids[index]
    remember_stack()


def remove(index: int) -> None:
    del state.stack()[index], layer_ids()[index]
    remember_stack()


def duplicate(index: int) -> None:
    state.stack().insert(index + 1, copy.deepcopy(state.stack()[index]))
    layer_ids().insert(index + 1, fresh_ids(1)[0])
    remember_stack()


def add_layer() -> None:
    position = min(int(ss.get("builder_add_at", len(state.stack()) + 1)), len(state.stack()) + 1)
    state.stack().insert(position - 1, default_layer(ss["builder_add_type"]))
    layer_ids().insert(position - 1, fresh_ids(1)[0])
    remember_stack()


def import_json(text: str | bytes, source: str) -> None:
    try:
        shape, stack = from_json(text)
    except InputError as error:
        ss["builder_import_status"] = ("error", f"Could not import {source}: {error}")
        return
    replace_stack(stack, shape)
    ss["builder_import_status"] = (
        "success",
        f"Imported {len(stack)} layers on a {shape_text(shape)} input from {source}.",
    )


def import_upload() -> None:
    upload = ss.get("builder_upload")
    if upload is not None:
        import_json(upload.getvalue(), upload.name)


def import_paste() -> None:
    import_json(ss.get("builder_paste", ""), "the pasted text")


def widget_key(uid: int, branch: int | None = None) -> str:
    """The key prefix of a layer's widgets, or of the widgets of its Residual branch's layer ``branch``."""
    return f"layer{uid}" if branch is None else f"layer{uid}_b{branch}"


def sync(uid: int, branch: int | None = None) -> None:
    """Callback: write this layer's widget values into the stack (before the script reruns)."""
    if uid not in layer_ids():
        return
    index = layer_ids().index(uid)
    if branch is None:
        c = normalize_layer(state.stack()[index], index + 1)
    else:
        inner = state.stack()[index]["layers"]
        c = normalize_layer(inner[branch], branch + 1)
    key = widget_key(uid, branch)
    ss[f"{key}_kept"] = kept_notes(c, key)
    edited = read_form(c, key)
    if branch is None:
        state.stack()[index] = compact_layer(edited, index + 1)
    else:
        inner[branch] = compact_layer(edited, branch + 1)
    remember_stack()


def kept_in_range(uid: int) -> list[str]:
    """What the last edit of this layer put back because it was above a field's maximum."""
    return ss.get(f"{widget_key(uid)}_kept", [])


def edit_branch(uid: int, action: str, position: int = 0) -> None:
    """Callback: add a layer to a Residual block's branch, or remove or move one of its layers."""
    inner = state.stack()[layer_ids().index(uid)]["layers"]
    if action == "add":
        inner.append(default_layer(ss[f"{widget_key(uid)}_branch_add"]))
    elif action == "remove":
        del inner[position]
    else:  # "up"
        inner[position - 1], inner[position] = inner[position], inner[position - 1]
    for key in [key for key in ss if str(key).startswith(f"{widget_key(uid)}_b")]:
        del ss[key]  # the branch's widgets start again from the edited layers
    remember_stack()
