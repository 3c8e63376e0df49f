"""The Training page's "Inside the training" view: what :mod:`cnnviz.training.internals` recorded in the
worker, at the epoch the Epoch slider shows: each layer's histograms of weights and of gradients, the
share of dead ReLUs and the update-to-weight ratio (why a training stalls, where)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from cnnviz.plots import internals as internals_plots
from cnnviz.training import TrainingRun
from cnnviz.ui.presentation import show_figure

HEALTHY_RATIO = 1e-3  # the usual size of one step's update relative to the weights
RATIO_TEXT = (
    r"**Update-to-weight ratio** $\lVert \Delta W \rVert / \lVert W \rVert$ of the epoch's last step: about 0.001 "
    "is healthy; far below, the layer has stopped learning; far above, its steps are too large."
)
DEAD_TEXT = (
    "**Dead ReLUs**: the share of a layer's channels that output 0 for every image of the batch. A dead unit gets "
    "no gradient and never comes back; many of them (a learning rate too large) waste the network."
)


def recorded_at(recording: dict[str, Any], epoch: int | None) -> int:
    """The position in the recording of the last recorded epoch at or before ``epoch`` (None: the last)."""
    epochs = recording["epochs"]
    if epoch is None:
        return len(epochs) - 1
    return max((i for i, e in enumerate(epochs) if e <= epoch), default=0)


def show_internals(run: TrainingRun, epoch: int | None, *, key: str) -> None:
    """The view's body for ``run`` at ``epoch`` (the Epoch slider's; None: the run's last)."""
    recording = run.internals
    if not recording or not recording.get("epochs"):
        st.info(
            "This run has no record of its insides (it was trained before they were recorded, or its network "
            "could not be read)."
        )
        return
    position = recorded_at(recording, epoch)
    shown = recording["epochs"][position]
    every = recording.get("every", 1)
    when = "after every epoch" if every == 1 else f"every {every} epochs (its epochs are short: more would slow it)"
    st.markdown(
        f"**Why did training stall?** The worker looked inside the network {when}, on a fixed batch of "
        f"{recording['probe_images']} training images. Showing epoch **{shown}**"
        + (" (the random start)" if shown == 0 else "")
        + (f", the last one recorded up to the Epoch slider's {epoch}." if epoch not in (None, shown) else ".")
    )
    weighted = [layer for layer in recording["layers"] if layer["weight_edges"] is not None]
    if weighted:
        names = [layer["name"] for layer in weighted]
        name = st.selectbox("Layer", names, key=f"{key}_layer", format_func=lambda n: _layer_title(recording, n))
        layer = weighted[names.index(name)]
        now = (
            (layer["weight_counts"][position], layer["weight_edges"]),
            (layer["gradient_counts"][position], layer["gradient_edges"]),
        )
        start = (
            (layer["weight_counts"][0], layer["weight_edges"]),
            (layer["gradient_counts"][0], layer["gradient_edges"]),
        )
        show_figure(internals_plots.layer_histograms(now, start), key=f"{key}_histograms")
        st.caption(
            f"Root mean square: weights {layer['weight_rms'][position]:.3g}, gradients "
            f"{layer['gradient_rms'][position]:.3g} (the gradients of the loss on the fixed batch). Fixed bins, the "
            "outermost also counting anything beyond them. Gradients that shrink to a spike at 0 in every layer: "
            "the network has stopped learning (or learned all it can)."
        )
    relus = [layer for layer in recording["layers"] if any(v is not None for v in layer["dead_relu"])]
    ratio_column, dead_column = st.columns(2)
    charts: tuple[tuple[Any, list, str, str, dict[str, Any]], ...] = (
        (
            ratio_column,
            weighted,
            "update_ratio",
            RATIO_TEXT,
            {"y_title": "‖ΔW‖ / ‖W‖ (log scale)", "log": True, "guide": (HEALTHY_RATIO, "healthy ≈ 0.001")},
        ),
        (dead_column, relus, "dead_relu", DEAD_TEXT, {"y_title": "dead channels", "percent": True}),
    )
    for column, layers, measure, text, style in charts:
        if layers:
            column.markdown(text)
            show_figure(
                internals_plots.per_layer_lines(
                    recording["epochs"], {layer["name"]: layer[measure] for layer in layers}, chosen=shown, **style
                ),
                key=f"{key}_{measure}",
                container=column,
            )


def _layer_title(recording: dict[str, Any], name: str) -> str:
    kind = next(layer["type"] for layer in recording["layers"] if layer["name"] == name)
    return f"{name} ({kind})"
