"""The layer builder's results: totals, advice and formulas, the diagram and table, the course's two parts of a
CNN (and where the design comes from), and "why convolutions".

Each function draws one part of the page from a :class:`cnnviz.architecture.CheckedStack`
(the stack :func:`cnnviz.ui.layer_builder.editor.stack_chooser` returns); all numbers come from
:mod:`cnnviz.architecture`.
"""

import math
from collections import Counter

import pandas as pd
import streamlit as st

from cnnviz import plots
from cnnviz.architecture import (
    BYTES_PER_VALUE,
    PRESETS,
    CheckedStack,
    LayerSummary,
    Totals,
    advice,
    dense_on_pixels,
    largest_layer,
    summarize,
    totals,
    two_parts,
)
from cnnviz.text import format_bytes, shape_text, short
from cnnviz.ui.course_notes import course_note, go_button
from cnnviz.ui.layer_builder.edits import type_of
from cnnviz.ui.presentation import is_presenting, show_chart_picture

TABLE_ROW_PX, TABLE_MAX_PX = 35, 900


def show_results(stack: CheckedStack) -> None:
    """What the stack computes: the error of an invalid stack, else the totals and the advice; the formulas."""
    summaries, error = stack.summaries, stack.error
    st.subheader("What the stack computes", anchor="what-the-stack-computes")
    course_note("what-the-stack-computes")
    if error is not None:
        st.error(f"**This stack is invalid.** {error}", icon=":material/error:")
    elif summaries:
        _show_totals(summaries)
        st.caption(
            f"Output {shape_text(summaries[-1].output_shape)}; the last layer's units see "
            f"{shape_text(summaries[-1].receptive_field)} input pixels."
        )
    if error is None:
        for note in advice(summaries):
            st.warning(note, icon=":material/lightbulb:")
    if summaries:
        _show_formulas(summaries)


def show_diagram_and_table(stack: CheckedStack) -> None:
    """The stack as boxes, one per feature map (the invalid layer marked), and the per-layer table."""
    error, bad = stack.error, None
    if error is not None and stack.bad_position:
        bad = (stack.bad_position, error.layer_type or "?", str(error))
    diagram = plots.stack_diagram(stack.input_shape, stack.summaries, bad=bad, bold=is_presenting())
    st.markdown(diagram, unsafe_allow_html=True)
    st.caption(
        "Each box is a feature map: its height follows the rows, its width the channels (log scale); thin bars "
        "are flat vectors (height on a log scale). Hover a box for its numbers; the table below has them all."
    )
    rows = len(stack.layers) + 2  # header, input, layers
    st.dataframe(summary_table(stack), hide_index=True, height=min(TABLE_ROW_PX * rows + 3, TABLE_MAX_PX))


def summary_table(stack: CheckedStack):
    """The per-layer table; from an invalid layer on, its rows say so (the invalid one highlighted)."""
    shape, summaries = stack.input_shape, stack.summaries
    rows = [
        {
            "#": 0,
            "Layer": "Input",
            "Output shape": shape_text(shape),
            "Parameters": "",
            "MACs": "",
            "Activation memory": format_bytes(BYTES_PER_VALUE * math.prod(shape)),
            "Receptive field": "1×1",
        }
    ]
    for s in summaries:
        params = f"{s.params:,}" + (f" ({s.non_trainable_params:,} frozen)" if s.non_trainable_params else "")
        rows.append(
            {
                "#": s.position,
                "Layer": s.name,
                "Output shape": shape_text(s.output_shape),
                "Parameters": params,
                "MACs": f"{s.macs:,}",
                "Activation memory": format_bytes(s.activation_bytes),
                "Receptive field": shape_text(s.receptive_field),
            }
        )
    bad_position = stack.bad_position
    if bad_position:
        for position in range(bad_position, len(stack.layers) + 1):
            kind = type_of(stack.layers[position - 1])
            first = position == bad_position
            rows.append(
                {
                    "#": position,
                    "Layer": kind,
                    "Output shape": "⚠ invalid" if first else "—",
                    "Parameters": "—",
                    "MACs": "—",
                    "Activation memory": "—",
                    "Receptive field": "—",
                }
            )
    table = pd.DataFrame(rows)
    if not bad_position:
        return table  # a Styler costs ~10 ms per rerun: only when there is a row to colour

    def highlight(row):
        colour = "background-color: #fbd5c0; color: #7a2900" if row["#"] == bad_position else ""
        return [colour] * len(row)

    return table.style.apply(highlight, axis=1)


