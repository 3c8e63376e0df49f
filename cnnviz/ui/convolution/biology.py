"""The Convolution page's biology section: receptive fields in the visual cortex and in a CNN.

In the app's own words, with the app's own receptive-field numbers: the course's MNIST network's layers
(:func:`cnnviz.architecture.summarize`) drawn as squares on the student's image.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import architecture
from cnnviz.architecture.presets import MNIST, NOTEBOOK_PRESETS
from cnnviz.images import resize, to_grayscale
from cnnviz.plots.course import receptive_field_squares
from cnnviz.ui.course_notes import go_button
from cnnviz.ui.presentation import show_figure


def course_network_fields() -> list[tuple[str, int]]:
    """``(layer, side)`` of every convolution and pooling layer of the course's MNIST network, on 28×28 input."""
    shape, stack = NOTEBOOK_PRESETS[MNIST]
    names = {"Conv2D": "convolution", "MaxPooling2D": "pooling"}
    fields, counts = [], dict.fromkeys(names.values(), 0)
    for layer in architecture.summarize(stack, shape):
        if layer.type in names:
            kind = names[layer.type]
            counts[kind] += 1
            fields.append((f"{kind} {counts[kind]}", int(layer.receptive_field[0])))
    return fields


def biology_section(image: np.ndarray) -> None:
    """A few sentences on receptive fields in the cortex, and how far one unit of each layer sees."""
    st.markdown(
        "In the 1950s and 60s, David Hubel and Torsten Wiesel recorded single neurons in the visual cortex of "
        "cats and monkeys. Each neuron reacted only to light falling on **one small patch** of what the eye "
        "saw, its *receptive field*. **Simple cells** fired for a line or edge at one angle in one place; "
        "**complex cells** fired for that line wherever it was within a larger patch. A convolution layer is "
        "built the same way: each output value looks only through its window, the same kernel finds the same "
        "pattern everywhere, and layers further in see ever larger patches made of the smaller ones."
    )
    fields = course_network_fields()
    gray = resize(to_grayscale(image), 28, 28)[:, :, 0]
    figure_column, text_column = st.columns([3, 2], gap="large")
    show_figure(
        receptive_field_squares(gray, fields),
        container=figure_column,
        key="biology_fields",
        alt="Your image, 28 by 28 pixels, with centred squares of "
        + ", ".join(f"{side} by {side} pixels ({label})" for label, side in fields),
    )
    with text_column:
        rows = "\n".join(f"| {label} | {side}×{side} |" for label, side in fields)
        st.markdown(
            "What **one value** of each layer of the course's MNIST network sees of a 28×28 image:\n\n"
            f"| layer | receptive field |\n|---|---|\n{rows}"
        )
        st.caption(
            "A first-layer value sees 3×3 pixels, like a simple cell; after pooling and a second convolution one "
            "value answers for a larger patch, wherever in it the pattern sits, like a complex cell."
        )
        go_button(
            "A trained network's own receptive fields",
            "inside",
            {"tab": "field"},
            key="biology_inside",
            icon=":material/center_focus_strong:",
        )
