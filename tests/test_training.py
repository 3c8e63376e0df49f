"""cnnviz.training on a few hundred real MNIST digits: history, stopping, early stopping, saving,
output-layer adaptation, the background job and its queue, and the NumPy scores (against Keras)."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any

import numpy as np
import pytest

from cnnviz import datasets
from cnnviz.errors import InputError
from cnnviz.training import (
    Event,
    JobState,
    TrainConfig,
    TrainingGate,
    TrainingJob,
    TrainingPlan,
    TrainingRun,
    adapt_output,
    cell_examples,
    confusion_matrix,
    load_run,
    loss_and_accuracy,
    misclassified,
    per_class_accuracy,
    run_zip,
    save_run,
    subset_indices,
    train,
    validation_indices,
)
from cnnviz.training.keys import KEY_PREFIX
from cnnviz.training.payload import from_payload, to_payload
from cnnviz.training.run import ARRAY_FIELDS, PLAIN_FIELDS
from cnnviz.training.store import RunStore
from tests.conftest import TINY
from tests.training_helpers import running_batches


@pytest.fixture(scope="module")
def three_classes(small: datasets.Dataset) -> datasets.Dataset:
    """Only the digits 0, 1 and 2, so a 10-unit output layer does not fit."""
    train_keep, test_keep = small.y_train < 3, small.y_test < 3
    return datasets.Dataset(
        x_train=small.x_train[train_keep],
        y_train=small.y_train[train_keep],
        x_test=small.x_test[test_keep],
        y_test=small.y_test[test_keep],
        class_names=["0", "1", "2"],
        source="digits 0-2",
        name="digits012",
    )


@pytest.fixture(scope="module")
def run_and_events(small: datasets.Dataset):
    events: list[dict] = []
    run = train(
        TINY,
        small,
        TrainConfig(epochs=3, batch_size=32, validation_split=0.2),
        on_progress=events.append,
        progress_every=5,
    )
    return run, events


def test_history_has_one_value_per_epoch_and_accuracy_rises(run_and_events) -> None:
    run, _ = run_and_events
    assert set(run.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 3 for values in run.history.values())
    assert all(isinstance(v, float) for values in run.history.values() for v in values)
    assert run.history["accuracy"][-1] > run.history["accuracy"][0]
    assert run.history["loss"][-1] < run.history["loss"][0]
    assert run.test_accuracy > 0.5  # chance is 0.1
    assert run.train_samples + run.val_samples == 600
    assert abs(run.val_samples - 120) <= 5  # 20 % of every class, rounded per class
    assert run.seconds > 0 and not run.stopped


def test_test_metrics_equal_keras_evaluate(run_and_events, small: datasets.Dataset) -> None:
    run, _ = run_and_events
    loss, accuracy = run.model.evaluate(small.x_test.astype("float32") / 255, small.y_test, verbose=0)
    assert run.test_loss == pytest.approx(loss, rel=1e-4)
    assert run.test_accuracy == pytest.approx(accuracy, abs=1e-6)
    assert run.test_probabilities.shape == (300, 10)


def test_a_finished_run_keeps_its_weights_but_not_the_traced_training_graph(
    run_and_events, small: datasets.Dataset
) -> None:
    run, _ = run_and_events
    assert run.model.train_function is None  # released: kept runs would otherwise pile up graphs
    again = run.model.predict(small.x_test[:20].astype("float32") / 255, verbose=0)  # retraced on demand
    np.testing.assert_allclose(again, run.test_probabilities[:20], atol=1e-5)


def test_progress_events_are_plain_values_every_n_batches(run_and_events) -> None:
    _, events = run_and_events
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "evaluate"
    assert kinds.count("epoch") == 3
    batches = [e for e in events if e["event"] == "batch"]
    assert [e["batch"] for e in batches if e["epoch"] == 1] == [5, 10, 15]  # ~480 / 32 = 15 batches
    for event in batches:
        assert {"epoch", "batch", "loss", "accuracy", "images_per_second", "eta_seconds"} <= set(event)
        assert all(type(v) in (int, float, str) for v in event.values())
        assert event["eta_seconds"] >= 0
    epoch_events = [e for e in events if e["event"] == "epoch"]
    assert "val_accuracy" in epoch_events[0] and epoch_events[-1]["eta_seconds"] == 0


def test_should_stop_stops_within_one_batch(small: datasets.Dataset) -> None:
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) >= 4

    events: list[dict] = []
    run = train(
        TINY,
        small,
        TrainConfig(epochs=2, batch_size=32),
        on_progress=events.append,
        should_stop=should_stop,
        progress_every=1,
    )
    assert int(run.model.optimizer.iterations.numpy()) == 4  # exactly four gradient steps were taken
    assert [e["batch"] for e in events if e["event"] == "batch"] == [1, 2, 3, 4]
    assert run.stopped and run.history == {}
    assert run.test_accuracy is not None  # a stopped run is still scored
    assert any("Stopped by you after batch 4" in note for note in run.notes)


def test_early_stopping_restores_the_best_weights(small: datasets.Dataset) -> None:
    # A big dense layer on 150 images over-fits fast: the validation loss soon rises again.
    stack = [
        {"type": "Flatten"},
        {"type": "Dense", "units": 256, "activation": "relu"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    config = TrainConfig(
        epochs=15,
        batch_size=16,
        learning_rate=0.01,
        validation_split=0.3,
        early_stopping_patience=2,
        max_train_samples=150,
    )
    run = train(stack, small, config)
    val_loss = run.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert best < len(val_loss) - 1, "the setting should over-fit; the test is meaningless otherwise"
    chosen = subset_indices(small.y_train, 150, config.seed)
    _, val = validation_indices(small.y_train[chosen], 0.3, config.seed)
    x_val = small.x_train[chosen[val]].astype("float32") / 255
    loss, _ = run.model.evaluate(x_val, small.y_train[chosen[val]], verbose=0)
    assert loss == pytest.approx(val_loss[best], rel=1e-4)
    assert loss != pytest.approx(val_loss[-1], rel=1e-3)
    assert any(f"weights of epoch {best + 1}" in note for note in run.notes)


def test_save_and_reload_give_the_same_predictions(run_and_events, small: datasets.Dataset, tmp_path) -> None:
    run, _ = run_and_events
    save_run(run, tmp_path / "run")
    again = load_run(tmp_path / "run")
    x = small.x_test[:50].astype("float32") / 255
    np.testing.assert_allclose(again.model.predict(x, verbose=0), run.model.predict(x, verbose=0), rtol=1e-6)
    assert again.history == run.history and again.config == run.config
    assert again.test_accuracy == run.test_accuracy and again.stack == run.stack
    np.testing.assert_array_equal(again.test_probabilities, run.test_probabilities)
    assert run_zip(run)[:2] == b"PK"


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is not None and b is not None and np.array_equal(a, b)
    return a == b


def test_a_runs_fields_are_listed_once_and_every_copy_of_a_run_agrees(run_and_events, tmp_path) -> None:
    """The dataclass says which fields are plain values and which arrays; the record (run.json), the reloaded
    run, the worker's payload and the run store all follow it, field for field."""
    run, _ = run_and_events
    run.label = "Run 1 · quick"
    names = {f.name for f in dataclasses.fields(TrainingRun)}
    local = {"model", "test_images", "train_data", "reused", "worker"}  # never leave this process
    assert set(PLAIN_FIELDS) | set(ARRAY_FIELDS) | local == names and not set(PLAIN_FIELDS) & set(ARRAY_FIELDS)
    assert set(run.record()) == set(PLAIN_FIELDS) | {"format", "version", "epoch_weight_counts"}
    assert set(to_payload(run)) == set(PLAIN_FIELDS) | set(ARRAY_FIELDS)

    save_run(run, tmp_path / "saved")
    store = RunStore(tmp_path / "store")
    store.put(KEY_PREFIX + "abc", to_payload(run))
    copies = {
        "reloaded": load_run(tmp_path / "saved"),
        "payload": from_payload(to_payload(run)),
        "stored": from_payload(store.get(KEY_PREFIX + "abc")),
    }
    for copy_name, copy in copies.items():
        for name in PLAIN_FIELDS + ARRAY_FIELDS:
            if name == "weights" and copy_name == "reloaded":
                assert _equal(copy.model.get_weights(), run.model.get_weights())  # a saved run keeps its model
                continue
            mine = run.model.get_weights() if name == "weights" else getattr(run, name)
            assert _equal(getattr(copy, name), mine), (copy_name, name)
            assert type(getattr(copy, name)) is type(getattr(run, name)) or name == "weights", (copy_name, name)


