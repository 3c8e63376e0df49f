"""Layer builder: stack layers and see every shape, parameter, cost and receptive field, live and exact.

The stack and its input shape live in :mod:`cnnviz.ui.state` so the
training page trains exactly this stack; the editor of each layer is :mod:`cnnviz.ui.layer_editor`.
All numbers come from ``cnnviz.architecture`` (pure Python: this page never imports TensorFlow).
"""

import streamlit as st

from cnnviz import plots
from cnnviz.architecture import (
    LAYER_FACTS,
    LAYER_TYPES,
    PRESET_INFO,
    PRESETS,
    StackError,
    advice,
    dense_on_pixels,
    largest_layer,
    summarize,
    to_code,
    to_json,
    totals,
)
from cnnviz.errors import InputError
from cnnviz.text import shape_text
from cnnviz.training import TrainConfig
from cnnviz.ui import state
from cnnviz.ui.layer_editor import (
    CUSTOM,
    DEFAULT_PRESET,
    EMPTY,
    INPUT_SHAPES,
    add_layer,
    import_paste,
    import_upload,
    init_state,
    layer_row,
    load_start,
    remember_rendered_stack,
)
from cnnviz.ui.links import open_link, share_link
from cnnviz.ui.notebook import notebook_button
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.stack_summary import show_formulas, show_totals, summary_table
from cnnviz.ui.streamlit_patches import require_app_navigation

ss = st.session_state

# ---------------------------------------------------------------- page
require_app_navigation()
st.title("Layer builder: shapes, parameters and costs, live")
link = open_link("layer_builder")
init_state()
st.markdown(
    "Stack layers the way Keras does and watch every number change as you edit: each layer's **output "
    "shape**, its **parameters** (weights to learn), the **multiply-accumulates** (MACs) it costs per image, "
    "the **memory** its output takes and its **receptive field** (how many input pixels one output value "
    "sees). Numbers equal what Keras reports for the same model; open *the formula behind each number* to "
    "see how each one is computed."
)

start, shape_box = st.columns(2)
with start:
    options = [EMPTY, *PRESETS]
    choice = st.selectbox("Start from", options, index=options.index(DEFAULT_PRESET), key="builder_start")
    st.caption(PRESET_INFO[choice].description if choice in PRESET_INFO else "No layers: add them below.")
    st.button(
        "Load this stack",
        key="builder_load",
        on_click=load_start,
        icon=":material/restart_alt:",
        help="Replaces the current stack and input shape.",
    )
with shape_box:
    shape_choice = st.selectbox("Input shape (height × width × channels)", [*INPUT_SHAPES, CUSTOM], key="builder_shape")
    if shape_choice == CUSTOM:
        h, w, c = st.columns(3)
        state.set_input_shape(
            (
                h.number_input("Height", 1, 1024, key="builder_h"),
                w.number_input("Width", 1, 1024, key="builder_w"),
                c.number_input("Channels", 1, 64, key="builder_c", help="1 grayscale, 3 colour"),
            )
        )
    else:  # the custom fields start from the last chosen shape
        state.set_input_shape(INPUT_SHAPES[shape_choice])
        ss["builder_h"], ss["builder_w"], ss["builder_c"] = state.input_shape()
    ss["builder_shape_seen"] = state.input_shape()
input_shape = state.input_shape()

try:
    summaries, error = summarize(state.stack(), input_shape), None
except StackError as problem:
    error = problem
    summaries = summarize(state.stack()[: problem.position - 1], input_shape) if problem.position else []

editor, results = st.columns([6, 5], gap="large")
with editor:
    st.subheader(f"Layers ({len(ss['stack'])})")
    for index, (layer, uid) in enumerate(zip(state.stack(), ss["builder_ids"], strict=True)):
        layer_row(index, layer, uid, summaries[index] if index < len(summaries) else None, error)
    if not state.stack():
        st.info("The stack is empty: add a first layer, e.g. Conv2D.")
    with st.container(border=True):
        st.selectbox(
            "New layer", LAYER_TYPES, key="builder_add_type", format_func=lambda t: f"{t}: {LAYER_FACTS[t].help}"
        )
        where, add = st.columns(2, vertical_alignment="bottom")
        if ss.get("builder_add_len") != len(state.stack()):  # the stack grew or shrank: add at the end again
            ss["builder_add_at"], ss["builder_add_len"] = len(state.stack()) + 1, len(state.stack())
        where.number_input("At position", 1, len(state.stack()) + 1, key="builder_add_at")
        add.button(
            "Add layer", key="builder_add", on_click=add_layer, icon=":material/add:", type="primary", width="stretch"
        )

