"""Inside the network: draw a digit and watch it flow through a trained CNN."""

import numpy as np
import streamlit as st

from cnnviz import inspection, plots
from cnnviz.datasets import load_size
from cnnviz.errors import InputError
from cnnviz.images import enlarge, to_model_input, to_uint8
from cnnviz.links import INSIDE_TABS, demo_label
from cnnviz.ui import state
from cnnviz.ui.cache import get_dataset, get_pretrained
from cnnviz.ui.epochs import epoch_model
from cnnviz.ui.image_input import image_input
from cnnviz.ui.inside.live_tryout import centre_drawings, is_my_classes, live_tryout, retraining
from cnnviz.ui.inside.tabs import show_activations, show_filters, show_grad_cam, show_receptive_field
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.streamlit_patches import require_app_navigation

YOUR_IMAGE, TEST_EXAMPLE, HANDED_OVER = "Your image", "A test-set example", "The example from the training page"


def model_options() -> dict[str, tuple[str, object]]:
    """Menu label -> ("run", index into cnnviz.ui.state.runs()) or ("pretrained", name).

    The session's runs come first, the latest at the top, each under its full name ("Run 3 · SGD lr
    0.01 · 8 epochs"), so the run just trained is the one offered; the demo models follow.
    """
    options = {}
    runs = state.runs()
    for index in reversed(range(len(runs))):
        run = runs[index]
        accuracy = f" · {run.test_accuracy:.1%} on test" if run.test_accuracy is not None else ""
        options[f"{run.label or f'Run {index + 1} on {run.dataset}'}{accuracy}"] = ("run", index)
    for name in inspection.PRETRAINED_NAMES:
        options[demo_label(name)] = ("pretrained", name)
    return options


def show_model_card(card: dict) -> None:
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


def pick_test_example(
    images: np.ndarray, labels: np.ndarray, class_names: list[str], key: str
) -> tuple[np.ndarray, int]:
    """A number input and a dice button over a test set; returns (image, true label)."""
    count = len(labels)
    if st.button("Random test image", icon=":material/casino:", key=f"{key}_dice"):
        st.session_state[key] = int(np.random.default_rng().integers(count))
    index = st.number_input(f"Test image number (0–{count - 1})", 0, count - 1, key=key)
    st.caption(f"This one is a **{class_names[labels[index]]}**.")
    return images[index], int(labels[index])


require_app_navigation()
st.title("Inside the network")
link = open_link("inside")
st.markdown(
    "A trained network is a pipeline of small computations you can watch. Give it an image, then "
    "follow it **layer by layer**: which filters fire, what the network finally believes, and "
    "**where it looked** to decide. Draw a digit and everything below updates as you draw."
)

handed = state.inside_example()
retrained = retraining()  # a "My classes" model retrained from the live try-out below
runs = state.runs()
options = model_options()
if retrained is not None:
    st.session_state["inside_model"] = next(label for label, option in options.items() if option == ("run", retrained))
if st.session_state.get("inside_model") not in options:  # e.g. a run removed on the Training page
    st.session_state.pop("inside_model", None)
latest = next(iter(options))
if runs and st.session_state.get("inside_latest_offered") != latest:
    # A run finished since this page was last open: offer it first, whatever was chosen before.
    st.session_state["inside_latest_offered"] = st.session_state["inside_model"] = latest
if handed is not None and st.session_state.get("inside_handed_seen") is not handed:
    # A fresh click in the training page's gallery: show that run and that example.
    st.session_state["inside_handed_seen"] = handed
    for label, (kind, ref) in options.items():
        if kind == "run" and ref == handed["run_index"]:
            st.session_state["inside_model"] = label
            st.session_state["inside_input_kind"] = HANDED_OVER

model_column, input_column = st.columns([1, 1], gap="large")
with model_column:
    st.subheader("1 · The model")
    choice = st.selectbox(
        "Model",
        list(options),
        key="inside_model",
        help="A run you trained on the Training page (the latest first), or a demo model.",
    )
    st.caption(f"**{choice}**")  # the full name, which a narrow menu may cut short
    kind, ref = options[choice]
    if kind == "pretrained":
        model = get_pretrained(ref)
        card = inspection.pretrained_card(ref)
        class_names, dataset_name = card["class_names"], ref
        show_model_card(card)
    else:
        run = runs[ref]
        model, class_names, dataset_name = run.model, list(run.class_names), run.dataset
        model = epoch_model(run, key=f"inside_epoch_{ref}")  # filters, activations, bars, Grad-CAM follow it
    height, width, channels = inspection.input_shape(model)
    st.caption(
        f"Takes a {height}×{width}×{channels} image · {len(model.layers)} layers · "
        f"{model.count_params():,} parameters · classes: {', '.join(class_names)}"
    )

