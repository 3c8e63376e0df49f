"""The "My classes" section of the Datasets page: collect examples per class, see them prepared, share a zip.

Session state (keys start with ``mc_``):

- ``"mc_examples"`` (:func:`cnnviz.ui.state.my_classes_examples`): ``{class name: [uint8 (H, W, C)
  images]}`` in the order the classes were made;
- ``"mc_size"``, ``"mc_center"``: how examples are prepared (side in pixels; MNIST-style centring);
- ``"mc_version"``: bumped on every change, so the zip and the dataset are rebuilt only when needed.

:func:`collected_dataset` is what the Training page trains on: plain arrays in a
:class:`~cnnviz.datasets.Dataset`, built from this session's examples.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import datasets, plots
from cnnviz.augment import augment_preview
from cnnviz.datasets import examples as limits
from cnnviz.errors import InputError
from cnnviz.images import enlarge
from cnnviz.recipes import MY_CLASSES_AUGMENTATION
from cnnviz.shapes import example_set
from cnnviz.text import format_bytes
from cnnviz.ui import state
from cnnviz.ui.image_input import UPLOAD_TYPES, clear_canvas, drawing_canvas
from cnnviz.ui.presentation import show_figure

SIZE, CENTER, VERSION = "mc_size", "mc_center", "mc_version"
SIZES = (limits.DEFAULT_SIZE, 32, 48, 64)
SOURCES = ("Draw", "Camera", "Upload")
THUMB = 72
STARTER_PER_CLASS = 12


def examples() -> dict[str, list[np.ndarray]]:
    """This session's classes and their kept examples (see the module doc)."""
    return state.my_classes_examples()


def settings() -> tuple[int, bool]:
    """``(image size, centre drawings)``: how this session's examples are prepared."""
    return st.session_state.get(SIZE, SIZES[0]), st.session_state.get(CENTER, True)


def _store_settings() -> None:
    st.session_state[SIZE] = st.session_state["mc_size_widget"]
    st.session_state[CENTER] = st.session_state["mc_center_widget"]
    _changed()


def _changed() -> None:
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def collected_dataset(image_size: int | None = None) -> datasets.Dataset:
    """The session's examples as a dataset (at ``image_size``, else the chosen size); InputError if not ready.

    Rebuilt only when the examples or the preparation changed.
    """
    size, center = settings()
    key = (st.session_state.get(VERSION, 0), image_size or size, center)
    cached = st.session_state.get("mc_dataset")
    if cached is None or cached[0] != key:
        cached = (key, datasets.from_examples(examples(), image_size=image_size or size, center=center))
        st.session_state["mc_dataset"] = cached
    return cached[1]


def add_example(name: str, image: np.ndarray) -> None:
    """Add one image to class ``name``, or InputError when the class is full."""
    members = examples()[name]
    if len(members) >= limits.MAX_EXAMPLES_PER_CLASS:
        raise InputError(f"{name!r} already has {limits.MAX_EXAMPLES_PER_CLASS} examples, the most a class can hold.")
    kept = limits.keepable(image)
    limits.check_room(examples(), kept)
    state.hold_my_classes(examples(), extra=kept.nbytes)  # the server's memory for all sessions too
    members.append(kept)
    _changed()


def prepared(image: np.ndarray) -> np.ndarray:
    size, center = settings()
    return datasets.prepare_example(image, image_size=size, center=center)


# ---------------------------------------------------------------- the section
def my_classes_section() -> None:
    """The whole section: settings, classes, adding examples, thumbnails, a closer look, the zip."""
    st.markdown(
        "Make a dataset of your own in minutes: name 2 to 10 classes, then add examples to each by **drawing**, "
        "with the **camera** or by **uploading** images. About 20 examples per class are enough for the "
        "*My classes* recipe on the Training page, which trains in seconds. Your examples stay in this browser "
        "session: download them as a zip to keep or share them."
    )
    # The widgets have their own keys: Streamlit forgets a widget's value on pages that do not draw it,
    # and the Training and Inside pages must still know how the examples were prepared.
    st.session_state["mc_size_widget"], st.session_state["mc_center_widget"] = settings()
    left, right = st.columns(2)
    left.selectbox(
        "Prepared size (pixels)",
        SIZES,
        key="mc_size_widget",
        on_change=_store_settings,
        format_func=lambda s: f"{s} × {s}",
        help="Every example is resized to this square, in grayscale.",
    )
    right.toggle(
        "Drawings: centre like MNIST",
        key="mc_center_widget",
        on_change=_store_settings,
        help="Crop to the strokes, fit into 20/28 of the square and centre by centre of mass (light "
        "strokes on dark). Turn off for photos, where the background matters.",
    )
    _manage_classes()
    names = list(examples())
    if not names:
        st.info("Add a first class above, or start with generated circles and crosses.")
        if st.button(
            "Start with 12 generated circles and 12 crosses", icon=":material/auto_awesome:", key="mc_starter"
        ):
            starter = example_set(("circle", "cross"), STARTER_PER_CLASS)
            try:
                state.set_my_classes_examples(
                    {name: [limits.keepable(image) for image in images] for name, images in starter.items()}
                )
            except InputError as error:  # the server's memory for sessions is full
                st.error(str(error))
            else:
                _changed()
                st.rerun()
        _zip_upload()
        return
    if st.session_state.get("mc_target") not in names:
        st.session_state["mc_target"] = names[-1]
    collect, look = st.columns(2, gap="large")
    with collect:
        target = st.segmented_control("Add examples to", names, key="mc_target", required=True) or names[0]
        st.session_state.setdefault("mc_source", SOURCES[0])
        source = st.segmented_control("Example source", SOURCES, key="mc_source", required=True) or SOURCES[0]
        if source == "Draw":
            _add_drawing(target)
        elif source == "Camera":
            _add_photo(target)
        else:
            _add_uploads(target)
    with look:
        _overview()
        _class_gallery(target)
    _zip_download()
    _zip_upload()


