"""The Pixels page's number views: the image and its facts, the image as a heat map of its values, and a
block's numbers written out (keys start with ``pixels_``)."""

import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.images import CHANNEL_NAMES, enlarge, ordinal, subsample_for_display
from cnnviz.pixels import centred_block, image_stats, window
from cnnviz.ui.image_input import reset_on_new_image
from cnnviz.ui.presentation import show_figure

OVERVIEW_SIDE = 160  # largest heat map drawn for a whole image (rows/columns)


def image_facts(image: np.ndarray) -> None:
    """The image beside its shape, its number of values and their range."""
    height, width, channels = image.shape
    picture, facts = st.columns([1, 2])
    with picture:
        st.image(
            enlarge(image),
            caption=f"{height}×{width}×{channels}",
            width="stretch",
            alt=f"The current image, {height}×{width} pixels with {channels} channel(s)",
            output_format="PNG",
        )
    with facts:
        stats = image_stats(image)
        st.metric("Shape (height × width × channels)", f"{height} × {width} × {channels}")
        st.markdown(
            f"**{stats.count:,} numbers** in all, each an integer 0–255 (`uint8`).  \n"
            f"Smallest {stats.low}, largest {stats.high}, mean {stats.mean:.1f}."
        )


def numbers_section(image: np.ndarray) -> None:
    """One channel as a heat map of the whole image, then any block's numbers written in its cells."""
    height, width, channels = image.shape
    channel = 0
    if channels == 3:
        name = st.radio("Channel", CHANNEL_NAMES, horizontal=True, key="pixels_channel")
        channel = CHANNEL_NAMES.index(name)
    plane = image[:, :, channel]
    if plane.size <= plots.MAX_CELLS_WITH_TEXT:
        # Every number fits in its cell: a table with row and column numbers says all a hover would, and
        # needs no Plotly (whose loading held up the page's first screen, issue 27).
        st.html(
            plots.matrix_table(
                plane, "Whole image: rows ↓, columns →", colorscale="gray", zmin=0, zmax=255, origin=(0, 0)
            )
        )
    else:
        overview, step = subsample_for_display(plane, OVERVIEW_SIDE)
        note = f" (every {ordinal(step)} pixel shown)" if step > 1 else ""
        show_figure(
            plots.heatmap(overview, colorscale="gray", zmin=0, zmax=255, step=step, title=f"Whole image{note}"),
            width="stretch",
        )
        st.caption("Zoom in with the mouse, or read every value of one block below.")

    with st.expander(
        ":material/search: Read the numbers of one block", expanded=plane.size > plots.MAX_CELLS_WITH_TEXT
    ):
        _block_reader(plane)


def _block_reader(plane: np.ndarray) -> None:
    """The top-left corner of a block (centred on a new image) and the block's values in a heat map."""
    height, width = plane.shape
    centre_top, centre_left, size = centred_block(height, width)
    reset_on_new_image("pixels_block", {"pixels_top": centre_top, "pixels_left": centre_left})
    top_col, left_col = st.columns(2)
    top = top_col.number_input("Top row", 0, height - size, key="pixels_top")
    left = left_col.number_input("Left column", 0, width - size, key="pixels_left")
    block = window(plane[:, :, None], top, left, size)[:, :, 0]
    title = f"Rows {top}–{top + block.shape[0] - 1}, columns {left}–{left + block.shape[1] - 1}"
    st.html(plots.matrix_table(block, title, colorscale="gray", zmin=0, zmax=255, origin=(top, left)))
