"""Take it home: a trained network to keep, to run elsewhere and on a phone (issue 28)."""

import streamlit as st

from cnnviz.ui.downloads import download_area
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.streamlit_patches import require_app_navigation
from cnnviz.ui.take_home.choice import choose_network
from cnnviz.ui.take_home.phone import phone_section

require_app_navigation()
st.title("Take it home")
link = open_link("take_home")
st.markdown(
    "A trained network is a file of numbers that runs anywhere: in a Python script, in a phone app, in a web "
    "page. Choose one of your runs or a demo model, download it in the format you need, or open it on your "
    "phone and watch it predict there, without this server doing the work."
)
network = choose_network()

st.subheader("1 · Download it")
snapshot = download_area(network, key="th")

st.subheader("2 · Run it on your phone")
phone_section(network, snapshot)
share_link("take_home", link)
