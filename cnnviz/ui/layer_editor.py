"""The layer builder's editor: one collapsible form per layer, kept in step with the stack.

A self-contained widget like :mod:`cnnviz.ui.kernel_editor`. The stack lives in
:func:`cnnviz.ui.state.stack` (a list of dicts in Keras' vocabulary) and
:func:`cnnviz.ui.state.input_shape`; every widget has a key derived from its layer's id
(``builder_ids``), so a widget follows its layer when the layer moves. Each argument is a
:class:`cnnviz.ui.layer_fields.Field` that both draws its widget and, in the :func:`sync` callback,
reads it back, so the stack is updated before the script reruns and every label and number is fresh.
"""

import copy

import streamlit as st

from cnnviz.architecture import (
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
from cnnviz.text import layer_label, shape_text
from cnnviz.ui import state
from cnnviz.ui.layer_fields import FORMS, draw_form, kept_notes, read_form

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
        f"Imported {len(stack)} layers on a {shape_text(shape)} input from {source}.",
    )


def import_upload() -> None:
    upload = ss.get("builder_upload")
    if upload is not None:
        import_json(upload.getvalue(), upload.name)


def import_paste() -> None:
    import_json(ss.get("builder_paste", ""), "the pasted text")


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
    ss[f"{key}_kept"] = kept_notes(c, key)
    edited = read_form(c, key)
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


def icon_buttons(container, key: str, buttons: tuple) -> None:
    """Small icon buttons in ``container``: (name, icon, tooltip, callback, args, disabled) each."""
    for name, icon, tip, action, args, disabled in buttons:
        container.button(
            "", icon=icon, key=f"{key}_{name}", help=tip, on_click=action, args=args, disabled=disabled, type="tertiary"
        )


def layer_form(c: dict, uid: int, summary=None) -> None:
    draw_form(c, widget_key(uid), sync, (uid, None))
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
            head = st.container(horizontal=True, vertical_alignment="center")
            shape = (
                f"  →  {shape_text(inner_summaries[position].output_shape)}" if position < len(inner_summaries) else ""
            )
            head.markdown(f"{position + 1} · {layer_label(inner)}{shape}", width="stretch")
            buttons = (
                ("up", ":material/arrow_upward:", "Move up", edit_branch, (uid, "up", position), position == 0),
                (
                    "remove",
                    ":material/delete:",
                    "Remove from the branch",
                    edit_branch,
                    (uid, "remove", position),
                    len(c["layers"]) == 1,
                ),
            )
            icon_buttons(head, widget_key(uid, position), buttons)
            draw_form(inner, widget_key(uid, position), sync, (uid, position))
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
    what = layer_label(canonical) if canonical else type_of(layer)
    title = ("⚠ " if bad else "") + f"{index + 1} · {what}"
    if summary is not None:
        title += f"  →  {shape_text(summary.output_shape)}"
    row = st.container(horizontal=True, gap="small", vertical_alignment="top")
    box = row.expander(title, expanded=bad, key=f"{key}_box")
    buttons = (
        ("up", ":material/arrow_upward:", "Move up", move, (index, -1), index == 0),
        ("down", ":material/arrow_downward:", "Move down", move, (index, 1), index == count - 1),
        ("duplicate", ":material/content_copy:", "Duplicate", duplicate, (index,), False),
        ("remove", ":material/delete:", "Remove", remove, (index,), False),
    )
    icon_buttons(row, key, buttons)
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
