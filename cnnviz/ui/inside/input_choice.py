"""The Inside page's input: your image (drawn, uploaded, a photo or a sample), a test-set example, or the
example the Training page's gallery handed over (keys start with ``inside_``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz.ui import state
from cnnviz.ui.image_input import image_input
from cnnviz.ui.inside.live_tryout import centre_drawings, is_my_classes
from cnnviz.ui.inside.model_choice import HANDED_OVER, INPUT_KIND_KEY, ChosenModel
from cnnviz.ui.inside.network_data import test_set

YOUR_IMAGE, TEST_EXAMPLE = "Your image", "A test-set example"


@dataclass(frozen=True)
class ChosenInput:
    """The image the network is given, before it is prepared for the model."""

    raw: np.ndarray  # uint8 (H, W, C)
    true_label: int | None = None  # known for a test-set example
    centre: bool = False  # prepare it like MNIST (crop, fit in 20×20, centre by centre of mass)
    yours: bool = False  # the student's own image (the live try-out of a "My classes" model needs one)


def choose_input(chosen: ChosenModel) -> ChosenInput:
    """The input radio and the chosen source's widgets."""
    handed = state.inside_example()
    handed_here = handed is not None and chosen.run is not None and chosen.run_index == handed["run_index"]
    sources = [YOUR_IMAGE, TEST_EXAMPLE] + ([HANDED_OVER] if handed_here else [])
    if st.session_state.get(INPUT_KIND_KEY) not in sources:
        st.session_state[INPUT_KIND_KEY] = YOUR_IMAGE
    source = st.radio("Input", sources, horizontal=True, key=INPUT_KIND_KEY, label_visibility="collapsed")
    if source == YOUR_IMAGE:
        raw = image_input("inside_image")
        run = chosen.run
        centre = st.toggle(
            "Prepare like MNIST: crop to the strokes, fit in 20×20, centre by centre of mass",
            value=chosen.dataset_name == "mnist" or (run is not None and is_my_classes(run) and centre_drawings(run)),
            key=f"inside_centre_{chosen.label}",
            help="MNIST digits were prepared this way; without it a drawing looks nothing like what the network saw.",
        )
        return ChosenInput(raw, centre=centre, yours=True)
    if source == HANDED_OVER and handed is not None:
        true_label = int(handed["label"])
        st.caption(f"A test image from the training page; its true class is **{chosen.class_names[true_label]}**.")
        return ChosenInput(handed["image"], true_label)
    return _test_example(chosen)


def _test_example(chosen: ChosenModel) -> ChosenInput:
    """A test image of the demo model's dataset or of the run's kept test images (stops if it kept none)."""
    found = test_set(chosen)
    if found is None:
        st.info("This run kept no test images; draw or pick an image instead.")
        st.stop()
    return pick_test_example(*found, chosen.class_names, f"inside_test_{chosen.ref}")


def pick_test_example(images: np.ndarray, labels: np.ndarray, class_names: list[str], key: str) -> ChosenInput:
    """A number input and a dice button over a test set; returns the image with its true label."""
    count = len(labels)
    if st.button("Random test image", icon=":material/casino:", key=f"{key}_dice"):
        st.session_state[key] = int(np.random.default_rng().integers(count))
    index = st.number_input(f"Test image number (0–{count - 1})", 0, count - 1, key=key)
    st.caption(f"This one is a **{class_names[labels[index]]}**.")
    return ChosenInput(images[index], int(labels[index]))
