"""Convolution: slide a kernel over your image, down to one window's multiply-and-sum, then activation and pooling."""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz import ops, plots
from cnnviz.errors import InputError
from cnnviz.images import CHANNEL_NAMES, enlarge, subsample_for_display, to_grayscale
from cnnviz.kernels import PRESETS, parse_kernel, parse_signal
from cnnviz.samples import load_sample
from cnnviz.ui import worked_examples
from cnnviz.ui.conv_costs import costs_section
from cnnviz.ui.image_input import image_input
from cnnviz.ui.kernel_editor import kernel_editor
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.navigation import require_app_navigation
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.transposed_conv import transposed_section

MAP_SIDE = 160  # largest heat map drawn for a whole map (rows/columns); the maths always uses every pixel
NUMBERS_SIDE = 12  # maps up to this size get their numbers written in
WIDE_MATRIX = 7  # worked-example matrices larger than this get a full-width row instead of a column
TERMS_SHOWN = 12  # products written out in a sum before "…"
COLOUR_SAMPLE = "Photo: coloured shapes (generated)"
PADDINGS = ("valid", "same", "custom P")
ACTIVATION_CHOICES = ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "linear")
SQUARE_PRESETS = [name for name, kernel in PRESETS.items() if kernel.matrix.shape == (3, 3)]


@dataclass(frozen=True)
class Sliding:
    """How the kernel slides, as chosen on the page."""

    stride: int
    padding: str | int
    dilation: int
    flip: bool

    def kwargs(self) -> dict:
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation, "flip": self.flip}


# ----------------------------------------------------------------------------------------------
# Small display helpers
# ----------------------------------------------------------------------------------------------


def map_figure(values: np.ndarray, title: str = "", *, height: int = 380, bare: bool = False,
               signed: bool | None = None):
    """Heat map of a whole 2-D map, every k-th cell when it is large (colours by the rule of cnnviz.plots)."""
    shown, step = subsample_for_display(values, MAP_SIDE)
    return plots.heatmap(shown, title=title, step=step, value_format=".3~g", height=height, bare=bare,
                         show_values=max(shown.shape) <= NUMBERS_SIDE, signed=signed)


def drawn_note(values: np.ndarray) -> str:
    """Caption saying which cells of a large map its heat map shows."""
    step = subsample_for_display(values, MAP_SIDE)[1]
    return f"1 in {step} rows and columns drawn; hover for values" if step > 1 else "hover a cell for its value"


def sum_text(patch: np.ndarray, weights: np.ndarray, total: float) -> str:
    """'a·w + b·v + … = total' with the first few terms written out."""
    terms = [f"{p:.4g}·{w:.4g}" if w >= 0 else f"{p:.4g}·({w:.4g})"
             for p, w in zip(patch.ravel(), weights.ravel(), strict=True)]
    more = f" + … ({len(terms) - TERMS_SHOWN} more)" if len(terms) > TERMS_SHOWN else ""
    return f"{' + '.join(terms[:TERMS_SHOWN])}{more} = **{total:.4g}**"


# ----------------------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------------------


def sliding_controls(channels: int) -> tuple[Sliding, bool]:
    """Stride, padding, dilation, channel mode and flip; returns (sliding, per RGB channel)."""
    stride = int(st.number_input("Stride (step between windows)", 1, 16, 1, key="conv_stride",
                                 help="How many pixels the window moves each time, down and across."))
    choice = st.radio("Padding", PADDINGS, horizontal=True, key="conv_padding",
                      help="valid: no zeros; same: TensorFlow adds just enough zeros for ⌈n / stride⌉ outputs; "
                           "custom: P rings of zeros around the image.")
    padding: str | int = choice
    if choice == "custom P":
        padding = int(st.number_input("P: rings of zeros on every side", 0, 32, 1, key="conv_p"))
    dilation = int(st.number_input("Dilation (gaps between kernel taps)", 1, 8, 1, key="conv_dilation",
                                   help="Dilation d spreads the taps d pixels apart: a 3×3 kernel then spans "
                                        "2d + 1 pixels with the same 9 weights."))
    per_channel = channels == 3 and st.radio(
        "Apply to", ("grayscale", "each RGB channel"), horizontal=True, key="conv_channels") == "each RGB channel"
    flip = st.toggle("True convolution: rotate the kernel 180° first", key="conv_flip",
                     help="CNN layers compute cross-correlation (no flip). Mathematical convolution flips the "
                          "kernel; the two differ only for kernels that are not symmetric.")
    return Sliding(stride, padding, dilation, flip), per_channel


