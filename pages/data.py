"""Datasets: meet the images a CNN learns from — where they come from, classes, examples, mean images, pixels.

Pick MNIST, Fashion-MNIST or NEU (at a chosen size), upload a zip of your own labelled images, or collect
"My classes" example by example (:mod:`cnnviz.ui.my_classes`, whose session keys start with ``mc_``).

Session state written here (through :mod:`cnnviz.ui.state`): the uploaded dataset, the
:class:`cnnviz.datasets.Dataset` built from the last zip that loaded well, and its file name. The
training page offers it as a dataset; it stays until a new zip loads well or the session ends (a bad
zip shows an error and keeps the previous one).
"""

import streamlit as st

from cnnviz import datasets, plots
from cnnviz.errors import InputError
from cnnviz.text import format_bytes
from cnnviz.ui import state
from cnnviz.ui.cache import get_dataset
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.my_classes import collected_dataset, my_classes_section
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()

CHOICES = {
    "MNIST digits": "mnist",
    "Fashion-MNIST clothes": "fashion_mnist",
    "NEU steel defects": "neu",
    "Your own zip": "upload",
    "My classes": "mine",
}
UPLOAD_SIZES = {"Keep (longer side at most 256)": None, "28 × 28": 28, "32 × 32": 32, "64 × 64": 64, "128 × 128": 128}
EXAMPLES_PER_CLASS = 8


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
        previous = st.session_state.get("data_upload_attempt")
        if previous and previous[0] == attempt:
            error = previous[1]
        else:
            try:
                state.set_uploaded_dataset(decode_upload(upload.getvalue(), UPLOAD_SIZES[size_label]), upload.name)
            except InputError as problem:
                error = str(problem)
            st.session_state["data_upload_attempt"] = (attempt, error)
    if error:
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


st.title("Datasets: what a CNN learns from")
link = open_link("data")
st.markdown(
    "A CNN learns from **labelled examples**: thousands of small grayscale images, each with the class it "
    "belongs to. Before training, look at the data: how many examples each class has, what they look "
    "like, what an *average* example looks like, and which pixel values occur."
)

choice = st.segmented_control("Dataset", list(CHOICES), default="MNIST digits", key="data_choice") or "MNIST digits"
name = CHOICES[choice]

try:
    if name == "upload":
        dataset = load_upload()
    elif name == "mine":
        my_classes_section()
        dataset = collected_dataset()
    elif name == "neu":
        size_label = st.segmented_control(
            "Image size", list(datasets.NEU_SIZE_CHOICES), default=datasets.NEU_DEFAULT_CHOICE, key="data_neu_size"
        )
        dataset = get_dataset("neu", datasets.NEU_SIZE_CHOICES[size_label or datasets.NEU_DEFAULT_CHOICE])
    else:
        dataset = get_dataset(name)
except InputError as error:
    if name != "mine":  # the section has already said what is missing
        st.error(str(error))
    share_link("data", link)
    st.stop()

if dataset is None:
    share_link("data", link)
    st.stop()

if dataset.is_sample:
    st.info(dataset.source, icon=":material/inventory_2:")
else:
    st.caption(f"**Source:** {dataset.source}")

height, width, channels = dataset.image_shape
n_train, n_test = len(dataset.y_train), len(dataset.y_test)
columns = st.columns(4)
columns[0].metric("Classes", dataset.num_classes)
columns[1].metric("Training images", f"{n_train:,}")
columns[2].metric("Test images", f"{n_test:,}")
columns[3].metric("Image shape (H × W × C)", f"{height} × {width} × {channels}")
st.caption(
    f"Every image is {height}×{width} numbers from 0 to 255 (`uint8`): {format_bytes(dataset.nbytes)} for the "
    "whole set. The network trains on the training images and is graded on test images it never saw."
)

counts, pixels = st.columns(2)
with counts:
    st.subheader("Images per class")
    show_figure(
        plots.class_counts(
            dataset.class_names, {"training": dataset.class_counts("train"), "test": dataset.class_counts("test")}
        ),
        width="stretch",
    )
    st.caption("Balanced classes mean accuracy is a fair score; a rare class is easy to ignore for a network.")
with pixels:
    st.subheader("Pixel values per class")
    # Photos of steel spread over all values; digits and clothes need a log axis to show anything but black.
    log_counts = st.toggle("Logarithmic scale", value=dataset.name != "neu", key=f"data_log_{dataset.name}")
    show_figure(
        plots.intensity_lines(dataset.intensity_counts, dataset.class_names, log_counts=log_counts), width="stretch"
    )
    st.caption(
        "Share of each class's training pixels at each value. MNIST and Fashion-MNIST are mostly black "
        "background (0); NEU photos spread over mid-greys. Networks get these values divided by 255 (0 to 1)."
    )

st.subheader("Random examples of each class")
if st.button("Show other examples", icon=":material/shuffle:", key="data_shuffle"):
    st.session_state["data_examples_seed"] = st.session_state.get("data_examples_seed", 0) + 1
tiles = dataset.examples(EXAMPLES_PER_CLASS, seed=st.session_state.get("data_examples_seed", 0))
show_figure(
    plots.image_grid(tiles.reshape(-1, height, width), columns=EXAMPLES_PER_CLASS, row_labels=dataset.class_names),
    width="stretch",
)

st.subheader("Mean image of each class")
show_figure(
    plots.image_grid(
        dataset.class_means.round(), columns=dataset.num_classes, column_labels=dataset.class_names, tile_pixels=96
    ),
    width="stretch",
)
st.caption(
    "The average of all training images of a class, pixel by pixel. Digits and clothes give a blurry "
    "prototype of their shape; NEU defects differ more in texture than in shape, so their means look alike "
    "and a network must learn texture filters to tell them apart."
)

share_link("data", link)
