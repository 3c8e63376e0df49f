"""The Training page's three guards against over-fitting, each a short section: dropout, early stopping and
the checkpoint that keeps the best epoch, with what they did in the student's own last run."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from cnnviz.training import TrainingRun
from cnnviz.ui.course_notes import course_note, go_button
from cnnviz.ui.training.form import Setup


def guards_section(setup: Setup, runs: Sequence[TrainingRun]) -> None:
    """Dropout, early stopping and checkpointing: what each does, where to switch it on, what it did last."""
    last = runs[-1] if runs else None
    st.markdown(
        "A network that keeps training starts to remember its training images instead of learning what they "
        "have in common (over-fitting): training accuracy still climbs, validation accuracy stalls or falls. "
        "The course's Fashion-MNIST notebook uses three guards; each has a switch here."
    )
    dropout, stopping, checkpoint = st.columns(3, gap="medium")
    with dropout, st.container(border=True):
        st.subheader("Dropout", anchor="dropout-in-training")
        course_note("guards")
        layers = [layer for layer in setup.stack if layer["type"] == "Dropout"]
        rates = ", ".join(f"{layer.get('rate', 0.5):g}" for layer in layers)
        st.markdown(
            "A **Dropout(p)** layer sets a random share p of its inputs to 0 on every training batch (the "
            "others are scaled by 1/(1 − p)), so no unit can rely on one particular other; it does nothing "
            "when the network is tested. "
            + (
                f"The network above has {len(layers)} Dropout layer{'s' if len(layers) > 1 else ''} (rate {rates})."
                if layers
                else "The network above has none: add one in the layer builder."
            )
        )
        go_button(
            "See dropout on one batch",
            "convolution",
            {"section": "dropout"},
            key="tr_guard_dropout",
            icon=":material/grain:",
        )
    with stopping, st.container(border=True):
        st.subheader("Early stopping", anchor="early-stopping")
        st.markdown(
            "After every epoch, look at the **validation loss**; when it has not gone down for *patience* "
            "epochs in a row, stop and go back to the best epoch's weights. The switch **Early stopping** and "
            "its **Patience** are in the settings above (the course's notebook: patience 10)."
        )
        if last is not None and last.config.early_stopping_patience:
            planned, done = last.config.epochs, last.epochs_done
            st.caption(
                f"Your last run ({last.label}): "
                + (
                    f"stopped after {done} of {planned} epochs, back to epoch {last.best_epoch}."
                    if done < planned
                    else f"ran all {planned} epochs: the validation loss kept improving within the patience."
                )
            )
    with checkpoint, st.container(border=True):
        st.subheader("Checkpoint: keep the best epoch", anchor="checkpoint")
        st.markdown(
            "A **checkpoint** saves the network whenever the validation loss reaches a new low, so the run "
            "ends with its best epoch, not its last one, even if the later epochs over-fitted or training "
            "stopped halfway. The switch is **Keep the best epoch (checkpoint)** in the settings above."
        )
        if last is not None and last.config.keep_best and last.best_epoch:
            losses = last.history.get("val_loss", [])
            st.caption(
                f"Your last run ({last.label}) kept epoch {last.best_epoch} of {last.epochs_done} "
                f"(validation loss {losses[last.best_epoch - 1]:.4f}; the last epoch's: {losses[-1]:.4f})."
            )