def test_load_refuses_a_directory_it_did_not_write(tmp_path) -> None:
    (tmp_path / "run.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="does not hold a CNN Explorer run"):
        load_run(tmp_path)


def test_output_layer_is_adapted_to_the_class_count(three_classes: datasets.Dataset) -> None:
    run = train(TINY, three_classes, TrainConfig(epochs=1, batch_size=32))
    assert run.model.output_shape == (None, 3)
    assert run.stack[-1] == {"type": "Dense", "units": 3, "activation": "softmax"}
    assert any("had 10 units but the data has 3 classes" in note for note in run.notes)
    assert run.test_probabilities.shape == (len(three_classes.y_test), 3)


SOFTMAX_3 = {"type": "Dense", "units": 3, "activation": "softmax"}


@pytest.mark.parametrize(
    ("stack", "expected_tail", "note"),
    [
        (
            TINY[:-1] + [{"type": "Dense", "units": 5}],
            [{"type": "Dense", "units": 3, "activation": "softmax"}],
            "no activation",
        ),
        (
            TINY[:-1] + [{"type": "Dense", "units": 3, "activation": "relu"}],
            [
                {"type": "Dense", "units": 3, "activation": "relu"},
                {"type": "Dense", "units": 3, "activation": "softmax"},
            ],
            "cannot give class probabilities",
        ),
        (TINY[:2], [{"type": "Flatten"}, SOFTMAX_3], "added Flatten and Dense"),
        ([], [{"type": "Flatten"}, SOFTMAX_3], "added Flatten"),
    ],
)
def test_adapt_output_cases(stack, expected_tail, note) -> None:
    adapted, notes = adapt_output(stack, (28, 28, 1), 3)
    assert adapted[-len(expected_tail) :] == expected_tail
    assert any(note in n for n in notes)


def test_adapt_output_leaves_a_fitting_stack_alone() -> None:
    assert adapt_output(TINY, (28, 28, 1), 10) == (TINY, [])


def test_invalid_stack_and_config_raise_input_error(small: datasets.Dataset) -> None:
    with pytest.raises(InputError, match="Layer 1"):
        train([{"type": "Conv2D", "filters": 4, "kernel_size": 40}], small, TrainConfig(epochs=1))
    with pytest.raises(InputError, match="optimizer"):
        train(TINY, small, TrainConfig(optimizer="adagrad"))
    with pytest.raises(InputError, match="validation split above 0"):
        TrainConfig(validation_split=0, early_stopping_patience=2).validate()
    with pytest.raises(InputError, match="not an augmentation layer"):
        TrainConfig(augmentation=({"type": "Conv2D"},)).validate()
    with pytest.raises(InputError, match="learning rate"):
        TrainConfig(learning_rate=float("nan")).validate()


def test_augmentation_is_used_for_training_only(small: datasets.Dataset) -> None:
    config = TrainConfig(
        epochs=1, augmentation=({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.1},)
    )
    run = train(TINY, small, config)
    assert [type(layer).__name__ for layer in run.model.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    x = small.x_test[:20].astype("float32") / 255
    np.testing.assert_array_equal(run.model.predict(x, verbose=0), run.model.predict(x, verbose=0))
    with pytest.raises(InputError, match="Augmentation 1"):
        train(TINY, small, TrainConfig(epochs=1, augmentation=({"type": "RandomZoom", "bogus": 1},)))


def test_splits_are_stratified_and_seeded() -> None:
    labels = np.repeat(np.arange(10), 50)  # sorted by class, like the offline MNIST 5k subset
    fit, val = validation_indices(labels, 0.1, seed=3)
    assert np.bincount(labels[val]).tolist() == [5] * 10
    assert len(set(fit) | set(val)) == 500 and not set(fit) & set(val)
    again, _ = validation_indices(labels, 0.1, seed=3)
    np.testing.assert_array_equal(fit, again)
    assert np.bincount(labels[subset_indices(labels, 100, seed=0)]).tolist() == [10] * 10
    assert len(subset_indices(np.arange(50), 10, seed=0)) == 10  # 50 classes of one image: no stratum left


@pytest.mark.parametrize(("limit", "count"), [(None, 500), (10, 10), (100, 100), (499, 499), (500, 500), (5000, 500)])
def test_train_count_is_the_number_of_images_a_run_takes(limit, count) -> None:
    """The count the budget and the time estimate use: the subset training draws, to within one image per
    class (the stratified draw rounds each class's share: 499 of 500 digits takes all 500)."""
    labels = np.repeat(np.arange(10), 50)
    assert TrainConfig(max_train_samples=limit).train_count(len(labels)) == count
    assert abs(count - len(subset_indices(labels, limit, seed=0))) < 10


# --- NumPy scores ---


def test_loss_and_accuracy_match_keras() -> None:
    import keras

    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(4), size=200).astype(np.float32)
    probabilities[0] = [1, 0, 0, 0]  # a zero probability for the true class must be clipped like Keras
    labels = rng.integers(0, 4, size=200)
    labels[0] = 2
    expected = float(np.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities)))
    loss, accuracy = loss_and_accuracy(probabilities, labels)
    assert loss == pytest.approx(expected, rel=1e-5)
    assert accuracy == pytest.approx(np.mean(probabilities.argmax(1) == labels))


