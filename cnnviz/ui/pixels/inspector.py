"""The Pixels page's pixel inspector: one pixel's values, its colour and its normalised values."""

import numpy as np
import streamlit as st

from cnnviz.pixels import centre_pixel, unit_values
from cnnviz.ui.image_input import reset_on_new_image
from cnnviz.ui.pixels.colour import swatch


@st.fragment
def inspector_section(image: np.ndarray) -> None:
    """Pick a pixel by row and column (the centre on a new image): its values, colour and normalised values.

    A fragment: a row or column click reruns only the inspector, not the page's heat maps (the link
    does not carry the pixel, so nothing outside needs to follow).
    """
    height, width, channels = image.shape
    centre_row, centre_col = centre_pixel(image)
    reset_on_new_image("pixels_inspector", {"pixels_row": centre_row, "pixels_col": centre_col})
    row_col, col_col, value_col = st.columns([1, 1, 2])
    row = row_col.number_input("Row", 0, height - 1, key="pixels_row")
    col = col_col.number_input("Column", 0, width - 1, key="pixels_col")
    values = [int(v) for v in image[int(row), int(col)]]
    if channels == 3:
        red, green, blue = values
        rgb = (red, green, blue)
        text = f"pixel ({row}, {col}) = [R, G, B] = {values} → normalised {np.round(unit_values(values), 3).tolist()}"
    else:
        rgb = (values[0],) * 3
        text = f"pixel ({row}, {col}) = {values[0]} → normalised {unit_values(values)[0]:.3f}"
    value_col.markdown(swatch(rgb, text), unsafe_allow_html=True)
