"""Quick checks on the dashboard: ask a question made from a page's state (output size for a stride,
a layer's parameters, which kernel made a map), and watch the answers come in: how many chose what,
the share correct, live."""

from __future__ import annotations

import streamlit as st

from cnnviz import plots
from cnnviz.classroom.questions import Question, kernel_question, output_size_question
from cnnviz.errors import InputError
from cnnviz.kernels import PRESETS
from cnnviz.options import CONV_DILATIONS, CONV_STRIDES
from cnnviz.text import literal_markdown
from cnnviz.ui import state
from cnnviz.ui.class_questions import ask_class, image_side, layer_questions, question_preview
from cnnviz.ui.class_room.live import REFRESH_SECONDS
from cnnviz.ui.class_session import classroom
from cnnviz.ui.presentation import show_figure

KINDS = {
    "size": "Output size of a convolution",
    "params": "Parameters of a layer (your Layer builder stack)",
    "kernel": "Which kernel made this map",
}
SHOWN_CHECKS = 4  # the newest checks shown with their answers


def ask_section() -> None:
    """Make a question, see it with its answer, ask the class."""
    st.markdown(
        "Ask from the page you are on (*Quick check about this view*, next to *Send this view to the class* on "
        "Convolution and Layer builder), or make one here:"
    )
    kind = st.segmented_control(
        "Question", list(KINDS), format_func=KINDS.__getitem__, default="size", key="class_q_kind"
    )
    question = _made(kind or "size")
    if question is None:
        return
    with st.container(border=True):
        question_preview(question)
    if st.button("Ask the class", type="primary", icon=":material/quiz:", key="class_ask"):
        ask_class(question, "class")


def _made(kind: str) -> Question | None:
    if kind == "params":
        questions = layer_questions(state.stack(), state.input_shape())
        if not questions:
            st.info("Your Layer builder stack has no layer with parameters yet: build one on the Layer builder page.")
            return None
        index = st.selectbox(
            "Layer", range(len(questions)), format_func=lambda i: questions[i].text, key="class_q_layer"
        )
        return questions[index]
    if kind == "kernel":
        preset = st.selectbox(
            "The kernel that made the map (show the map on the projector, or send the Convolution view)",
            list(PRESETS),
            format_func=lambda key: PRESETS[key].name,
            key="class_q_kernel",
        )
        return kernel_question(preset)
    columns = st.columns(5)
    n = columns[0].number_input("Image side n", 1, 4096, image_side(), key="class_q_n")
    kernel = columns[1].number_input("Kernel k", 1, 31, 3, key="class_q_k")
    stride = columns[2].number_input("Stride s", CONV_STRIDES.low, CONV_STRIDES.high, 2, key="class_q_s")
    padding = columns[3].selectbox("Padding", ["valid", "same", "1", "2", "3"], key="class_q_p")
    dilation = columns[4].number_input("Dilation d", CONV_DILATIONS.low, CONV_DILATIONS.high, 1, key="class_q_d")
    try:
        return output_size_question(
            int(n), int(kernel), int(stride), padding if padding in ("valid", "same") else int(padding), int(dilation)
        )
    except InputError as error:
        st.error(str(error))
        return None


@st.fragment(run_every=REFRESH_SECONDS)
def check_results(teacher_key: str) -> None:
    """The newest checks with their answers so far, live; close one to stop answers."""
    from cnnviz.classroom import ClassroomError

    try:
        results = classroom().check_results(teacher_key)
    except ClassroomError as error:
        st.error(str(error))
        return
    if not results:
        st.caption("No question asked yet.")
        return
    reveal = st.toggle("Show the correct answers", key="class_reveal", help="Off while the class is still answering.")
    for result in results[:SHOWN_CHECKS]:
        check = result.check
        with st.container(border=True):
            share = "—" if result.share_correct is None else f"{result.share_correct:.0%}"
            st.markdown(
                f"**{literal_markdown(check.question)}**  \n{result.answered} of {result.students} answered · "
                f"**{share} correct**" + (" · closed" if check.closed else "")
            )
            if reveal:
                st.markdown(f"Correct answer: **{literal_markdown(result.correct_answer)}**")
            if result.counts:
                show_figure(
                    plots.answer_counts(result.counts, result.correct_answer if reveal else None),
                    key=f"class_check_{check.id}",
                    config={"displayModeBar": False},
                )
            if not check.closed:
                st.button(
                    "Close",
                    key=f"class_close_{check.id}",
                    help="Stop taking answers",
                    on_click=_close,
                    args=(teacher_key, check.id),
                )


def _close(teacher_key: str, check_id: int) -> None:
    """Button callback: stop taking answers (before the fragment reads the checks again)."""
    from cnnviz.classroom import ClassroomError

    try:
        classroom().close_check(teacher_key, check_id)
    except ClassroomError as error:
        st.toast(str(error))
