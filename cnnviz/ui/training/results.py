"""What a finished training run shows: scores, curves, confusion matrix, per-class accuracy, the
gallery of mistakes (each can be opened on the "inside" page), a download, and the comparison of runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import plots
from cnnviz.architecture import short_name
from cnnviz.images import enlarge
from cnnviz.text import shape_text
from cnnviz.training import (
    OPTIMIZER_TITLES,
    Example,
    TrainingRun,
    cell_examples,
    confusion_matrix,
    misclassified,
    per_class_accuracy,
    run_zip,
)
from cnnviz.training.advice import chance_level, did_not_learn, not_learning_advice
from cnnviz.ui import state
from cnnviz.ui.downloads import download_area, from_run, phone_button
from cnnviz.ui.epochs import at_epoch
from cnnviz.ui.notebook import notebook_button
from cnnviz.ui.presentation import show_figure
from cnnviz.ui.training.internals import show_internals

VIEWS = {
    "curves": "Curves",
    "confusion": "Confusion matrix",
    "classes": "Per-class accuracy",
    "mistakes": "Mistakes",
    "internals": "Inside the training",
}
VIEW_KEY = "tr_view"
COMPARE_KEY = "tr_compare"  # the runs overlaid on the comparison chart
OVERLAID_AT_FIRST = 6  # newest runs drawn on the comparison chart before the student picks
GALLERY_COLUMNS = 6
GALLERY_PAGE = 18
INSIDE_PAGE = "pages/inside.py"


def stack_text(stack: Sequence[dict]) -> str:
    """A one-line architecture: "Conv32-MaxPool-Conv64-MaxPool-Flatten-Dense128-Dense10"."""
    parts = []
    for layer in stack:
        kind = layer["type"]
        if kind == "Conv2D":
            parts.append(f"Conv{layer['filters']}")
        elif kind == "Dense":
            parts.append(f"Dense{layer['units']}")
        elif kind != "Activation":
            parts.append(short_name(kind))
    return "-".join(parts) or "(empty)"


def run_results(runs: Sequence[TrainingRun], index: int) -> None:
    """Everything about ``runs[index]``: scores and notes, then one chosen view (curves, matrix, ...)."""
    run = at_epoch(runs[index], key=f"tr_epoch_{index}")  # the scores, matrix and mistakes after epoch k
    columns = st.columns(4)
    if run.test_accuracy is not None and run.test_labels is not None:
        columns[0].metric(
            "Test accuracy",
            f"{run.test_accuracy:.2%}",
            help=f"{len(run.test_labels):,} test images the network never saw while training",
        )
        columns[1].metric("Test loss", f"{run.test_loss:.4f}")
    best = f" (best {run.best_epoch})" if run.best_epoch and run.best_epoch != run.epochs_done else ""
    columns[2].metric("Epochs", f"{run.epochs_done}{best}", help="complete epochs; best = lowest validation loss")
    columns[3].metric("Training time", f"{run.seconds:.0f} s", help=f"{run.images_per_second:,.0f} images/s")
    st.caption(
        f"{run.source}  \n{stack_text(run.stack)} · {run.parameters or 0:,} parameters · "
        f"{run.config.describe()} · {run.train_samples:,} training / {run.val_samples:,} validation images"
    )
    for note in run.notes:
        st.info(note, icon=":material/info:")
    if did_not_learn(run.test_accuracy, len(run.class_names)):
        chance = chance_level(len(run.class_names))
        st.warning(
            f"**The network did not learn:** {run.test_accuracy:.1%} on the test set is close to guessing "
            f"({chance:.0%} with {len(run.class_names)} classes). {not_learning_advice(run.config)}",
            icon=":material/warning:",
        )

    view = st.segmented_control("Show", list(VIEWS), format_func=VIEWS.__getitem__, key=VIEW_KEY) or "curves"
    if view == "curves":
        if run.history:
            show_figure(plots.training_curves([{"name": run.label, "history": run.history}]), key=f"tr_curves_{index}")
        else:
            st.info("The run stopped before its first epoch ended, so there are no epoch curves.")
        return
    if view == "internals":
        show_internals(run, st.session_state.get(f"tr_epoch_{index}"), key=f"tr_internals_{index}")
        return
    if run.test_probabilities is None or run.test_labels is None:
        st.info("This run has no test images to score.")
        return
    predicted = run.test_probabilities.argmax(axis=1)
    matrix = confusion_matrix(run.test_labels, predicted, len(run.class_names))
    if view == "confusion":
        _confusion(run, index, matrix)
    elif view == "classes":
        accuracy = per_class_accuracy(matrix)
        show_figure(
            plots.per_class_accuracy_figure(accuracy, run.class_names, height=max(240, 36 * len(run.class_names))),
            key=f"tr_classes_{index}",
        )
        weakest = int(np.nanargmin(accuracy))
        st.caption(
            f"The weakest class is **{run.class_names[weakest]}** ({accuracy[weakest]:.1%} right). "
            "Open the confusion matrix to see what it is mistaken for."
        )
    else:
        wrong = misclassified(run.test_probabilities, run.test_labels)
        st.markdown(
            f"**{len(wrong):,} of {len(run.test_labels):,} test images are misclassified**, the most "
            "confident mistakes first: :red[predicted] vs :blue[true] class, with the network's confidence."
        )
        gallery(run, index, wrong, key=f"mistakes_{index}")


def download(run: TrainingRun, index: int) -> None:
    """A download button for the run as a zip (model.keras + run.json + predictions), built on click."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", run.label or f"run-{index + 1}").strip("-").lower()
    st.download_button(
        "Download the model (.zip)",
        icon=":material/download:",
        data=lambda: run_zip(run),
        file_name=f"cnn-explorer-{name}.zip",
        mime="application/zip",
        key=f"tr_download_{index}",
        on_click="ignore",
        help="model.keras (load it with keras.saving.load_model), run.json (settings, history, "
        "scores) and the test-set predictions.",
    )
    notebook_button(run.stack, run.input_shape, run.config, key=f"tr_notebook_{index}", dataset=run.dataset, label=name)
    network = from_run(run, index)
    with st.expander(":material/devices: Take it home: Keras, SavedModel, LiteRT, ONNX (each checked), or your phone"):
        download_area(network, key=f"tr_export_{index}")
        phone_button(network, key=f"tr_export_{index}")


