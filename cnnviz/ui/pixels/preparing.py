"""The Pixels page's preparation for a network: resizing to a fixed size (and what it loses), and
normalisation of 0–255 to [0, 1]."""

import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.images import enlarge, normalize
from cnnviz.pixels import resize_loss, unit_values
from cnnviz.ui.presentation import show_figure

SIZES = [8, 14, 28, 32, 64, 128]  # the square sizes offered (MNIST is 28, NEU often 64)


def resizing_section(image: np.ndarray) -> None:
    """The image resized to a chosen square and back up, with the share of numbers kept and the error left."""
    height, width, _ = image.shape
    size_choice = st.select_slider(
        "New size (square)", SIZES, value=14 if min(height, width) <= 28 else 28, key="pixels_resize"
    )
    loss = resize_loss(image, size_choice, size_choice)
    before, small_col, restored_col = st.columns(3)
    before.image(
        enlarge(image),
        caption=f"original {height}×{width}",
        width="stretch",
        alt=f"The original image, {height}×{width}",
        output_format="PNG",
    )
    small_col.image(
        enlarge(loss.small),
        caption=f"resized to {size_choice}×{size_choice}",
        width="stretch",
        alt=f"The image resized to {size_choice}×{size_choice}",
        output_format="PNG",
    )
    restored_col.image(
        enlarge(loss.restored),
        caption="resized back up: the lost detail stays lost",
        width="stretch",
        alt=f"The small image resized back to {height}×{width}",
        output_format="PNG",
    )
    if height != width:
        st.info(
            f"Your image is {height}×{width}, not square: squeezing it into {size_choice}×{size_choice} "
            "**stretches** it (circles become ovals). Crop or pad it to a square first to keep its proportions."
        )
    st.markdown(
        f"{loss.values_before:,} numbers become **{loss.values_after:,}** "
        f"({loss.kept_percent:.1f} %). Sized back up, pixels differ from the "
        f"original by **{loss.mean_abs_error:.1f}** on average (out of 255)."
    )


def normalisation_section(image: np.ndarray) -> None:
    """Every value divided by 255, with the histograms before and after."""
    scaled = normalize(image)
    st.markdown(
        "Networks learn best from small numbers, so every value is divided by 255: 0 stays 0, 255 becomes "
        f"1.0, 128 becomes {unit_values([128])[0]:.3f}. "
        f"Range here: {float(scaled.min()):.3f} – {float(scaled.max()):.3f}."
    )
    hist_raw, hist_scaled = st.columns(2)
    show_figure(plots.histogram(image, title="Before: 0–255", log_counts=True), width="stretch", container=hist_raw)
    show_figure(
        plots.histogram(scaled, title="After: 0–1", range_=(0.0, 1.0), log_counts=True),
        width="stretch",
        container=hist_scaled,
    )
