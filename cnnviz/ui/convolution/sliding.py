"""The convolution page's first sections: the kernel and how it slides, the feature map, one window step by step.

:func:`kernel_and_maps` is a fragment: changing the kernel or the stride reruns only these sections
(and activation and pooling, :mod:`cnnviz.ui.convolution.pooling`), not the rest of the page; moving the
window reruns only :func:`step_section`, a fragment inside it. Section 4 is drawn on demand
(:func:`cnnviz.ui.on_demand.on_demand`): closed, a stride click redraws only the feature map, the formula
and the window. On a large image nothing a click redraws is a Plotly chart: the feature map is a picture
(:func:`cnnviz.ui.convolution.display.show_map`), the window an SVG.
"""

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz import ops, plots
from cnnviz.errors import InputError
from cnnviz.figure_text import describe_window
from cnnviz.images import CHANNEL_NAMES, to_grayscale
from cnnviz.options import CONV_DILATIONS, CONV_PADDING_ZEROS, CONV_PADDINGS, CONV_STRIDES
from cnnviz.plots.pictures import window_svg, window_width
from cnnviz.ui import state
from cnnviz.ui.convolution import OPEN_KEYS, worked_examples
from cnnviz.ui.convolution.display import enlarged_png, show_map, sum_text
from cnnviz.ui.convolution.pooling import activation_and_pooling_section
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.first_screen import first_screen_drawn
from cnnviz.ui.kernel_editor import kernel_editor
from cnnviz.ui.links import just_linked, share_link
from cnnviz.ui.on_demand import on_demand
from cnnviz.ui.presentation import is_presenting

WINDOW_WIDTH = 560  # pixels: the widest the window picture is drawn (a larger crop gets smaller cells)
WINDOW_CELL_PX = 48  # pixels a side of one of its cells when the crop is small
WIDE_MATRIX = 7  # worked-example matrices larger than this get a full-width row instead of a column
CUSTOM = CONV_PADDINGS["custom"]
POOLING_OPEN = OPEN_KEYS["pooling"]  # section 4 is drawn while this expander is open
POOLING_KEYS = ("conv_activation", "conv_pool", "conv_pool_size", "conv_pool_stride")


@dataclass(frozen=True)
class Sliding:
    """How the kernel slides, as chosen on the page."""

    stride: int
    padding: str | int
    dilation: int
    flip: bool

    def kwargs(self) -> dict:
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation, "flip": self.flip}


def sliding_controls(channels: int) -> tuple[Sliding, bool]:
    """Stride, padding, dilation, channel mode and flip; returns (sliding, per RGB channel)."""
    stride = int(
        st.number_input(
            "Stride (step between windows)",
            CONV_STRIDES.low,
            CONV_STRIDES.high,
            1,
            key="conv_stride",
            help="How many pixels the window moves each time, down and across.",
        )
    )
    choice = st.radio(
        "Padding",
        list(CONV_PADDINGS.values()),
        horizontal=True,
        key="conv_padding",
        help="valid: no zeros; same: TensorFlow adds just enough zeros for ⌈n / stride⌉ outputs; "
        "custom: P rings of zeros around the image.",
    )
    padding: str | int = choice
    if choice == CUSTOM:
        zeros = CONV_PADDING_ZEROS
        padding = int(st.number_input("P: rings of zeros on every side", zeros.low, zeros.high, 1, key="conv_p"))
    dilation = int(
        st.number_input(
            "Dilation (gaps between kernel taps)",
            CONV_DILATIONS.low,
            CONV_DILATIONS.high,
            1,
            key="conv_dilation",
            help="Dilation d spreads the taps d pixels apart: a 3×3 kernel then spans "
            "2d + 1 pixels with the same 9 weights.",
        )
    )
    per_channel = (
        channels == 3
        and st.radio("Apply to", ("grayscale", "each RGB channel"), horizontal=True, key="conv_channels")
        == "each RGB channel"
    )
    flip = st.toggle(
        "True convolution: rotate the kernel 180° first",
        key="conv_flip",
        help="CNN layers compute cross-correlation (no flip). Mathematical convolution flips the "
        "kernel; the two differ only for kernels that are not symmetric.",
    )
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