def matrix_slots(count: int, side: int) -> list:
    """Places for ``count`` worked-example matrices: side by side up to WIDE_MATRIX cells a side, else one
    full-width row each, so a large window keeps room for its numbers."""
    return [st.container() for _ in range(count)] if side > WIDE_MATRIX else st.columns(count)


def show_flip(kernel: np.ndarray) -> None:
    as_written, flipped = matrix_slots(2, max(kernel.shape))
    as_written.html(plots.matrix_table(kernel, "Kernel as written"))
    flipped.html(plots.matrix_table(np.rot90(kernel, 2), "Rotated 180°: what slides over the image"))
    if np.array_equal(kernel, np.rot90(kernel, 2)):
        st.caption("This kernel is symmetric: flipping changes nothing, so convolution and cross-correlation agree.")


def output_section(x: np.ndarray, kernel: np.ndarray, feature_map: np.ndarray, sliding: Sliding,
                   converted: bool) -> None:
    height, width, channels = x.shape
    out_h, out_w = feature_map.shape[:2]
    left, right = st.columns(2)
    input_caption = f"Input {height}×{width}×{channels}" + (" (converted to grayscale)" if converted else "")
    left.image(enlarge(x), width="stretch", caption=input_caption, alt=f"The input image, {height}×{width}×{channels}")
    if channels == 3:
        left.image(enlarge(np.clip(feature_map, 0, 255).astype(np.uint8)), width="stretch",
                   caption="The three filtered channels together as a photo (values clipped to 0–255)",
                   alt=f"The filtered image in colour, {out_h}×{out_w}×3")
    with right:
        name, plane = "", feature_map[:, :, 0]
        if channels == 3:
            name = st.radio("Channel shown as numbers", CHANNEL_NAMES, horizontal=True, key="conv_map_channel")
            plane = feature_map[:, :, CHANNEL_NAMES.index(name)]
        signed = plots.is_signed(kernel)  # a kernel with a negative weight makes a map that can be negative
        show_figure(map_figure(plane, signed=signed or None), width="stretch", key="conv_map")
        note = plots.colour_note(signed or plots.is_signed(plane))
        st.caption(f"Feature map {name} ({drawn_note(plane)}). {note}".replace("  ", " "))
    st.metric("Feature map size", f"{out_h} × {out_w} × {channels}",
              help="rows × columns × channels; each channel was filtered on its own")
    kh, kw = kernel.shape
    rows = ops.output_size_formula(height, kh, sliding.stride, sliding.padding, sliding.dilation)
    cols = ops.output_size_formula(width, kw, sliding.stride, sliding.padding, sliding.dilation)
    st.markdown(r"Output size: $\lfloor (n + 2P - F) / S \rfloor + 1$ for n input pixels, P zeros per side, "
                r"an F-tap kernel and stride S ($\lceil n / S \rceil$ for 'same'). With your numbers:")
    st.latex(rf"H' = {rows} \qquad W' = {cols}")
    if sliding.padding == "same":
        st.caption(same_padding_note(height, width, kernel.shape, sliding))
        for axis, n, k, sides in (("rows", height, kh, ("top", "bottom")), ("columns", width, kw, ("left", "right"))):
            before, after = ops.pad_amounts(n, k, sliding.stride, "same", sliding.dilation)
            if before != after:
                total = before + after
                st.info(f"'same' padding is **asymmetric** along the {axis}: it needs {total} "
                        f"zero{'s' if total > 1 else ''}, an odd number, so TensorFlow puts {before} at the "
                        f"{sides[0]} and {after} at the {sides[1]} (the extra zero always goes at the end).")
    if sliding.stride > sliding.dilation * (max(kh, kw) - 1) + 1:
        st.warning(f"The stride ({sliding.stride}) is larger than the kernel's reach: some pixels are never looked at.")


