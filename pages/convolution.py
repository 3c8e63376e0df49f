"""Convolution: slide a kernel over your image, down to one window's multiply-and-sum, then activation and pooling.

Sections below the first screen are drawn on demand (cnnviz.ui.on_demand): a visit pays only for what is open."""

import streamlit as st

from cnnviz.ui.convolution import OPEN_KEYS, worked_examples
from cnnviz.ui.convolution.biology import biology_section
from cnnviz.ui.convolution.channels import colour_section, one_dimension_and_flip
from cnnviz.ui.convolution.costs import costs_section
from cnnviz.ui.convolution.padding_coverage import why_padding_section
from cnnviz.ui.convolution.sliding import kernel_and_maps
from cnnviz.ui.convolution.transposed import transposed_section
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.image_input import image_input
from cnnviz.ui.links import open_link
from cnnviz.ui.on_demand import on_demand
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()
st.title("Convolution: slide a kernel over your image")
open_link("convolution")
st.markdown(
    "A convolution layer slides a small grid of weights, the **kernel**, over the image. At every position "
    "it multiplies each weight by the pixel under it and **adds up the products**: that sum is one cell of "
    "the output, the **feature map**. Choose an image and a kernel, then change the stride, padding and "
    "dilation and watch the output and its size change."
)
with st.container(border=True):
    image = image_input("conv")
kernel_and_maps(image)

st.header("5 · Why padding: the border is seen less", anchor="why-padding")
course_note("why-padding")
on_demand("Show how often each pixel is seen", OPEN_KEYS["padding"], why_padding_section)

st.header("6 · The course's worked examples, cell by cell", anchor="worked-examples")
course_note("worked-examples")
st.markdown(
    "The small examples of the course, with every number in view: press **Step ▶** to slide the window one "
    "cell on, or edit any number of the input or the kernel."
)
on_demand("Step through the worked examples", OPEN_KEYS["worked"], worked_examples.worked_examples_section)

st.header("7 · Colour images: one 3×3×3 filter gives one feature map", anchor="colour-filters")
course_note("colour-filters")
st.markdown(
    "On a colour image a filter has one 3×3 slice **per input channel**. Each slice filters its own channel; "
    "the three partial maps are **added together with a bias**, giving **one** feature map. A layer with F "
    "filters stacks F such maps."
)
on_demand("Show one 3×3×3 filter on a colour image", OPEN_KEYS["colour"], colour_section, image)

st.header("8 · The same idea in one dimension", anchor="one-dimension")
course_note("one-dimension")
st.markdown("A 1-D convolution slides a short kernel along a signal (a sound, a sensor reading, a row of pixels).")
on_demand("Show a 1-D convolution and its flip", OPEN_KEYS["one_dimension"], one_dimension_and_flip)

st.header("9 · Where the idea comes from: receptive fields", anchor="biology")
course_note("biology")
on_demand("Show the receptive fields on your image", OPEN_KEYS["biology"], biology_section, image)

st.header("10 · Transposed convolution: growing a map")
st.markdown(
    "Decoders (autoencoders, U-Nets) grow small maps back: every input cell **scatters** the kernel, "
    "scaled by its value, into the output; where scattered kernels overlap, they add up."
)
on_demand("Step through a transposed convolution", OPEN_KEYS["transposed"], transposed_section, image)

st.header("11 · Depthwise, separable or standard?")
on_demand("Compare the three layers' costs", OPEN_KEYS["costs"], costs_section, image.shape)
