"""AppTest runs of the Training page: start, progress, stop, results, errors, the queue, experiments."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.training import TrainingJob, TrainingPlan
from cnnviz.ui.training_job import JOB_KEY, training_gate
from tests.conftest import labelled_button, rerun_until, run_page

QUICK = {"tr_subset": 500, "tr_epochs": 1}  # a few seconds of training on the MNIST sample


def _page(**state) -> AppTest:
    """The page run once (which fills the form from the default recipe), then with ``state`` set."""
    app = run_page("training")
    for key, value in state.items():
        app.session_state[key] = value
    return app.run()


def _job(app: AppTest) -> TrainingJob:
    return app.session_state[JOB_KEY]


def _train_button(app: AppTest):
    return labelled_button(app, "▶ Train")


def _progress_text(app: AppTest) -> str:
    return " ".join(p.proto.text for p in app.get("progress"))


@pytest.fixture(scope="module")
def trained() -> AppTest:
    """The page after one short training finished."""
    app = _page(**QUICK)
    _train_button(app).click().run()
    rerun_until(app, lambda a: _job(a).done and a.metric)
    yield app
    _job(app).cancel()


def test_page_offers_data_network_settings_and_an_estimate() -> None:
    app = _page()
    assert not app.exception and not app.error
    assert [s.value for s in app.subheader][:2] == ["1 · Data and network", "2 · Training settings"]
    assert app.selectbox(key="tr_dataset").value == "mnist"
    assert any("per epoch" in m.value and "multiply-adds" in m.value for m in app.markdown)
    assert len([b for b in app.button if b.key and b.key.startswith("tr_exp_")]) == 6


def test_training_shows_results_history_and_keeps_the_run(trained: AppTest) -> None:
    assert not trained.exception and not trained.error
    metrics = {m.label: m.value for m in trained.metric}
    assert metrics["Epochs"] == "1" and metrics["Test accuracy"].endswith("%")
    runs = trained.session_state["runs"]
    assert len(runs) == 1 and runs[0].label.startswith("Run 1")
    assert runs[0].model.output_shape == (None, 10) and runs[0].config.max_train_samples == 500


def test_result_views_show_confusion_cells_and_mistakes(trained: AppTest) -> None:
    trained.segmented_control(key="tr_view").set_value("confusion").run()
    assert not trained.exception
    cell = trained.selectbox(key="tr_cell_0")
    assert "predicted as" in cell.format_func(cell.value)  # the most frequent mistake is offered first
    prefix = f"cell_0_{cell.value[0]}_{cell.value[1]}_look_"
    assert any(b.key and b.key.startswith(prefix) for b in trained.button)  # that cell's images, each openable
    trained.segmented_control(key="tr_view").set_value("mistakes").run()
    assert not trained.exception
    assert any("misclassified" in m.value for m in trained.markdown)
    trained.segmented_control(key="tr_view").set_value("classes").run()
    assert not trained.exception and any("weakest class" in c.value for c in trained.caption)


def test_the_internals_recorded_on_the_worker_are_shown_at_the_chosen_epoch(trained: AppTest) -> None:
    run = trained.session_state["runs"][0]
    assert run.internals["epochs"] == [0, 1]  # trained on a Dask worker: the recording came back in the payload
    trained.segmented_control(key="tr_view").set_value("internals").run()
    assert not trained.exception
    layer = next(layer for layer in run.internals["layers"] if layer["weight_edges"] is not None)
    for epoch in (1, 0):
        trained.slider(key="tr_epoch_0").set_value(epoch).run()
        assert not trained.exception
        text = "\n".join(c.value for c in trained.caption)
        assert f"weights {layer['weight_rms'][epoch]:.3g}, gradients {layer['gradient_rms'][epoch]:.3g}" in text
        assert any(f"Showing epoch **{epoch}**" in m.value for m in trained.markdown)
    keys = {chart.key for chart in trained.get("plotly_chart")}
    assert {"tr_internals_0_histograms", "tr_internals_0_update_ratio", "tr_internals_0_dead_relu"} <= keys


def test_a_run_is_named_by_what_changed_from_its_recipe(trained: AppTest) -> None:
    assert trained.session_state["runs"][0].label == "Run 1 · 1 epoch · 500 images"  # quick recipe: 3 and 3,000


def test_a_run_near_chance_level_is_flagged_and_runs_are_compared_at_once(trained: AppTest) -> None:
    first = trained.session_state["runs"][0]
    stuck = replace(
        first,
        test_accuracy=0.135,
        label="Run 2 · SGD lr 0.001 · 8 epochs",
        config=replace(first.config, optimizer="sgd", learning_rate=0.001),
    )
    trained.session_state["runs"] = [first, stuck]
    trained.run()
    trained.selectbox(key="tr_selected").set_value(stuck.label).run()
    assert not trained.exception
    assert any(
        "The network did not learn" in w.value and "Try a larger learning rate: 0.1 suits SGD" in w.value
        for w in trained.warning
    )
    assert trained.multiselect(key="tr_compare").value == [first.label, stuck.label]  # both drawn from the start
    table = trained.dataframe[-1].proto  # the comparison: scrolls sideways with the run's name kept in view
    assert json.loads(table.columns)["run"]["pinned"] is True
    trained.selectbox(key="tr_selected").set_value(first.label).run()
    assert not any("did not learn" in w.value for w in trained.warning)


def test_changing_the_optimizer_suggests_its_learning_rate() -> None:
    app = _page()
    app.selectbox(key="tr_optimizer").set_value("sgd").run()
    assert app.session_state["tr_lr"] == 0.1
    assert not any(c.value.startswith("Suggested for") for c in app.caption)
    app.select_slider(key="tr_lr").set_value(0.001).run()
    assert any(c.value == "Suggested for SGD: **0.1**." for c in app.caption)
    app.selectbox(key="tr_optimizer").set_value("adam").run()
    assert app.session_state["tr_lr"] == 0.001


def test_a_run_continues_for_more_epochs_and_a_repeat_is_reused(trained: AppTest) -> None:
    # The module's page is shared: earlier tests may have added runs. Continue the one really trained.
    first, count = trained.session_state["runs"][0], len(trained.session_state["runs"])
    trained.selectbox(key="tr_selected").set_value(first.label).run()
    trained.number_input(key="tr_more_epochs").set_value(2).run()
    trained.button(key="tr_continue").click().run()
    rerun_until(trained, lambda a: _job(a).done and len(a.session_state["runs"]) == count + 1)
    more = trained.session_state["runs"][-1]
    assert more.epochs_done == 3 and more.history["loss"][0] == first.history["loss"][0]
    assert more.label.endswith("· continued") and more.worker  # trained by a Dask worker
    # The same settings again: the finished run comes back from the store at once, and says so.
    _train_button(trained).click().run()
    rerun_until(trained, lambda a: _job(a).done and len(a.session_state["runs"]) == count + 2)
    assert trained.session_state["runs"][-1].reused == "stored"
    assert any("already trained on this server" in i.value for i in trained.info)
    trained.button(key="tr_own_copy").click().run()
    rerun_until(trained, lambda a: _job(a).done and len(a.session_state["runs"]) == count + 3)
    own = trained.session_state["runs"][-1]
    assert own.reused == "" and own.config.seed != first.config.seed


def test_the_teachers_limit_is_shown_and_refuses_a_bigger_training(monkeypatch) -> None:
    monkeypatch.setenv("CNNVIZ_MAX_EPOCH_IMAGES", "1000")
    app = _page(**QUICK)  # 1 epoch × 500 images: allowed
    assert any("at most 1,000 epochs × images" in c.value for c in app.caption)
    assert not _train_button(app).disabled
    app.session_state["tr_epochs"] = 3
    app.run()
    assert any("your teacher's limit" in e.value for e in app.error) and _train_button(app).disabled


def test_start_shows_progress_and_stop_ends_within_a_batch() -> None:
    app = _page(tr_subset="all", tr_epochs=20)
    _train_button(app).click().run()
    try:
        rerun_until(app, lambda a: "Epoch 1/20 · batch" in _progress_text(a))
        assert app.button(key="training_stop")
        app.button(key="training_stop").click().run()
        assert _job(app).stopping
        rerun_until(app, lambda a: _job(a).done and a.metric)
    finally:
        _job(app).cancel()
    run = app.session_state["runs"][-1]
    assert run.stopped and run.epochs_done < 20
    assert any("Stopped by you" in i.value for i in app.info)


def test_an_exception_in_the_training_thread_is_shown_on_the_page() -> None:
    app = _page(**QUICK)

    def broken(*args):
        raise RuntimeError("the GPU melted")

    job = TrainingJob([TrainingPlan([], None)], train_fn=broken).start()
    assert job.join(10)
    app.session_state[JOB_KEY] = job
    app.run()
    assert not app.exception
    assert any("problem on the server, not in your settings" in e.value for e in app.error)
    assert not any("GPU melted" in e.value for e in app.error)  # an internal error stays in the server's log


def test_a_waiting_training_is_told_it_is_next() -> None:
    gate = training_gate()
    holder = object()
    assert gate.acquire(holder)
    try:
        app = _page(**QUICK, tr_seed=7)  # a random start no other test trains: the store cannot hold it
        _train_button(app).click().run()
        rerun_until(app, lambda a: any("yours is next" in i.value for i in a.info), timeout=30)
        assert "Waiting in line" in _progress_text(app)
    finally:
        gate.release(holder)
    rerun_until(app, lambda a: _job(a).snapshot().state != "queued", timeout=30)  # starts once the slot is free
    _job(app).cancel()
    assert _job(app).join(60)
    rerun_until(app, lambda a: gate.load() == (0, 0), timeout=60)  # the worker ends the cancelled task


def test_a_new_training_cancels_the_old_one() -> None:
    app = _page(tr_subset="all", tr_epochs=20)
    _train_button(app).click().run()
    first = _job(app)
    for key, value in QUICK.items():
        app.session_state[key] = value
    _train_button(app).click().run()
    try:
        assert _job(app) is not first
        assert first.join(60) and first.snapshot().state == "cancelled"
    finally:
        _job(app).cancel()
        _job(app).join(60)


def test_a_colour_network_is_refused_with_an_explanation() -> None:
    stack = [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    app = _page(stack=stack, input_shape=(32, 32, 3))
    assert not app.exception
    assert any("colour images" in e.value for e in app.error)
    assert _train_button(app).disabled


def test_a_builder_stack_of_another_size_trains_on_resized_images() -> None:
    stack = [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    app = _page(stack=stack, input_shape=(32, 32, 1))
    assert not app.exception and not app.error
    assert any("resized to 32×32" in i.value for i in app.info)


def test_every_experiment_opens_on_a_view_the_results_have() -> None:
    from cnnviz.recipes import EXPERIMENTS
    from cnnviz.ui.training.results import VIEWS

    assert {experiment.look_at for experiment in EXPERIMENTS.values()} <= set(VIEWS)


def test_an_experiment_sets_up_the_form_and_queues_its_runs() -> None:
    app = _page()
    app.button(key="tr_exp_optimizers").click().run()
    job = _job(app)
    try:
        assert [p.label for p in job.plans] == ["SGD lr 0.01", "RMSprop lr 0.001", "Adam lr 0.001"]
        assert [p.config.optimizer for p in job.plans] == ["sgd", "rmsprop", "adam"]
        assert app.session_state["tr_epochs"] == 3 and app.session_state["tr_subset"] == 3000
    finally:
        job.cancel()
        job.join(60)


@pytest.mark.usefixtures("data_dir")
def test_an_uploaded_dataset_can_be_trained_on() -> None:
    from cnnviz import datasets

    digits = datasets.load("mnist")
    keep, keep_test = digits.y_train < 3, digits.y_test < 3
    uploaded = datasets.Dataset(
        digits.x_train[keep][:300],
        digits.y_train[keep][:300],
        digits.x_test[keep_test][:90],
        digits.y_test[keep_test][:90],
        ["zero", "one", "two"],
        source="a test zip",
    )
    app = _page(uploaded_dataset=uploaded, uploaded_dataset_file="digits.zip")
    choice = app.selectbox(key="tr_dataset")
    assert choice.format_func("uploaded") == "Your uploaded images (digits.zip)"
    choice.set_value("uploaded").run()
    assert not app.exception and not app.error
    assert any("had 10 units but the data has 3 classes" in i.value for i in app.info)
    _train_button(app).click().run()
    rerun_until(app, lambda a: _job(a).done and a.metric)
    assert app.session_state["runs"][-1].class_names == ["zero", "one", "two"]


def test_no_training_thread_is_left_running() -> None:
    busy = [t for t in threading.enumerate() if t.name == "cnnviz-training"]
    for thread in busy:
        thread.join(60)
    assert not [t for t in threading.enumerate() if t.name == "cnnviz-training"]


def test_importing_the_training_ui_keeps_keras_state(monkeypatch) -> None:
    """The training UI's import applies ``keep_keras_state`` (whether Streamlit still calls the patched
    function is checked in tests/test_streamlit_patches.py)."""
    import keras
    from streamlit.runtime.scriptrunner import script_runner

    import cnnviz.ui.training_job  # noqa: F401 - the import applies keep_keras_state()

    calls = []
    monkeypatch.setattr(keras.backend, "clear_session", lambda *args, **kwargs: calls.append(args))
    script_runner._clean_problem_modules()
    assert calls == []