def output_section(
    x: np.ndarray, kernel: np.ndarray, feature_map: np.ndarray, sliding: Sliding, converted: bool
) -> None:
    height, width, channels = x.shape
    out_h, out_w = feature_map.shape[:2]
    left, right = st.columns(2)
    input_caption = f"Input {height}×{width}×{channels}" + (" (converted to grayscale)" if converted else "")
    left.image(
        enlarged_png(x),
        width="stretch",
        caption=input_caption,
        alt=f"The input image, {height}×{width}×{channels}",
        output_format="PNG",  # sent as encoded: "auto" would re-encode it as a JPEG on every run
    )
    if channels == 3:
        left.image(
            enlarged_png(np.clip(feature_map, 0, 255).astype(np.uint8)),
            width="stretch",
            caption="The three filtered channels together as a photo (values clipped to 0–255)",
            alt=f"The filtered image in colour, {out_h}×{out_w}×3",
            output_format="PNG",
        )
    with right:
        name, plane = "", feature_map[:, :, 0]
        if channels == 3:
            name = st.radio("Channel shown as numbers", CHANNEL_NAMES, horizontal=True, key="conv_map_channel")
            plane = feature_map[:, :, CHANNEL_NAMES.index(name)]
        signed = plots.is_signed(kernel)  # a kernel with a negative weight makes a map that can be negative
        drawn = show_map(plane, key="conv_map", signed=signed or None)
        note = plots.colour_note(signed or plots.is_signed(plane))
        st.caption(f"Feature map {name} ({drawn}). {note}".replace("  ", " "))
    st.metric(
        "Feature map size",
        f"{out_h} × {out_w} × {channels}",
        help="rows × columns × channels; each channel was filtered on its own",
    )
    kh, kw = kernel.shape
    rows = ops.output_size_formula(height, kh, sliding.stride, sliding.padding, sliding.dilation)
    cols = ops.output_size_formula(width, kw, sliding.stride, sliding.padding, sliding.dilation)
    st.markdown(
        r"Output size: $\lfloor (n + 2P - F) / S \rfloor + 1$ for n input pixels, P zeros per side, "
        r"an F-tap kernel and stride S ($\lceil n / S \rceil$ for 'same'). With your numbers:"
    )
    st.latex(rf"H' = {rows} \qquad W' = {cols}")
    if sliding.padding == "same":
        st.caption(same_padding_note(height, width, kernel.shape, sliding))
        for axis, n, k, sides in (("rows", height, kh, ("top", "bottom")), ("columns", width, kw, ("left", "right"))):
            before, after = ops.pad_amounts(n, k, sliding.stride, "same", sliding.dilation)
            if before != after:
                total = before + after
                st.info(
                    f"'same' padding is **asymmetric** along the {axis}: it needs {total} "
                    f"zero{'s' if total > 1 else ''}, an odd number, so TensorFlow puts {before} at the "
                    f"{sides[0]} and {after} at the {sides[1]} (the extra zero always goes at the end)."
                )
    if sliding.stride > sliding.dilation * (max(kh, kw) - 1) + 1:
        st.warning(f"The stride ({sliding.stride}) is larger than the kernel's reach: some pixels are never looked at.")


def same_padding_note(height: int, width: int, kernel_shape: tuple[int, int], sliding: Sliding) -> str:
    """Why 'same' gives the size it gives, and why it can equal 'valid' at a large stride."""
    pads = [
        sum(ops.pad_amounts(n, k, sliding.stride, "same", sliding.dilation))
        for n, k in ((height, kernel_shape[0]), (width, kernel_shape[1]))
    ]
    target = rf"⌈{height}/{sliding.stride}⌉ × ⌈{width}/{sliding.stride}⌉"
    if not any(pads):
        return (
            f"'same' aims for {target} outputs, not the input's size: at stride {sliding.stride} that many "
            "windows already fit inside the image, so it adds no zeros and the result is exactly 'valid'."
        )
    return f"'same' aims for {target} outputs and adds {pads[0]} zero rows and {pads[1]} zero columns to get them."


