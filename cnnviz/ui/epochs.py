"""The Epoch slider (with ▶ Play) of a finished run: the Inside page's model and the Training page's
scores follow the chosen epoch, so a class can watch random filters turn into edge detectors."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import streamlit as st

from cnnviz.training import TrainingRun, loss_and_accuracy
from cnnviz.training.snapshots import BUDGET_BYTES, model_at

PLAY_SECONDS = 1.5  # one epoch per tick while playing: time to see the change
PREDICT_BATCH = 500
KEPT_PREDICTIONS = 24  # (run, epoch) test-set predictions kept per session


def epoch_picker(run: TrainingRun, key: str) -> int | None:
    """The Epoch slider and Play switch for ``run``; the chosen epoch (None if the run kept no epochs)."""
    last = run.epochs_recorded
    if last == 0:
        return None
    final = run.final_epoch if run.final_epoch is not None else last
    if st.session_state.get(key) is None or st.session_state[key] > last:
        st.session_state[key] = final
    slider, back, forward, play = st.columns([6, 2, 2, 2], vertical_alignment="bottom")
    # Keyboard for a teacher at the projector: ← and → step one epoch (the shortcut shows on the button).
    back.button("◀ Epoch", key=f"{key}_back", on_click=_step, args=(key, -1, last), shortcut="Left", width="stretch")
    forward.button("Epoch ▶", key=f"{key}_next", on_click=_step, args=(key, 1, last), shortcut="Right", width="stretch")
    epoch = slider.slider(
        "Epoch",
        0,
        last,
        key=key,
        help="0 is the random start, before any training; each step is one more pass over the training images.",
    )
    playing = play.toggle("▶ Play", key=f"{key}_play", help="Step through the epochs, one every 1.5 s.")
    which = "the last one" if final == run.epochs_done else "the epoch with the lowest validation loss"
    note = f"The final model is epoch {final}, {which}."
    if run.weights_capped:
        note += (
            f" This network is large: only epochs 0–{last} fit in the {BUDGET_BYTES // 2**20} MB kept per run, "
            "so later epochs cannot be shown."
        )
    st.caption(f"Showing the weights after epoch {epoch} of {run.epochs_done}. {note}")
    if playing:
        _tick(key, last)
    return epoch


def _step(key: str, delta: int, last: int) -> None:
    """Callback of the ◀/▶ buttons (and the ←/→ keys): one epoch back or on, within 0..last."""
    st.session_state[key] = min(max(int(st.session_state[key]) + delta, 0), last)


@st.fragment(run_every=PLAY_SECONDS)
def _tick(key: str, last: int) -> None:
    """While playing: the next epoch every PLAY_SECONDS (the first call, inside a full run, only starts the clock)."""
    now = time.monotonic()
    if now - st.session_state.get(f"{key}_tick", 0.0) < PLAY_SECONDS * 0.8:
        return
    st.session_state[f"{key}_tick"] = now
    st.session_state[key] = (st.session_state[key] + 1) % (last + 1)
    st.rerun(scope="app")


def epoch_model(run: TrainingRun, key: str) -> Any:
    """The Epoch slider, and the run's network with the chosen epoch's weights."""
    epoch = epoch_picker(run, key)
    return run.model if epoch is None else model_at(run, epoch)


def at_epoch(run: TrainingRun, key: str) -> TrainingRun:
    """The Epoch slider, and ``run`` with its test-set scores as they were after the chosen epoch."""
    epoch = epoch_picker(run, key)
    if epoch is None or epoch == run.final_epoch or run.test_images is None or run.test_labels is None:
        return run
    cache = st.session_state.setdefault("epoch_predictions", {})
    slot = (id(run), run.seconds, epoch)  # seconds: a new run at a recycled id is not mistaken for an old one
    probabilities = cache.get(slot)
    if probabilities is None:
        with st.spinner(f"Scoring the test images with the weights of epoch {epoch}…"):
            images = run.test_images.astype(np.float32) / 255
            probabilities = model_at(run, epoch).predict(images, batch_size=PREDICT_BATCH, verbose=0)
        while len(cache) >= KEPT_PREDICTIONS:
            cache.pop(next(iter(cache)))
        cache[slot] = probabilities = probabilities.astype(np.float32)
    test_loss, test_accuracy = loss_and_accuracy(probabilities, run.test_labels)
    return dataclasses.replace(run, test_probabilities=probabilities, test_loss=test_loss, test_accuracy=test_accuracy)
