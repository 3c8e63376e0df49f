"""The Inside page's way home: the chosen network (a demo model or a run) to download, or to open on a phone.

The expander is drawn with the model (:func:`take_home_place`) and filled once the network is there
(:func:`take_home`): its downloads start the training cluster, whose worker imports TensorFlow too, and on
the 2-core machine that import would otherwise compete with the page's own first load of the network.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnviz.ui.downloads import download_area, from_demo, from_run, phone_button
from cnnviz.ui.inside.model_choice import ChosenModel


def take_home_place(chosen: ChosenModel) -> DeltaGenerator | None:
    """The expander that :func:`take_home` fills (None when the network is neither a demo model nor a run)."""
    if chosen.demo is None and chosen.run is None:
        return None
    return st.expander(":material/devices: Take this network home: download it, or run it on your phone")


def take_home(chosen: ChosenModel, place: DeltaGenerator | None) -> None:
    """The network's checked downloads and the "Run it on your phone" button, in ``place``."""
    if chosen.demo is not None:
        network = from_demo(chosen.demo)
    elif chosen.run is not None and chosen.run_index is not None:
        network = from_run(chosen.run, chosen.run_index)
    else:
        return
    if place is not None:
        with place:
            download_area(network, key=f"inside_export_{chosen.ref}")
            phone_button(network, key=f"inside_export_{chosen.ref}")
