"""A budget that holds, without a cluster: settings that fail closed, continued runs counted with the run
they continue, the training ceilings, the time limit inside ``train`` (training, validation and the test
prediction), the per-person queue, the server's memory for sessions and a run store that survives
corrupt entries. Each bound is checked together with a valid request of the same kind that still passes."""

from __future__ import annotations

import gc
import json
import logging
import time

import numpy as np
import pytest

from cnnviz import architecture, datasets, recipes, settings
from cnnviz.errors import InputError
from cnnviz.limits import TRAINING_BATCH_ACTIVATIONS
from cnnviz.session_memory import ServerMemoryFull, SessionMemory, array_bytes, server_memory_limit
from cnnviz.settings import setting_number
from cnnviz.training import TrainConfig, TrainingRun, train
from cnnviz.training.budget import QUEUED_KEY, SAFE_DEFAULTS, SECONDS_KEY, Budget, effective_budget
from cnnviz.training.ceilings import check_training_cost, training_cost
from cnnviz.training.deadline import Deadline
from cnnviz.training.keys import KEY_PREFIX
from cnnviz.training.payload import to_payload
from cnnviz.training.queues import PersonQueues
from cnnviz.training.run import expected_run_bytes
from cnnviz.training.store import ARRAYS, RECORD, RunStore, store_directory
from tests.conftest import TINY


class Shaped:
    """A dataset's shape without its memory (broadcast arrays report their full ``nbytes``)."""

    def __init__(self, shape: tuple[int, int, int], train: int, test: int, classes: int) -> None:
        one = np.zeros((1, *shape), np.uint8)
        self.x_train, self.x_test = np.broadcast_to(one, (train, *shape)), np.broadcast_to(one, (test, *shape))
        self.y_train, self.y_test = np.zeros(train, np.int64), np.zeros(test, np.int64)
        self.class_names = [str(k) for k in range(classes)]


# ---------------------------------------------------------------- settings fail closed
@pytest.mark.parametrize("bad", ["lots", "-5", "0", "nan", "inf", "1e999", "12abc", True])
def test_a_malformed_setting_gets_its_safe_default_and_the_log_names_it(bad, caplog, monkeypatch) -> None:
    monkeypatch.setattr(settings, "_warned", set())
    caplog.set_level(logging.WARNING, logger="cnnviz.settings")
    budget = Budget.from_settings({SECONDS_KEY: bad, QUEUED_KEY: "3"})
    assert budget.max_seconds == SAFE_DEFAULTS[SECONDS_KEY]  # a limit, never "no limit"
    assert budget.max_queued == 3 and budget.max_epoch_images is None  # the good and the unset ones as set
    Budget.from_settings({SECONDS_KEY: bad})  # a page rerun reads it again: logged once
    [logged] = [r.getMessage() for r in caplog.records]
    assert SECONDS_KEY in logged and "safe default 600.0" in logged


def test_valid_settings_are_read_as_set_and_unset_means_no_limit() -> None:
    assert Budget.from_settings({SECONDS_KEY: "90", "CNNVIZ_MAX_EPOCH_IMAGES": "", QUEUED_KEY: 2}) == Budget(
        max_seconds=90.0, max_queued=2
    )
    assert Budget.from_settings({}) == Budget() and not Budget().limited
    assert setting_number({"N": "2.5"}, "N", int, 7) == 7  # a fraction is no count
    assert setting_number({"N": " 12 "}, "N", int, 7) == 12