def same_padding_note(height: int, width: int, kernel_shape: tuple[int, int], sliding: Sliding) -> str:
    """Why 'same' gives the size it gives, and why it can equal 'valid' at a large stride."""
    pads = [sum(ops.pad_amounts(n, k, sliding.stride, "same", sliding.dilation))
            for n, k in ((height, kernel_shape[0]), (width, kernel_shape[1]))]
    target = rf"⌈{height}/{sliding.stride}⌉ × ⌈{width}/{sliding.stride}⌉"
    if not any(pads):
        return (f"'same' aims for {target} outputs, not the input's size: at stride {sliding.stride} that many "
                "windows already fit inside the image, so it adds no zeros and the result is exactly 'valid'.")
    return f"'same' aims for {target} outputs and adds {pads[0]} zero rows and {pads[1]} zero columns to get them."


def step_section(x: np.ndarray, kernel: np.ndarray, feature_map: np.ndarray, sliding: Sliding) -> None:
    """Pick an output cell; show its window on the padded input, the products and the sum."""
    height, width, channels = x.shape
    out_h, out_w = feature_map.shape[:2]

    def move(step: int) -> None:
        index = (st.session_state["conv_i"] * out_w + st.session_state["conv_j"] + step) % (out_h * out_w)
        st.session_state["conv_i"], st.session_state["conv_j"] = divmod(index, out_w)

    image_seen = (st.session_state.get("image_label"), x.shape)
    if "conv_i" not in st.session_state or st.session_state.get("conv_step_image") != image_seen:
        # A new image: start where the kernel responds most strongly.
        strongest = np.unravel_index(np.argmax(np.abs(feature_map[:, :, 0])), (out_h, out_w))
        st.session_state["conv_i"], st.session_state["conv_j"] = (int(v) for v in strongest)
        st.session_state["conv_step_image"] = image_seen
    # Keep the chosen cell inside the output when a setting shrinks it.
    st.session_state["conv_i"] = min(st.session_state["conv_i"], out_h - 1)
    st.session_state["conv_j"] = min(st.session_state["conv_j"], out_w - 1)
    row_column, col_column, back_column, next_column, channel_column = st.columns(
        [2, 2, 1, 1, 2], vertical_alignment="bottom")
    i = int(row_column.number_input("Output row", 0, out_h - 1, key="conv_i"))
    j = int(col_column.number_input("Output column", 0, out_w - 1, key="conv_j"))
    back_column.button("◀ Back", on_click=move, args=(-1,), key="conv_back", width="stretch", shortcut="Left")
    next_column.button("Step ▶", on_click=move, args=(1,), key="conv_next", width="stretch", shortcut="Right")
    channel = 0
    if channels == 3:
        channel = CHANNEL_NAMES.index(channel_column.selectbox("Channel", CHANNEL_NAMES, key="conv_step_channel"))
    plane = x[:, :, channel]
    step = ops.window_step(plane, kernel, i, j, **sliding.kwargs())
    kh, kw = kernel.shape
    (top, bottom), (left, right) = (ops.pad_amounts(n, k, sliding.stride, sliding.padding, sliding.dilation)
                                    for n, k in ((height, kh), (width, kw)))
    first_row, last_row = max(step.rows[0] - 2, -top), min(step.rows[-1] + 2, height - 1 + bottom)
    first_col, last_col = max(step.cols[0] - 2, -left), min(step.cols[-1] + 2, width - 1 + right)
    crop, crop_padding = ops.padded_crop(plane, first_row, first_col, last_row - first_row + 1,
                                         last_col - first_col + 1)
    window_column, sum_column = st.columns(2, gap="large")
    with window_column:
        st.markdown(f"**The window of output ({i}, {j}) on the padded input**")
        show_figure(plots.conv_window(crop, crop_padding, origin=(first_row, first_col), tap_rows=step.rows,
                                      tap_cols=step.cols, colorscale="gray", zmin=0, zmax=255),
                    width="stretch", key="conv_window")
        st.caption("Green frame: the pixels under the kernel. Orange: padding zeros (rows/columns below 0 or "
                   "past the edge).")
    with sum_column:
        st.markdown(f"**Multiply and add.** {sum_text(step.patch, step.kernel, step.total)}")
        value = round(float(feature_map[i, j, channel]), 6) + 0.0  # hide float round-off such as -4e-14
        st.success(f"That is cell ({i}, {j}) of the feature map: **{value:.4g}**. "
                   f"The window starts at padded row {i}·{sliding.stride} = {step.top} and column "
                   f"{j}·{sliding.stride} = {step.left}.")
        if step.is_padding.any():
            st.caption(f"{int(step.is_padding.sum())} of the {step.is_padding.size} taps fall on padding zeros.")
    patch_column, kernel_column, product_column = matrix_slots(3, max(step.kernel.shape))
    patch_column.html(plots.matrix_table(step.patch, "window (pixels)", colorscale="gray", zmin=0, zmax=255))
    kernel_column.html(plots.matrix_table(step.kernel, "× kernel" + (" (rotated 180°)" if sliding.flip else "")))
    product_column.html(plots.matrix_table(step.products, "= products, then add them all"))


