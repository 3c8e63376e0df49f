"""The Inside page's tabs: activations layer by layer, learned filters, Grad-CAM and receptive fields here;
"Why this answer?", "What does a filter look for?", "The class map" and "Fool the network" in their own
modules (issue 26).

:func:`show_tabs` draws the tabs and runs only the open one (Grad-CAM is not computed until asked for);
each ``show_*`` draws one tab's body for a Keras model and a prepared input.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import inspection, plots
from cnnviz.architecture import layer_note
from cnnviz.errors import InputError
from cnnviz.kernels import PRESETS
from cnnviz.options import INSIDE_TABS
from cnnviz.text import shape_text
from cnnviz.ui.inside.class_map import show_class_map
from cnnviz.ui.inside.fool import show_fool
from cnnviz.ui.inside.input_choice import ChosenInput
from cnnviz.ui.inside.looks_for import show_looks_for
from cnnviz.ui.inside.model_choice import ChosenModel
from cnnviz.ui.inside.prediction import Prediction
from cnnviz.ui.inside.why import show_why
from cnnviz.ui.presentation import show_figure

MAPS_BOX_HEIGHT = 640  # taller feature-map grids scroll inside a box of this height (pixels)
CLOSE_MATCH = 0.7  # |cosine| from which a learned filter "looks like" a hand-made kernel


def show_tabs(chosen: ChosenModel, given: ChosenInput, prediction: Prediction) -> None:
    """The tabs (key ``inside_tab``, kept in the link); only the open one runs."""
    model, x, label = chosen.model, prediction.x, chosen.label
    tabs = dict(
        zip(INSIDE_TABS, st.tabs(list(INSIDE_TABS.values()), key="inside_tab", on_change="rerun"), strict=True)
    )  # on_change="rerun": only the open tab runs, so Grad-CAM is not computed until asked for
    if tabs["activations"].open or tabs["field"].open:
        outputs = inspection.activations(model, x)
    if tabs["activations"].open:
        with tabs["activations"]:
            show_activations(
                outputs,
                {layer.name: type(layer).__name__ for layer in model.layers},
                chosen.class_names,
                prediction.top,
                key=f"inside_layer_{label}",
            )
    if tabs["filters"].open:
        with tabs["filters"]:
            show_filters(model, key=f"inside_filter_layer_{label}")
    if tabs["gradcam"].open:
        with tabs["gradcam"]:
            show_grad_cam(model, x, prediction.probabilities, chosen.class_names, key=f"inside_cam_{label}")
    if tabs["field"].open:
        with tabs["field"]:
            show_receptive_field(model, x, outputs, key=f"inside_field_{label}")
    if tabs["why"].open:
        with tabs["why"]:
            show_why(chosen, prediction, key=f"inside_why_{label}")
    if tabs["looks_for"].open:
        with tabs["looks_for"]:
            show_looks_for(chosen, prediction, key=f"inside_looks_{label}")
    if tabs["class_map"].open:
        with tabs["class_map"]:
            show_class_map(chosen, key=f"inside_map_{label}")
    if tabs["fool"].open:
        with tabs["fool"]:
            show_fool(chosen, given, prediction, key=f"inside_fool_{label}")


def show_activations(outputs: list, layer_types: dict[str, str], class_names: list[str], top: int, key: str) -> None:
    steps = [f"{i + 1} · {name}" for i, (name, _) in enumerate(outputs)]
    step = st.select_slider("Walk through the network: layer", steps, key=key)
    position = steps.index(step)
    name, values = outputs[position]
    shape = shape_text(values.shape)
    st.markdown(
        f"**{name}** ({layer_types[name]}) · output {shape} · values from {values.min():.3g} to "
        f"{values.max():.3g}  \n{layer_note(layer_types[name])}"
    )
    if values.ndim == 3:
        figure = plots.feature_maps(values)
        tall = figure.layout.height > MAPS_BOX_HEIGHT
        st.caption(
            f"All {values.shape[2]} channels on one colour scale. {plots.colour_note(plots.is_signed(values))} "
            "Hover a pixel for its value." + (" Scroll for more." if tall else "")
        )
        with st.container(height=MAPS_BOX_HEIGHT if tall else "content", border=False):
            show_figure(figure, width="stretch", key="inside_maps")
    else:
        is_output = position == len(outputs) - 1 and len(values) == len(class_names)
        st.caption(f"{len(values):,} numbers" + (", one per class." if is_output else "; hover for each value."))
        show_figure(
            plots.unit_strip(values, labels=class_names if is_output else None, highlight=top if is_output else None),
            width="stretch",
            key="inside_units",
        )


def show_filters(model, key: str) -> None:
    conv_names = inspection.conv_layer_names(model)
    if not conv_names:
        st.info("This model has no Conv2D layer, so it has no learned filters to show.")
        return
    layer_name = st.selectbox(
        "Convolution layer",
        conv_names,
        key=key,
        help="The first layer looks at pixels; deeper layers look at the maps before them.",
    )
    kernel = inspection.conv_filters(model, layer_name)
    kh, kw, fan_in, count = kernel.shape
    if fan_in <= 3:
        faces = inspection.filter_images(kernel)
        faces = faces if fan_in == 1 else faces.mean(axis=-1)
        what = "Filter"
        st.markdown(
            f"The **{count} filters** of `{layer_name}`, each {kh}×{kw} weights learned from the data "
            f"({plots.SIGNED_NOTE[:-1].lower()}; each scaled to its largest weight). Nobody designed them."
            + (" Colour filters are shown as the mean of their R, G and B weights." if fan_in == 3 else "")
        )
    else:
        index = st.number_input(f"Filter of {layer_name} (0–{count - 1})", 0, count - 1, key=f"{key}_{layer_name}")
        faces = inspection.filter_slices(kernel, index)
        what = "Input channel"
        st.markdown(
            f"Filter {index} of `{layer_name}` has **one {kh}×{kw} kernel per input channel** "
            f"({fan_in} of them): it adds up what it finds in every map of the layer before."
        )
    show_figure(plots.filter_grid(faces), width="stretch", key="inside_filters")
    same_size = {name: preset for name, preset in PRESETS.items() if preset.matrix.shape == (kh, kw)}
    found = [(k, inspection.closest_kernel(face, same_size)) for k, face in enumerate(faces)]
    matches = sorted(((k, m) for k, m in found if m is not None), key=lambda pair: -abs(pair[1].similarity))
    if not matches:
        st.caption(f"The Convolution page has no hand-made {kh}×{kw} kernel to compare with.")
        return
    st.markdown(
        "**Which hand-made kernels of the Convolution page do they resemble?** Likeness is the cosine "
        "of the two weight patterns: +1 identical up to scale, −1 the same pattern with light and dark "
        "swapped, 0 unrelated. The closest four:"
    )
    for k, match in matches[:4]:
        preset = PRESETS[match.name]
        pair, text = st.columns([3, 2], vertical_alignment="center")
        show_figure(
            plots.kernel_pair(faces[k], preset.matrix, (f"{what} {k} (learned)", preset.name)),
            width="stretch",
            key=f"inside_pair_{k}",
            container=pair,
        )
        closeness = "looks like" if abs(match.similarity) >= CLOSE_MATCH else "only loosely resembles"
        flipped = ", with light and dark swapped" if match.inverted else ""
        text.markdown(
            f"{what} {k} {closeness} **{preset.name}**{flipped} (cosine {match.similarity:+.2f}).  \n"
            f"_{preset.explanation}_"
        )


def show_grad_cam(model, x: np.ndarray, probabilities: np.ndarray, class_names: list[str], key: str) -> None:
    st.markdown(
        "Grad-CAM asks: **which parts of the image pushed the score of a class up?** It weighs the maps "
        "of the last convolution by how much each raises that class's score, and paints the sum over "
        "the input."
    )
    top = int(np.argmax(probabilities))
    target = st.selectbox(
        "Explain the class",
        range(len(class_names)),
        index=top,
        key=key,
        format_func=lambda k: f"{class_names[k]}{' (predicted)' if k == top else ''}",
    )
    try:
        heat = inspection.grad_cam(model, x, target)
    except InputError as error:  # a model without convolutions
        st.info(str(error))
        return
    picture, text = st.columns([1, 1])
    show_figure(plots.image_overlay(x, heat=heat, height=400), width="stretch", key="inside_gradcam", container=picture)
    with text:
        st.markdown(
            f"Red = evidence for **{class_names[target]}** (the network gives it "
            f"{probabilities[target]:.1%}); see-through = no evidence. Pick another class to see what "
            "would speak for it."
        )
        layer = inspection.grad_cam_layer(model)
        grid = shape_text(model.get_layer(layer).output.shape[1:3])
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
    st.markdown(
        "A unit of a feature map sees only part of the input: its **receptive field**. It grows with "
        "every convolution and pooling layer. **Click a unit** on the map (or use the sliders) and see "
        "the input pixels it depends on."
    )
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
    channel = pick_channel.number_input(
        f"Channel shown (0–{depth - 1})", 0, depth - 1, strongest, key=f"{key}_channel_{layer_name}"
    )
    feature_map, input_view = st.columns(2)
    with feature_map:
        show_figure(
            plots.image_overlay(
                maps[:, :, channel : channel + 1],
                box=(row, col, row, col),
                height=400,
                value_range=None,
                colorscale="Viridis",
                value_label="value",
                clickable=True,
            ),
            width="stretch",
            key=chart_key,
            on_select="rerun",
            selection_mode="points",
        )
        st.caption(
            f"`{layer_name}` channel {channel}, {rows}×{cols}: unit ({row}, {col}) = {maps[row, col, channel]:.3g}"
        )
    try:
        top, left, bottom, right = field = inspection.receptive_field(model, layer_name, row, col)
    except InputError as error:
        input_view.info(str(error))
        return
    with input_view:
        show_figure(plots.image_overlay(x, box=field, height=400), width="stretch", key=f"{key}_input")
        st.caption(
            f"It sees input rows {top}–{bottom} and columns {left}–{right}: "
            f"{bottom - top + 1}×{right - left + 1} of the {x.shape[0]}×{x.shape[1]} pixels."
        )