@st.fragment
def step_section(x: np.ndarray, kernel: np.ndarray, feature_map: np.ndarray, sliding: Sliding) -> None:
    """Pick an output cell; show its window on the padded input, the products and the sum.

    A fragment inside :func:`kernel_and_maps`: Step ▶ and the cell's row and column rerun only this section,
    so the feature map (which a step does not change) is neither recomputed nor sent again."""
    height, width, channels = x.shape
    out_h, out_w = feature_map.shape[:2]

    def move(step: int) -> None:
        index = (st.session_state["conv_i"] * out_w + st.session_state["conv_j"] + step) % (out_h * out_w)
        st.session_state["conv_i"], st.session_state["conv_j"] = divmod(index, out_w)

    image_seen = (state.image_label(), x.shape)
    if "conv_i" not in st.session_state or st.session_state.get("conv_step_image") != image_seen:
        # A new image: start where the kernel responds most strongly.
        strongest = np.unravel_index(np.argmax(np.abs(feature_map[:, :, 0])), (out_h, out_w))
        st.session_state["conv_i"], st.session_state["conv_j"] = (int(v) for v in strongest)
        st.session_state["conv_step_image"] = image_seen
    # Keep the chosen cell inside the output when a setting shrinks it.
    st.session_state["conv_i"] = min(st.session_state["conv_i"], out_h - 1)
    st.session_state["conv_j"] = min(st.session_state["conv_j"], out_w - 1)
    row_column, col_column, back_column, next_column, channel_column = st.columns(
        [2, 2, 1, 1, 2], vertical_alignment="bottom"
    )
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
    (top, bottom), (left, right) = (
        ops.pad_amounts(n, k, sliding.stride, sliding.padding, sliding.dilation) for n, k in ((height, kh), (width, kw))
    )
    first_row, last_row = max(step.rows[0] - 2, -top), min(step.rows[-1] + 2, height - 1 + bottom)
    first_col, last_col = max(step.cols[0] - 2, -left), min(step.cols[-1] + 2, width - 1 + right)
    crop, crop_padding = ops.padded_crop(
        plane, first_row, first_col, last_row - first_row + 1, last_col - first_col + 1
    )
    window_column, sum_column = st.columns(2, gap="large")
    with window_column:
        title = f"The window of output ({i}, {j}) on the padded input"
        st.markdown(f"**{title}**")
        origin = (first_row, first_col)
        picture = window_svg(
            crop,
            crop_padding,
            origin=origin,
            tap_rows=step.rows,
            tap_cols=step.cols,
            zmin=0,
            zmax=255,
            bold=is_presenting(),
        )
        with st.container(key="conv_window"):  # an SVG, not a Plotly chart: a step redraws in a millisecond
            st.image(
                picture,
                width=min(WINDOW_WIDTH, window_width(crop.shape[1], WINDOW_CELL_PX)),
                alt=describe_window(
                    crop, crop_padding, origin=origin, tap_rows=step.rows, tap_cols=step.cols, title=title
                ),
            )
        st.caption(
            "Green frame: the pixels under the kernel. Orange: padding zeros (rows/columns below 0 or past the edge)."
        )
    with sum_column:
        st.markdown(f"**Multiply and add.** {sum_text(step.patch, step.kernel, step.total)}")
        value = round(float(feature_map[i, j, channel]), 6) + 0.0  # hide float round-off such as -4e-14
        st.success(
            f"That is cell ({i}, {j}) of the feature map: **{value:.4g}**. "
            f"The window starts at padded row {i}·{sliding.stride} = {step.top} and column "
            f"{j}·{sliding.stride} = {step.left}."
        )
        if step.is_padding.any():
            st.caption(f"{int(step.is_padding.sum())} of the {step.is_padding.size} taps fall on padding zeros.")
    patch_column, kernel_column, product_column = matrix_slots(3, max(step.kernel.shape))
    patch_column.html(plots.matrix_table(step.patch, "window (pixels)", colorscale="gray", zmin=0, zmax=255))
    kernel_column.html(plots.matrix_table(step.kernel, "× kernel" + (" (rotated 180°)" if sliding.flip else "")))
    product_column.html(plots.matrix_table(step.products, "= products, then add them all"))


def _activation_pooling_dropout(plane: np.ndarray) -> None:
    activation_and_pooling_section(plane)
    worked_examples.dropout_section()


@st.fragment
def kernel_and_maps(image: np.ndarray) -> None:
    """Sections 1-4. A fragment: changing the kernel, stride or a window reruns only these sections,
    not the colour and 1-D sections below, so the new feature map is on screen sooner."""
    st.header("1 · The kernel and how it slides", anchor="kernel-slides")
    course_note("kernel-slides")
    st.markdown(
        "New to this? [Step through the course's 6×6 and 5×5 examples first](#worked-examples): every "
        "window, every product, on numbers small enough to check by hand."
    )
    kernel_column, settings_column = st.columns([3, 2], gap="large")
    with kernel_column:
        kernel = kernel_editor("conv_kernel")
    with settings_column:
        sliding, per_channel = sliding_controls(image.shape[2])
    if kernel is not None and sliding.flip:
        show_flip(kernel)

    if not first_screen_drawn("conv_first_screen"):
        return  # sections 2-4 come in this fragment's next run, once the browser shows the controls
    x = image if per_channel else to_grayscale(image)
    feature_map = None
    if kernel is None:
        st.info("Fix the kernel above to see the feature map.")
    else:
        try:
            feature_map = ops.conv2d(x, kernel, **sliding.kwargs())
        except InputError as error:
            st.error(str(error))

    if kernel is not None and feature_map is not None:
        st.header("2 · Input and feature map", anchor="input-and-feature-map")
        course_note("input-and-feature-map")
        output_section(x, kernel, feature_map, sliding, converted=x.shape[2] != image.shape[2])
        st.header("3 · One window, step by step")
        st.markdown(
            "Pick an output cell, or press **Step ▶** to slide the window along: its pixels on the padded "
            "input, the products with the kernel, and their sum."
        )
        step_section(x, kernel, feature_map, sliding)
        st.header("4 · Activation and pooling", anchor="activation-and-pooling")
        course_note("activation-and-pooling")
        st.markdown(
            "A layer's feature map then goes through an **activation**, element by element, and often a "
            "**pooling** layer that shrinks it. Networks see pixels scaled to [0, 1], so the feature map "
            "is divided by 255 first." + (" Shown for the red channel." if x.shape[2] == 3 else "")
        )
        if any(just_linked(key) for key in POOLING_KEYS):  # a link that sets them shows them
            st.session_state[POOLING_OPEN] = True
        for key in POOLING_KEYS:  # kept while the section is closed: the student's choice and the link keep it
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        on_demand(
            "Show the activation, pooling, max pooling's shifts and dropout",
            POOLING_OPEN,
            _activation_pooling_dropout,
            feature_map[:, :, 0],
            holds=("shift-tolerance", "dropout"),
        )
    share_link("convolution")  # in the fragment: a stride change updates the link too