def test_confusion_matrix_per_class_accuracy_and_examples() -> None:
    probabilities = np.array(
        [[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0], [0.1, 0.2, 0.7], [0.55, 0.45, 0.0], [0.3, 0.7, 0.0]]
    )
    labels = np.array([0, 1, 1, 2, 1, 0])
    matrix = confusion_matrix(labels, probabilities.argmax(1), 3)
    expected = np.zeros((3, 3), int)
    for t, p in zip(labels, probabilities.argmax(1), strict=True):
        expected[t, p] += 1
    np.testing.assert_array_equal(matrix, expected)
    np.testing.assert_allclose(per_class_accuracy(matrix), [0.5, 1 / 3, 1.0])
    wrong = misclassified(probabilities, labels)
    assert [(m.index, m.true, m.predicted) for m in wrong] == [(5, 0, 1), (2, 1, 0), (4, 1, 0)]
    assert wrong[0].confidence == pytest.approx(0.7) and wrong[0].true_probability == pytest.approx(0.3)
    assert [e.index for e in cell_examples(probabilities, labels, true=1, predicted=0)] == [2, 4]
    assert [e.index for e in cell_examples(probabilities, labels, true=1, predicted=1)] == [1]
    assert np.isnan(per_class_accuracy(np.zeros((2, 2), int))).all()


