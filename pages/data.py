"""Datasets: meet the images a CNN learns from — where they come from, classes, examples, mean images, pixels.

Pick MNIST, Fashion-MNIST or NEU (at a chosen size), upload a zip of your own labelled images, or collect
"My classes" example by example (:mod:`cnnviz.ui.data.choice`). An uploaded dataset stays in the session
(:mod:`cnnviz.ui.data.upload`) and the Training page offers it.
"""

import streamlit as st

from cnnviz.ui.data import overview
from cnnviz.ui.data.choice import choose_dataset
from cnnviz.ui.first_screen import stop_after_first_screen
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()
st.title("Datasets: what a CNN learns from")
link = open_link("data")
st.markdown(
    "A CNN learns from **labelled examples**: thousands of small grayscale images, each with the class it "
    "belongs to. Before training, look at the data: how many examples each class has, what they look "
    "like, what an *average* example looks like, and which pixel values occur."
)
dataset = choose_dataset()
if dataset is None:
    share_link("data", link)
    st.stop()

overview.facts_section(dataset)
st.subheader("The classes and their numbers", anchor="class-numbers")
overview.class_numbers_section(dataset)
overview.counts_and_pixels_section(dataset)
stop_after_first_screen("data_first_screen", link)  # in a fresh tab, the examples and means come in the next run

st.subheader("Random examples of each class")
overview.examples_section(dataset)

if dataset.name == "fashion_mnist" and dataset.file_order is not None:  # the notebook that plots them
    st.subheader("The first 20 training images", anchor="first-images")
    overview.first_images_section(dataset)

st.subheader("Mean image of each class")
overview.means_section(dataset)

share_link("data", link)
