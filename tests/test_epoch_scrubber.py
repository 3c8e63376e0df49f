"""The epoch scrubber's data: epoch 0 is the initial weights, the last epoch is the final model, the
best-validation checkpoint is kept when asked, and a huge network's copies stop at the budget."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnviz import architecture
from cnnviz.training import TrainConfig, adapt_output, train
from cnnviz.training.snapshots import model_at, weight_recorder
from tests.conftest import TINY, run_page


def assert_same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_epoch_zero_is_the_initial_weights_and_the_last_epoch_is_the_final_model(small):
    config = TrainConfig(epochs=3, batch_size=32, seed=3)
    run = train(TINY, small, config)
    assert run.epochs_recorded == 3 and run.final_epoch == 3 and not run.weights_capped
    keras.utils.set_random_seed(config.seed)  # train() builds its model right after this call
    initial = architecture.to_keras(adapt_output(TINY, (28, 28, 1), 10)[0], (28, 28, 1)).get_weights()
    assert_same(run.weights_at(0), initial)
    assert_same(run.weights_at(3), run.model.get_weights())
    assert not all(np.array_equal(a, b) for a, b in zip(run.weights_at(1), run.weights_at(2), strict=True))
    with pytest.raises(ValueError, match="not recorded"):
        run.weights_at(4)
    earlier = model_at(run, 1)  # a clone with epoch 1's weights; the run's model is untouched
    assert earlier is not run.model and model_at(run, 3) is run.model
    assert_same(earlier.get_weights(), run.weights_at(1))
    assert_same(run.model.get_weights(), run.weights_at(3))


def test_keep_best_ends_with_the_lowest_validation_loss_epoch(small):
    config = TrainConfig(epochs=4, batch_size=32, learning_rate=0.05, validation_split=0.2, keep_best=True, seed=1)
    run = train(TINY, small, config)
    best = int(np.argmin(run.history["val_loss"])) + 1
    assert run.final_epoch == best
    assert_same(run.model.get_weights(), run.weights_at(best))


def test_a_network_over_the_budget_keeps_only_its_first_epochs():
    model = architecture.to_keras(TINY, (28, 28, 1))
    one_copy = sum(w.nbytes for w in model.get_weights())
    recorder = weight_recorder(model, keep_best=False, budget_bytes=2 * one_copy)
    recorder.set_model(model)
    recorder.on_train_begin()
    for epoch in range(3):
        recorder.on_epoch_end(epoch, {})
    recorder.on_train_end()
    result = recorder.result(epochs_done=3)
    assert len(result["epoch_weights"]) == 2 and result["weights_capped"]
    assert result["final_epoch"] == 1  # weights never changed, so the last kept copy matches


def test_keep_best_restores_the_best_epoch_even_when_a_later_one_is_worse():
    model = architecture.to_keras(TINY, (28, 28, 1))
    recorder = weight_recorder(model, keep_best=True)
    recorder.set_model(model)
    recorder.on_train_begin()
    for epoch, val_loss in enumerate((0.5, 0.3, 0.4)):  # epoch 2 (1-based) is the best
        model.set_weights([w + 1 for w in model.get_weights()])  # as if an epoch of training changed them
        recorder.on_epoch_end(epoch, {"val_loss": val_loss})
    recorder.on_train_end()
    result = recorder.result(epochs_done=3)
    assert result["final_epoch"] == 2
    assert_same(model.get_weights(), result["epoch_weights"][2])


def test_the_inside_page_follows_the_chosen_epoch(small):

    from cnnviz import inspection
    from cnnviz.images import to_model_input
    from cnnviz.samples import DEFAULT_SAMPLE, load_sample

    run = train(TINY, small, TrainConfig(epochs=2, batch_size=32, seed=5))
    run.label = "tiny"
    app = run_page("inside", state={"runs": [run]}, timeout=120)
    box = app.selectbox(key="inside_model")
    app = box.set_value(next(o for o in box.options if o.startswith("tiny"))).run()
    slider = app.slider(key="inside_epoch_0")
    assert (slider.min, slider.max, slider.value) == (0, 2, 2)
    app = app.button(key="inside_epoch_0_back").click().run()  # ◀ (the ← key): one epoch back
    assert app.slider(key="inside_epoch_0").value == 1
    app = app.button(key="inside_epoch_0_next").click().run().button(key="inside_epoch_0_next").click().run()
    assert app.slider(key="inside_epoch_0").value == 2  # ▶ (the → key) stops at the last epoch
    x = to_model_input(load_sample(DEFAULT_SAMPLE), (28, 28, 1), center=True)
    shown = set()
    for epoch in (0, 1, 2):
        app = app.slider(key="inside_epoch_0").set_value(epoch).run()
        assert not app.exception
        probabilities = inspection.predict(model_at(run, epoch), x)
        top = int(np.argmax(probabilities))
        said = next(m.value for m in app.markdown if m.value.startswith("The network says"))
        assert said.startswith(f"The network says **{top}** ({probabilities[top]:.1%} sure)"), (epoch, said)
        shown.add(said)
    assert len(shown) > 1  # the random start and the trained network do not agree on a 7
    said = " ".join(caption.value for caption in app.caption)  # the share popover: the run stays here
    assert "model" not in app.query_params and "Your own trained run can't travel in a link" in said
    assert "the link opens the demo model “Handwritten digits (MNIST)” instead" in said


def _scores_at_epoch_page() -> None:
    import streamlit as st

    from cnnviz.ui.epochs import at_epoch

    run = at_epoch(st.session_state["run"], key="scores_epoch")
    st.metric("accuracy", repr(run.test_accuracy))


def test_the_training_results_score_the_test_set_at_the_chosen_epoch(small):
    from streamlit.testing.v1 import AppTest

    from cnnviz.training import loss_and_accuracy

    run = train(TINY, small, TrainConfig(epochs=2, batch_size=32, seed=5))
    app = AppTest.from_function(_scores_at_epoch_page, default_timeout=120)
    app.session_state["run"] = run
    app.run()
    assert app.metric[0].value == repr(run.test_accuracy)  # the final epoch: the run's own scores
    app = app.slider(key="scores_epoch").set_value(0).run()
    probabilities = model_at(run, 0).predict(small.x_test.astype(np.float32) / 255, verbose=0)
    expected = loss_and_accuracy(probabilities, run.test_labels)[1]
    assert float(app.metric[0].value) == pytest.approx(expected) and expected < run.test_accuracy


def test_a_downloaded_run_zip_reloads_with_its_scrubber(small, tmp_path):
    import dataclasses
    import io
    import zipfile

    from cnnviz.training import load_run, run_zip

    config = TrainConfig(epochs=2, batch_size=32, validation_split=0.2, keep_best=True, seed=5)
    trained = train(TINY, small, config)
    run = dataclasses.replace(trained, weights_capped=True, final_epoch=1)  # both must travel as they are
    with zipfile.ZipFile(io.BytesIO(run_zip(run))) as archive:
        assert "epoch_weights.npz" in archive.namelist()
        archive.extractall(tmp_path)
    again = load_run(tmp_path)
    assert again.epochs_recorded == 2 and again.final_epoch == 1 and again.weights_capped
    for epoch in range(3):
        assert_same(again.weights_at(epoch), run.weights_at(epoch))
    assert_same(again.model.get_weights(), run.model.get_weights())
    earlier = model_at(again, 0)  # the scrubber's clone works on the reloaded run
    assert_same(earlier.get_weights(), run.weights_at(0))