def activation_and_pooling_section(plane: np.ndarray) -> None:
    """Activation, pooling and their sizes on one feature map; then max pooling's shift tolerance."""
    out_h, out_w = plane.shape
    act_column, pool_column, size_column, stride_column = st.columns(4)
    name = act_column.selectbox("Activation", ACTIVATION_CHOICES, key="conv_activation")
    kind = pool_column.radio("Pooling", ("max", "average", "global average"), key="conv_pool")
    size = int(size_column.number_input("Pool size", 1, 8, 2, key="conv_pool_size", disabled=kind == "global average"))
    stride = int(stride_column.number_input("Pool stride", 1, 8, 2, key="conv_pool_stride",
                                            disabled=kind == "global average"))
    activated = ops.activation(plane / 255.0, name)
    activated_column, pooled_column = st.columns(2)
    show_figure(map_figure(activated, f"After {name}: {out_h}×{out_w}", height=340),
                width="stretch", key="conv_activated", container=activated_column)
    try:
        if kind == "global average":
            pooled = ops.global_pool(activated[:, :, None], "avg").reshape(1, 1)
            formula = rf"{out_h}\times{out_w} \to 1\times 1"
        else:
            pooled = ops.pool2d(activated, size, stride, "valid", "max" if kind == "max" else "avg")
            formula = (rf"H'' = {ops.output_size_formula(out_h, size, stride, 0)} \qquad "
                       rf"W'' = {ops.output_size_formula(out_w, size, stride, 0)}")
    except InputError as error:
        pooled_column.error(f"Pooling: {error}")
        return
    show_figure(map_figure(pooled, f"After {kind} pooling: {pooled.shape[0]}×{pooled.shape[1]}",
                           height=340), width="stretch", key="conv_pooled", container=pooled_column)
    st.latex(formula)
    st.caption(f"Shapes: {out_h}×{out_w} feature map → {out_h}×{out_w} after {name} (element by element) → "
               f"{pooled.shape[0]}×{pooled.shape[1]} after pooling.")
    worked_examples.activation_curve_section()

    st.subheader("Does max pooling tolerate small shifts?")
    st.markdown("Move the input a few pixels to the right. A max-pooled cell keeps its value as long as the "
                "largest value of its window stays inside that window, so a shift smaller than the pool "
                "often changes little; a larger shift moves features into other windows.")
    shift = st.slider("Shift right by (pixels)", 0, 4, 1, key="conv_shift")
    toy = np.zeros((8, 8))
    toy[[1, 2, 5, 6], [0, 2, 4, 6]] = [9, 7, 8, 6]  # features on even columns: a 1-pixel shift stays in the window
    toy_shifted = shift_right(toy, shift)
    for column, values, title in zip(st.columns(4), (toy, toy_shifted, ops.pool2d(toy, 2),
                                                     ops.pool2d(toy_shifted, 2)),
                                     ("toy map", f"shifted by {shift}", "max-pooled 2×2", "shifted, max-pooled"),
                                     strict=True):
        column.html(plots.matrix_table(values, title, colorscale="Viridis", zmin=0, zmax=9))
    window = max(2, size) if kind != "global average" else 2
    shifted = shift_right(activated, shift)
    try:
        maps = {
            "the feature map": (activated, shifted),
            f"the max-pooled map ({window}×{window})": (ops.pool2d(activated, window), ops.pool2d(shifted, window)),
            f"the average-pooled map ({window}×{window})": (ops.pool2d(activated, window, kind="avg"),
                                                            ops.pool2d(shifted, window, kind="avg")),
        }
    except InputError as error:
        st.error(f"Pooling: {error}")
        return
    st.markdown("On your feature map (after the activation):")
    for column, (label, (before, after)) in zip(st.columns(3), maps.items(), strict=True):
        change = np.abs(after - before).sum() / max(float(np.abs(before).sum()), 1e-12)
        column.metric(f"Change in {label}", f"{100 * change:.0f} %",
                      help="Sum of the absolute differences divided by the sum of the absolute values.")
    st.caption("**Change** = Σ |after − before| ÷ Σ |before| over every cell: 0 % means nothing moved, 100 % "
               "that the differences add up to as much as the map itself (above 100 % when values move into "
               "cells that were empty). Thin strokes and edges usually change much less after max pooling; "
               "flat areas hardly change either way.")


