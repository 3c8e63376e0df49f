"""The Datasets page's zip upload: a zip of labelled images becomes this session's dataset.

The dataset built from the last zip that loaded well is kept through :mod:`cnnviz.ui.state` (the
Training page offers it); a bad zip shows its error and keeps the previous one.
"""

import streamlit as st

from cnnviz import datasets
from cnnviz.errors import InputError
from cnnviz.ui import state

UPLOAD_SIZES = {"Keep (longer side at most 256)": None, "28 × 28": 28, "32 × 32": 32, "64 × 64": 64, "128 × 128": 128}
ATTEMPT_KEY = "data_upload_attempt"  # ((file id, size), error or None) of the last zip decoded


def decode_upload(data: bytes, image_size: int | None) -> datasets.Dataset:
    """``load_zip`` with a progress bar that disappears when done (or failed)."""
    bar = st.progress(0.0, text="Reading the zip…")
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // total
        if percent != shown[0]:  # at most 101 updates, however many images
            shown[0] = percent
            bar.progress(percent / 100, text=f"Decoding image {done:,} of {total:,}")

    try:
        return datasets.load_zip(data, image_size=image_size, on_progress=progress)
    finally:
        bar.empty()


def load_upload() -> datasets.Dataset | None:
    """The uploader; returns the dataset of this session's last good upload, if any.

    Each (file, size) is decoded once: the outcome is remembered in ``"data_upload_attempt"``, so a
    rerun neither decodes a good zip again nor repeats the work for a bad one.
    """
    left, right = st.columns([3, 1])
    with right:
        size_label = st.selectbox("Resize images to", list(UPLOAD_SIZES), key="data_upload_size")
    with left:
        upload = st.file_uploader(
            "A zip of images: one folder per class (cats/1.png, dogs/7.png) or NEU names (crazing_1.jpg, Cr_1.bmp)",
            type=["zip"],
            key="data_upload",
        )
    error = None
    if upload is not None:
        attempt = (upload.file_id, size_label)
        previous = st.session_state.get(ATTEMPT_KEY)
        if previous and previous[0] == attempt:
            error = previous[1]
        else:
            try:
                state.set_uploaded_dataset(decode_upload(upload.getvalue(), UPLOAD_SIZES[size_label]), upload.name)
            except InputError as problem:
                error = str(problem)
            st.session_state[ATTEMPT_KEY] = (attempt, error)
    if error and upload is not None:
        st.error(f"{upload.name}: {error}")
    dataset = state.uploaded_dataset()
    if dataset is not None:
        accepted = len(dataset.y_train) + len(dataset.y_test)
        still = "Still using your previous upload. " if error else ""
        st.success(
            f"{still}Accepted {accepted:,} images in {dataset.num_classes} classes from "
            f"{state.uploaded_file_name()}. The Training page can now train on them."
        )
        if dataset.skipped:
            st.warning("Left out: " + "; ".join(f"{count:,} × {reason}" for reason, count in dataset.skipped.items()))
    elif upload is None:
        st.info(
            "Zip a folder of images with one sub-folder per class (at least two classes), then drop it here. "
            "Images are read in memory, converted to grayscale and split 80/20 within each class."
        )
    return dataset
