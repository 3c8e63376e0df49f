"""The Inside page's model menu: the session's runs (the latest first) and the demo models.

The menu follows the news before it is drawn (:func:`model_menu`): a retraining started by the live
try-out that has just finished, a run trained since the page was last open, or an example handed over
by the Training page's gallery each select their run. :func:`choose_model` draws the menu (key
``inside_model``) and returns the chosen network; for a demo model it needs only the model's card, so the
page draws everything that needs no network first, and :func:`with_network` then loads the network (the
server's first load imports TensorFlow, ~5 s) in a background thread, with its progress (issue 27).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from cnnviz import inspection
from cnnviz.links import demo_label
from cnnviz.training import TrainingRun
from cnnviz.ui import state
from cnnviz.ui.cache import get_pretrained
from cnnviz.ui.epochs import epoch_model
from cnnviz.ui.inside.live_tryout import retraining

MODEL_KEY = "inside_model"
INPUT_KIND_KEY = "inside_input_kind"  # the input radio (cnnviz.ui.inside.input_choice)
HANDED_OVER = "The example from the training page"  # the input radio's choice for a handed-over example

Option = tuple[str, Any]  # ("run", index into state.runs()) or ("pretrained", demo model name)


@dataclass(frozen=True)
class ChosenModel:
    """The network the page looks into, with what the rest of the page needs to know about it."""

    label: str  # its menu label; the page's widget keys include it, so each model keeps its own settings
    model: Any  # a Keras model: a run's (at the chosen epoch) or a demo model (None until with_network)
    class_names: list[str]
    dataset_name: str
    input_shape: tuple[int, int, int]  # (H, W, C) of one image
    run: TrainingRun | None = None  # the session's run, or None for a demo model
    run_index: int | None = None  # its index in state.runs()
    demo: str | None = None  # the demo model's name

    @property
    def ref(self) -> str:
        """The run's index or the demo model's name, as widget keys write it."""
        return str(self.run_index) if self.run is not None else str(self.demo)


def model_options() -> dict[str, Option]:
    """Menu label -> ("run", index into cnnviz.ui.state.runs()) or ("pretrained", name).

    The session's runs come first, the latest at the top, each under its full name ("Run 3 · SGD lr
    0.01 · 8 epochs"), so the run just trained is the one offered; the demo models follow.
    """
    options: dict[str, Option] = {}
    runs = state.runs()
    for index in reversed(range(len(runs))):
        run = runs[index]
        accuracy = f" · {run.test_accuracy:.1%} on test" if run.test_accuracy is not None else ""
        options[f"{run.label or f'Run {index + 1} on {run.dataset}'}{accuracy}"] = ("run", index)
    for name in inspection.PRETRAINED_NAMES:
        options[demo_label(name)] = ("pretrained", name)
    return options


def model_menu() -> dict[str, Option]:
    """The menu's options, with the choice moved to the news (draws a retraining's progress, if any).

    Call it before the page's columns: a retraining's progress is drawn full width.
    """
    ss = st.session_state
    handed = state.inside_example()
    retrained = retraining()  # a "My classes" model retrained from the live try-out
    options = model_options()
    if retrained is not None:
        ss[MODEL_KEY] = next(label for label, option in options.items() if option == ("run", retrained))
    if ss.get(MODEL_KEY) not in options:  # e.g. a run removed on the Training page
        ss.pop(MODEL_KEY, None)
    latest = next(iter(options))
    if state.runs() and ss.get("inside_latest_offered") != latest:
        # A run finished since this page was last open: offer it first, whatever was chosen before.
        ss["inside_latest_offered"] = ss[MODEL_KEY] = latest
    if handed is not None and ss.get("inside_handed_seen") is not handed:
        # A fresh click in the training page's gallery: show that run and that example.
        ss["inside_handed_seen"] = handed
        for label, (kind, ref) in options.items():
            if kind == "run" and ref == handed["run_index"]:
                ss[MODEL_KEY] = label
                ss[INPUT_KIND_KEY] = HANDED_OVER
    return options


def choose_model(options: dict[str, Option]) -> ChosenModel:
    """The model menu, a demo model's card or a run's Epoch slider, and a line of facts about the network."""
    label = st.selectbox(
        "Model",
        list(options),
        key=MODEL_KEY,
        help="A run you trained on the Training page (the latest first), or a demo model.",
    )
    st.caption(f"**{label}**")  # the full name, which a narrow menu may cut short
    kind, ref = options[label]
    if kind == "pretrained":
        card = inspection.pretrained_card(ref)
        height, width, channels = card["input_shape"]
        chosen = ChosenModel(label, None, card["class_names"], ref, (height, width, channels), demo=ref)
        show_model_card(card)
        layers, parameters = len(card["layers"]), card["params"]
    else:
        run = state.runs()[ref]
        model = epoch_model(run, key=f"inside_epoch_{ref}")  # filters, activations, bars, Grad-CAM follow it
        shape = inspection.input_shape(model)
        chosen = ChosenModel(label, model, list(run.class_names), run.dataset, shape, run=run, run_index=ref)
        layers, parameters = len(model.layers), model.count_params()
    height, width, channels = chosen.input_shape
    st.caption(
        f"Takes a {height}×{width}×{channels} image · {layers} layers · {parameters:,} parameters · "
        f"classes: {', '.join(chosen.class_names)}"
    )
    return chosen


def with_network(chosen: ChosenModel) -> ChosenModel:
    """``chosen`` with its Keras model: a demo model still loading is waited for here, with its progress."""
    if chosen.model is not None:
        return chosen
    return replace(chosen, model=get_pretrained(str(chosen.demo)))


def show_model_card(card: dict) -> None:
    """How a demo model was trained: data, recipe, size, and that it is not the course notebook's model."""
    with st.expander("Model card: how this demo model was trained"):
        data, recipe = card["data"], card["recipe"]
        changes = ", ".join(
            f"{key} {value}" for key, value in recipe["augmentation"].items() if value and key != "fill_mode"
        )
        st.markdown(
            f"**Data:** {data['source']}  \n"
            f"Trained on {data['train_images']:,} images, {data['validation_images']:,} held out to pick the best "
            f"epoch, scored once on {data['test_images']:,} test images: **{card['test_accuracy']:.2%}** accuracy.  \n"
            f"**Recipe:** {recipe['epochs']} epochs (best: {recipe['best_epoch']}), batch {recipe['batch_size']}, "
            f"{recipe['optimizer']}; random {changes or 'nothing'} on every batch.  \n"
            f"**Size:** {card['params']:,} parameters, {card['file_kilobytes']:,} KB. Trained {card['date']} with "
            f"`{recipe['command']}`.  \n"
            "This demo network is this app's own design, trained longer and with augmentation; it is not the "
            "course notebook's model (train that one with a “Reproduce the notebook” recipe on the Training page)."
        )
