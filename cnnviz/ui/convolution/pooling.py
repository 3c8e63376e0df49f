"""The convolution page's activation and pooling section, with max pooling's tolerance of small shifts."""

import numpy as np
import streamlit as st

from cnnviz import ops, plots
from cnnviz.errors import InputError
from cnnviz.options import CONV_ACTIVATIONS, POOL_SIZES, POOL_STRIDES, POOLINGS
from cnnviz.shift_tolerance import shift_changes, shift_right, toy_map
from cnnviz.ui.convolution import worked_examples
from cnnviz.ui.convolution.display import map_figure
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.presentation import show_figure

GLOBAL = POOLINGS["global"]


def activation_and_pooling_section(plane: np.ndarray) -> None:
    """Activation, pooling and their sizes on one feature map; then max pooling's shift tolerance."""
    out_h, out_w = plane.shape
    act_column, pool_column, size_column, stride_column = st.columns(4)
    name = act_column.selectbox("Activation", CONV_ACTIVATIONS, key="conv_activation")
    kind = pool_column.radio("Pooling", list(POOLINGS.values()), key="conv_pool")
    size = int(
        size_column.number_input(
            "Pool size", POOL_SIZES.low, POOL_SIZES.high, 2, key="conv_pool_size", disabled=kind == GLOBAL
        )
    )
    stride = int(
        stride_column.number_input(
            "Pool stride", POOL_STRIDES.low, POOL_STRIDES.high, 2, key="conv_pool_stride", disabled=kind == GLOBAL
        )
    )
    activated = ops.activation(plane / 255.0, name)
    activated_column, pooled_column = st.columns(2)
    show_figure(
        map_figure(activated, f"After {name}: {out_h}×{out_w}", height=340),
        width="stretch",
        key="conv_activated",
        container=activated_column,
    )
    try:
        if kind == GLOBAL:
            pooled = ops.global_pool(activated[:, :, None], "avg").reshape(1, 1)
            formula = rf"{out_h}\times{out_w} \to 1\times 1"
        else:
            pooled = ops.pool2d(activated, size, stride, "valid", "max" if kind == POOLINGS["max"] else "avg")
            formula = (
                rf"H'' = {ops.output_size_formula(out_h, size, stride, 0)} \qquad "
                rf"W'' = {ops.output_size_formula(out_w, size, stride, 0)}"
            )
    except InputError as error:
        pooled_column.error(f"Pooling: {error}")
        return
    show_figure(
        map_figure(pooled, f"After {kind} pooling: {pooled.shape[0]}×{pooled.shape[1]}", height=340),
        width="stretch",
        key="conv_pooled",
        container=pooled_column,
    )
    st.latex(formula)
    st.caption(
        f"Shapes: {out_h}×{out_w} feature map → {out_h}×{out_w} after {name} (element by element) → "
        f"{pooled.shape[0]}×{pooled.shape[1]} after pooling."
    )
    worked_examples.activation_curve_section(name)

    st.subheader("Does max pooling tolerate small shifts?", anchor="shift-tolerance")
    course_note("shift-tolerance")
    st.markdown(
        "Move the input a few pixels to the right. A max-pooled cell keeps its value as long as the "
        "largest value of its window stays inside that window, so a shift smaller than the pool "
        "often changes little; a larger shift moves features into other windows."
    )
    shift = st.slider("Shift right by (pixels)", 0, 4, 1, key="conv_shift")
    toy = toy_map()
    toy_shifted = shift_right(toy, shift)
    for column, values, title in zip(
        st.columns(4),
        (toy, toy_shifted, ops.pool2d(toy, 2), ops.pool2d(toy_shifted, 2)),
        ("toy map", f"shifted by {shift}", "max-pooled 2×2", "shifted, max-pooled"),
        strict=True,
    ):
        column.html(plots.matrix_table(values, title, colorscale="Viridis", zmin=0, zmax=9))
    window = max(2, size) if kind != GLOBAL else 2
    try:
        changes = shift_changes(activated, shift, window)
    except InputError as error:
        st.error(f"Pooling: {error}")
        return
    labels = (
        "the feature map",
        f"the max-pooled map ({window}×{window})",
        f"the average-pooled map ({window}×{window})",
    )
    st.markdown("On your feature map (after the activation):")
    for column, label, change in zip(st.columns(3), labels, changes, strict=True):
        column.metric(
            f"Change in {label}",
            f"{100 * change:.0f} %",
            help="Sum of the absolute differences divided by the sum of the absolute values.",
        )
    st.caption(
        "**Change** = Σ |after − before| ÷ Σ |before| over every cell: 0 % means nothing moved, 100 % "
        "that the differences add up to as much as the map itself (above 100 % when values move into "
        "cells that were empty). Thin strokes and edges usually change much less after max pooling; "
        "flat areas hardly change either way."
    )
