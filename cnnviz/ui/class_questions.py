"""Quick checks a teacher asks about what a page shows now (issue 24).

The questions come from :mod:`cnnviz.classroom.questions` (their answers computed by the app's own
arithmetic); this module reads the page's live values for them: the Convolution page's image size,
kernel, stride, padding and dilation, the Layer builder's stack. A teacher's session gets
:func:`ask_about_view` next to "Send this view to the class" on those pages; the Class page's
dashboard asks with its own inputs (:func:`ask_class`).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import streamlit as st

from cnnviz.classroom.questions import Question, kernel_question, output_size_question, parameter_question
from cnnviz.errors import InputError
from cnnviz.kernels import PRESETS
from cnnviz.links import SCHEMAS
from cnnviz.options import CONV_PADDINGS
from cnnviz.samples import DEFAULT_SAMPLE, load_sample
from cnnviz.ui import state
from cnnviz.ui.class_session import classroom

MAX_LAYER_QUESTIONS = 8  # layers with parameters offered from one stack


def _value(page: str, name: str, default: Any) -> Any:
    """The page's current value of its link value ``name`` (the link names a page's widgets once)."""
    return st.session_state.get(SCHEMAS[page][name][0], default)


def image_side() -> int:
    """The current image's height in pixels (the Convolution page's default sample before any image)."""
    return int((state.image() if state.has_image() else load_sample(DEFAULT_SAMPLE)).shape[0])


def preset_of(matrix: Any) -> str | None:
    """The preset kernel (a key of ``kernels.PRESETS``) equal to ``matrix``, if any."""
    if matrix is None:
        return None
    matrix = np.asarray(matrix, dtype=float)
    return next(
        (
            key
            for key, preset in PRESETS.items()
            if preset.matrix.shape == matrix.shape and np.allclose(preset.matrix, matrix)
        ),
        None,
    )


def view_questions(page: str) -> list[Question]:
    """The questions the page's live state gives (Convolution: output size, which kernel; Layer builder:
    each layer's parameters); none for the other pages."""
    if page == "convolution":
        return _convolution_questions()
    if page == "layer_builder":
        return layer_questions(state.stack(), state.input_shape())
    return []


def _convolution_questions() -> list[Question]:
    matrix = _value("convolution", "kernel", None)
    side = int(np.asarray(matrix).shape[0]) if matrix is not None else 3
    label = _value("convolution", "padding", CONV_PADDINGS["valid"])
    padding: str | int = next((code for code in ("valid", "same") if CONV_PADDINGS[code] == label), "")
    found = []
    with contextlib.suppress(InputError):  # the kernel does not fit this image: the page says so itself
        found.append(
            output_size_question(
                image_side(),
                side,
                int(_value("convolution", "stride", 1)),
                padding or int(_value("convolution", "p", 1)),
                int(_value("convolution", "dilation", 1)),
            )
        )
    preset = preset_of(matrix)
    if preset is not None:
        found.append(kernel_question(preset))
    return found


def layer_questions(stack: list[dict[str, Any]], input_shape: tuple[int, int, int]) -> list[Question]:
    """ "How many parameters does layer N have?" for the stack's layers that have parameters."""
    from cnnviz.architecture import summarize

    try:
        summaries = summarize(stack, input_shape)
    except InputError:
        return []
    positions = [i for i, summary in enumerate(summaries, start=1) if summary.params][:MAX_LAYER_QUESTIONS]
    return [parameter_question(stack, input_shape, position) for position in positions]


def ask_class(question: Question, page: str = "") -> None:
    """Ask the teacher's class ``question`` now (its results appear on the dashboard's Quick checks)."""
    from cnnviz.classroom import ClassroomError

    key = state.class_teacher_key()
    if key is None:
        return
    try:
        classroom().ask(
            key,
            question.text,
            answer=question.answer,
            choices=question.choices,
            tolerance=question.tolerance,
            page=page,
        )
    except ClassroomError as error:
        st.error(str(error))
    else:
        st.toast("Asked: your students see the question on their page.", icon=":material/quiz:")


def question_preview(question: Question) -> None:
    """The question as students see it, and below it (for the teacher) its answer worked out."""
    st.markdown(f"**{question.text}**")
    if question.choices:
        st.markdown("Choices: " + " · ".join(question.choices))
    st.markdown(f"Answer: **{question.answer}** ({question.explanation})")


def ask_about_view(page: str) -> None:
    """A teacher's "Quick check about this view" on the pages whose state makes questions."""
    if state.class_teacher_key() is None:
        return
    questions = view_questions(page)
    if not questions:
        return
    with st.popover("Quick check about this view", icon=":material/quiz:"):
        index = st.selectbox(
            "Question", range(len(questions)), format_func=lambda i: questions[i].text, key="class_view_question"
        )
        question_preview(questions[index])
        if st.button("Ask the class", type="primary", key="class_ask_view"):
            ask_class(questions[index], page)
