"""The Training page's "Dense network or CNN?": one click trains a network without convolutions and the
course's CNN on the same images, then both again with every image's pixels shuffled the same way.

The runs are :func:`cnnviz.recipes.ann_vs_cnn` (the shuffle is ``TrainConfig.shuffle_pixels``, applied in the
training worker); their labels end in the variant's name, which is how the table below finds them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from cnnviz.errors import InputError
from cnnviz.images import enlarge
from cnnviz.recipes import ANN_VS_CNN, ANN_VS_CNN_MEASURED, EXPERIMENT_BASE, ann_vs_cnn
from cnnviz.training import TrainingPlan, TrainingRun
from cnnviz.training.config import shuffled_pixels
from cnnviz.ui.training.form import Setup
from cnnviz.ui.training_job import start_training

PREFIX = "dense or CNN · "  # the start of these runs' labels (after "Run N · ")
PREVIEW = 140


def ann_vs_cnn_section(setup: Setup, runs: Sequence[TrainingRun]) -> None:
    """What the experiment asks, what shuffled pixels look like, the button, and the four runs side by side."""
    st.markdown(
        "A dense network wires **every pixel to every unit** of its first layer, so it treats the image as a "
        "long list of numbers and never knows which pixels were neighbours. A CNN looks at **small "
        "neighbourhoods** with shared kernels. Train both on the same images, then shuffle the pixels of "
        "every image in the same fixed way: the information is all still there, only the neighbourhoods "
        "are gone. Which of the two notices?"
    )
    if setup.dataset is not None:
        example = setup.dataset.x_test[:1]
        before, after, button = st.columns([1, 1, 2], vertical_alignment="center")
        before.image(
            enlarge(example[0, :, :, 0], PREVIEW),
            width=PREVIEW,
            caption="a test image",
            alt="A test image",
            output_format="PNG",
        )
        after.image(
            enlarge(shuffled_pixels(example)[0, :, :, 0], PREVIEW),
            width=PREVIEW,
            caption="its pixels shuffled",
            alt="The same test image with its pixels shuffled: noise to the eye",
            output_format="PNG",
        )
    else:
        button = st.container()
    variants = ann_vs_cnn(EXPERIMENT_BASE)
    with button:
        st.caption(
            f"4 runs: {', '.join(v.label for v in variants)}; each {EXPERIMENT_BASE.epochs} epochs on "
            f"{EXPERIMENT_BASE.max_train_samples:,} images of the dataset chosen above (about a minute each).  \n"
            f"*Measured:* {ANN_VS_CNN_MEASURED}"
        )
        if st.button(
            "▶ Train the dense network and the CNN, pixels in place and shuffled",
            key="tr_ann_vs_cnn",
            disabled=setup.dataset is None,
        ):
            try:
                start_training(
                    [TrainingPlan(v.stack, setup.dataset, v.config, label=PREFIX + v.label) for v in variants]
                )
            except InputError as error:
                st.error(str(error))
            else:
                st.rerun()
    found = latest_runs(runs)
    if found:
        st.dataframe(pd.DataFrame([_row(label, run) for label, run in found.items()]), hide_index=True, width="stretch")
        st.caption(verdict(found))


def latest_runs(runs: Sequence[TrainingRun]) -> dict[str, TrainingRun]:
    """The latest finished run of each variant that has one, by the variant's label, in the table's order."""
    found = {}
    for label, _, _ in ANN_VS_CNN:
        matching = [run for run in runs if run.label.endswith(PREFIX + label)]
        if matching:
            found[label] = matching[-1]
    return found


def _row(label: str, run: TrainingRun) -> dict[str, str]:
    return {
        "network": "CNN" if label.startswith("CNN") else "dense network",
        "pixels": "shuffled" if run.config.shuffle_pixels else "in place",
        "parameters": f"{run.parameters or 0:,}",
        "test accuracy": f"{run.test_accuracy:.1%}" if run.test_accuracy is not None else "–",
        "training time": f"{run.seconds:.0f} s",
    }


def verdict(found: dict[str, TrainingRun]) -> str:
    """What the table shows, read from its numbers once all four runs are in."""
    accuracy = {label: run.test_accuracy for label, run in found.items() if run.test_accuracy is not None}
    if len(accuracy) < len(ANN_VS_CNN):
        return "The table fills in as the four runs finish."
    dense, cnn, dense_shuffled, cnn_shuffled = (accuracy[label] for label, _, _ in ANN_VS_CNN)
    return (
        f"Shuffled pixels moved the dense network by {(dense_shuffled - dense) * 100:+.1f} points: it never used "
        "the pixels' places, so another order is just another random start. The CNN moved by "
        f"{(cnn_shuffled - cnn) * 100:+.1f} points: its kernels read neighbourhoods, and shuffling took them away."
    )