def _manage_classes() -> None:
    with st.form("mc_new_class", clear_on_submit=True, border=False):
        name_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
        name = name_column.text_input("New class", placeholder="e.g. circle, thumbs up, scratch", max_chars=40)
        if button_column.form_submit_button("Add class", icon=":material/add:", width="stretch"):
            try:
                if len(examples()) >= limits.MAX_CLASSES:
                    raise InputError(f"You already have {limits.MAX_CLASSES} classes, the most a dataset can hold.")
                cleaned = limits.check_class_name(name, list(examples()))
                examples()[cleaned] = []
                st.session_state["mc_target"] = cleaned  # ready to take its first examples
                _changed()
            except InputError as error:
                st.error(str(error))


def _add_drawing(target: str) -> None:
    drawing = drawing_canvas(
        "mc", caption=f"Draw one **{target}** in white on black, then add it: the canvas clears for the next one."
    )
    if st.button(
        f"Add this drawing to “{target}”",
        icon=":material/add:",
        key="mc_add_drawing",
        type="primary",
        disabled=drawing is None,
    ):
        _try_add(target, [drawing])
        clear_canvas("mc")
        st.rerun()


def _add_photo(target: str) -> None:
    version = st.session_state.setdefault("mc_camera_version", 0)
    photo = st.camera_input(f"Take a photo of a {target}: each photo is added at once", key=f"mc_camera_{version}")
    if photo is not None:
        _try_add(target, [photo])
        st.session_state["mc_camera_version"] = version + 1  # a fresh camera, ready for the next photo
        st.rerun()


def _add_uploads(target: str) -> None:
    version = st.session_state.setdefault("mc_upload_version", 0)
    files = st.file_uploader(
        f"Images of a {target} (several at once)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"mc_upload_{version}",
    )
    if files and st.button(
        f"Add {len(files)} image{'s' if len(files) > 1 else ''} to “{target}”",
        key="mc_add_uploads",
        type="primary",
        icon=":material/add:",
    ):
        _try_add(target, files)
        st.session_state["mc_upload_version"] = version + 1
        st.rerun()


def _try_add(target: str, items: list) -> None:
    """Add drawings (arrays) or files; problems are kept for the next run to show."""
    problems, added = [], 0
    try:
        limits.check_upload([item.getvalue() for item in items if not isinstance(item, np.ndarray)])
    except InputError as error:
        items, problems = [], [str(error)]  # nothing of an upload over the budget is decoded
    for item in items:
        try:
            image = item if isinstance(item, np.ndarray) else limits.decode_example(item.getvalue())
            add_example(target, image)
            added += 1
        except InputError as error:
            problems.append(f"{getattr(item, 'name', 'The drawing')}: {error}")
    st.session_state["mc_notice"] = (added, target, problems)


def _overview() -> None:
    notice = st.session_state.pop("mc_notice", None)
    if notice:
        added, target, problems = notice
        if added:
            st.toast(f"Added {added} example{'s' if added > 1 else ''} to {target}.", icon=":material/check_circle:")
        for problem in problems:
            st.error(problem)
    counts = {name: len(images) for name, images in examples().items()}
    st.markdown("**Your classes** " + " · ".join(f"{name}: **{count}**" for name, count in counts.items()))
    if max(counts.values()) > 0:
        low, high = min(counts.values()), max(counts.values())
        balance = low / high
        text = f"Balance: the smallest class has {low} and the largest {high} examples ({balance:.0%}). "
        if len(counts) < 2:
            st.warning(text + "Add a second class: a classifier chooses between at least two.")
        elif low < 2:
            st.warning(text + "Every class needs at least 2 examples (about 20 train well).")
        elif balance < 0.5:
            st.warning(text + "Unbalanced: the network will lean towards the bigger classes. Add to the small ones.")
        else:
            st.caption(text + "Balanced enough: accuracy will be a fair score.")
    try:
        dataset = collected_dataset()
    except InputError as error:
        st.caption(f"Not ready to train yet: {error}")
    else:
        st.success(
            f"Ready: {len(dataset.y_train)} training and {len(dataset.y_test)} test images. Train below, from "
            "scratch or reusing the digit network, or on the **Training** page with any network and the dataset "
            "*My classes*."
        )


