"""The Inside page's prediction: the input prepared as the model gets it, the network's answer and its
probabilities, and, for a "My classes" model on your own image, the live try-out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz import inspection, plots
from cnnviz.errors import InputError
from cnnviz.images import enlarge, to_model_input, to_uint8
from cnnviz.ui.inside.input_choice import ChosenInput
from cnnviz.ui.inside.live_tryout import is_my_classes, live_tryout
from cnnviz.ui.inside.model_choice import ChosenModel
from cnnviz.ui.presentation import show_chart_picture

SHOWN_SIDE = 160  # the input and the prepared input are drawn this wide (pixels)


@dataclass(frozen=True)
class Prediction:
    """The prepared input and the network's class probabilities for it."""

    x: np.ndarray  # float32 (H, W, C) in [0, 1], the model's input shape
    probabilities: np.ndarray

    @property
    def top(self) -> int:
        """The class the network picks."""
        return int(np.argmax(self.probabilities))


def predict(chosen: ChosenModel, given: ChosenInput) -> Prediction:
    """Prepare the input for the model and run it; a bad input shows its message and stops the page."""
    try:
        x = to_model_input(given.raw, inspection.input_shape(chosen.model), center=given.centre)
        return Prediction(x, inspection.predict(chosen.model, x))
    except InputError as error:
        st.error(str(error))
        st.stop()


def show_prediction(chosen: ChosenModel, given: ChosenInput, prediction: Prediction) -> None:
    """The answer (right or wrong when the truth is known), both images, the probability bars."""
    names, top, raw = chosen.class_names, prediction.top, given.raw
    verdict = ""
    if given.true_label is not None:
        wrong = f" :material/cancel: Wrong: it is a {names[given.true_label]}."
        verdict = " :material/check_circle: Right." if top == given.true_label else wrong
    st.markdown(f"The network says **{names[top]}** ({prediction.probabilities[top]:.1%} sure).{verdict}")
    height, width, channels = inspection.input_shape(chosen.model)
    raw_column, prepared_column = st.columns(2)
    raw_column.image(
        enlarge(raw, SHOWN_SIDE),
        width=SHOWN_SIDE,
        caption=f"Your image, {raw.shape[0]}×{raw.shape[1]}×{raw.shape[2]}",
        alt=f"The input image, {raw.shape[0]}×{raw.shape[1]}×{raw.shape[2]}",
        output_format="PNG",
    )
    prepared_column.image(
        enlarge(to_uint8(prediction.x), SHOWN_SIDE),
        width=SHOWN_SIDE,
        caption=f"What the model gets: {height}×{width}×{channels}, values 0–1",
        alt=f"The image as the model gets it, {height}×{width}×{channels}",
        output_format="PNG",
    )
    # A picture, not a Plotly chart: Plotly's script would hold back this first screen (issue 27).
    show_chart_picture(plots.probability_bars(prediction.probabilities, names, height=260), key="inside_probabilities")
    if chosen.run is not None and given.yours and is_my_classes(chosen.run):
        live_tryout(chosen.run, raw, prediction.x, prediction.probabilities)