def shift_right(values: np.ndarray, shift: int) -> np.ndarray:
    """The map moved ``shift`` columns to the right, zeros coming in from the left."""
    moved = np.zeros_like(values)
    moved[:, shift:] = values[:, : values.shape[1] - shift]
    return moved


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
        choice = column.selectbox(f"Slice for {name}", SQUARE_PRESETS, index=SQUARE_PRESETS.index(default),
                                  format_func=lambda key: PRESETS[key].name, key=f"conv_rgb_{name}")
        slices.append(PRESETS[choice].matrix)
    bias = float(columns[3].number_input("Bias", -255.0, 255.0, 0.0, 1.0, key="conv_bias"))
    weights = np.stack(slices, axis=2)  # (3, 3, 3): rows, columns, input channel
    partials = [ops.conv2d(rgb[:, :, c], weights[:, :, c]) for c in range(3)]
    combined = sum(partials) + bias
    as_layer = ops.conv2d(rgb, weights[:, :, :, None])[:, :, 0] + bias
    for column, name, partial in zip(st.columns(4), (*CHANNEL_NAMES, "sum"), (*partials, combined), strict=True):
        title = f"{name} channel ⋆ its slice" if name != "sum" else f"sum of the three + bias {bias:g}"
        column.markdown(f"**{title}**")
        show_figure(map_figure(partial, height=240, bare=True), width="stretch", key=f"conv_partial_{name}",
                    container=column)
    st.caption(f"Input {rgb.shape[0]}×{rgb.shape[1]}×3 → one {combined.shape[0]}×{combined.shape[1]} map "
               f"({drawn_note(combined)}). Same numbers as a Conv2D layer with this one filter: largest "
               f"difference {float(np.abs(combined - as_layer).max()):.1g}. That filter has 3·3·3 weights + 1 bias "
               "= 28 parameters.")
    extra = ("sobel_y", "box_blur", "laplacian")
    stack_kernel = np.stack([weights] + [np.repeat(PRESETS[key].matrix[:, :, None], 3, axis=2) / 3 for key in extra],
                            axis=3)
    stack = ops.conv2d(rgb, stack_kernel)
    with st.expander(f"Several filters give a stack of maps: 4 filters → {stack.shape[0]}×{stack.shape[1]}×4"):
        shown, _ = subsample_for_display(stack, MAP_SIDE)
        show_figure(plots.feature_maps(shown, columns=4, tile_pixels=70), width="stretch", key="conv_stack")
        st.caption("Your filter, then Sobel y, box blur and Laplacian (each averaged over R, G, B). A Conv2D layer "
                   "with these 4 filters has (3·3·3 + 1)·4 = 112 parameters and outputs 4 channels.")


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
        st.error(f"Kernel: its {len(kernel)} numbers are longer than the padded signal ({len(signal)} + 2·{padding} "
                 f"= {len(signal) + 2 * padding}); shorten the kernel, lengthen the signal or add padding.")
        return
    output = ops.conv1d(signal, kernel, stride=stride, padding=padding)
    position = 0
    if len(output) > 1:
        position = st.slider("Window position (output index)", 0, len(output) - 1, 0, key="conv_position_1d")
    step = ops.window_step(signal[None, :], kernel[None, :], 0, position, stride=(1, stride), padding=(0, padding))
    show_figure(plots.sliding_1d(signal, kernel, output, position=position, stride=stride, padding=padding),
                width="stretch", key="conv_1d")
    indices = ", ".join(str(c) for c in step.cols)
    st.markdown(f"output[{position}] uses x[{indices}]: {sum_text(step.patch, step.kernel, step.total)}.  \n"
                f"Output length ⌊({len(signal)} + 2·{padding} − {len(kernel)}) / {stride}⌋ + 1 = **{len(output)}**.")


