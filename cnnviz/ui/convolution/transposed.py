"""Convolution page: the transposed convolution, step by step on a small copy of the user's image.

Each input cell scatters the kernel, scaled by its value, into the output; where scattered
kernels overlap they add up. The output size (i − 1)·s − 2p + k + output_padding is written with
the chosen numbers, next to the forward convolution it undoes and the checkerboard that uneven
overlaps leave when the stride does not divide the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import streamlit as st

from cnnviz import ops, plots
from cnnviz.errors import InputError
from cnnviz.images import to_grayscale
from cnnviz.kernels import PRESETS
from cnnviz.plots.conv import outlined_map
from cnnviz.ui.presentation import show_figure

ONES = "ones"  # the kernel choice that makes overlaps visible as counts
KERNEL_CHOICES = (ONES, "box_blur", "sharpen", "vertical_edge", "gaussian_blur")


@dataclass(frozen=True)
class Transposed:
    """The section's settings: input side i, kernel (k × k), stride s, padding p and output padding."""

    side: int
    kernel: np.ndarray
    stride: int
    padding: int
    extra: int  # output padding

    @property
    def k(self) -> int:
        return self.kernel.shape[0]


def small_input(image: np.ndarray, side: int) -> np.ndarray:
    """The image in grayscale, shrunk to ``side`` × ``side`` by area averaging and scaled to [0, 1]."""
    gray = to_grayscale(image)[:, :, 0].astype(np.float32)
    return cv2.resize(gray, (side, side), interpolation=cv2.INTER_AREA).astype(np.float64) / 255.0


def _kernel(choice: str, size: int) -> np.ndarray:
    return np.ones((size, size)) if choice == ONES else np.asarray(PRESETS[choice].matrix, dtype=np.float64)


def _move(cells: int, step: int) -> None:
    ss = st.session_state
    index = (ss["tconv_i"] * ss["tconv_side"] + ss["tconv_j"] + step) % cells
    ss["tconv_i"], ss["tconv_j"] = divmod(index, ss["tconv_side"])


def transposed_section(image: np.ndarray) -> None:
    """Controls, the size formula, the scatter step-through and the checkerboard explanation."""
    settings = _controls()
    x = small_input(image, settings.side)
    try:
        out = ops.transpose_output_size(settings.side, settings.k, settings.stride, settings.padding, settings.extra)
    except InputError as error:
        st.error(f"{error}. Lower the padding p or raise i, s or k.")
        return
    _size_formula(settings, out)
    _scatter_steps(x, settings)
    st.subheader("Why checkerboards appear")
    _checkerboard(settings)


def _controls() -> Transposed:
    """The six inputs in one row; the padding and output padding are kept below their bounds."""
    ss = st.session_state
    side_column, kernel_column, size_column, stride_column, pad_column, extra_column = st.columns(6)
    side = int(
        side_column.number_input(
            "Input side i",
            2,
            10,
            4,
            key="tconv_side",
            help="Your image, shrunk to i×i and scaled to [0, 1], so every cell shows.",
        )
    )
    choice = kernel_column.selectbox(
        "Kernel",
        KERNEL_CHOICES,
        key="tconv_kernel",
        format_func=lambda name: "all ones (k×k)" if name == ONES else PRESETS[name].name,
    )
    size = int(size_column.number_input("k (all ones)", 1, 6, 3, key="tconv_k", disabled=choice != ONES))
    kernel = _kernel(choice, size)
    k = kernel.shape[0]
    stride = int(stride_column.number_input("Stride s", 1, 4, 2, key="tconv_stride"))
    # A smaller kernel or stride lowers the other inputs' bounds: keep their values inside.
    for key, high in (("tconv_padding", k - 1), ("tconv_output_padding", stride - 1)):
        ss[key] = min(ss.get(key, 0), high)
    padding = int(
        pad_column.number_input(
            "Padding p",
            0,
            k - 1,
            key="tconv_padding",
            help="Rows/columns cropped from each border of the full scatter.",
        )
    )
    extra = int(
        extra_column.number_input(
            "Output padding",
            0,
            stride - 1,
            key="tconv_output_padding",
            help="Extra rows/columns at the bottom/right; below the stride.",
        )
    )
    return Transposed(side, kernel, stride, padding, extra)


