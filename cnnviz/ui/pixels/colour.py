"""The Pixels page's colour sections: three stacked channels, a colour's three numbers, and colour to grayscale."""

import numpy as np
import streamlit as st

from cnnviz import plots
from cnnviz.errors import InputError
from cnnviz.images import CHANNEL_NAMES, enlarge, subsample_for_display, to_grayscale
from cnnviz.pixels import WORKED_COLOURS, centre_pixel, hex_to_rgb, luma, luma_formula, rgb_to_hex
from cnnviz.ui.pixels.numbers import OVERVIEW_SIDE
from cnnviz.ui.presentation import show_figure


def swatch(rgb: tuple[int, int, int], label: str) -> str:
    """HTML for a small patch of the colour ``rgb`` followed by ``label``."""
    colour = rgb_to_hex(rgb)
    return (
        f"<div style='display:flex;align-items:center;gap:.6rem;margin:.2rem 0'>"
        f"<span style='width:2.2rem;height:1.4rem;border:1px solid #999;border-radius:4px;"
        f"background:{colour}'></span><span>{label}</span></div>"
    )


def channels_section(image: np.ndarray) -> None:
    """A colour image's red, green and blue channels side by side (or why a grayscale one has only one)."""
    if image.shape[2] == 3:
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


def colour_codes_section() -> None:
    """Worked colours as [R, G, B], and a colour picker that writes any colour's numbers and its gray."""
    examples, picker = st.columns(2)
    with examples:
        st.markdown("**Worked examples:** a pixel's colour is its three numbers [R, G, B].")
        st.markdown(
            "".join(swatch(rgb, f"{list(rgb)} is {name}") for name, rgb in WORKED_COLOURS.items()),
            unsafe_allow_html=True,
        )
    with picker:
        code = st.color_picker("Pick any colour", "#0B6623", key="pixels_colour")
        try:
            red, green, blue = hex_to_rgb(code)
        except InputError as error:
            st.error(str(error))
        else:
            st.markdown(
                f"{code.upper()} = R **{red}**, G **{green}**, B **{blue}**: two hexadecimal digits per channel "
                f"({code[1:3].upper()} = {red}, {code[3:5].upper()} = {green}, {code[5:7].upper()} = {blue}).  \n"
                f"As gray it would be {luma_formula((red, green, blue))} = **{luma((red, green, blue)):.1f}**."
            )


def grayscale_section(image: np.ndarray) -> None:
    """A colour image beside its grayscale version, with the weighted sum worked out at the centre pixel."""
    if image.shape[2] == 3:
        gray = to_grayscale(image)
        row, col = centre_pixel(image)
        r, g, b = (int(v) for v in image[row, col])
        shown = ((image, "colour (3 channels)", "in colour"), (gray, "grayscale (1 channel)", "in grayscale"))
        for column, (picture, caption, how) in zip(st.columns(2), shown, strict=True):
            column.image(
                enlarge(picture), caption=caption, width="stretch", alt=f"The image {how}", output_format="PNG"
            )
        st.markdown(
            f"gray = {luma_formula()}. At the centre pixel (row {row}, column {col}): "
            f"{luma_formula((r, g, b))} = {luma((r, g, b)):.2f} → stored as **{int(gray[row, col, 0])}**. "
            "Green counts most because our eyes are most sensitive to it."
        )
    else:
        st.caption("Already grayscale: nothing to convert.")
