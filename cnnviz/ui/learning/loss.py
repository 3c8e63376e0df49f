"""The loss sections of the "How a network learns" page: softmax turns scores into probabilities, and
cross-entropy measures how wrong they are (keys start with ``learn_``; numbers from :mod:`cnnviz.learning`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import learning
from cnnviz.plots.course import curves, probability_stem
from cnnviz.text import decimals
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.presentation import show_chart_picture

LOGITS = (1.0, 0.5, 3.0, 0.0, -1.0)  # five classes' scores for the softmax playground
SOFTMAX_WIDTH = 520  # the stem plot's column: three fifths of the page


def softmax_section() -> np.ndarray:
    """Logits typed or slid, their softmax probabilities as a stem plot and the check that they sum to 1."""
    st.subheader("1 · Softmax: scores become probabilities", anchor="softmax")
    course_note("softmax")
    st.markdown(
        "The last Dense layer gives one raw score (a **logit** zᵢ) per class, any real number. Softmax turns them "
        "into probabilities: $p_i = e^{z_i} / \\sum_j e^{z_j}$. Every pᵢ is positive, they add up to 1, "
        "and the largest score keeps the largest share. Move a score and watch all the probabilities move."
    )
    columns = st.columns(len(LOGITS))
    logits = np.array(
        [
            column.slider(f"z{i} (class {i})", -5.0, 8.0, value, 0.5, key=f"learn_z{i}")
            for i, (column, value) in enumerate(zip(columns, LOGITS, strict=True))
        ]
    )
    p = learning.softmax(logits)
    left, right = st.columns([3, 2])
    stem = probability_stem(p, [f"class {i}" for i in range(len(p))], height=250)
    show_chart_picture(stem, key="learn_softmax", container=left, width=SOFTMAX_WIDTH)
    exps = np.exp(logits - logits.max())
    # A plain table, not st.dataframe: five rows need no scrolling or sorting, and the data grid is a large
    # script for the browser to load before this first screen is drawn (issue 27).
    right.table(
        pd.DataFrame(
            {"z": logits, "e^(z − max z)": exps, "p": p}, index=[f"class {i}" for i in range(len(p))]
        ).style.format(decimals)
    )
    right.markdown(f"Σ p = {' + '.join(f'{v:.3f}' for v in p)} = **{p.sum():.3f}**")
    st.caption(
        "Subtracting the largest score before e^z changes nothing (it cancels above and below the line) "
        "but keeps e^z from overflowing: Keras does the same."
    )
    return p


def cross_entropy_section(p: np.ndarray) -> None:
    """The loss of the probabilities above for a chosen true class, and how it grows as p(true) shrinks."""
    st.subheader("2 · Cross-entropy: how wrong is the answer?", anchor="cross-entropy")
    course_note("cross-entropy")
    label = st.radio(
        "The true class is", list(range(len(p))), horizontal=True, key="learn_label", format_func=lambda i: f"class {i}"
    )
    loss = learning.cross_entropy(p, label)
    st.markdown(
        f"Loss = −log p(true class) = −log {p[label]:.4f} = **{loss:.4f}**. Only the probability given to the true "
        "class counts. Near 1 the loss is near 0; a confident mistake (p(true) close to 0) costs without bound, so "
        "training pushes hardest exactly where the network is sure and wrong."
    )
    grid = np.linspace(0.001, 1, 400)
    points = {"your p(true)": (np.array([p[label]]), np.array([loss]))}
    show_chart_picture(
        curves(
            grid,
            {"−log p": -np.log(grid)},
            x_title="probability given to the true class",
            y_title="loss",
            height=260,
            points=points,
        ),
        key="learn_ce_curve",
    )
    hot = learning.one_hot(label, len(p))
    st.markdown(
        f"**Two ways to write the label.** `sparse_categorical_crossentropy` takes the class number (**{label}**, "
        "as the MNIST and NEU notebooks do); `categorical_crossentropy` takes the one-hot vector "
        f"**[{', '.join(str(int(v)) for v in hot)}]** (as the Fashion-MNIST notebook does). Σ yᵢ·(−log pᵢ) with the "
        f"one-hot y keeps one term, so both give {loss:.4f}."
    )