def _size_formula(t: Transposed, out: int) -> None:
    """The output size with the chosen numbers, and the forward convolution whose shape it undoes."""
    side, k, stride, padding, extra = t.side, t.k, t.stride, t.padding, t.extra
    st.markdown(r"**Output size** $o = (i-1)\cdot s - 2p + k + \text{output\_padding}$. With your numbers:")
    st.latex(rf"o = ({side}-1)\cdot{stride} - 2\cdot{padding} + {k} + {extra} = {out}")
    forward = ops.output_size(out, k, stride, padding)
    st.markdown(
        f"It undoes the shape of a forward convolution with the same k = {k}, s = {stride}, p = {padding}: "
        f"on the {out}×{out} output seen as an input, that convolution gives "
        f"⌊({out} + 2·{padding} − {k})/{stride}⌋ + 1 = **{forward}** = i. Each output cell of the forward "
        "convolution gathers a k×k window; the transposed one sends each input cell back to the same window. "
        "That is why it is *the gradient of a convolution*: backpropagation carries each output's gradient back "
        f"to the pixels of its window with the same weights. With stride {stride}, {stride} input sizes give the "
        "same forward output size; output padding picks one of them."
    )


def _scatter_steps(x: np.ndarray, t: Transposed) -> None:
    """Pick an input cell (or step through them): its share of the output and the sum of the shares so far."""
    ss = st.session_state
    side, k, stride, padding = t.side, t.k, t.stride, t.padding
    ss.setdefault("tconv_i", side // 2)  # the centre: on most images brighter than the border
    ss.setdefault("tconv_j", side // 2)
    ss["tconv_i"], ss["tconv_j"] = min(ss["tconv_i"], side - 1), min(ss["tconv_j"], side - 1)
    row_column, col_column, back_column, next_column = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    i = int(row_column.number_input("Input row", 0, side - 1, key="tconv_i"))
    j = int(col_column.number_input("Input column", 0, side - 1, key="tconv_j"))
    back_column.button("◀ Previous cell", on_click=_move, args=(side * side, -1), key="tconv_back", width="stretch")
    next_column.button("Next cell ▶", on_click=_move, args=(side * side, 1), key="tconv_next", width="stretch")

    contribution, partial = ops.scatter_step(x, t.kernel, i, j, stride=stride, padding=padding, output_padding=t.extra)
    top, left = i * stride - padding, j * stride - padding
    box = (top, left, top + k - 1, left + k - 1)
    done = i * side + j + 1
    st.success(
        f"Input cell ({i}, {j}) = {x[i, j]:.3g} scatters {x[i, j]:.3g} × kernel into output rows "
        f"{top}…{top + k - 1} and columns {left}…{left + k - 1} (starting at {i}·{stride} − {padding} and "
        f"{j}·{stride} − {padding}). After {done} of {side * side} cells the sum so far is shown; "
        + ("it is now the whole transposed convolution." if done == side * side else "press Next cell ▶ to add more.")
    )
    input_column, contribution_column, partial_column = st.columns(3)
    show_figure(
        outlined_map(x, (i, j, i, j), title="Input (your image, i×i)", height=300),
        width="stretch",
        key="tconv_input",
        container=input_column,
    )
    show_figure(
        outlined_map(contribution, box, title=f"This cell's share: {x[i, j]:.3g} × kernel", height=300),
        width="stretch",
        key="tconv_contribution",
        container=contribution_column,
    )
    show_figure(
        outlined_map(partial, box, title=f"Sum of the first {done} shares", height=300),
        width="stretch",
        key="tconv_partial",
        container=partial_column,
    )
    kernel_slot, product_slot = st.columns(2)
    kernel_slot.html(plots.matrix_table(t.kernel, "Kernel"))
    product_slot.html(plots.matrix_table(x[i, j] * t.kernel, f"× {x[i, j]:.3g} = what cell ({i}, {j}) adds"))


def _checkerboard(t: Transposed) -> None:
    """How many scattered kernels reach each output cell, and why uneven counts make checkerboards."""
    k, stride = t.k, t.stride
    counts = ops.overlap_counts((t.side, t.side), (k, k), stride)
    even = k % stride == 0
    st.markdown(
        f"Count how many scattered kernels reach each output cell (an all-ones input and kernel). With k = {k} and "
        f"s = {stride}, "
        + (
            f"{k} is divisible by {stride}: away from the border every cell gets the same {k // stride}² = "
            f"{(k // stride) ** 2} overlaps, so the output is even."
            if even
            else f"{k} is not divisible by {stride}: neighbouring cells get different numbers of overlaps "
            f"({', '.join(str(int(v)) for v in np.unique(counts[stride : -stride or None, stride : -stride or None]))} "
            f"inside the border), a regular pattern that shows as a **checkerboard** in generated images. "
            "Remedies: a kernel size divisible by the stride, or UpSampling2D followed by a Conv2D."
        )
    )
    show_figure(
        outlined_map(
            counts, None, title="Kernels overlapping at each cell (before cropping p)", value_format=".0f", height=320
        ),
        width="stretch",
        key="tconv_overlaps",
    )
