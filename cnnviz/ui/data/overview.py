"""The Datasets page's views of a dataset: its source and size, images and pixel values per class, random
examples, the first training images as a notebook shows them, and mean images (keys start with ``data_``)."""

import streamlit as st

from cnnviz import datasets, plots
from cnnviz.text import format_bytes
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.presentation import show_chart_picture

EXAMPLES_PER_CLASS = 8
HALF_WIDTH = 440  # the charts beside each other: half a page
FIRST_IMAGES, FIRST_PER_ROW = 20, 10  # the Fashion-MNIST notebook's "first 20 images", in two rows
EXAMPLES_KEY = "data_examples_seed"  # which set of random examples is shown (kept in the link)


def facts_section(dataset: datasets.Dataset) -> None:
    """Where the data comes from, how many classes and images, and the shape and memory of the images."""
    if dataset.is_sample:
        st.info(dataset.source, icon=":material/inventory_2:")
    else:
        st.caption(f"**Source:** {dataset.source}")
    height, width, channels = dataset.image_shape
    columns = st.columns(4)
    columns[0].metric("Classes", dataset.num_classes)
    columns[1].metric("Training images", f"{len(dataset.y_train):,}")
    columns[2].metric("Test images", f"{len(dataset.y_test):,}")
    columns[3].metric("Image shape (H × W × C)", f"{height} × {width} × {channels}")
    st.caption(
        f"Every image is {height}×{width} numbers from 0 to 255 (`uint8`): {format_bytes(dataset.nbytes)} for the "
        "whole set. The network trains on the training images and is graded on test images it never saw."
    )


def class_numbers_section(dataset: datasets.Dataset) -> None:
    """Each class with the number a network outputs for it (its index), as predictions and matrices use it."""
    numbered = " · ".join(f"**{index}** {name}" for index, name in enumerate(dataset.class_names))
    st.markdown(f"A network answers with one of these numbers: {numbered}.")
    if dataset.name == "neu":
        course_note("class-numbers")
        st.caption(
            "NEU is numbered as in the course's notebook, 0 = scratches … 5 = crazing, whichever way its files "
            "are named (crazing_1.jpg, Cr_1.bmp, folders, the notebook's .npy files): predictions, confusion "
            "matrices, the demo model and downloaded notebooks all use these numbers."
        )


def counts_and_pixels_section(dataset: datasets.Dataset) -> None:
    """Images per class (training and test) beside the pixel values of each class."""
    counts, pixels = st.columns(2)
    with counts:
        st.subheader("Images per class")
        show_chart_picture(
            plots.class_counts(
                dataset.class_names, {"training": dataset.class_counts("train"), "test": dataset.class_counts("test")}
            ),
            key="data_counts",
            width=HALF_WIDTH,
        )
        st.caption("Balanced classes mean accuracy is a fair score; a rare class is easy to ignore for a network.")
    with pixels:
        st.subheader("Pixel values per class")
        # Photos of steel spread over all values; digits and clothes need a log axis to show anything but black.
        log_counts = st.toggle("Logarithmic scale", value=dataset.name != "neu", key=f"data_log_{dataset.name}")
        show_chart_picture(
            plots.intensity_lines(dataset.intensity_counts, dataset.class_names, log_counts=log_counts),
            key="data_pixels",
            width=HALF_WIDTH,
        )
        st.caption(
            "Share of each class's training pixels at each value. MNIST and Fashion-MNIST are mostly black "
            "background (0); NEU photos spread over mid-greys. Networks get these values divided by 255 (0 to 1)."
        )


def examples_section(dataset: datasets.Dataset) -> None:
    """A grid of random examples, one row per class, and a button for another set."""
    height, width, _ = dataset.image_shape
    if st.button("Show other examples", icon=":material/shuffle:", key="data_shuffle"):
        st.session_state[EXAMPLES_KEY] = st.session_state.get(EXAMPLES_KEY, 0) + 1
    tiles = dataset.examples(EXAMPLES_PER_CLASS, seed=st.session_state.get(EXAMPLES_KEY, 0))
    show_chart_picture(
        plots.image_grid(tiles.reshape(-1, height, width), columns=EXAMPLES_PER_CLASS, row_labels=dataset.class_names),
        key="data_examples",
        stretch=False,
    )


def first_images_section(dataset: datasets.Dataset) -> None:
    """The first training images of the files with their class names, as the Fashion-MNIST notebook plots them."""
    course_note("first-images")
    height, width, _ = dataset.image_shape
    first = dataset.first_images(FIRST_IMAGES)
    for start in range(0, len(first), FIRST_PER_ROW):
        row = first[start : start + FIRST_PER_ROW]
        names = [dataset.class_names[dataset.y_train[index]] for index in row]
        show_chart_picture(
            plots.image_grid(
                dataset.x_train[row].reshape(-1, height, width),
                columns=FIRST_PER_ROW,
                column_labels=[f"{start + n + 1}: {name}" for n, name in enumerate(names)],
            ),
            key=f"data_first_{start}",
            stretch=False,
        )
    st.caption(
        "In the order of the training file, not picked at random: the same images and names as the course's "
        "notebook (`x_train[:20]`). They are also the first of the 5,000 images its training holds out for "
        "validation."
    )


def means_section(dataset: datasets.Dataset) -> None:
    """Each class's mean image, and what it says about the classes."""
    show_chart_picture(
        plots.image_grid(
            dataset.class_means.round(), columns=dataset.num_classes, column_labels=dataset.class_names, tile_pixels=96
        ),
        key="data_means",
        stretch=False,
    )
    st.caption(
        "The average of all training images of a class, pixel by pixel. Digits and clothes give a blurry "
        "prototype of their shape; NEU defects differ more in texture than in shape, so their means look alike "
        "and a network must learn texture filters to tell them apart."
    )