def _confusion(run: TrainingRun, index: int, matrix: np.ndarray) -> None:
    names = [str(name) for name in run.class_names]
    event = show_figure(
        plots.confusion_matrix_figure(matrix, names, height=max(320, 40 * len(names) + 120)),
        key=f"tr_confusion_{index}",
        on_select="rerun",
        selection_mode="points",
    )
    cells = [(int(t), int(p)) for t, p in zip(*np.nonzero(matrix), strict=True)]
    cells.sort(key=lambda cell: (cell[0] == cell[1], -matrix[cell]))  # mistakes first, most frequent first
    choice_key, clicked_key = f"tr_cell_{index}", f"tr_cell_clicked_{index}"
    clicked = _clicked_cell(event, names)
    if clicked is not None and clicked != st.session_state.get(clicked_key):
        st.session_state[clicked_key] = clicked
        if clicked in cells:
            st.session_state[choice_key] = clicked
        else:
            st.info(f"No test image of class {names[clicked[0]]} was predicted as {names[clicked[1]]}.")
    if not cells:
        return
    assert run.test_probabilities is not None and run.test_labels is not None  # run_results checked both
    true, guess = st.selectbox(
        "Click a cell above, or choose one here, to see its images",
        cells,
        key=choice_key,
        format_func=lambda c: (
            (f"{names[c[0]]} predicted as {names[c[1]]}" if c[0] != c[1] else f"{names[c[0]]} right")
            + f" · {matrix[c]:,} images"
        ),
    )
    examples = cell_examples(run.test_probabilities, run.test_labels, int(true), int(guess))
    gallery(run, index, examples, key=f"cell_{index}_{true}_{guess}")