@st.fragment
def kernel_and_maps(image: np.ndarray) -> None:
    """Sections 1-4. A fragment: changing the kernel, stride or a window reruns only these sections,
    not the colour and 1-D sections below, so the new feature map is on screen sooner."""
    st.header("1 · The kernel and how it slides")
    kernel_column, settings_column = st.columns([3, 2], gap="large")
    with kernel_column:
        kernel = kernel_editor("conv_kernel")
    with settings_column:
        sliding, per_channel = sliding_controls(image.shape[2])
    if kernel is not None and sliding.flip:
        show_flip(kernel)

    x = image if per_channel else to_grayscale(image)
    feature_map = None
    if kernel is None:
        st.info("Fix the kernel above to see the feature map.")
    else:
        try:
            feature_map = ops.conv2d(x, kernel, **sliding.kwargs())
        except InputError as error:
            st.error(str(error))

    if feature_map is not None:
        st.header("2 · Input and feature map")
        output_section(x, kernel, feature_map, sliding, converted=x.shape[2] != image.shape[2])
        st.header("3 · One window, step by step")
        st.markdown("Pick an output cell, or press **Step ▶** to slide the window along: its pixels on the padded "
                    "input, the products with the kernel, and their sum.")
        step_section(x, kernel, feature_map, sliding)
        st.header("4 · Activation and pooling")
        st.markdown("A layer's feature map then goes through an **activation**, element by element, and often a "
                    "**pooling** layer that shrinks it. Networks see pixels scaled to [0, 1], so the feature map "
                    "is divided by 255 first." + (" Shown for the red channel." if x.shape[2] == 3 else ""))
        activation_and_pooling_section(feature_map[:, :, 0])
        worked_examples.dropout_section()
    share_link("convolution")  # in the fragment: a stride change updates the link too


# ----------------------------------------------------------------------------------------------
# The page
# ----------------------------------------------------------------------------------------------

require_app_navigation()
st.title("Convolution: slide a kernel over your image")
open_link("convolution")
st.markdown(
    "A convolution layer slides a small grid of weights, the **kernel**, over the image. At every position "
    "it multiplies each weight by the pixel under it and **adds up the products**: that sum is one cell of "
    "the output, the **feature map**. Choose an image and a kernel, then change the stride, padding and "
    "dilation and watch the output and its size change."
)
with st.container(border=True):
    image = image_input("conv")
kernel_and_maps(image)

st.header("5 · Colour images: one 3×3×3 filter gives one feature map")
st.markdown(
    "On a colour image a filter has one 3×3 slice **per input channel**. Each slice filters its own channel; "
    "the three partial maps are **added together with a bias**, giving **one** feature map. A layer with F "
    "filters stacks F such maps."
)
colour_section(image)

st.header("6 · The same idea in one dimension")
st.markdown("A 1-D convolution slides a short kernel along a signal (a sound, a sensor reading, a row of pixels).")
one_dimension_section()
worked_examples.flip_1d_section()

st.header("7 · Worked examples of the course: type your own numbers")
worked_examples.worked_examples_section()

st.header("8 · Transposed convolution: growing a map")
st.markdown("Decoders (autoencoders, U-Nets) grow small maps back: every input cell **scatters** the kernel, "
            "scaled by its value, into the output; where scattered kernels overlap, they add up.")
transposed_section(image)

st.header("9 · Depthwise, separable or standard?")
costs_section(image.shape)