def _show_totals(summaries: list) -> None:
    total = totals(summaries)
    cards = st.container(horizontal=True, gap="medium")
    params, size, macs, memory = (cards.container(width="content") for _ in range(4))
    params.metric(
        "Parameters",
        f"{total.params:,}",
        help=f"{total.trainable_params:,} trainable, {total.non_trainable_params:,} not trainable "
        "(BatchNormalization's moving mean and variance)",
    )
    size.metric("Weights (float32)", format_bytes(total.param_bytes), help="4 bytes per parameter")
    macs.metric("MACs per image", short(total.macs), help=f"{total.macs:,} multiply-accumulates for one image")
    memory.metric(
        "Activations per image",
        format_bytes(total.activation_bytes),
        help="All layer outputs for one image in float32; training keeps them for every image of a batch.",
    )


def _show_formulas(summaries: list) -> None:
    with st.expander(":material/function: The formula behind each number", key="builder_formulas_box"):
        labels = [f"{s.position} · {s.name} ({s.type})" for s in summaries]
        chosen = st.selectbox("Layer", range(len(labels)), format_func=labels.__getitem__, key="builder_formula_layer")
        s = summaries[chosen]
        st.markdown(
            f"- **Output shape {shape_text(s.output_shape)}**: {s.formulas['output_shape']}\n"
            f"- **Parameters {s.params:,}**: {s.formulas['params']}\n"
            f"- **MACs {s.macs:,}**: {s.formulas['macs']}\n"
            f"- **Receptive field {shape_text(s.receptive_field)}**: {s.formulas['receptive_field']}\n"
            f"- **Activation memory {format_bytes(s.activation_bytes)}**: {s.formulas['memory']}"
        )
        st.caption(
            "Output size: ⌊(n − d·(k−1) − 1)/s⌋ + 1 with padding 'valid', ⌈n/s⌉ with 'same' (n input size, k "
            "kernel, s stride, d dilation). Receptive field: r ← r + (d·(k−1)+1 − 1)·j and jump j ← j·s, from "
            "r = j = 1 at the input. MACs count multiply-accumulates of weighted layers; bias additions, "
            "activations and pooling count 0."
        )


def two_parts_section(stack: CheckedStack) -> None:
    """The stack split as the course splits a CNN: feature extraction, then classification, each with its layers,
    parameters, multiply-adds and (for the features) how far its units see."""
    parts = two_parts(stack.summaries) if stack.error is None else None
    if parts is None:
        st.info(
            "This stack has no classification part: it never turns its feature maps into one flat vector "
            "(Flatten or global pooling) for Dense layers to score. Start from a classifier such as *MNIST CNN* "
            "to see both parts.",
            icon=":material/info:",
        )
        return
    whole = totals(stack.summaries)
    features, classifier = totals(parts.features), totals(parts.classifier)
    maps = parts.features[-1].output_shape
    first, last = parts.features[0], parts.features[-1]
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        st.markdown(
            f"**1 · Feature extraction**: {_layer_span(parts.features)} turn the {shape_text(stack.input_shape)} "
            f"image into {shape_text(maps)} = **{math.prod(maps):,} numbers**: *what* is in the picture.\n\n"
            f"- {features.params:,} parameters ({_share(features.params, whole.params)} of the network)\n"
            f"- {features.macs:,} multiply-adds per image ({_share(features.macs, whole.macs)})\n"
            f"- its units see {shape_text(first.receptive_field)} pixels at layer {first.position}"
            + (
                f", {shape_text(last.receptive_field)} at layer {last.position}: edges and lines first, "
                "shapes and parts deeper"
                if last is not first
                else ""
            )
        )
    with right, st.container(border=True):
        scores = parts.classifier[-1].output_shape[-1]
        st.markdown(
            f"**2 · Classification**: {_layer_span(parts.classifier)} turn those numbers into **{scores} class "
            "scores** (softmax makes them probabilities): *what the picture means*.\n\n"
            f"- {classifier.params:,} parameters ({_share(classifier.params, whole.params)} of the network)\n"
            f"- {classifier.macs:,} multiply-adds per image ({_share(classifier.macs, whole.macs)})"
        )
    if features.params and classifier.params:
        st.caption(
            f"Each weight of the first part is used {_uses(features)} per image, each of the second "
            f"{_uses(classifier)}: a convolution's few weights are reused at every position of the map, while a "
            "Dense layer connects everything to everything and uses each weight once. Inside the network shows "
            "both parts at work on a trained network, layer by layer."
        )


