"""Pixels: how a computer sees an image — a matrix of numbers, three of them for colour."""

import streamlit as st

from cnnviz.ui.course_notes import course_note
from cnnviz.ui.first_screen import stop_after_first_screen
from cnnviz.ui.image_input import image_input
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.on_demand import on_demand
from cnnviz.ui.pixels import OPEN_KEYS, colour, inspector, numbers, preparing
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()
st.title("Pixels: how a computer sees an image")
link = open_link("pixels")
st.markdown(
    "To a computer a **grayscale image is a 2-D matrix** of numbers from 0 (black) to 255 (white), "
    "one per pixel. A **colour image is three such matrices stacked**: red, green and blue channels, "
    "so its shape is height × width × 3. Pick or draw an image and look at its numbers."
)
with st.container(border=True):
    image = image_input("pixels")
numbers.image_facts(image)

# Full width: 28 columns of three-digit numbers need the whole page to stay readable on a projector.
st.subheader("The image as numbers", anchor="image-as-numbers")
course_note("image-as-numbers")
numbers.numbers_section(image)
stop_after_first_screen("pixels_first_screen", link)  # in a fresh tab, the colour sections on come in the next run

st.header("Colour is three stacked channels", anchor="colour-channels")
course_note("colour-channels")
colour.channels_section(image)
colour.colour_codes_section()

st.header("From colour to grayscale")
colour.grayscale_section(image)

st.header("Resizing: what is lost")
st.markdown("Networks take a fixed input size: MNIST digits are 28×28, NEU defects often 64×64 for speed.")
on_demand("Resize your image and back", OPEN_KEYS["resizing"], preparing.resizing_section, image)

st.header("Normalisation to [0, 1]")
on_demand(
    "Show the values before and after, as histograms",
    OPEN_KEYS["normalisation"],
    preparing.normalisation_section,
    image,
)

st.header("Pixel inspector")
inspector.inspector_section(image)

share_link("pixels", link)
