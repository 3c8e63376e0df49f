"""The "Download as a notebook" button of the layer builder and of a finished run."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from cnnviz.datasets import TITLES
from cnnviz.errors import InputError
from cnnviz.training import TrainConfig, to_notebook
from cnnviz.training.notebook import notebook_dataset


def notebook_button(
    stack: Sequence[Mapping[str, Any]],
    input_shape: Sequence[int],
    config: TrainConfig,
    *,
    key: str,
    dataset: str | None = None,
    label: str = "cnn-explorer",
) -> None:
    """A download button for the Jupyter notebook that trains ``stack`` in plain Keras, or why there is none."""
    choice = notebook_dataset(input_shape, dataset)
    text = why = None
    if choice is None:
        why = "The notebook trains on MNIST, Fashion-MNIST or NEU: it needs a square grayscale input."
    else:
        try:
            text = to_notebook(stack, choice[0], config, image_size=choice[1])
        except InputError as error:
            why = f"No notebook: {error}"
    name = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower() or "cnn-explorer"
    help_text = (
        f"A Jupyter notebook that loads {TITLES[choice[0]]}, builds this network in plain Keras, trains "
        f"it ({config.describe()}), evaluates it and plots the curves."
        if text and choice
        else why
    )
    st.download_button(
        "Download as a notebook (.ipynb)",
        text or "",
        f"{name}.ipynb",
        "application/x-ipynb+json",
        key=key,
        disabled=text is None,
        icon=":material/menu_book:",
        help=help_text,
        on_click="ignore",
    )
