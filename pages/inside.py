"""Inside the network: draw a digit and watch it flow through a trained CNN."""

import streamlit as st

from cnnviz.ui.first_screen import stop_after_first_screen
from cnnviz.ui.inside.input_choice import choose_input
from cnnviz.ui.inside.model_choice import choose_model, model_menu, with_network
from cnnviz.ui.inside.prediction import predict, show_prediction
from cnnviz.ui.inside.tabs import show_tabs
from cnnviz.ui.inside.take_home import take_home, take_home_place
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()
st.title("Inside the network")
link = open_link("inside")
st.markdown(
    "A trained network is a pipeline of small computations you can watch. Give it an image, then "
    "follow it **layer by layer**: which filters fire, what the network finally believes, and "
    "**where it looked** to decide. Draw a digit and everything below updates as you draw."
)
menu = model_menu()  # follows the news first: a run just trained or retrained, an example handed over

model_column, input_column = st.columns([1, 1], gap="large")
with model_column:
    st.subheader("1 · The model")
    chosen = choose_model(menu)  # a demo model's network is not loaded yet: what needs none is drawn first
    way_home = take_home_place(chosen)
with input_column:
    st.subheader("2 · The input")
    given = choose_input(chosen)

with model_column:  # the first visit after the server started waits here for TensorFlow, with its progress
    chosen = with_network(chosen)
take_home(chosen, way_home)  # its downloads start the training cluster: after the network, not beside it
prediction = predict(chosen, given)
with model_column:  # next to the input, so the answer changes in view while you draw
    st.subheader("3 · The prediction")
    show_prediction(chosen, given, prediction)

st.divider()
stop_after_first_screen("inside_first_screen", link)  # in a fresh tab, the tabs come in the next run
show_tabs(chosen, given, prediction)
share_link("inside", link)