# --- the background job ---


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def _placeholder_run(stack, config) -> TrainingRun:
    """What a stand-in for ``train`` returns: a run with no model and no scores."""
    return TrainingRun(
        model=None,
        history={},
        test_loss=None,
        test_accuracy=None,
        seconds=0.0,
        config=config,
        stack=stack,
        input_shape=(28, 28, 1),
        class_names=[],
    )


def _looping_train(started: threading.Event):
    """A stand-in for ``train`` that only loops over 'batches' asking should_stop, like the real one;
    returns a placeholder run."""

    def fake(stack, dataset, config, on_progress, should_stop):
        started.set()
        for batch in range(100_000):
            on_progress({"event": "batch", "epoch": 1, "batch": batch + 1, "batches": 100_000, "loss": 1.0})
            if should_stop():
                break
            time.sleep(0.002)
        return _placeholder_run(stack, config)

    return fake


def test_job_trains_and_stop_keeps_the_scored_run(small: datasets.Dataset) -> None:
    job = TrainingJob([TrainingPlan(TINY, small, TrainConfig(epochs=50, batch_size=16), label="long")]).start()
    _wait(lambda: running_batches(job))
    job.stop()
    assert job.join(30)
    snap = job.snapshot()
    assert snap.state == "stopped" and len(snap.runs) == 1
    assert snap.runs[0].label == "long" and snap.runs[0].stopped and snap.runs[0].test_accuracy is not None
    assert snap.trace and snap.progress["event"] == "evaluate"


