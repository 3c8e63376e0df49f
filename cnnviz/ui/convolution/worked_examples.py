"""Convolution-page sections that make the course's worked examples live: a small grid editor with
named examples (and an optional "predict, then check" for the output size), the 1-D flip between
convolution and cross-correlation, activation curves with their formulas, and dropout on one batch.
Keys start with ``worked_``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import learning, ops, plots, worked
from cnnviz.errors import InputError
from cnnviz.plots import matrix_table
from cnnviz.plots.course import curves
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.presentation import show_figure

FORMULAS = {
    "relu": r"\mathrm{ReLU}(x) = \max(0, x)",
    "leaky_relu": rf"\mathrm{{LeakyReLU}}(x) = x \text{{ if }} x \ge 0 \text{{ else }} {ops.LEAKY_RELU_SLOPE:g}\,x",
    "tanh": r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
    "sigmoid": r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    "elu": r"\mathrm{ELU}(x) = x \text{ if } x > 0 \text{ else } e^{x} - 1",
    "linear": r"f(x) = x",
}


def _grid_editor(values: np.ndarray, key: str) -> np.ndarray:
    """An editable grid of numbers (one column per matrix column); returns what the student typed."""
    frame = pd.DataFrame(values, columns=[str(c) for c in range(values.shape[1])])
    edited = st.data_editor(
        frame,
        key=key,
        hide_index=True,
        width="content",
        column_config={c: st.column_config.NumberColumn(c, width="small") for c in frame},
    )
    return edited.to_numpy(dtype=float)


def _products(values: np.ndarray, weights: np.ndarray) -> str:
    """'a·w + b·(−v) + …': each product written out, negative factors in brackets."""
    return " + ".join(
        f"{p:g}·{k:g}" if k >= 0 else f"{p:g}·({k:g})" for p, k in zip(np.ravel(values), np.ravel(weights), strict=True)
    )


def worked_examples_section() -> None:
    """Type your own input: a named example of the course, editable, with its output and formula."""
    name = st.selectbox(
        "Worked example", list(worked.EXAMPLES), key="worked_example", format_func=lambda k: worked.EXAMPLES[k].title
    )
    example = worked.EXAMPLES[name]
    version = st.session_state.setdefault("worked_version", 0)
    if st.button("↺ Reset to the example's numbers", key="worked_reset"):
        st.session_state["worked_version"] = version = version + 1
    convolution = example.operation == "convolution"
    columns = st.columns([5, 3, 2] if convolution else [2, 3])
    with columns[0]:
        st.markdown("**Input** (edit any cell)")
        image = _grid_editor(example.image, f"worked_image_{name}_{version}")
    kernel, stride, padding = None, 1, 0
    if example.kernel is not None:
        with columns[1]:
            st.markdown("**Kernel K**")
            kernel = _grid_editor(example.kernel, f"worked_kernel_{name}_{version}")
        with columns[2]:
            stride = int(st.number_input("Stride S", 1, 4, 1, key="worked_stride"))
            padding = int(st.number_input("Padding P (zeros)", 0, 3, 0, key="worked_padding"))
    try:
        output = worked.apply(example, image, kernel, stride=stride, padding=padding)
    except InputError as error:
        st.error(str(error))
        return
    if kernel is not None and not _predicted(image.shape[0], kernel.shape[0], stride, padding, output.shape[0]):
        return
    if kernel is not None:
        st.latex(r"O[i, j] = \sum_{m}\sum_{n} I[i\cdot S + m,\; j\cdot S + n]\; K[m, n]")
        step_through(image, kernel, stride, padding, output, key=f"{name}_{version}")
    else:
        with columns[-1]:
            st.html(matrix_table(output, f"Output {output.shape[0]}×{output.shape[1]}"))
        window = image[:2, :2].ravel()
        listed = ", ".join(f"{v:g}" for v in window)
        st.latex(
            rf"\max({listed}) = {window.max():g}"
            if example.operation == "max pooling"
            else rf"\frac{{{' + '.join(f'{v:g}' for v in window)}}}{{{window.size}}} = {window.mean():g}"
        )
    st.caption(example.note)


def _move(key: str, cells: int, step: int) -> None:
    st.session_state[key] = (st.session_state.get(key, 0) + step) % cells


def _last(key: str, cells: int) -> None:
    st.session_state[key] = cells - 1


def step_through(
    image: np.ndarray, kernel: np.ndarray, stride: int, padding: int, output: np.ndarray, *, key: str
) -> None:
    """The output filled in cell by cell: Step ▶ moves the window on, showing its products and their sum."""
    out_h, out_w = output.shape
    cell_key = "worked_cell"
    if st.session_state.get("worked_cell_of") != (key, output.shape):
        st.session_state[cell_key], st.session_state["worked_cell_of"] = 0, (key, output.shape)
    cells = out_h * out_w
    back, forward, everything, where = st.columns([1, 1, 1, 3], vertical_alignment="center")
    back.button("◀ Back", key="worked_back", on_click=_move, args=(cell_key, cells, -1), width="stretch")
    forward.button("Step ▶", key="worked_next", on_click=_move, args=(cell_key, cells, 1), width="stretch")
    everything.button("All ⏭", key="worked_all", on_click=_last, args=(cell_key, cells), width="stretch")
    index = st.session_state[cell_key] % cells
    i, j = divmod(index, out_w)
    where.markdown(f"Output cell **({i}, {j})**, {index + 1} of {cells}")
    step = ops.window_step(image, kernel, i, j, stride=stride, padding=padding)
    shown = np.full(output.shape, np.nan)
    shown.flat[: index + 1] = output.flat[: index + 1]
    window_column, output_column = st.columns([3, 2], gap="large")
    with window_column:
        padded = image.shape[0] + 2 * padding, image.shape[1] + 2 * padding
        values, is_padding = ops.padded_crop(image, -padding, -padding, *padded)
        show_figure(
            plots.conv_window(
                values, is_padding, origin=(-padding, -padding), tap_rows=step.rows, tap_cols=step.cols, height=320
            ),
            key="worked_window",
            alt=f"The input with the window of output cell ({i}, {j}) framed",
        )
    with output_column:
        scale = plots.value_scale(output)  # the finished output's colours, so a cell keeps its colour as it fills
        st.html(matrix_table(shown, f"Output {out_h}×{out_w}, filled up to ({i}, {j})", **scale))
    patch_column, kernel_column, product_column = st.columns(3)
    patch_column.html(matrix_table(step.patch, "window"))
    kernel_column.html(matrix_table(step.kernel, "× kernel"))
    product_column.html(matrix_table(step.products, "= products"))
    st.markdown(f"O[{i}, {j}] = {_products(step.patch, step.kernel)} = **{step.total:g}**")


def _predicted(n: int, k: int, stride: int, padding: int, size: int) -> bool:
    """With "Predict, then check" on, show the output only once the student has checked a guess."""
    if not st.toggle("Predict, then check: guess the output size first", key="worked_predict"):
        return True
    guess = st.number_input("Your output height", 0, 50, 0, key="worked_guess")
    if not st.button("Check", key="worked_check"):
        st.info("Type how many rows the output has, then press Check.")
        return False
    formula = f"⌊({n} + 2·{padding} − {k}) / {stride}⌋ + 1 = {size}"
    (st.success if guess == size else st.warning)(("Right: " if guess == size else f"Not {guess}: ") + formula)
    return True


def flip_1d_section() -> None:
    """The course's 1-D example: cross-correlation (as written) beside convolution (kernel flipped)."""
    signal, kernel = worked.COURSE_SIGNAL, worked.COURSE_KERNEL_1D
    correlation, convolution = worked.convolution_and_correlation(signal, kernel)
    st.markdown(
        f"The course slides the kernel g = [{', '.join(f'{v:g}' for v in kernel)}] along a signal that starts "
        f"x = [{', '.join(f'{v:g}' for v in signal)}]. Two operations are called convolution:"
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**Cross-correlation** (what Conv1D/Conv2D layers compute): the kernel as written.")
        st.latex(r"y[n] = \sum_{k} x[n + k]\; g[k]")
        st.markdown(
            f"y[0] = {_products(signal[:4], kernel)} = **{correlation[0]:g}**; "
            f"y = [{', '.join(f'{v:g}' for v in correlation)}]"
        )
    with right:
        st.markdown("**Convolution** (signal processing): the kernel flipped first, g reversed.")
        st.latex(r"y[n] = \sum_{k} x[n + k]\; g[K - 1 - k]")
        st.markdown(
            f"y[0] = {_products(signal[:4], kernel[::-1])} = **{convolution[0]:g}**; "
            f"y = [{', '.join(f'{v:g}' for v in convolution)}]"
        )
    st.caption(
        "A network learns its kernels, so whether they are flipped makes no difference to what it can "
        "learn; it matters only when you copy a kernel from a signal-processing text, or use "
        "scipy.signal.convolve2d, which flips."
    )


def activation_curve_section(name: str) -> None:
    """The activation ``name`` chosen on the page, drawn as a curve with its formula (the others in light lines)."""
    st.subheader("The activation as a curve")
    x = np.linspace(-4, 4, 161)
    shown = ("relu", "leaky_relu", "tanh", "sigmoid")
    lines = {other: ops.activation(x, other) for other in shown if other != name}
    lines[name] = ops.activation(x, name)  # drawn last, on top of the others
    formula_column, plot_column = st.columns([2, 3])
    with formula_column:
        st.markdown(f"**{name}**, applied to every value of the feature map:")
        st.latex(FORMULAS.get(name, "f(x)"))
        if name == "leaky_relu":
            st.caption(
                f"Slope {ops.LEAKY_RELU_SLOPE:g} below 0, as the function keras.activations.leaky_relu; "
                "the LeakyReLU layer's default is 0.3."
            )
    show_figure(
        curves(x, lines, x_title="input x", y_title="output f(x)", height=260),
        key="worked_activation_curve",
        container=plot_column,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _dropped(rate: float, seed: int) -> np.ndarray:
    return learning.dropout_batch(np.ones((4, 12)), rate, seed=seed)


def dropout_section() -> None:
    """Which units Dropout zeroes on one batch (4 images × 12 units), and how it scales the rest."""
    st.subheader("Dropout: switching units off while training", anchor="dropout")
    course_note("dropout")
    st.markdown(
        "Dropout(p) sets a random share p of a layer's values to 0 on each training batch, so the network "
        "cannot lean on any single unit; the course's Fashion-MNIST model uses Dropout(0.3) twice."
    )
    rate_column, batch_column = st.columns(2)
    rate = rate_column.select_slider("Dropout rate p", (0.1, 0.3, 0.5, 0.7), value=0.3, key="worked_dropout")
    batch = int(batch_column.number_input("Training batch number", 0, 99, 0, key="worked_dropout_batch"))
    out = _dropped(rate, batch)
    st.html(
        matrix_table(
            out, f"Dropout({rate:g}) on 4 images × 12 units, all equal to 1 (batch {batch})", value_format=".3g"
        )
    )
    st.markdown(
        f"{int((out == 0).sum())} of {out.size} units are 0 on this batch; the others become "
        f"1 / (1 − {rate:g}) = **{1 / (1 - rate):.3g}**, so the layer's average output stays the same. "
        "Another batch zeroes other units; at test time Dropout does nothing."
    )
