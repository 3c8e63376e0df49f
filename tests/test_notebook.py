"""The exported notebook runs end to end in a real Jupyter kernel and reports what the app reports."""

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from cnnviz.architecture import PRESETS, summarize, totals
from cnnviz.errors import InputError
from cnnviz.training import TrainConfig, adapt_output, to_notebook

SMALL = [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10},
]


def _outputs(cell) -> str:
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(parts))  # rich's colour codes around the numbers


@pytest.mark.timeout(600)
def test_exported_notebook_runs_and_reports_the_same_network(tmp_path, monkeypatch):
    config = TrainConfig(
        epochs=1,
        max_train_samples=300,
        keep_best=True,
        cosine_decay=True,
        augmentation=({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},),
        adversarial_epsilon=0.1,
    )
    notebook = nbformat.reads(to_notebook(SMALL, "mnist", config), as_version=4)
    nbformat.validate(notebook)
    code = "".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "cnnviz" not in code
    assert "ADVERSARIAL_EPSILON = 0.1" in code and "fit_model = FgsmTraining(fit_model)" in code
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()  # raises on any cell error
    text = "\n".join(_outputs(cell) for cell in notebook.cells if cell.cell_type == "code")
    adapted, _ = adapt_output(SMALL, (28, 28, 1), 10)
    expected = totals(summarize(adapted, (28, 28, 1))).params
    reported = re.search(r"Total params: ([\d,]+)", text)
    assert reported and int(reported[1].replace(",", "")) == expected
    assert "270 training, 30 validation" in text  # the app's subset and stratified split
    accuracy = float(re.search(r"Test accuracy: ([\d.]+)", text)[1])
    assert 0 <= accuracy <= 1


def test_values_are_written_with_repr_and_invalid_values_are_refused():
    _, stack = PRESETS["LeNet-5"]
    notebook = json.loads(to_notebook(stack, "neu", TrainConfig(learning_rate=3e-4, seed=7), image_size=48))
    source = "".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "LEARNING_RATE = 0.0003" in source and "RANDOM_START = 7" in source and "SIDE = 48" in source
    assert "keras.Input(shape=(48, 48, 1))" in source and 'Dense(6, activation="softmax")' in source
    with pytest.raises(InputError):
        to_notebook(stack, "mnist", TrainConfig(epochs=0))
    with pytest.raises(InputError):
        to_notebook(stack, "cifar", TrainConfig())
    with pytest.raises(InputError):
        to_notebook(stack, "mnist", TrainConfig(), image_size=10**6)
    with pytest.raises(InputError):
        to_notebook([{"type": "Conv2D", "filters": 4, "kernel_size": 99}], "mnist", TrainConfig())
