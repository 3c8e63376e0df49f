"""Quick-check questions made from what a page shows now, with their answers computed by the app's
own arithmetic (the same functions the pages use, checked against Keras in their tests).

Each maker returns a :class:`Question`; the teacher's page asks it with
``room.ask(teacher_key, q.text, answer=q.answer, choices=q.choices, tolerance=q.tolerance, page=...)``
and shows ``q.explanation`` once the class has answered.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnnviz import ops
from cnnviz.architecture.layers import normalize_layer
from cnnviz.architecture.summary import summarize
from cnnviz.kernels import PRESETS
from cnnviz.text import layer_label, shape_text


@dataclass(frozen=True)
class Question:
    """A question, its correct ``answer`` (a choice's text, or a number), and how it is worked out
    (``explanation`` in plain text; ``latex``, when there is one, for ``st.latex``)."""

    text: str
    answer: str | float
    explanation: str
    choices: tuple[str, ...] | None = None
    tolerance: float = 0.0
    latex: str = ""


def output_size_question(n: int, kernel: int, stride: int = 1, padding: str | int = 0, dilation: int = 1) -> Question:
    """ "What output size will this stride give?" for an ``n``-pixel side (the Convolution page's settings)."""
    size = ops.output_size(n, kernel, stride, padding, dilation)
    pad = {"valid": "no padding ('valid')", "same": "padding 'same'"}.get(str(padding), f"padding {padding}")
    dilated = f", dilation {dilation}" if dilation != 1 else ""
    if padding == "same":
        worked = f"with 'same' padding the output is ⌈{n} / {stride}⌉ = {size}"
    else:
        zeros, span = 0 if padding == "valid" else int(padding), dilation * (kernel - 1) + 1
        worked = f"⌊({n} + 2·{zeros} − {span}) / {stride}⌋ + 1 = {size}"
    return Question(
        text=f"A {n}×{n} image, a {kernel}×{kernel} kernel, stride {stride}, {pad}{dilated}: "
        "how many pixels wide is the output?",
        answer=size,
        explanation=worked,
        latex=ops.output_size_formula(n, kernel, stride, padding, dilation),
    )


def parameter_question(stack: Sequence[Mapping[str, Any]], input_shape: Sequence[int], position: int) -> Question:
    """ "How many parameters does this layer have?" for the layer at 1-based ``position`` of ``stack``
    (the Layer builder's stack on its ``input_shape`` (H, W, C) input)."""
    summary = summarize(stack, input_shape)[position - 1]
    return Question(
        text=f"How many parameters does layer {position}, "
        f"{layer_label(normalize_layer(stack[position - 1], position))}, have on its "
        f"{shape_text(summary.input_shape)} input?",
        answer=summary.params,
        explanation=summary.formulas.get("params", f"{summary.params:,} parameters"),
    )


def kernel_question(kernel: str, *, choices: int = 4, seed: int = 0) -> Question:
    """ "Which kernel made this map?" with the preset ``kernel`` (a key of ``kernels.PRESETS``) among
    ``choices`` preset names, picked and ordered by ``seed``."""
    right = PRESETS[kernel]
    others = [preset.name for key, preset in PRESETS.items() if key != kernel and preset.name != right.name]
    pick = random.Random(seed)
    names = [right.name, *pick.sample(others, min(choices - 1, len(others)))]
    pick.shuffle(names)
    return Question(
        text="Which kernel made this feature map?",
        answer=right.name,
        explanation=f"{right.name}: {right.explanation}",
        choices=tuple(names),
    )
