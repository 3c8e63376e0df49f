"""The layer builder's editor: choose a start and an input shape, edit each layer, import a stack.

A self-contained widget like :mod:`cnnviz.ui.kernel_editor`, in four calls a page makes in order:
:func:`prepare_editor` (before anything else is drawn), :func:`stack_chooser` (returns the stack
checked), :func:`layer_list` (one collapsible form per layer, and the add-layer box) and
:func:`import_box`. Each argument is a :class:`cnnviz.ui.layer_builder.fields.Field` that both draws its
widget and, in the :func:`cnnviz.ui.layer_builder.edits.sync` callback, reads it back. The session state
and the callbacks are in :mod:`cnnviz.ui.layer_builder.edits`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from cnnviz import limits
from cnnviz.architecture import (
    LAYER_FACTS,
    LAYER_TYPES,
    PRESET_INFO,
    PRESETS,
    CheckedStack,
    LayerSummary,
    check_stack,
    normalize_layer,
    short_name,
)
from cnnviz.architecture.pretrained import FINE_TUNE_LEARNING_RATE
from cnnviz.errors import InputError
from cnnviz.text import layer_label, shape_text
from cnnviz.ui import state
from cnnviz.ui.layer_builder.edits import (
    CUSTOM,
    DEFAULT_PRESET,
    EMPTY,
    INPUT_SHAPES,
    add_at_the_end_when_resized,
    add_layer,
    duplicate,
    edit_branch,
    import_paste,
    import_status,
    import_upload,
    kept_in_range,
    layer_ids,
    load_start,
    move,
    prepare_editor,
    remove,
    sync,
    type_of,
    use_input_shape,
    widget_key,
)
from cnnviz.ui.layer_builder.fields import FORMS, draw_form

__all__ = ["import_box", "layer_list", "prepare_editor", "stack_chooser"]

BRANCH_TYPES = [t for t in LAYER_TYPES if t not in ("Residual", "Pretrained")]
OPEN_LAYERS = "builder_open_layers"  # the uids of the layers whose form is open


def _with_help(layer_type: str) -> str:
    return f"{layer_type}: {LAYER_FACTS[layer_type].help}"


def stack_chooser() -> CheckedStack:
    """The "Start from" preset (with its Load button) beside the input shape chooser; the stack, checked."""
    start, shape_box = st.columns(2)
    with start:
        options = [EMPTY, *PRESETS]
        choice = st.selectbox("Start from", options, index=options.index(DEFAULT_PRESET), key="builder_start")
        st.caption(PRESET_INFO[choice].description if choice in PRESET_INFO else "No layers: add them below.")
        st.button(
            "Load this stack",
            key="builder_load",
            on_click=load_start,
            icon=":material/restart_alt:",
            help="Replaces the current stack and input shape.",
        )
    with shape_box:
        shape_choice = st.selectbox(
            "Input shape (height × width × channels)", [*INPUT_SHAPES, CUSTOM], key="builder_shape"
        )
        if shape_choice == CUSTOM:
            h, w, c = st.columns(3)
            typed = (
                h.number_input("Height", 1, limits.INPUT_SIDE.most, key="builder_h"),
                w.number_input("Width", 1, limits.INPUT_SIDE.most, key="builder_w"),
                c.number_input(
                    "Channels", 1, limits.INPUT_CHANNELS.most, key="builder_c", help="1 grayscale, 3 colour"
                ),
            )
            use_input_shape(typed, typed=True)
        else:
            use_input_shape(INPUT_SHAPES[shape_choice], typed=False)
    return check_stack(state.stack(), state.input_shape())


def layer_list(stack: CheckedStack) -> None:
    """The "Layers (n)" list: one row per layer (its form, move / duplicate / remove), then the add-layer box."""
    st.subheader(f"Layers ({len(stack.layers)})")
    for index, uid in enumerate(layer_ids()):
        _layer_row(stack, index, uid)
    if not stack.layers:
        st.info("The stack is empty: add a first layer, e.g. Conv2D.")
    with st.container(border=True):
        st.selectbox("New layer", LAYER_TYPES, key="builder_add_type", format_func=_with_help)
        where, add = st.columns(2, vertical_alignment="bottom")
        add_at_the_end_when_resized()
        where.number_input("At position", 1, len(stack.layers) + 1, key="builder_add_at")
        add.button(
            "Add layer", key="builder_add", on_click=add_layer, icon=":material/add:", type="primary", width="stretch"
        )


def import_box() -> None:
    """Import a stack from an uploaded or pasted JSON file, with the import's message."""
    st.file_uploader(
        "Import a stack (.json)", type=["json"], key="builder_upload", on_change=import_upload, max_upload_size=1
    )
    st.text_area(
        "…or paste its JSON",
        key="builder_paste",
        height=120,
        placeholder='{"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": 32, ...}]}',
    )
    st.button("Load pasted JSON", key="builder_paste_load", on_click=import_paste)
    status = import_status()
    if status:
        (st.error if status[0] == "error" else st.success)(status[1])


