"""Pixels: how a computer sees an image — a matrix of numbers, three of them for colour."""

import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.errors import InputError
from cnnviz.images import CHANNEL_NAMES, enlarge, normalize, ordinal, subsample_for_display, to_grayscale
from cnnviz.pixels import (
    WORKED_COLOURS,
    centre_pixel,
    centred_block,
    hex_to_rgb,
    image_stats,
    luma,
    luma_formula,
    resize_loss,
    rgb_to_hex,
    unit_values,
    window,
)
from cnnviz.ui.image_input import image_input, reset_on_new_image
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()

OVERVIEW_SIDE = 160  # largest heat map drawn for a whole image (rows/columns)


def swatch(rgb: tuple[int, int, int], label: str) -> str:
    colour = rgb_to_hex(rgb)
    return (
        f"<div style='display:flex;align-items:center;gap:.6rem;margin:.2rem 0'>"
        f"<span style='width:2.2rem;height:1.4rem;border:1px solid #999;border-radius:4px;"
        f"background:{colour}'></span><span>{label}</span></div>"
    )


st.title("Pixels: how a computer sees an image")
link = open_link("pixels")
st.markdown(
    "To a computer a **grayscale image is a 2-D matrix** of numbers from 0 (black) to 255 (white), "
    "one per pixel. A **colour image is three such matrices stacked**: red, green and blue channels, "
    "so its shape is height × width × 3. Pick or draw an image and look at its numbers."
)

with st.container(border=True):
    image = image_input("pixels")
height, width, channels = image.shape

picture, facts = st.columns([1, 2])
with picture:
    st.image(
        enlarge(image),
        caption=f"{height}×{width}×{channels}",
        width="stretch",
        alt=f"The current image, {height}×{width} pixels with {channels} channel(s)",
    )
with facts:
    stats = image_stats(image)
    st.metric("Shape (height × width × channels)", f"{height} × {width} × {channels}")
    st.markdown(
        f"**{stats.count:,} numbers** in all, each an integer 0–255 (`uint8`).  \n"
        f"Smallest {stats.low}, largest {stats.high}, mean {stats.mean:.1f}."
    )

# Full width: 28 columns of three-digit numbers need the whole page to stay readable on a projector.
st.subheader("The image as numbers")
channel = 0
if channels == 3:
    channel = st.radio("Channel", CHANNEL_NAMES, horizontal=True, key="pixels_channel")
    channel = CHANNEL_NAMES.index(channel)
plane = image[:, :, channel]
overview, step = subsample_for_display(plane, OVERVIEW_SIDE)
note = f" (every {ordinal(step)} pixel shown)" if step > 1 else ""
show_figure(
    plots.heatmap(overview, colorscale="gray", zmin=0, zmax=255, step=step, title=f"Whole image{note}"),
    width="stretch",
)
if overview.size > plots.MAX_CELLS_WITH_TEXT:
    st.caption("Zoom in with the mouse, or read every value of one block below.")

with st.expander(":material/search: Read the numbers of one block", expanded=plane.size > plots.MAX_CELLS_WITH_TEXT):
    centre_top, centre_left, size = centred_block(height, width)
    reset_on_new_image("pixels_block", {"pixels_top": centre_top, "pixels_left": centre_left})
    top_col, left_col = st.columns(2)
    top = top_col.number_input("Top row", 0, height - size, key="pixels_top")
    left = left_col.number_input("Left column", 0, width - size, key="pixels_left")
    block = window(plane[:, :, None], top, left, size)[:, :, 0]
    show_figure(
        plots.heatmap(
            block,
            colorscale="gray",
            zmin=0,
            zmax=255,
            show_values=True,
            origin=(top, left),
            title=f"Rows {top}–{top + block.shape[0] - 1}, columns {left}–{left + block.shape[1] - 1}",
        ),
        width="stretch",
    )

st.header("Colour is three stacked channels")
if channels == 3:
    columns = st.columns(3)
    small, step = subsample_for_display(image, OVERVIEW_SIDE)
    for column, index, name in zip(columns, range(3), CHANNEL_NAMES, strict=True):
        show_figure(
            plots.heatmap(
                small[:, :, index],
                colorscale=plots.CHANNEL_COLORSCALES[name],
                zmin=0,
                zmax=255,
                step=step,
                height=300,
                title=f"{name.title()} channel",
            ),
            width="stretch",
            container=column,
        )
    st.caption("Like the grayscale picture, each channel is black at 0 and brightest at 255.")
