"""Inside the network: draw a digit and watch it flow through a trained CNN."""

import numpy as np
import streamlit as st

from cnnviz import inspection, plots
from cnnviz.architecture import layer_note
from cnnviz.errors import InputError
from cnnviz.images import enlarge, to_model_input
from cnnviz.kernels import PRESETS
from cnnviz.links import INSIDE_TABS, demo_label
from cnnviz.ui.epochs import epoch_model
from cnnviz.ui.image_input import image_input
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.my_classes_live import centre_drawings, is_my_classes, live_tryout, retraining
from cnnviz.ui.navigation import require_app_navigation
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.resources import get_dataset, get_pretrained

MAPS_BOX_HEIGHT = 640  # taller feature-map grids scroll inside a box of this height (pixels)
CLOSE_MATCH = 0.7  # |cosine| from which a learned filter "looks like" a hand-made kernel
YOUR_IMAGE, TEST_EXAMPLE, HANDED_OVER = "Your image", "A test-set example", "The example from the training page"


def model_options() -> dict[str, tuple[str, object]]:
    """Menu label -> ("run", index into st.session_state["runs"]) or ("pretrained", name).

    The session's runs come first, the latest at the top, each under its full name ("Run 3 · SGD lr
    0.01 · 8 epochs"), so the run just trained is the one offered; the demo models follow.
    """
    options = {}
    runs = st.session_state.get("runs", [])
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
        changes = ", ".join(f"{key} {value}" for key, value in recipe["augmentation"].items()
                            if value and key != "fill_mode")
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


def pick_test_example(images: np.ndarray, labels: np.ndarray, class_names: list[str],
                      key: str) -> tuple[np.ndarray, int]:
    """A number input and a dice button over a test set; returns (image, true label)."""
    count = len(labels)
    if st.button("Random test image", icon=":material/casino:", key=f"{key}_dice"):
        st.session_state[key] = int(np.random.default_rng().integers(count))
    index = st.number_input(f"Test image number (0–{count - 1})", 0, count - 1, key=key)
    st.caption(f"This one is a **{class_names[labels[index]]}**.")
    return images[index], int(labels[index])


def show_activations(outputs: list, layer_types: dict[str, str], class_names: list[str], top: int, key: str) -> None:
    steps = [f"{i + 1} · {name}" for i, (name, _) in enumerate(outputs)]
    step = st.select_slider("Walk through the network: layer", steps, key=key)
    position = steps.index(step)
    name, values = outputs[position]
    shape = "×".join(map(str, values.shape))
    st.markdown(f"**{name}** ({layer_types[name]}) · output {shape} · values from {values.min():.3g} to "
                f"{values.max():.3g}  \n{layer_note(layer_types[name])}")
    if values.ndim == 3:
        figure = plots.feature_maps(values)
        tall = figure.layout.height > MAPS_BOX_HEIGHT
        st.caption(f"All {values.shape[2]} channels on one colour scale. {plots.colour_note(plots.is_signed(values))} "
                   "Hover a pixel for its value." + (" Scroll for more." if tall else ""))
        with st.container(height=MAPS_BOX_HEIGHT if tall else "content", border=False):
            show_figure(figure, width="stretch", key="inside_maps")
    else:
        is_output = position == len(outputs) - 1 and len(values) == len(class_names)
        st.caption(f"{len(values):,} numbers" + (", one per class." if is_output else "; hover for each value."))
        show_figure(plots.unit_strip(values, labels=class_names if is_output else None,
                                     highlight=top if is_output else None),
                    width="stretch", key="inside_units")


