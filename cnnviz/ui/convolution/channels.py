"""The convolution page's last hands-on sections: one 3×3×3 filter on a colour image, and a 1-D convolution."""

from typing import cast

import numpy as np
import streamlit as st

from cnnviz import ops, plots
from cnnviz.errors import InputError
from cnnviz.images import CHANNEL_NAMES, subsample_for_display
from cnnviz.kernels import PRESETS, parse_kernel, parse_signal
from cnnviz.samples import load_sample
from cnnviz.ui.convolution import worked_examples
from cnnviz.ui.convolution.display import MAP_SIDE, drawn_note, map_figure, sum_text
from cnnviz.ui.presentation import show_figure

COLOUR_SAMPLE = "Photo: coloured shapes (generated)"
SQUARE_PRESETS = [name for name, kernel in PRESETS.items() if kernel.matrix.shape == (3, 3)]


@st.fragment
def colour_section(image: np.ndarray) -> None:
    """A 3×3×3 filter: three slices, three partial maps, their sum plus a bias; then a stack of filters."""
    usable = image.shape[2] == 3 and min(image.shape[:2]) >= 3
    rgb = image if usable else load_sample(COLOUR_SAMPLE)
    if not usable:
        why = "grayscale" if image.shape[2] != 3 else "smaller than the 3×3 filter"
        st.caption(f"Your image is {why}, so this part uses the sample '{COLOUR_SAMPLE}'.")
    columns = st.columns(4)
    slices = []
    for column, name, default in zip(columns[:3], CHANNEL_NAMES, ("sobel_x", "sobel_x", "sharpen"), strict=True):
        choice = column.selectbox(
            f"Slice for {name}",
            SQUARE_PRESETS,
            index=SQUARE_PRESETS.index(default),
            format_func=lambda key: PRESETS[key].name,
            key=f"conv_rgb_{name}",
        )
        slices.append(PRESETS[choice].matrix)
    bias = float(columns[3].number_input("Bias", -255.0, 255.0, 0.0, 1.0, key="conv_bias"))
    weights = np.stack(slices, axis=2)  # (3, 3, 3): rows, columns, input channel
    partials = [ops.conv2d(rgb[:, :, c], weights[:, :, c]) for c in range(3)]
    combined = cast(np.ndarray, sum(partials)) + bias
    as_layer = ops.conv2d(rgb, weights[:, :, :, None])[:, :, 0] + bias
    for column, name, partial in zip(st.columns(4), (*CHANNEL_NAMES, "sum"), (*partials, combined), strict=True):
        title = f"{name} channel ⋆ its slice" if name != "sum" else f"sum of the three + bias {bias:g}"
        column.markdown(f"**{title}**")
        show_figure(
            map_figure(partial, height=240, bare=True), width="stretch", key=f"conv_partial_{name}", container=column
        )
    st.caption(
        f"Input {rgb.shape[0]}×{rgb.shape[1]}×3 → one {combined.shape[0]}×{combined.shape[1]} map "
        f"({drawn_note(combined)}). Same numbers as a Conv2D layer with this one filter: largest "
        f"difference {float(np.abs(combined - as_layer).max()):.1g}. That filter has 3·3·3 weights + 1 bias "
        "= 28 parameters."
    )
    label = f"Several filters give a stack of maps: 4 filters → {combined.shape[0]}×{combined.shape[1]}×4"
    if st.toggle(label, key="conv_show_stack"):  # a toggle, not an expander: this section is in one
        extra = ("sobel_y", "box_blur", "laplacian")
        stack_kernel = np.stack(
            [weights] + [np.repeat(PRESETS[key].matrix[:, :, None], 3, axis=2) / 3 for key in extra], axis=3
        )
        shown, _ = subsample_for_display(ops.conv2d(rgb, stack_kernel), MAP_SIDE)
        show_figure(plots.feature_maps(shown, columns=4, tile_pixels=70), width="stretch", key="conv_stack")
        st.caption(
            "Your filter, then Sobel y, box blur and Laplacian (each averaged over R, G, B). A Conv2D layer "
            "with these 4 filters has (3·3·3 + 1)·4 = 112 parameters and outputs 4 channels."
        )


@st.fragment
def one_dimension_section() -> None:
    """Slide a kernel along a typed signal; one window's products and sum."""
    signal_column, kernel_column, stride_column, pad_column = st.columns([3, 2, 1, 1])
    signal_text = signal_column.text_input("Signal", "1 3 2 3 0", key="conv_signal")
    kernel_text = kernel_column.text_input("Kernel", "1 3 0 -1", key="conv_kernel_1d")
    stride = int(stride_column.number_input("Stride", 1, 8, 1, key="conv_stride_1d"))
    padding = int(pad_column.number_input("Padding P", 0, 8, 0, key="conv_pad_1d"))
    try:
        signal = parse_signal(signal_text)
    except InputError as error:
        st.error(f"Signal: {error}")
        return
    try:
        kernel = parse_kernel(kernel_text)
        if kernel.shape[0] != 1:
            raise InputError("a 1-D kernel is a single row of numbers.")
    except InputError as error:
        st.error(f"Kernel: {error}")
        return
    kernel = kernel[0]
    if len(kernel) > len(signal) + 2 * padding:
        st.error(
            f"Kernel: its {len(kernel)} numbers are longer than the padded signal ({len(signal)} + 2·{padding} "
            f"= {len(signal) + 2 * padding}); shorten the kernel, lengthen the signal or add padding."
        )
        return
    output = ops.conv1d(signal, kernel, stride=stride, padding=padding)
    position = 0
    if len(output) > 1:
        position = st.slider("Window position (output index)", 0, len(output) - 1, 0, key="conv_position_1d")
    step = ops.window_step(signal[None, :], kernel[None, :], 0, position, stride=(1, stride), padding=(0, padding))
    show_figure(
        plots.sliding_1d(signal, kernel, output, position=position, stride=stride, padding=padding),
        width="stretch",
        key="conv_1d",
    )
    indices = ", ".join(str(c) for c in step.cols)
    st.markdown(
        f"output[{position}] uses x[{indices}]: {sum_text(step.patch, step.kernel, step.total)}.  \n"
        f"Output length ⌊({len(signal)} + 2·{padding} − {len(kernel)}) / {stride}⌋ + 1 = **{len(output)}**."
    )


def one_dimension_and_flip() -> None:
    """Section 8's hands-on part: the 1-D convolution, then the flip that tells convolution from correlation."""
    one_dimension_section()
    worked_examples.flip_1d_section()
