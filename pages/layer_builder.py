"""Layer builder: stack layers and see every shape, parameter, cost and receptive field, live and exact.

The stack and its input shape live in :mod:`cnnviz.ui.state` so the training page trains exactly
this stack; the editor is :mod:`cnnviz.ui.layer_builder.editor`, the results :mod:`cnnviz.ui.layer_builder.results`.
All numbers come from ``cnnviz.architecture`` (pure Python: this page never imports TensorFlow).
"""

import streamlit as st

from cnnviz.architecture import to_code, to_json
from cnnviz.errors import InputError
from cnnviz.training import TrainConfig
from cnnviz.ui.course_notes import course_note
from cnnviz.ui.first_screen import stop_after_first_screen
from cnnviz.ui.layer_builder.editor import import_box, layer_list, prepare_editor, stack_chooser
from cnnviz.ui.layer_builder.results import (
    history_section,
    show_diagram_and_table,
    show_results,
    two_parts_section,
    why_convolutions,
)
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.notebook import notebook_button
from cnnviz.ui.on_demand import on_demand
from cnnviz.ui.streamlit_patches import require_app_navigation

require_app_navigation()
st.title("Layer builder: shapes, parameters and costs, live")
link = open_link("layer_builder")
prepare_editor()
st.markdown(
    "Stack layers the way Keras does and watch every number change as you edit: each layer's **output "
    "shape**, its **parameters** (weights to learn), the **multiply-accumulates** (MACs) it costs per image, "
    "the **memory** its output takes and its **receptive field** (how many input pixels one output value "
    "sees). Numbers equal what Keras reports for the same model; open *the formula behind each number* to "
    "see how each one is computed."
)

stack = stack_chooser()
editor, results = st.columns([6, 5], gap="large")
with editor:
    layer_list(stack)
with results:
    show_results(stack)
stop_after_first_screen("builder_first_screen", link)  # in a fresh tab, the diagram and the rest come in the next run
show_diagram_and_table(stack)

st.header("Feature extraction, then classification", anchor="two-parts")
course_note("two-parts")
two_parts_section(stack)
st.subheader("Where this design comes from", anchor="history")
course_note("history")
history_section()

st.header("Why convolutions?", anchor="why-convolutions")
course_note("why-convolutions")
why_convolutions(stack)

st.header("Save, share, train")
export, load = st.columns(2, gap="large")
with export:
    try:
        code = to_code(stack.layers, stack.input_shape)
    except InputError:
        code = None
    try:
        json_text = to_json(stack.layers, stack.input_shape)
    except InputError:
        json_text = None
    st.download_button(
        "Download Keras code (.py)",
        code or "",
        "cnn_explorer_model.py",
        "text/x-python",
        key="builder_download_code",
        disabled=code is None,
        icon=":material/code:",
    )
    st.download_button(
        "Download stack (.json)",
        json_text or "",
        "cnn_explorer_stack.json",
        "application/json",
        key="builder_download_json",
        disabled=json_text is None,
        icon=":material/download:",
    )
    notebook_button(stack.layers, stack.input_shape, TrainConfig(), key="builder_download_notebook", label="my-stack")
    if code is None:
        st.caption("Fix the invalid layer to export runnable code (the JSON keeps an unfinished stack).")
    st.markdown("Next: **6 · Training** trains exactly this stack on real data.")
with load:
    import_box()
if code is not None:  # drawn once opened: the code's highlighter is a large script for the browser to load
    on_demand("See the Keras code", "builder_code_box", st.code, code, "python")
share_link("layer_builder", link)
