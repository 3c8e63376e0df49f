"""Home: what a CNN is, and what each step of CNN Explorer teaches."""

import streamlit as st

from cnnviz.ui.home.course_map import applications_section, course_map
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.navigation import STEPS
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()

st.title("CNN Explorer")
link = open_link("home")
st.markdown(
    """
A **convolutional neural network** (CNN) is the kind of network that recognises digits, clothes,
faces and steel defects in pictures. It reads an image as a grid of numbers, slides small
**kernels** over it to find edges and textures, **pools** what it found into smaller maps, and
finally lets a few dense layers turn those maps into a decision: *"this is a 7"*.

Here you do every step yourself, on your own images, with exact numbers, in this order:
"""
)

for step in STEPS:
    with st.container(border=True):
        st.page_link(step.path, label=f"**{step.title}**", icon=step.icon)
        st.caption(step.summary)

course_map()
applications_section()

st.info(
    "For teachers: everything runs on this computer, without internet. The image chosen on one "
    "page follows you to the next, and a trained network stays available until the tab is closed."
)

share_link("home", link)
