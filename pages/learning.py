"""How a network learns: softmax, cross-entropy, gradient descent, one real backpropagation step,
mini-batches and optimizers, each with its formula next to live numbers."""

import streamlit as st

from cnnviz.ui.first_screen import stop_after_first_screen
from cnnviz.ui.learning import descent, loss
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()
st.title("How a network learns")
st.markdown(
    "The convolution page follows an image forwards through the network. Training is the way back: the network "
    "turns its scores into probabilities, measures how wrong they are with a loss, and nudges every weight a "
    "little downhill. Each step below is one piece of that loop, computed live."
)
probabilities = loss.softmax_section()
loss.cross_entropy_section(probabilities)
stop_after_first_screen("learn_first_screen")  # in a fresh tab, sections 3-6 come in the next run
descent.gradient_descent_section()
descent.backprop_section()
descent.batches_section()
descent.optimizers_section()