with results:
    st.subheader("What the stack computes")
    if error is not None:
        st.error(f"**This stack is invalid.** {error}", icon=":material/error:")
    elif summaries:
        show_totals(summaries)
        st.caption(
            f"Output {shape_text(summaries[-1].output_shape)}; the last layer's units see "
            f"{shape_text(summaries[-1].receptive_field)} input pixels."
        )
    if error is None:
        for note in advice(summaries):
            st.warning(note, icon=":material/lightbulb:")
    if summaries:
        show_formulas(summaries)

bad = (error.position, error.layer_type or "?", str(error)) if error is not None and error.position else None
show_figure(plots.stack_diagram(input_shape, summaries, bad=bad), key="builder_diagram")
st.caption(
    "Each box is a feature map: its height follows the rows, its width the channels (log scale); thin bars "
    "are flat vectors (height on a log scale). Hover a box for its numbers."
)
st.dataframe(
    summary_table(input_shape, summaries, error, state.stack()),
    hide_index=True,
    height=min(35 * (len(state.stack()) + 2) + 3, 900),
)  # every row: header, input, layers
remember_rendered_stack()

st.header("Why convolutions?")
height, width, channels = input_shape
left, right = st.columns([2, 3], gap="large")
with left:
    units = st.number_input(
        "Neurons in one Dense layer fed with the raw pixels", 1, 100_000, 1000, key="builder_why_units"
    )
    inputs, dense_params = dense_on_pixels(input_shape, units)
    conv_layers = [s for s in summaries if s.type == "Conv2D"] if error is None else []
    stack_params = totals(summaries).params if error is None else None
    st.markdown(
        f"The input has {height}×{width}×{channels} = **{inputs:,} values**. A Dense layer connects every value "
        f"to every neuron: ({inputs:,} + 1)·{units:,} = **{dense_params:,} parameters** for one layer.\n\n"
        "A Conv2D filter looks at a small window and is **reused at every position**, so its weights do not "
        "depend on the image's size."
    )
    if conv_layers:
        first = conv_layers[0]
        st.markdown(
            f"Here the first Conv2D has **{first.params:,} parameters**: {first.formulas['params']}; "
            "the same for a 28×28 image as for a 224×224 one."
        )
    if stack_params:
        largest, share = largest_layer(summaries)
        st.markdown(
            f"Your stack's largest layer is {largest.position} ({largest.type}) with {largest.params:,} "
            f"parameters, {share:.1%} of the total"
            + (
                ": a Dense layer after Flatten grows with the image, a Conv2D does not."
                if largest.type == "Dense" and len(largest.input_shape) == 1
                else "."
            )
        )
    photo, photo_params = dense_on_pixels((224, 224, 3), 1000)
    st.caption(
        f"The course's example: a 224×224×3 photo has {photo:,} values; one Dense layer of 1,000 neurons on "
        f"it needs ({photo:,} + 1)·1,000 = {photo_params:,} parameters. Choose the 224×224×3 input "
        "shape above to compare with your stack."
    )
with right:
    bars = {f"One Dense layer of {units:,}": dense_params}
    if stack_params:
        bars["Your whole stack"] = stack_params
    if conv_layers:
        bars["Its Conv2D layers"] = totals(conv_layers).params
    show_figure(plots.log_bars(bars, title="Parameters (log scale)"), key="builder_why_chart")

st.header("Save, share, train")
export, load = st.columns(2, gap="large")
with export:
    try:
        code = to_code(state.stack(), input_shape)
    except InputError:
        code = None
    try:
        json_text = to_json(state.stack(), input_shape)
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
    notebook_button(state.stack(), input_shape, TrainConfig(), key="builder_download_notebook", label="my-stack")
    if code is None:
        st.caption("Fix the invalid layer to export runnable code (the JSON keeps an unfinished stack).")
    st.markdown("Next: **6 · Training** trains exactly this stack on real data.")
with load:
    st.file_uploader(
        "Import a stack (.json)", type=["json"], key="builder_upload", on_change=import_upload, max_upload_size=1
    )
    st.text_area(
        "…or paste its JSON",
        key="builder_paste",
        height=120,
        placeholder='{"input_shape": [28, 28, 1], "layers": [{"type": "Conv2D", "filters": 32, ...}]}',
    )
    st.button("Load pasted JSON", key="builder_paste_load", on_click=import_paste)
    status = ss.get("builder_import_status")
    if status:
        (st.error if status[0] == "error" else st.success)(status[1])
if code is not None:
    with st.expander("See the Keras code", key="builder_code_box"):
        st.code(code, language="python")
share_link("layer_builder", link)