def _clicked_cell(event: object, names: list[str]) -> tuple[int, int] | None:
    """The (true, predicted) cell of a click on the confusion matrix, if there was one."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        if point.get("y") in names and point.get("x") in names:
            return names.index(point["y"]), names.index(point["x"])
    return None


def gallery(
    run: TrainingRun, index: int, examples: Sequence[Example], *, key: str, per_page: int = GALLERY_PAGE
) -> None:
    """Test images with the prediction (:blue[right] or :red[wrong]), the true class and the confidence, and a
    "look inside" button each; ``per_page`` images a page."""
    if not examples:
        st.success("No images here.")
        return
    if run.test_images is None:
        st.info("The test images of this run are not in memory, so they cannot be shown.")
        return
    pages = -(-len(examples) // per_page)
    page = 1
    if pages > 1:
        page = st.number_input(f"Page (of {pages}, {per_page} images each)", 1, pages, key=f"{key}_page")
    shown = examples[(page - 1) * per_page : page * per_page]
    names = run.class_names
    for start in range(0, len(shown), GALLERY_COLUMNS):
        for column, example in zip(st.columns(GALLERY_COLUMNS), shown[start : start + GALLERY_COLUMNS], strict=False):
            with column:
                image = run.test_images[example.index][:, :, 0]
                st.image(
                    enlarge(image, 112),
                    width=112,
                    alt=f"Test image {example.index}, predicted {names[example.predicted]}, "
                    f"true class {names[example.true]}",
                    output_format="PNG",
                )
                colour = "blue" if example.correct else "red"
                st.markdown(
                    f":{colour}[**{names[example.predicted]}**] {example.confidence:.0%}  \n"
                    f":blue[true: {names[example.true]}]"
                )
                if st.button(
                    "Inside",
                    icon=":material/biotech:",
                    key=f"{key}_look_{example.index}",
                    help="Open this image on the 'Inside the network' page with this model",
                ):
                    state.send_to_inside(
                        {
                            "image": np.array(run.test_images[example.index]),
                            "label": example.true,
                            "run_index": index,
                            "predicted": example.predicted,
                            "test_index": example.index,
                        }
                    )
                    st.switch_page(INSIDE_PAGE)


def show_first(runs: Sequence[TrainingRun], view: str) -> None:
    """Open the results on ``view`` (a key of :data:`VIEWS`) with ``runs`` overlaid in the comparison.

    An experiment calls this when its runs come in, to show the result its question is about.
    """
    st.session_state[COMPARE_KEY] = [run.label for run in runs]
    st.session_state[VIEW_KEY] = view


def comparison(runs: Sequence[TrainingRun]) -> None:
    """Overlay the curves of chosen runs and tabulate every run's settings and results."""
    labels = [run.label for run in runs]
    key = COMPARE_KEY
    seen = st.session_state.get(f"{key}_seen", [])
    new = [label for label in labels if label not in seen]  # a run finished since: draw it too
    st.session_state[key] = list(dict.fromkeys(st.session_state.get(key, []) + new))[-OVERLAID_AT_FIRST:]
    st.session_state[f"{key}_seen"] = labels
    if any(label not in labels for label in st.session_state[key]):
        st.session_state[key] = [label for label in st.session_state[key] if label in labels]
    chosen = st.multiselect(
        "Runs to overlay", labels, key=key, help="Training solid, validation dashed, one colour per run."
    )
    picked = [run for run in runs if run.label in chosen and run.history]
    if picked:
        show_figure(
            plots.training_curves([{"name": run.label, "history": run.history} for run in picked], height=380),
            key="tr_compare_curves",
            width="stretch",
        )
    # As wide as its box; wider tables scroll sideways inside it, the run's name column stays in view.
    st.dataframe(
        pd.DataFrame([_row(run) for run in runs]),
        hide_index=True,
        width="stretch",
        column_config={
            "test accuracy": st.column_config.NumberColumn(format="percent"),
            "best val accuracy": st.column_config.NumberColumn(format="percent"),
            "run": st.column_config.TextColumn(pinned=True),
        },
    )


def _row(run: TrainingRun) -> dict:
    """One line of the comparison table: results first, then what was different."""
    val = run.history.get("val_accuracy") or []
    return {
        "run": run.label,
        "test accuracy": run.test_accuracy,
        "best val accuracy": max(val) if val else None,
        "test loss": run.test_loss,
        "epochs": run.epochs_done,
        "seconds": round(run.seconds, 1),
        "optimizer": OPTIMIZER_TITLES[run.config.optimizer],
        "learning rate": run.config.learning_rate,
        "batch": run.config.batch_size,
        "training images": run.train_samples,
        "augmented": bool(run.config.augmentation),
        "layers": stack_text(run.stack),
        "parameters": run.parameters,
        "dataset": run.dataset,
        "input": shape_text(run.input_shape),
        "stopped": run.stopped,
    }
