"""The "Reproduce the notebook" recipes, the generated experiment captions, and the notebook comparison
(with test image 1495's stem plot) after a real, tiny training run."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.architecture import PRESETS
from cnnviz.options import BATCH_SIZES
from cnnviz.recipes import EXPERIMENT_BASE, EXPERIMENTS, NOTEBOOK_RECIPES, RECIPES, describe_runs, notebook_recipe
from cnnviz.training.notebook import to_notebook
from cnnviz.ui.training.form import show_config
from tests.conftest import run_page


@pytest.mark.parametrize(
    "key, preset, optimizer, batch, epochs",
    [
        ("notebook_mnist", "MNIST CNN", "adam", 32, 5),
        ("notebook_mnist_same", "MNIST CNN ('same' padding)", "adam", 50, 3),
        ("notebook_fashion", "Fashion-MNIST CNN", "rmsprop", 32, 10),
        ("notebook_neu", "NEU CNN", "adam", 50, 10),
    ],
)
def test_each_notebook_recipe_trains_the_notebooks_model_with_its_settings(key, preset, optimizer, batch, epochs):
    recipe = RECIPES[key]
    shape, stack = PRESETS[preset]
    assert recipe.stack == stack and recipe.input_shape == shape
    assert (recipe.config.optimizer, recipe.config.batch_size, recipe.config.epochs) == (optimizer, batch, epochs)
    assert recipe.config.learning_rate == 1e-3  # the optimizers' Keras default, as the notebooks leave it
    assert batch in BATCH_SIZES and show_config(recipe.config)["tr_batch"] == batch
    assert recipe.notebook and notebook_recipe(recipe.title) is recipe
    assert notebook_recipe(f"Run 12 · {recipe.title}") is recipe
    recipe.config.validate()


def test_experiment_captions_come_from_the_experiments():
    stack = RECIPES["quick_mnist"].stack
    captions = {key: describe_runs(e.variants(stack, EXPERIMENT_BASE)) for key, e in EXPERIMENTS.items()}
    assert captions["epochs"].startswith("2 runs (2 epochs, 8 epochs)") and "3 epochs" not in captions["epochs"]
    assert "Adam" not in captions["optimizers"].split("),")[1] and "SGD lr 0.01" in captions["optimizers"]
    assert captions["curves"].startswith("1 run, 8 epochs on 3,000 images")
    assert "3 runs" in captions["filters"] and "3 epochs on 3,000 images with Adam" in captions["filters"]


def _comparison_script() -> None:
    import dataclasses

    import streamlit as st

    from cnnviz import datasets
    from cnnviz.recipes import RECIPES
    from cnnviz.training import train
    from cnnviz.ui.training.course_figures import notebook_comparison

    recipe = RECIPES["notebook_mnist_same"]
    if "run" not in st.session_state:
        config = dataclasses.replace(recipe.config, epochs=1, max_train_samples=300)
        run = train(recipe.stack, datasets.load("mnist"), config)
        # Labelled as the Training page's collect_runs labels a finished run.
        st.session_state["run"] = dataclasses.replace(run, label=f"Run 1 · {recipe.title}")
    notebook_comparison(st.session_state["run"])


@pytest.mark.usefixtures("data_dir")
def test_a_reproduced_notebook_shows_its_figure_beside_ours_and_test_image_1495():
    app = AppTest.from_function(_comparison_script, default_timeout=180)
    app.run()
    assert not app.exception
    run = app.session_state["run"]
    text = "\n".join(block.value for block in app.markdown)
    assert "**The notebook:** no accuracy printed" in text
    assert f"test accuracy {run.test_accuracy:.2%}" in text
    predicted = int(np.argmax(run.test_probabilities[1495]))
    assert f"**Test image 1495** (the notebook's worked example): predicted **{predicted}**" in text
    assert f"the label says {int(run.test_labels[1495])}" in text
    assert len(app.get("plotly_chart")) == 1 and len(app.get("image")) + len(app.get("imgs")) == 1


def test_notebook_recipes_are_not_confused_with_the_others():
    assert notebook_recipe(RECIPES["quick_mnist"].title) is None
    assert set(NOTEBOOK_RECIPES) <= set(RECIPES)
    assert dataclasses.fields(RECIPES["quick_mnist"])


def test_choosing_a_notebook_recipe_fills_the_form_with_the_notebooks_settings():
    app = run_page("training")
    app.selectbox(key="tr_recipe").set_value("notebook_mnist_same").run()
    assert not app.exception and not app.error
    assert app.select_slider(key="tr_batch").value == 50 and app.slider(key="tr_epochs").value == 3
    assert app.selectbox(key="tr_optimizer").value == "adam" and app.slider(key="tr_val").value == 0.0
    assert any("test image 1495" in c.value and "*Measured:*" in c.value for c in app.caption)
    app.selectbox(key="tr_recipe").set_value("notebook_fashion").run()
    assert app.selectbox(key="tr_optimizer").value == "rmsprop" and app.select_slider(key="tr_batch").value == 32
    assert app.toggle(key="tr_early").value and app.number_input(key="tr_patience").value == 10
    experiments = next(m.value for m in app.markdown if "Number of epochs" in m.value)
    assert "2 runs (2 epochs, 8 epochs)" in experiments


def test_the_fashion_reproductions_notebook_compiles_and_validates_as_the_course_notebook():
    """The exported notebook of the Fashion reproduction: RMSprop, categorical cross-entropy on one-hot labels,
    the first 5,000 training images held out, the best epoch kept, early stopping after 10."""
    recipe = RECIPES["notebook_fashion"]
    notebook = json.loads(to_notebook(recipe.stack, recipe.dataset, recipe.config, image_size=recipe.image_size))
    code = "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    for line in (
        "OPTIMIZER = 'rmsprop'",
        "LOSS = 'categorical_crossentropy'",
        "VALIDATION_FIRST = 5000",
        "KEEP_BEST = True",
        "EARLY_STOPPING_PATIENCE = 10",
        "BATCH_SIZE = 32",
        "EPOCHS = 10",
    ):
        assert re.search(rf"^{re.escape(line)}(\s|$)", code, re.MULTILINE), line
    assert "loss=LOSS" in code and "optimizers[OPTIMIZER]" in code
