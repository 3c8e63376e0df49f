"""A student's trainings and their class (issue 24), through the Training page in AppTest and the real
Dask service: a finished run is recorded for the class at once, under the run store key that opens it
again; a paused class refuses to train; the class's budget tightens the server's and is shown."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.classroom import Budget
from cnnviz.training import TrainConfig, TrainingJob, TrainingPlan
from cnnviz.training.cluster import TrainingCluster
from cnnviz.training.keys import run_key
from cnnviz.training.service import TrainingService
from cnnviz.training.store import RunStore
from cnnviz.ui import class_session, state
from cnnviz.ui.training_job import JOB_KEY, training_service
from tests.conftest import TINY, labelled_button, run_page

QUICK = {"tr_subset": 500, "tr_epochs": 1}  # a few seconds of training on the MNIST sample


@pytest.fixture
def student(room):
    """A class's teacher key and one of its students (a membership)."""
    started = room.create_class("8B")
    return started.teacher_key, room.join(started.code, "Anna")


def _training_page(membership, **widgets) -> AppTest:
    session = {state.CLASS_STUDENT_KEY: membership.student_key, state.CLASS_MEMBERSHIP: membership}
    app = run_page("training", state=session, timeout=90)
    for key, value in widgets.items():
        app.session_state[key] = value
    return app.run()


def _train_button(app: AppTest):
    return labelled_button(app, "▶ Train")


def test_a_students_finished_run_is_recorded_for_the_class_under_its_run_store_key(room, student):
    teacher, membership = student
    seed = int(time.time() * 1000) % 2**31  # a random start no earlier run stored: it really trains
    app = _training_page(membership, tr_seed=seed, **QUICK)
    _train_button(app).click().run()
    job = app.session_state[JOB_KEY]
    assert job.join(300), "the training did not finish"
    runs = room.dashboard(teacher)[0]["runs"]  # recorded by the job itself, before the page reran
    (recorded,) = runs
    app.run()
    (run,) = app.session_state[state.RUNS]
    assert recorded["params"] == run.parameters and recorded["test_accuracy"] == pytest.approx(run.test_accuracy)
    assert recorded["history"] == {name: list(values) for name, values in run.history.items()}
    assert recorded["dataset"] == run.dataset and recorded["settings"]["seed"] == seed
    assert recorded["settings"]["epochs"] == 1 and recorded["seconds"] == pytest.approx(run.seconds)
    stored = training_service().store.get(recorded["key"])
    assert stored is not None and stored["history"] == recorded["history"]  # the key opens this very run


def test_a_paused_class_refuses_to_train_and_says_why(room, student):
    teacher, membership = student
    room.set_paused(teacher, True)
    service = training_service()
    submitted = service.tasks_submitted
    app = _training_page(membership)
    assert class_session.PAUSED in [warning.value for warning in app.warning]
    assert _train_button(app).disabled
    experiment = next(button for button in app.button if button.label == "SGD vs RMSprop vs Adam")
    experiment.click().run()
    assert class_session.PAUSED in [error.value for error in app.error]
    refused = app.session_state[JOB_KEY]  # a refused request is a job that failed at once with the message
    assert refused.snapshot().state == "failed" and service.tasks_submitted == submitted  # no worker time
    room.set_paused(teacher, False)
    app.run()
    assert not _train_button(app).disabled


def test_the_class_budget_tightens_the_servers_and_is_shown(room, student, monkeypatch):
    teacher, membership = student
    monkeypatch.setenv("CNNVIZ_MAX_EPOCH_IMAGES", "1000000")
    room.set_budget(teacher, Budget(max_epoch_images=1000))
    app = _training_page(membership, tr_subset=500, tr_epochs=3)
    captions = [caption.value for caption in app.caption]
    assert any(c.startswith(":material/school: Limits for your class: at most 1,000 epochs × images") for c in captions)
    assert _train_button(app).disabled
    assert any("at most 1,000 epochs × training images per training" in error.value for error in app.error)
    room.set_budget(teacher, Budget(max_epoch_images=10**7))  # a looser class budget: the server's holds
    app.run()
    captions = [caption.value for caption in app.caption]
    assert any(c.startswith(":material/school: Limits for your class: at most 1,000,000") for c in captions)


# ---------------------------------------------------------------------- the run store key of a run
def test_run_key_is_the_key_the_service_stores_a_run_and_its_continuation_under(small, tmp_path):
    cluster = TrainingCluster(workers=1).start()
    try:
        service = TrainingService(cluster, store=RunStore(tmp_path / "runs"))
        config = TrainConfig(epochs=1, batch_size=64, seed=5)
        first_plan = TrainingPlan(TINY, small, config, label="first")
        first = TrainingJob([first_plan], train_fn=service).start()
        assert first.join(300)
        (run,) = first.snapshot().runs
        second_plan = TrainingPlan(TINY, small, TrainConfig(epochs=2, batch_size=64, seed=5), label="on", start=run)
        second = TrainingJob([second_plan], train_fn=service).start()
        assert second.join(300)
        (continued,) = second.snapshot().runs
    finally:
        cluster.close()
    for plan, trained in ((first_plan, run), (second_plan, continued)):
        stored = service.store.get(run_key(plan.stack, plan.dataset, plan.config, plan.start))
        assert stored is not None and stored["history"] == {k: list(v) for k, v in trained.history.items()}
    assert run_key(second_plan.stack, small, second_plan.config) != run_key(
        second_plan.stack, small, second_plan.config, run
    )