with input_column:
    st.subheader("2 · The input")
    handed_here = handed is not None and kind == "run" and ref == handed["run_index"]
    sources = [YOUR_IMAGE, TEST_EXAMPLE] + ([HANDED_OVER] if handed_here else [])
    if st.session_state.get("inside_input_kind") not in sources:
        st.session_state["inside_input_kind"] = YOUR_IMAGE
    source = st.radio("Input", sources, horizontal=True, key="inside_input_kind", label_visibility="collapsed")
    true_label, centre = None, False
    if source == YOUR_IMAGE:
        raw = image_input("inside_image")
        centre = st.toggle(
            "Prepare like MNIST: crop to the strokes, fit in 20×20, centre by centre of mass",
            value=dataset_name == "mnist" or (kind == "run" and is_my_classes(run) and centre_drawings(run)),
            key=f"inside_centre_{choice}",
            help="MNIST digits were prepared this way; without it a drawing looks nothing like what the network saw.",
        )
    elif source == TEST_EXAMPLE:
        if kind == "pretrained":
            test_set = get_dataset(ref, image_size=load_size(ref, height))
            raw, true_label = pick_test_example(test_set.x_test, test_set.y_test, class_names, f"inside_test_{ref}")
        elif run.test_images is not None:
            raw, true_label = pick_test_example(run.test_images, run.test_labels, class_names, f"inside_test_{ref}")
        else:
            st.info("This run kept no test images; draw or pick an image instead.")
            st.stop()
    else:
        raw, true_label = handed["image"], int(handed["label"])
        st.caption(f"A test image from the training page; its true class is **{class_names[true_label]}**.")

try:
    x = to_model_input(raw, (height, width, channels), center=centre)
    probabilities = inspection.predict(model, x)
except InputError as error:
    st.error(str(error))
    st.stop()
top = int(np.argmax(probabilities))

with model_column:  # next to the input, so the answer changes in view while you draw
    st.subheader("3 · The prediction")
    verdict = ""
    if true_label is not None:
        wrong = f" :material/cancel: Wrong: it is a {class_names[true_label]}."
        verdict = " :material/check_circle: Right." if top == true_label else wrong
    st.markdown(f"The network says **{class_names[top]}** ({probabilities[top]:.1%} sure).{verdict}")
    raw_column, prepared_column = st.columns(2)
    raw_column.image(
        enlarge(raw, 160),
        width=160,
        caption=f"Your image, {raw.shape[0]}×{raw.shape[1]}×{raw.shape[2]}",
        alt=f"The input image, {raw.shape[0]}×{raw.shape[1]}×{raw.shape[2]}",
    )
    prepared_column.image(
        enlarge(to_uint8(x), 160),
        width=160,
        caption=f"What the model gets: {height}×{width}×{channels}, values 0–1",
        alt=f"The image as the model gets it, {height}×{width}×{channels}",
    )
    show_figure(
        plots.probability_bars(probabilities, class_names, height=260), width="stretch", key="inside_probabilities"
    )
    if kind == "run" and source == YOUR_IMAGE and is_my_classes(run):
        live_tryout(run, raw, x, probabilities)

st.divider()
activations_tab, filters_tab, gradcam_tab, field_tab = st.tabs(
    list(INSIDE_TABS.values()),
    key="inside_tab",
    on_change="rerun",  # only the open tab runs: Grad-CAM is not computed until asked for
)
if activations_tab.open or field_tab.open:
    outputs = inspection.activations(model, x)
if activations_tab.open:
    with activations_tab:
        show_activations(
            outputs,
            {layer.name: type(layer).__name__ for layer in model.layers},
            class_names,
            top,
            key=f"inside_layer_{choice}",
        )
if filters_tab.open:
    with filters_tab:
        show_filters(model, key=f"inside_filter_layer_{choice}")
if gradcam_tab.open:
    with gradcam_tab:
        show_grad_cam(model, x, probabilities, class_names, key=f"inside_cam_{choice}")
if field_tab.open:
    with field_tab:
        show_receptive_field(model, x, outputs, key=f"inside_field_{choice}")
share_link("inside", link)
