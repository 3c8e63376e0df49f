"""The Inside page's way home: the chosen network (a demo model or a run) to download, or to open on a phone."""

from __future__ import annotations

import streamlit as st

from cnnviz.ui.downloads import download_area, from_demo, from_run, phone_button
from cnnviz.ui.inside.model_choice import ChosenModel


def take_home(chosen: ChosenModel) -> None:
    """An expander with the network's checked downloads and the "Run it on your phone" button."""
    if chosen.demo is not None:
        network = from_demo(chosen.demo)
    elif chosen.run is not None and chosen.run_index is not None:
        network = from_run(chosen.run, chosen.run_index)
    else:
        return
    with st.expander(":material/devices: Take this network home: download it, or run it on your phone"):
        download_area(network, key=f"inside_export_{chosen.ref}")
        phone_button(network, key=f"inside_export_{chosen.ref}")