def test_a_malformed_memory_setting_keeps_a_limit(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="cnnviz.settings")
    default = server_memory_limit({})
    assert 0 < default <= 2 * 2**30
    assert server_memory_limit({"CNNVIZ_SESSION_MEMORY_MB": "a lot"}) == default
    assert server_memory_limit({"CNNVIZ_SESSION_MEMORY_MB": "64"}) == 64 * 2**20
    assert any("CNNVIZ_SESSION_MEMORY_MB" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- continued runs count with their run
def test_continuing_counts_the_epochs_and_seconds_of_the_run_it_continues() -> None:
    budget = Budget(max_epoch_images=3 * 1000, max_seconds=60.0)
    budget.check(3, 1000)  # three epochs in all: allowed
    with pytest.raises(InputError, match="a continued run counts with the run it continues"):
        budget.check(4, 1000)  # a fourth epoch, however many "Continue" presses it takes
    assert budget.seconds_left(20.0) == 40.0
    with pytest.raises(InputError, match="has used the 1 min 00 s"):
        budget.seconds_left(59.5)
    assert Budget().seconds_left(10**6) is None
    assert Budget(max_seconds=0.5).seconds_left(0.0) == 0.5  # a new run gets the whole limit, however short


def test_a_class_budget_tightens_the_server_budget_never_loosens_it() -> None:
    server = Budget(max_epoch_images=300_000, max_seconds=120.0, max_queued=6)
    assert effective_budget(server, Budget(max_seconds=30.0, max_queued=20)) == Budget(300_000, 30.0, 6)


# ---------------------------------------------------------------- ceilings before a training starts
def test_a_network_over_a_ceiling_is_refused_with_what_is_too_big_and_the_maximum() -> None:
    shape, vgg = architecture.PRESETS["VGG-16 (224×224 colour)"]
    cost = training_cost(vgg, Shaped(tuple(shape), 100, 10, 10), TrainConfig(batch_size=8))
    with pytest.raises(
        InputError, match="too big to train here: 134,301,514 parameters; the most allowed is 20,000,000"
    ):
        check_training_cost(cost)
    shape, mobilenet = architecture.PRESETS["MobileNet v1 (224×224 colour)"]
    data = Shaped(tuple(shape), 100, 10, 10)
    with pytest.raises(InputError, match="One batch of 64 images through this network is too big: 3.61 GiB"):
        check_training_cost(training_cost(mobilenet, data, TrainConfig(batch_size=64)))
    check_training_cost(training_cost(mobilenet, data, TrainConfig(batch_size=8)))  # a smaller batch fits
    wide = [{"type": "Conv2D", "filters": 512, "kernel_size": 7, "padding": "same"}, {"type": "GlobalAveragePooling2D"}]
    with pytest.raises(InputError, match="too slow to train here: .* the most allowed is 1 G multiply-adds per image"):
        check_training_cost(training_cost(wide, Shaped((256, 256, 1), 100, 10, 10), TrainConfig(batch_size=1)))
    assert TRAINING_BATCH_ACTIVATIONS.most < 3.61 * 2**30  # what MobileNet's batch of 64 needs


def test_a_training_over_the_workers_memory_is_refused_before_it_starts() -> None:
    data = Shaped((28, 28, 1), 60_000, 10_000, 10)
    cost = training_cost(TINY, data, TrainConfig())
    check_training_cost(cost, worker_memory=2 * 2**30)
    with pytest.raises(InputError, match="needs on a training computer .* is too big: .*the most allowed is 256 MiB"):
        check_training_cost(cost, worker_memory=256 * 2**20)


@pytest.mark.parametrize("name", sorted(recipes.RECIPES))
def test_every_recipe_the_app_offers_is_within_the_ceilings(name) -> None:
    recipe = recipes.RECIPES[name]
    counts = {"mnist": (60_000, 10_000, 10), "fashion_mnist": (60_000, 10_000, 10), "neu": (1_440, 360, 6)}
    train_count, test_count, classes = counts.get(recipe.dataset, (500, 100, 4))
    cost = training_cost(recipe.stack, Shaped(recipe.input_shape, train_count, test_count, classes), recipe.config)
    check_training_cost(cost, worker_memory=8 * 2**30)  # a worker's default limit where the machine has the memory
    hosted = int(0.6 * 2.7e9)  # the worker's share of Community Cloud's 2.7 GB
    if name == "notebook_neu":  # 10 M parameters at 200×200 need ~4.2 GiB (measured 4.26): it would take the host down
        with pytest.raises(InputError, match="The memory this training needs on a training computer"):
            check_training_cost(cost, worker_memory=hosted)
    else:
        check_training_cost(cost, worker_memory=hosted)


def test_a_run_held_in_memory_stays_within_its_reservation(small) -> None:
    run = train(TINY, small, TrainConfig(epochs=2, batch_size=64))
    expected = expected_run_bytes(run.parameters, 2, len(small.y_test), 10)
    assert 0 < run.held_bytes <= expected
    run.model.count_params()  # the model is built: its weights count twice
    assert run.held_bytes <= expected and run.held_bytes > 2 * 4 * run.parameters


# ---------------------------------------------------------------- the time limit bounds the whole training
def test_the_deadline_leaves_the_test_set_its_scoring_time() -> None:
    now = [100.0]
    deadline = Deadline(10.0, test_images=1000, macs=30_000_000, clock=lambda: now[0])
    assert not deadline.training_over() and not deadline.passed()
    deadline.observe({"event": "batch", "step": 1, "images_per_second": 10.0})  # the first step: graph building
    assert deadline.scoring_seconds() == pytest.approx(2 + 1000 * (30e6 / 30e9 + 100e-6 / 3))  # the estimate
    deadline.observe({"event": "batch", "step": 5, "images_per_second": 1000.0})  # forward: 3000 images/s
    assert deadline.scoring_seconds() == pytest.approx(2 + 1000 / 3000)
    now[0] = 107.5
    assert not deadline.training_over()
    now[0] = 107.8
    assert deadline.training_over() and not deadline.passed()
    now[0] = 112.9
    assert not deadline.passed()  # validation and the test may run a little past the limit...
    now[0] = 113.0
    assert deadline.passed() and deadline.hard_end == 118.0  # ...and a stuck task ends 8 s after it


def test_a_time_limit_stops_training_and_still_scores_the_test_set(small) -> None:
    started = time.monotonic()
    run = train(TINY, small, TrainConfig(epochs=200, batch_size=8, seed=4), time_limit=15.0)
    assert run.stopped and run.epochs_done < 200
    assert any("at this server's time limit for one training" in note for note in run.notes)
    assert run.test_accuracy is not None and len(run.test_labels) == len(small.y_test)  # scored in time
    assert time.monotonic() - started < 15.0 + 30  # the bound, with room for a loaded machine
    done = train(TINY, small, TrainConfig(epochs=1, batch_size=64, seed=4), time_limit=600.0)
    assert not done.stopped and len(done.test_labels) == len(small.y_test) and done.epochs_done == 1


def test_the_test_prediction_stops_at_the_limit_and_says_how_many_images_it_scored(small) -> None:
    slow = [
        {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    many = datasets.Dataset(
        small.x_train[:64], small.y_train[:64], np.tile(small.x_test, (100, 1, 1, 1)), np.tile(small.y_test, 100),
        small.class_names, source="20,000 test digits",
    )  # fmt: skip
    started = time.monotonic()
    run = train(slow, many, TrainConfig(epochs=1, batch_size=64, validation_split=0), time_limit=1.0)
    tested = len(run.test_labels) if run.test_labels is not None else 0
    assert run.stopped and tested < len(many.y_test)  # 20,000 test images cannot be scored in a second
    assert any("test" in note and "time limit" in note for note in run.notes)
    assert run.test_probabilities is None or len(run.test_probabilities) == tested
    assert time.monotonic() - started < 1.0 + 60


# ---------------------------------------------------------------- the queue counts per person, not per tab
class Job:
    def __init__(self, pending: int) -> None:
        self.pending = pending


def test_the_queue_limit_counts_every_tab_of_a_person_and_the_server_backstop() -> None:
    queues, budget = PersonQueues(server_limit=10), Budget(max_queued=4)
    first = Job(3)
    queues.admit("ana", 3, budget, first)
    with pytest.raises(InputError, match="queue at most 4 trainings at once"):
        queues.admit("ana", 2, budget, Job(2))  # a second tab of the same person
    queues.admit("ana", 2, budget, Job(2), replacing=first)  # the same tab replacing its own job...
    first.pending = 0  # ...which it cancels
    queues.admit("ben", 4, budget, Job(4))  # another person has their own share
    with pytest.raises(InputError, match="already has 6 trainings waiting or running"):
        queues.admit("cho", 5, Budget(), Job(5))  # the server's backstop, whoever asks
    queues.admit("cho", 4, Budget(), Job(4))
    assert queues.pending("ana") == 2 and queues.pending() == 10


# ---------------------------------------------------------------- the server's memory for sessions
def test_the_server_refuses_the_newest_holding_past_its_budget_and_releases_ended_sessions() -> None:
    memory = SessionMemory(limit=1000)

    class Session:
        pass

    one, two = Session(), Session()
    memory.hold(one, "upload", 600, "this dataset")
    with pytest.raises(ServerMemoryFull, match=r"this dataset \(500 bytes\) does not fit"):
        memory.hold(two, "upload", 500, "this dataset")
    memory.hold(two, "upload", 400, "this dataset")  # what fits is still accepted
    memory.hold(one, "upload", 100, "this dataset")  # shrinking always is
    memory.hold(two, "runs", 450, "your runs")
    assert memory.used == 950
    memory.hold(two, "runs", 2000, "your runs", force=True)  # reserved before: accepted
    del one
    gc.collect()
    assert memory.used == 2400 and memory.held(two) == 2400  # the ended session's 100 bytes are released
    assert array_bytes([{"a": [np.zeros(10, np.uint8)] * 3}, (np.zeros(2, np.float64),)]) == 10 + 16


# ---------------------------------------------------------------- a corrupt run-store entry is a miss
def _payload() -> dict:
    run = TrainingRun(
        model=None, history={"loss": [0.5], "accuracy": [0.8]}, test_loss=0.4, test_accuracy=0.9, seconds=1.0,
        config=TrainConfig(), stack=TINY, input_shape=(28, 28, 1), class_names=[str(k) for k in range(10)],
        weights=[np.ones((3, 3, 1, 4), np.float32), np.zeros(4, np.float32)],
        test_probabilities=np.full((5, 10), 0.1, np.float32), test_labels=np.arange(5),
    )  # fmt: skip
    return to_payload(run)


@pytest.mark.parametrize("damage", ["truncated npz", "bad json", "missing array", "no arrays file", "not ours"])
def test_a_corrupt_entry_counts_as_a_miss_and_is_removed(tmp_path, damage, caplog) -> None:
    store = RunStore(tmp_path / "runs")
    key, good = KEY_PREFIX + "a1", KEY_PREFIX + "b2"
    store.put(key, _payload())
    store.put(good, _payload())
    path = tmp_path / "runs" / key
    if damage == "truncated npz":
        data = (path / ARRAYS).read_bytes()
        (path / ARRAYS).write_bytes(data[: len(data) // 2])
    elif damage == "bad json":
        (path / RECORD).write_text('{"format": "cnn-explorer-run-store", "hist')
    elif damage == "missing array":
        record = json.loads((path / RECORD).read_text())
        (path / RECORD).write_text(json.dumps({**record, "weight_count": 3}))
    elif damage == "no arrays file":
        (path / ARRAYS).unlink()
    else:
        (path / RECORD).write_text(json.dumps({"format": "something else"}))
    caplog.set_level(logging.WARNING, logger="cnnviz.training.store")
    assert store.get(key) is None and not path.exists()
    assert any("unreadable run-store entry" in r.getMessage() for r in caplog.records)
    assert store.get(good)["history"] == {"loss": [0.5], "accuracy": [0.8]}  # the good entry is untouched
    store.put(key, _payload())  # and the key can be stored afresh
    assert store.get(key)["test_accuracy"] == 0.9


def test_the_run_store_can_live_on_a_shared_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CNNVIZ_RUN_STORE", raising=False)
    assert store_directory(tmp_path) == tmp_path / "runs"
    monkeypatch.setenv("CNNVIZ_RUN_STORE", str(tmp_path / "shared"))
    assert store_directory(tmp_path / "elsewhere") == tmp_path / "shared"
