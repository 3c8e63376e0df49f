"""The Convolution page's "Why padding" section: how many windows see each pixel, for 'valid' and 'same'.

Without padding a corner pixel is under one window and a middle pixel under k²: the border counts less.
The counts are :func:`cnnviz.ops.window_counts` (tested against a brute-force count and TensorFlow's
gradient of a summed convolution). Keys start with ``pad_``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import ops
from cnnviz.plots import matrix_table

SIDES = (4, 5, 6, 7, 8, 9, 10)
KERNELS = (1, 2, 3, 4, 5)
STRIDES = (1, 2, 3)


def why_padding_section() -> None:
    """Two maps of window counts, 'valid' beside 'same', for a small input, with what they show."""
    st.markdown(
        "Each number below is **how many positions of the window cover that pixel**. A pixel covered by "
        "fewer windows takes part in fewer sums, so it weighs less in the feature map. Without padding "
        "('valid') the corners are covered once; 'same' puts zeros around the image, so windows also reach "
        "over the border and the output keeps the input's size."
    )
    side_column, kernel_column, stride_column = st.columns(3)
    side = side_column.select_slider("Input n × n", SIDES, value=5, key="pad_side")
    kernel = kernel_column.select_slider("Kernel k × k", KERNELS, value=3, key="pad_kernel")
    stride = stride_column.select_slider("Stride", STRIDES, value=1, key="pad_stride")
    maps = {padding: ops.window_counts((side, side), kernel, stride, padding) for padding in ("valid", "same")}
    top = max(int(counts.max()) for counts in maps.values())
    columns = st.columns(2, gap="large")
    for column, (padding, counts) in zip(columns, maps.items(), strict=True):
        out = ops.output_size(side, kernel, stride, padding)
        column.html(matrix_table(counts, f"'{padding}': {out}×{out} windows", zmin=0, zmax=top, value_format=".0f"))
        column.markdown(_summary(counts))
    valid, same = maps["valid"], maps["same"]
    st.caption(
        f"'valid' output: ⌊({side} − {kernel}) / {stride}⌋ + 1 = {ops.output_size(side, kernel, stride, 'valid')} "
        f"per side; 'same': ⌈{side} / {stride}⌉ = {ops.output_size(side, kernel, stride, 'same')}. "
        f"Corner against centre: {_ratio(valid)} with 'valid', {_ratio(same)} with 'same'."
    )


def _summary(counts: np.ndarray) -> str:
    """Corner, edge-middle and centre counts, and how many pixels no window covers."""
    n = counts.shape[0]
    corner, edge, centre = int(counts[0, 0]), int(counts[0, n // 2]), int(counts[n // 2, n // 2])
    missed = int((counts == 0).sum())
    text = f"corner **{corner}**, middle of an edge **{edge}**, centre **{centre}**"
    return text + (f"; {missed} pixel{'s' if missed != 1 else ''} never covered" if missed else "")


def _ratio(counts: np.ndarray) -> str:
    n = counts.shape[0]
    corner, centre = int(counts[0, 0]), int(counts[n // 2, n // 2])
    return f"{corner} to {centre}" if centre else "none covered"