else:
    st.info(
        "This image has a single channel: it is grayscale. Pick a colour photo sample to see "
        "its red, green and blue channels side by side."
    )

examples, picker = st.columns(2)
with examples:
    st.markdown("**Worked examples:** a pixel's colour is its three numbers [R, G, B].")
    st.markdown(
        "".join(swatch(rgb, f"{list(rgb)} is {name}") for name, rgb in WORKED_COLOURS.items()), unsafe_allow_html=True
    )
with picker:
    code = st.color_picker("Pick any colour", "#0B6623", key="pixels_colour")
    try:
        red, green, blue = hex_to_rgb(code)
    except InputError as error:
        st.error(str(error))
    else:
        st.markdown(
            f"{code.upper()} = R **{red}**, G **{green}**, B **{blue}**: two hexadecimal digits per "
            f"channel ({code[1:3].upper()} = {red}, {code[3:5].upper()} = {green}, {code[5:7].upper()} = {blue}).  \n"
            f"As gray it would be {luma_formula((red, green, blue))} = **{luma((red, green, blue)):.1f}**."
        )

st.header("From colour to grayscale")
if channels == 3:
    gray = to_grayscale(image)
    row, col = centre_pixel(image)
    r, g, b = (int(v) for v in image[row, col])
    left_image, right_image = st.columns(2)
    left_image.image(enlarge(image), caption="colour (3 channels)", width="stretch", alt="The image in colour")
    right_image.image(enlarge(gray), caption="grayscale (1 channel)", width="stretch", alt="The image in grayscale")
    st.markdown(
        f"gray = {luma_formula()}. At the centre pixel (row {row}, column {col}): "
        f"{luma_formula((r, g, b))} = {luma((r, g, b)):.2f} → stored as **{int(gray[row, col, 0])}**. "
        "Green counts most because our eyes are most sensitive to it."
    )
else:
    st.caption("Already grayscale: nothing to convert.")

st.header("Resizing: what is lost")
st.markdown("Networks take a fixed input size: MNIST digits are 28×28, NEU defects often 64×64 for speed.")
size_choice = st.select_slider(
    "New size (square)", [8, 14, 28, 32, 64, 128], value=14 if min(height, width) <= 28 else 28, key="pixels_resize"
)
loss = resize_loss(image, size_choice, size_choice)
before, small_col, restored_col = st.columns(3)
before.image(
    enlarge(image), caption=f"original {height}×{width}", width="stretch", alt=f"The original image, {height}×{width}"
)
small_col.image(
    enlarge(loss.small),
    caption=f"resized to {size_choice}×{size_choice}",
    width="stretch",
    alt=f"The image resized to {size_choice}×{size_choice}",
)
restored_col.image(
    enlarge(loss.restored),
    caption="resized back up: the lost detail stays lost",
    width="stretch",
    alt=f"The small image resized back to {height}×{width}",
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

st.header("Normalisation to [0, 1]")
scaled = normalize(image)
st.markdown(
    "Networks learn best from small numbers, so every value is divided by 255: 0 stays 0, 255 becomes "
    f"1.0, 128 becomes {unit_values([128])[0]:.3f}. Range here: {float(scaled.min()):.3f} – {float(scaled.max()):.3f}."
)
hist_raw, hist_scaled = st.columns(2)
show_figure(plots.histogram(image, title="Before: 0–255", log_counts=True), width="stretch", container=hist_raw)
show_figure(
    plots.histogram(scaled, title="After: 0–1", range_=(0.0, 1.0), log_counts=True),
    width="stretch",
    container=hist_scaled,
)

st.header("Pixel inspector")
centre_row, centre_col = centre_pixel(image)
reset_on_new_image("pixels_inspector", {"pixels_row": centre_row, "pixels_col": centre_col})
row_col, col_col, value_col = st.columns([1, 1, 2])
row = row_col.number_input("Row", 0, height - 1, key="pixels_row")
col = col_col.number_input("Column", 0, width - 1, key="pixels_col")
values = [int(v) for v in image[int(row), int(col)]]
with value_col:
    if channels == 3:
        st.markdown(
            swatch(
                tuple(values),
                f"pixel ({row}, {col}) = [R, G, B] = {values} → normalised {np.round(unit_values(values), 3).tolist()}",
            ),
            unsafe_allow_html=True,
        )
    else:
        st.markdown(
            swatch((values[0],) * 3, f"pixel ({row}, {col}) = {values[0]} → normalised {unit_values(values)[0]:.3f}"),
            unsafe_allow_html=True,
        )

share_link("pixels", link)