def test_an_exception_in_the_thread_reaches_the_snapshot(small: datasets.Dataset, caplog) -> None:
    def broken(*args):
        raise RuntimeError("out of cheese")

    caplog.set_level(logging.ERROR, logger="cnnviz.training.job")
    job = TrainingJob([TrainingPlan(TINY, small)], train_fn=broken).start()
    assert job.join(10)
    snap = job.snapshot()
    assert snap.state == "failed" and "problem on the server, not in your settings" in snap.error
    assert "cheese" not in snap.error and "\n" not in snap.error  # the student sees one plain line...
    [record] = [r for r in caplog.records if r.name == "cnnviz.training.job"]
    assert record.levelno == logging.ERROR and "RuntimeError: out of cheese" in record.getMessage()
    assert record.exc_info[0] is RuntimeError and "in broken" in caplog.text  # the traceback's frame

    caplog.clear()
    bad = TrainingJob([TrainingPlan([{"type": "Dense", "units": 0}], small)]).start()
    assert bad.join(30)
    assert bad.snapshot().state == "failed" and bad.snapshot().error.startswith("Layer 1")
    assert not caplog.records  # bad input is the student's to fix, not an error for the log


def test_the_gate_admits_first_come_first_served_and_lets_a_waiting_ticket_give_up() -> None:
    gate = TrainingGate(capacity=1)
    admitted: list[str] = []
    gave_up = threading.Event()

    def wait_for(name: str, abandon=lambda: False) -> None:
        if gate.acquire(name, abandon=abandon):
            admitted.append(name)

    assert gate.acquire("first") and gate.position("first") == 0
    waiters = []
    for count, (name, abandon) in enumerate(
        (("second", lambda: False), ("leaves", gave_up.is_set), ("third", lambda: False)), start=1
    ):
        waiters.append(threading.Thread(target=wait_for, args=(name, abandon), daemon=True))
        waiters[-1].start()
        _wait(lambda count=count: gate.load() == (1, count))
    assert [gate.position(name) for name in ("second", "leaves", "third")] == [1, 2, 3]
    gave_up.set()  # checked at every poll while it waits
    _wait(lambda: gate.load() == (1, 2) and gate.position("third") == 2)
    gate.release("first")
    _wait(lambda: admitted == ["second"])
    gate.release("second")
    _wait(lambda: admitted == ["second", "third"])
    gate.release("third")
    for thread in waiters:
        thread.join(5)
    assert gate.load() == (0, 0) and "leaves" not in admitted


def test_the_gate_estimates_each_waiting_tickets_wait() -> None:
    """Two slots busy for 30 s and 50 s; waiting tickets of 20 s, 40 s and 10 s in that order."""
    gate = TrainingGate(capacity=2)
    seconds = {"a": 30.0, "b": 50.0, "c": 20.0, "d": 40.0, "e": 10.0}
    for holder in ("a", "b"):
        assert gate.acquire(holder)
    waiters = [threading.Thread(target=gate.acquire, args=(name,), daemon=True) for name in ("c", "d", "e")]
    for count, thread in enumerate(waiters, start=1):
        thread.start()
        _wait(lambda count=count: gate.load()[1] == count)
    waits = [gate.wait_seconds(name, seconds.get) for name in ("c", "d", "e")]
    assert waits == [30.0, 50.0, 50.0]  # c takes a's slot at 30; d b's at 50; e c's at 30 + 20
    assert gate.wait_seconds("a", seconds.get) is None
    for name in ("a", "b", "c", "d", "e"):
        gate.release(name)
        time.sleep(0.3)
    for thread in waiters:
        thread.join(5)
    assert gate.load() == (0, 0)