def show_filters(model, key: str) -> None:
    conv_names = inspection.conv_layer_names(model)
    if not conv_names:
        st.info("This model has no Conv2D layer, so it has no learned filters to show.")
        return
    layer_name = st.selectbox("Convolution layer", conv_names, key=key,
                              help="The first layer looks at pixels; deeper layers look at the maps before them.")
    kernel = inspection.conv_filters(model, layer_name)
    kh, kw, fan_in, count = kernel.shape
    if fan_in <= 3:
        faces = inspection.filter_images(kernel)
        faces = faces if fan_in == 1 else faces.mean(axis=-1)
        what = "Filter"
        st.markdown(f"The **{count} filters** of `{layer_name}`, each {kh}×{kw} weights learned from the data "
                    f"({plots.SIGNED_NOTE[:-1].lower()}; each scaled to its largest weight). Nobody designed them."
                    + (" Colour filters are shown as the mean of their R, G and B weights." if fan_in == 3 else ""))
    else:
        index = st.number_input(f"Filter of {layer_name} (0–{count - 1})", 0, count - 1, key=f"{key}_{layer_name}")
        faces = inspection.filter_slices(kernel, index)
        what = "Input channel"
        st.markdown(f"Filter {index} of `{layer_name}` has **one {kh}×{kw} kernel per input channel** "
                    f"({fan_in} of them): it adds up what it finds in every map of the layer before.")
    show_figure(plots.filter_grid(faces), width="stretch", key="inside_filters")
    same_size = {name: preset for name, preset in PRESETS.items() if preset.matrix.shape == (kh, kw)}
    matches = [(k, inspection.closest_kernel(face, same_size)) for k, face in enumerate(faces)]
    matches = sorted((m for m in matches if m[1] is not None), key=lambda m: -abs(m[1].similarity))
    if not matches:
        st.caption(f"The Convolution page has no hand-made {kh}×{kw} kernel to compare with.")
        return
    st.markdown("**Which hand-made kernels of the Convolution page do they resemble?** Likeness is the cosine "
                "of the two weight patterns: +1 identical up to scale, −1 the same pattern with light and dark "
                "swapped, 0 unrelated. The closest four:")
    for k, match in matches[:4]:
        preset = PRESETS[match.name]
        pair, text = st.columns([3, 2], vertical_alignment="center")
        show_figure(plots.kernel_pair(faces[k], preset.matrix, (f"{what} {k} (learned)", preset.name)),
                    width="stretch", key=f"inside_pair_{k}", container=pair)
        closeness = "looks like" if abs(match.similarity) >= CLOSE_MATCH else "only loosely resembles"
        flipped = ", with light and dark swapped" if match.inverted else ""
        text.markdown(f"{what} {k} {closeness} **{preset.name}**{flipped} (cosine {match.similarity:+.2f}).  \n"
                      f"_{preset.explanation}_")


def show_grad_cam(model, x: np.ndarray, probabilities: np.ndarray, class_names: list[str], key: str) -> None:
    st.markdown("Grad-CAM asks: **which parts of the image pushed the score of a class up?** It weighs the maps "
                "of the last convolution by how much each raises that class's score, and paints the sum over "
                "the input.")
    top = int(np.argmax(probabilities))
    target = st.selectbox("Explain the class", range(len(class_names)), index=top, key=key,
                          format_func=lambda k: f"{class_names[k]}{' (predicted)' if k == top else ''}")
    try:
        heat = inspection.grad_cam(model, x, target)
    except InputError as error:  # a model without convolutions
        st.info(str(error))
        return
    picture, text = st.columns([1, 1])
    show_figure(plots.image_overlay(x, heat=heat, height=400), width="stretch", key="inside_gradcam", container=picture)
    with text:
        st.markdown(f"Red = evidence for **{class_names[target]}** (the network gives it "
                    f"{probabilities[target]:.1%}); see-through = no evidence. Pick another class to see what "
                    "would speak for it.")
        layer = inspection.grad_cam_layer(model)
        grid = "×".join(map(str, model.get_layer(layer).output.shape[1:3]))
        st.caption(f"Computed on layer `{layer}`, a {grid} grid, so the map is coarse and smoothed up to the input.")
        if not heat.any():
            st.info(f"Nothing in this image speaks for {class_names[target]}: every part lowers its score.")


def picked_unit(chart_key: str, row_key: str, col_key: str) -> None:
    """Move the row/column sliders to the unit clicked on the feature map (once per new click)."""
    event = st.session_state.get(chart_key)
    points = event.selection.points if event is not None else []
    if not points:
        return
    clicked = (int(points[0]["y"]), int(points[0]["x"]))
    if st.session_state.get(f"{chart_key}_handled") != clicked:
        st.session_state[f"{chart_key}_handled"] = clicked
        st.session_state[row_key], st.session_state[col_key] = clicked