def _layer_span(summaries: list[LayerSummary]) -> str:
    """ "layers 1–5 (3 Conv2D, 2 MaxPooling2D)": positions and how many layers of each type."""
    kinds = ", ".join(f"{count} {kind}" for kind, count in Counter(s.type for s in summaries).items())
    first, last = summaries[0].position, summaries[-1].position
    return f"layer {first} ({kinds})" if first == last else f"layers {first}–{last} ({kinds})"


def _uses(part: Totals) -> str:
    """How many multiply-adds per image each parameter of ``part`` takes part in, in words."""
    times = round(part.macs / part.params)
    return "about once" if times <= 1 else f"about {times:,} times"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


LENET = "LeNet-5"
LENET_LINK = {"stack": "preset.lenet_5", "input": "32x32x1", "section": "history"}


def history_section() -> None:
    """Where the two-part design comes from: LeNet-5 and Yann LeCun in a few sentences, LeNet-5 one click away."""
    shape, layers = PRESETS[LENET]
    lenet = summarize(layers, shape)
    parts = two_parts(lenet)
    assert parts is not None  # LeNet-5 is a classifier
    st.markdown(
        f"In 1998 **Yann LeCun** and his colleagues published **LeNet-5**, a network that read handwritten "
        f"digits with exactly these two parts: {_layer_span(parts.features)} to extract features, then "
        f"{_layer_span(parts.classifier)} to classify them, {totals(lenet).params:,} parameters in all. Its "
        "ideas (local windows, shared weights, pooling, learning the kernels from examples instead of designing "
        "them) are still those of today's image networks, only deeper: VGG-16 and MobileNet among the presets "
        "above follow the same plan. In 2018 LeCun, Geoffrey Hinton and Yoshua Bengio received the Turing Award, "
        "computing's highest prize, for their work on deep learning."
    )
    go_button(
        "Load LeNet-5 and see its two parts",
        "layer_builder",
        LENET_LINK,
        key="builder_lenet",
        icon=":material/history_edu:",
    )


def why_convolutions(stack: CheckedStack) -> None:
    """The parameters of one Dense layer on the raw pixels against a filter reused everywhere, and the stack's."""
    height, width, channels = stack.input_shape
    summaries, valid = stack.summaries, stack.error is None
    left, right = st.columns([2, 3], gap="large")
    with left:
        units = st.number_input(
            "Neurons in one Dense layer fed with the raw pixels", 1, 100_000, 1000, key="builder_why_units"
        )
        inputs, dense_params = dense_on_pixels(stack.input_shape, units)
        conv_layers = [s for s in summaries if s.type == "Conv2D"] if valid else []
        stack_params = totals(summaries).params if valid else None
        st.markdown(
            f"The input has {height}×{width}×{channels} = **{inputs:,} values**. A Dense layer connects every value "
            f"to every neuron: ({inputs:,} + 1)·{units:,} = **{dense_params:,} parameters** for one layer.\n\n"
            "A Conv2D filter looks at a small window and is **reused at every position**, so its weights do not "
            "depend on the image's size."
        )
        if conv_layers:
            first = conv_layers[0]
            st.markdown(
                f"Here the first Conv2D has **{first.params:,} parameters**: {first.formulas['params']}; "
                "the same for a 28×28 image as for a 224×224 one."
            )
        if stack_params:
            largest, share = largest_layer(summaries)
            st.markdown(
                f"Your stack's largest layer is {largest.position} ({largest.type}) with {largest.params:,} "
                f"parameters, {share:.1%} of the total"
                + (
                    ": a Dense layer after Flatten grows with the image, a Conv2D does not."
                    if largest.type == "Dense" and len(largest.input_shape) == 1
                    else "."
                )
            )
        photo, photo_params = dense_on_pixels((224, 224, 3), 1000)
        st.caption(
            f"The course's example: a 224×224×3 photo has {photo:,} values; one Dense layer of 1,000 neurons on "
            f"it needs ({photo:,} + 1)·1,000 = {photo_params:,} parameters. Choose the 224×224×3 input "
            "shape above to compare with your stack."
        )
    with right:
        bars = {f"One Dense layer of {units:,}": dense_params}
        if stack_params:
            bars["Your whole stack"] = stack_params
        if conv_layers:
            bars["Its Conv2D layers"] = totals(conv_layers).params
        show_chart_picture(plots.log_bars(bars, title="Parameters (log scale)"), key="builder_why_chart", width=560)