def test_a_job_shows_its_trainers_queue_place_and_can_be_cancelled_before_it_starts(small: datasets.Dataset) -> None:
    """A trainer that waits for a worker (as the Dask service does) reports QUEUED events; the job shows them."""

    def waiting_trainer(stack, dataset, config, on_progress, should_stop):
        while True:
            on_progress({"event": Event.QUEUED, "position": 2, "wait_seconds": 40.0})
            if should_stop():  # raises TrainingCancelled once the job is cancelled
                raise AssertionError("a cancelled job stops asking")
            time.sleep(0.01)

    job = TrainingJob([TrainingPlan(TINY, small)], train_fn=waiting_trainer).start()
    _wait(lambda: job.snapshot().state == JobState.QUEUED)
    snap = job.snapshot()
    assert (snap.queue_position, snap.queue_wait, snap.active) == (2, 40.0, True)
    job.cancel()
    assert job.join(10) and job.snapshot().state == JobState.CANCELLED and job.snapshot().queue_position is None


def test_an_orphaned_job_cancels_itself(small: datasets.Dataset) -> None:
    alive = threading.Event()
    alive.set()
    started = threading.Event()
    job = TrainingJob(
        [TrainingPlan(TINY, small)],
        owner_alive=alive.is_set,
        orphan_grace_seconds=0.3,
        check_owner_every=0.05,
        train_fn=_looping_train(started),
    ).start()
    assert started.wait(10)
    time.sleep(0.5)
    assert job.snapshot().state == "running"  # watched: keeps going
    alive.clear()  # the tab was closed
    assert job.join(10)
    assert job.snapshot().state == "cancelled"


def test_a_multi_run_job_trains_each_plan_in_turn(small: datasets.Dataset) -> None:
    plans = [
        TrainingPlan(TINY, small, TrainConfig(epochs=1, optimizer=name, max_train_samples=200), label=name)
        for name in ("sgd", "adam")
    ]
    job = TrainingJob(plans).start()
    assert job.join(60)
    snap = job.snapshot()
    assert snap.state == "finished" and [r.label for r in snap.runs] == ["sgd", "adam"]
    assert [r.config.optimizer for r in snap.runs] == ["sgd", "adam"]


def test_live_trace_undoes_keras_running_means() -> None:
    """Keras reports the mean since the epoch began; the trace shows the mean of the latest batches."""
    losses = [4.0, 2.0, 2.0, 1.0, 1.0, 1.0]  # per batch, 3 batches per epoch, 2 epochs

    def fake(stack, dataset, config, on_progress, should_stop):
        for epoch in range(2):
            seen = losses[3 * epoch : 3 * epoch + 3]
            for batch in range(3):
                running = sum(seen[: batch + 1]) / (batch + 1)
                on_progress(
                    {
                        "event": "batch",
                        "epoch": epoch + 1,
                        "batch": batch + 1,
                        "batches": 3,
                        "loss": running,
                        "accuracy": 0.5,
                    }
                )
            on_progress(
                {
                    "event": "epoch",
                    "epoch": epoch + 1,
                    "batch": 3,
                    "batches": 3,
                    "loss": running,
                    "accuracy": 0.5,
                    "val_loss": 9.0,
                }
            )
        return _placeholder_run(stack, config)

    job = TrainingJob([TrainingPlan(TINY, None)], train_fn=fake).start()
    assert job.join(10)
    snapshot = job.snapshot()
    assert [round(point[1], 6) for point in snapshot.trace] == losses
    assert [point[0] for point in snapshot.trace] == pytest.approx([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2])
    assert snapshot.history == {"loss": [8 / 3, 1.0], "accuracy": [0.5, 0.5], "val_loss": [9.0, 9.0]}


def test_time_estimate_inverts_a_measured_speed() -> None:
    from cnnviz.training.estimate import epoch_seconds, observed_speed

    speed = observed_speed(2_600_000, images_per_second=1500)
    assert epoch_seconds(2_600_000, 3000, macs_per_second=speed) == pytest.approx(2.0)
    assert observed_speed(2_600_000, 0) is None
