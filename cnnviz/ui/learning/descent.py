"""The descent sections of the "How a network learns" page: gradient descent, one real backpropagation
step, mini-batches and optimizers (keys start with ``learn_``; numbers from :mod:`cnnviz.learning`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import learning
from cnnviz.errors import InputError
from cnnviz.plots import matrix_table
from cnnviz.plots.course import curves
from cnnviz.text import decimals
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.presentation import show_chart_picture

RATES = (0.01, 0.1, 0.45, 0.9, 1.0, 1.1)


def gradient_descent_section() -> None:
    """One weight on a bowl-shaped loss: the steps of w ← w − η·dL/dw for a chosen learning rate."""
    st.subheader("3 · Gradient descent: walk downhill, one step at a time", anchor="gradient-descent")
    course_note("gradient-descent")
    bowl = learning.Bowl()
    st.markdown(
        f"Pretend the network has one weight w and its loss is L(w) = (w − {bowl.best:g})². The gradient "
        "dL/dw = 2(w − 3) says which way is uphill; each step goes the other way, scaled by the **learning rate** "
        "η: $w \\leftarrow w - \\eta \\cdot \\frac{dL}{dw}$."
    )
    c1, c2, c3 = st.columns(3)
    rate = c1.select_slider("Learning rate η", RATES, value=0.1, key="learn_rate")
    start = c2.slider("Start weight w₀", -4.0, 10.0, -2.0, 0.5, key="learn_start")
    steps = c3.slider("Steps", 1, 30, 10, key="learn_steps")
    weights = learning.gradient_descent(bowl, start, rate, steps)
    verdict = learning.step_verdict(bowl, rate)
    shown = weights[np.abs(weights - bowl.best) < 50]
    span = max(abs(start - bowl.best), float(np.max(np.abs(shown - bowl.best))) if shown.size else 0) + 1
    grid = np.linspace(bowl.best - span, bowl.best + span, 300)
    show_chart_picture(
        curves(
            grid,
            {"loss L(w)": bowl.loss(grid)},
            x_title="weight w",
            y_title="loss",
            height=300,
            points={"steps": (shown, bowl.loss(shown))},
        ),
        key="learn_gd",
    )
    first = weights[1] if len(weights) > 1 else weights[0]
    st.markdown(
        f"First step: w₁ = {start:g} − {rate:g}·2·({start:g} − 3) = **{first:.4g}**. "
        f"Each step multiplies the distance to 3 by 1 − 2η = {1 - 2 * rate:.2g}: **{verdict}**."
    )
    advice = {
        "too small": "the loss goes down, but so slowly that training would need many more epochs.",
        "good": "a few steps reach the bottom.",
        "overshooting": "each step jumps past the bottom and back, yet still closes in.",
        "bouncing": "the steps jump from side to side forever at the same height.",
        "diverging": "each jump lands higher than the last: the loss explodes (you see NaN in training).",
    }
    (st.error if verdict == "diverging" else st.info)(f"η = {rate:g}: {advice[verdict]}")


@st.cache_data(show_spinner=False, max_entries=8)
def _backprop(rate: float) -> learning.BackpropStep:
    return learning.backprop_step(learning_rate=rate)


def backprop_section() -> None:
    """One real training step: a 3×3 filter's weights before, their gradients, and after."""
    st.subheader("4 · Backpropagation: one real training step", anchor="backpropagation")
    course_note("backpropagation")
    st.markdown(
        "A tiny network — Conv2D with one 3×3 filter, Flatten, Dense with 2 softmax outputs — sees the course's "
        "6×6 image (a bright left half, a dark right half; pixels ÷ 10) labelled class 1. The network computes the "
        "loss, then backpropagation (the chain rule, layer by layer backwards) gives every weight its gradient "
        "∂loss/∂w, and one SGD step sets w ← w − η·∂loss/∂w. This is exactly one batch of `model.fit`: the "
        "numbers below are the ones TensorFlow computes for the same weights."
    )
    rate = st.select_slider("Learning rate η", (0.01, 0.05, 0.1, 0.2), value=0.05, key="learn_bp_rate")
    step = _backprop(rate)
    columns = st.columns(3)
    for column, values, title in zip(
        columns,
        (step.before, step.gradient, step.after),
        ("filter before", "gradient ∂loss/∂w", f"after: before − {rate:g}·gradient"),
        strict=True,
    ):
        column.html(matrix_table(np.round(values, 3), title))
    st.markdown(
        f"p(class 1): {step.probabilities_before[1]:.3f} → **{step.probabilities_after[1]:.3f}**; loss "
        f"{step.loss_before:.4f} → **{step.loss_after:.4f}**. Every row of the gradient is the same because the "
        "image is the same in every row; the left column moves most because it sits on the bright pixels."
    )