def _class_gallery(target: str) -> None:
    images = examples()[target]
    st.markdown(
        f"**Examples of “{target}”**: what the network sees ({settings()[0]}×{settings()[0]}). "
        "The bin button under an example removes it."
    )
    if images:
        with st.container(horizontal=True, gap="small"):
            for number, image in enumerate(images):
                with st.container(width=THUMB + 8, gap=None):
                    st.image(
                        enlarge(prepared(image), THUMB),
                        width=THUMB,
                        alt=f"Example {number + 1} of {target}",
                        output_format="PNG",
                    )
                    st.button(
                        f"{number + 1}",
                        icon=":material/delete:",
                        key=f"mc_del_{target}_{number}",
                        on_click=_delete,
                        args=(target, number),
                        help=f"Delete example {number + 1}",
                    )
        _closer_look(target, images)
    with st.popover(f"Rename or delete “{target}”"):
        st.text_input("New name", value=target, key=f"mc_rename_{target}", max_chars=40)
        st.button("Rename", key=f"mc_rename_go_{target}", on_click=_rename, args=(target,))
        st.button(
            f"Delete “{target}” and its {len(images)} examples", key=f"mc_drop_{target}", on_click=_drop, args=(target,)
        )


def _delete(name: str, number: int) -> None:
    del examples()[name][number]
    _changed()


def _drop(name: str) -> None:
    del examples()[name]
    st.session_state.pop("mc_target", None)
    _changed()


def _rename(old: str) -> None:
    try:
        cleaned = limits.check_class_name(
            st.session_state[f"mc_rename_{old}"], [name for name in examples() if name != old]
        )
    except InputError as error:
        st.session_state["mc_notice"] = (0, old, [str(error)])
        return
    state.set_my_classes_examples({cleaned if name == old else name: images for name, images in examples().items()})
    st.session_state["mc_target"] = cleaned
    _changed()


def _closer_look(target: str, images: list[np.ndarray]) -> None:
    """One example as taken and as prepared, and the random changes training applies to it."""
    with st.expander(":material/search: Look closer: prepared image and augmentation", expanded=False):
        number = st.number_input(
            f"Example of “{target}” (1–{len(images)})", 1, len(images), len(images), key=f"mc_look_{target}"
        )
        image, ready = images[number - 1], prepared(images[number - 1])
        original, network = st.columns(2)
        original.image(
            enlarge(image, 160),
            width=160,
            caption=f"As taken: {image.shape[0]}×{image.shape[1]}×{image.shape[2]}",
            alt="The example as taken",
            output_format="PNG",
        )
        network.image(
            enlarge(ready, 160),
            width=160,
            caption=f"What the network sees: {ready.shape[0]}×{ready.shape[1]}×1, values ÷ 255",
            alt="The example as the network sees it",
            output_format="PNG",
        )
        st.markdown(
            "**Augmentation preview**: every epoch the *My classes* recipe shows each example tilted by up "
            "to ±18° (rotation factor 0.05 of a turn), zoomed by up to ±15 % and shifted by up to 10 % of "
            "the side, at random. Eight draws of those changes on this example:"
        )
        show_figure(
            plots.image_grid(
                augment_preview(ready, MY_CLASSES_AUGMENTATION, 8, seed=number)[..., 0], columns=8, tile_pixels=72
            ),
            width="stretch",
            key=f"mc_augment_{target}",
        )


def _zip_download() -> None:
    key = st.session_state.get(VERSION, 0)
    cached = st.session_state.get("mc_zip")
    if cached is None or cached[0] != key:
        cached = (key, datasets.to_zip(examples()))
        st.session_state["mc_zip"] = cached
    st.download_button(
        f"Download my classes (zip, {format_bytes(len(cached[1]))})",
        cached[1],
        file_name="my-classes.zip",
        mime="application/zip",
        key="mc_download",
        icon=":material/download:",
        help="One folder per class, one PNG per example: upload it here again later, or share it. "
        "The “Your own zip” dataset reads it too.",
    )


def _zip_upload() -> None:
    upload = st.file_uploader(
        "Load classes from a zip (replaces the classes above)",
        type=["zip"],
        key="mc_zip_upload",
        help="One folder per class, like the zip you can download here.",
    )
    if upload is None:
        return
    seen = st.session_state.get("mc_zip_seen")
    if seen is None or seen[0] != upload.file_id:
        try:
            loaded, error = datasets.read_examples_zip(upload.getvalue()), None
            state.set_my_classes_examples(loaded)
        except InputError as problem:
            loaded, error = None, str(problem)
        st.session_state["mc_zip_seen"] = seen = (upload.file_id, error)
        if loaded is not None:
            st.session_state.pop("mc_target", None)
            _changed()
            st.rerun()
    if seen[1]:
        st.error(f"{upload.name}: {seen[1]} Your classes are unchanged.")