def show_receptive_field(model, x: np.ndarray, outputs: list, key: str) -> None:
    st.markdown("A unit of a feature map sees only part of the input: its **receptive field**. It grows with "
                "every convolution and pooling layer. **Click a unit** on the map (or use the sliders) and see "
                "the input pixels it depends on.")
    spatial = {name: values for name, values in outputs if values.ndim == 3}
    if not spatial:
        st.info("This model has no feature maps: it flattens the image at once, so every unit sees all of it.")
        return
    names = list(spatial)
    layer_name = st.selectbox("Layer", names, index=len(names) - 1, key=key)
    maps = spatial[layer_name]
    rows, cols, depth = maps.shape
    chart_key, row_key, col_key = f"{key}_map_{layer_name}", f"{key}_row_{layer_name}", f"{key}_col_{layer_name}"
    picked_unit(chart_key, row_key, col_key)
    pick_row, pick_col, pick_channel = st.columns(3)
    row = pick_row.slider("Row", 0, rows - 1, rows // 2, key=row_key)
    col = pick_col.slider("Column", 0, cols - 1, cols // 2, key=col_key)
    strongest = int(np.argmax(maps[row, col]))
    channel = pick_channel.number_input(f"Channel shown (0–{depth - 1})", 0, depth - 1, strongest,
                                        key=f"{key}_channel_{layer_name}")
    feature_map, input_view = st.columns(2)
    with feature_map:
        show_figure(plots.image_overlay(maps[:, :, channel:channel + 1], box=(row, col, row, col), height=400,
                                        value_range=None, colorscale="Viridis", value_label="value",
                                        clickable=True),
                    width="stretch", key=chart_key, on_select="rerun", selection_mode="points")
        st.caption(f"`{layer_name}` channel {channel}, {rows}×{cols}: unit ({row}, {col}) = "
                   f"{maps[row, col, channel]:.3g}")
    try:
        top, left, bottom, right = field = inspection.receptive_field(model, layer_name, row, col)
    except InputError as error:
        input_view.info(str(error))
        return
    with input_view:
        show_figure(plots.image_overlay(x, box=field, height=400), width="stretch", key=f"{key}_input")
        st.caption(f"It sees input rows {top}–{bottom} and columns {left}–{right}: "
                   f"{bottom - top + 1}×{right - left + 1} of the {x.shape[0]}×{x.shape[1]} pixels.")


require_app_navigation()
st.title("Inside the network")
link = open_link("inside")
st.markdown(
    "A trained network is a pipeline of small computations you can watch. Give it an image, then "
    "follow it **layer by layer**: which filters fire, what the network finally believes, and "
    "**where it looked** to decide. Draw a digit and everything below updates as you draw."
)

handed = st.session_state.get("inspect_example")
retrained = retraining()  # a "My classes" model retrained from the live try-out below
runs = st.session_state.get("runs", [])
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
    choice = st.selectbox("Model", list(options), key="inside_model",
                          help="A run you trained on the Training page (the latest first), or a demo model.")
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
    st.caption(f"Takes a {height}×{width}×{channels} image · {len(model.layers)} layers · "
               f"{model.count_params():,} parameters · classes: {', '.join(class_names)}")

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
            test_set = get_dataset(ref, image_size=height if ref == "neu" else None)
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
    raw_column.image(enlarge(raw, 160), width=160,
                     caption=f"Your image, {raw.shape[0]}×{raw.shape[1]}×{raw.shape[2]}",
                     alt=f"The input image, {raw.shape[0]}×{raw.shape[1]}×{raw.shape[2]}")
    prepared_column.image(enlarge(np.round(x * 255).astype(np.uint8), 160), width=160,
                          caption=f"What the model gets: {height}×{width}×{channels}, values 0–1",
                          alt=f"The image as the model gets it, {height}×{width}×{channels}")
    show_figure(plots.probability_bars(probabilities, class_names, height=260), width="stretch",
                key="inside_probabilities")
    if kind == "run" and source == YOUR_IMAGE and is_my_classes(run):
        live_tryout(run, raw, x, probabilities)

st.divider()
activations_tab, filters_tab, gradcam_tab, field_tab = st.tabs(
    list(INSIDE_TABS.values()),
    key="inside_tab", on_change="rerun",  # only the open tab runs: Grad-CAM is not computed until asked for
)
if activations_tab.open or field_tab.open:
    outputs = inspection.activations(model, x)
if activations_tab.open:
    with activations_tab:
        show_activations(outputs, {layer.name: type(layer).__name__ for layer in model.layers}, class_names, top,
                         key=f"inside_layer_{choice}")
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