def batches_section() -> None:
    """Images, batch size and epochs: how many weight updates a training run makes."""
    st.subheader("5 · Mini-batches and epochs", anchor="batches")
    course_note("batches")
    st.markdown(
        "Computing the gradient on all 60,000 images before each step would be slow; one image is too noisy. "
        "Training takes a **mini-batch** (32 or 50 images in the course's notebooks), averages their gradients "
        "and makes one step. One pass over all training images is an **epoch**."
    )
    c1, c2, c3 = st.columns(3)
    images = c1.number_input("Training images", 1, 1_000_000, 60_000, key="learn_images")
    batch = c2.select_slider("Batch size", (1, 16, 32, 50, 64, 128, 256), value=32, key="learn_batch")
    epochs = c3.slider("Epochs", 1, 20, 5, key="learn_epochs")
    try:
        per_epoch = learning.steps_per_epoch(int(images), int(batch))
    except InputError as exc:
        st.error(str(exc))
        return
    st.markdown(
        f"Steps per epoch = ⌈{int(images):,} / {batch}⌉ = **{per_epoch:,}**; in all "
        f"{per_epoch:,} × {epochs} = **{per_epoch * epochs:,} weight updates**. "
        "(Keras prints this count per epoch: 1875 for 60,000 digits in batches of 32, 1719 for 55,000 "
        "clothes.)"
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _paths(rate: float, steps: int) -> dict[str, np.ndarray]:
    return learning.optimizer_paths(steps=steps, learning_rate=rate)


def optimizers_section() -> None:
    """SGD, RMSprop and Adam (Keras' update rules, default settings) on one narrow valley, side by side."""
    st.subheader("6 · Optimizers: SGD, RMSprop, Adam", anchor="optimizers")
    course_note("optimizers")
    st.markdown(
        "All three follow the gradient; they differ in the step. **SGD** steps η × gradient. **RMSprop** divides "
        "each weight's step by the recent size of its gradients, so steep and flat directions advance alike. "
        "**Adam** does that too and adds momentum (an average of recent gradients), which carries it through "
        "flat stretches. Here each runs on the valley L = w₁²/10 + 2·w₂², flat along w₁, steep along w₂."
    )
    c1, c2 = st.columns(2)
    rate = c1.select_slider("Learning rate η (all three)", (0.01, 0.05, 0.1, 0.3), value=0.1, key="learn_opt_rate")
    steps = c2.slider("Steps", 5, 100, 40, 5, key="learn_opt_steps")
    paths = _paths(rate, steps)
    x = np.arange(steps + 1)
    show_chart_picture(
        curves(x, {name: path[:, 2] for name, path in paths.items()}, x_title="step", y_title="loss", height=280),
        key="learn_opt_loss",
    )
    st.table(  # three rows: a plain table (the data grid is a large script for the browser)
        pd.DataFrame(
            {
                name: {"final w₁": path[-1, 0], "final w₂": path[-1, 1], "final loss": path[-1, 2]}
                for name, path in paths.items()
            }
        ).T.style.format(decimals)
    )
    st.caption(
        "On the Training page, the one-click experiment “SGD vs RMSprop vs Adam” runs the same comparison "
        "on real images."
    )