# ---------------------------------------------------------------- one layer
Button = tuple[str, str, str, Callable[..., None], tuple, bool]


def _icon_buttons(container: Any, key: str, buttons: tuple[Button, ...]) -> None:
    """Small icon buttons in ``container``: (name, icon, tooltip, callback, args, disabled) each."""
    for name, icon, tip, action, args, disabled in buttons:
        container.button(
            "", icon=icon, key=f"{key}_{name}", help=tip, on_click=action, args=args, disabled=disabled, type="tertiary"
        )


def _remember_open(uid: int, key: str) -> None:
    """The expander of layer ``uid`` (widget ``key``) was opened or closed: remember it across title changes."""
    opened = st.session_state.setdefault(OPEN_LAYERS, set())
    if st.session_state.get(key):
        opened.add(uid)
    else:
        opened.discard(uid)


def _layer_row(stack: CheckedStack, index: int, uid: int) -> None:
    """One layer: a collapsible editor, with move / duplicate / remove buttons beside it."""
    layer, count = stack.layers[index], len(stack.layers)
    summary = stack.summaries[index] if index < len(stack.summaries) else None
    key = widget_key(uid)
    bad = stack.bad_position == index + 1
    try:
        canonical = normalize_layer(layer, index + 1)
    except InputError:
        canonical = None
    what = layer_label(canonical) if canonical else type_of(layer)
    title = ("⚠ " if bad else "") + f"{index + 1} · {what}"
    if summary is not None:
        title += f"  →  {shape_text(summary.output_shape)}"
    row = st.container(horizontal=True, gap="small", vertical_alignment="top")
    # Lazy: a closed layer's form is neither built nor sent (a 7-layer stack's forms were half the page's
    # elements, and every one of them held back the first screen); opening it reruns the page with it. The
    # open layers are remembered by uid: an edit changes the title, and Streamlit then sees a new expander.
    box = row.expander(
        title,
        expanded=bad or uid in st.session_state.get(OPEN_LAYERS, ()),  # the invalid layer opens, with its message
        key=f"{key}_box",
        on_change=_remember_open,
        args=(uid, f"{key}_box"),
    )
    buttons: tuple[Button, ...] = (
        ("up", ":material/arrow_upward:", "Move up", move, (index, -1), index == 0),
        ("down", ":material/arrow_downward:", "Move down", move, (index, 1), index == count - 1),
        ("duplicate", ":material/content_copy:", "Duplicate", duplicate, (index,), False),
        ("remove", ":material/delete:", "Remove", remove, (index,), False),
    )
    _icon_buttons(row, key, buttons)
    if not box.open:
        return
    with box:
        if bad:
            st.error(str(stack.error))
        if canonical is None:
            st.code(repr(layer))
            return
        st.caption(LAYER_FACTS[canonical["type"]].help)
        _layer_form(canonical, uid, summary)
        if summary is not None:
            st.caption(f"Parameters: {summary.formulas['params']}")


def _layer_form(c: dict, uid: int, summary: LayerSummary | None) -> None:
    draw_form(c, widget_key(uid), sync, (uid, None))
    if c["type"] == "Residual":
        _branch_form(c, uid, summary)
    elif c["type"] == "Pretrained":
        _pretrained_note(c, summary)
    elif c["type"] == "Reshape":
        st.caption(f"Target shape {list(c['target_shape'])} (-1 = inferred); change it in the JSON.")
    elif not FORMS[c["type"]]:
        st.caption("No arguments.")
    for note in kept_in_range(uid):
        st.warning(note)


def _branch_form(c: dict, uid: int, summary: LayerSummary | None) -> None:
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
            buttons: tuple[Button, ...] = (
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
            _icon_buttons(head, widget_key(uid, position), buttons)
            draw_form(inner, widget_key(uid, position), sync, (uid, position))
    pick, add = st.columns([3, 1], vertical_alignment="bottom")
    pick.selectbox("Add to the branch", BRANCH_TYPES, key=f"{widget_key(uid)}_branch_add", format_func=_with_help)
    add.button(
        "Add",
        key=f"{widget_key(uid)}_branch_add_button",
        on_click=edit_branch,
        args=(uid, "add"),
        icon=":material/add:",
    )


def _pretrained_note(c: dict, summary: LayerSummary | None) -> None:
    """What a Pretrained entry holds (its layers and shapes) and how it learns (frozen, or a small rate)."""
    if summary is not None:
        inner = " → ".join(f"{short_name(s.type)} {shape_text(s.output_shape)}" for s in summary.branch)
        st.caption(f"Its {len(summary.branch)} layers: {inner}.")
    if c["trainable"]:
        st.info(
            f"Fine-tuning: train with a small learning rate such as {FINE_TUNE_LEARNING_RATE:g} (Training page), "
            "so the first steps do not wipe out what it learned.",
            icon=":material/tune:",
        )
    else:
        st.caption(
            "Frozen: its weights stay as the demo network learned them; only the layers after it are trained, "
            "so a few examples per class can be enough."
        )
