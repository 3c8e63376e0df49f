"""AppTest runs of the limits where a page is the surface: a network over a training ceiling, a malformed
budget setting, a class's budget and pause (the queue counting every tab of a student), and the server's
memory for what sessions hold (uploads, My classes). Each refusal is a plain message, the page keeps
working, and a request within the limits is still accepted."""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.images import encode_png
from cnnviz.shapes import example_set
from cnnviz.training import TrainingJob
from cnnviz.training.budget import Budget
from cnnviz.ui import class_session, state, training_job
from cnnviz.ui.class_session import PAUSED
from cnnviz.ui.training_job import JOB_KEY
from tests.conftest import labelled_button, run_page

QUICK = {"tr_subset": 500, "tr_epochs": 1}


def _training_page(**values) -> AppTest:
    return run_page("training", state=values, timeout=90)


def _press_train(app: AppTest) -> TrainingJob:
    labelled_button(app, "▶ Train").click().run()
    return app.session_state[JOB_KEY]


def _shown_after(app: AppTest, job: TrainingJob) -> list[str]:
    """The page's errors once ``job`` has ended (the page reruns as its live panel would)."""
    assert job.join(60)
    app.run()
    assert not app.exception
    return [e.value for e in app.error]


def test_a_network_over_a_ceiling_is_refused_with_the_maximum_and_no_worker_time() -> None:
    huge = [  # every layer within the builder's limits; 28.6 M parameters in all
        {"type": "Flatten"},
        {"type": "Dense", "units": 16_000, "activation": "relu"},
        {"type": "Dense", "units": 1_000, "activation": "relu"},
    ]
    service = training_job.training_service()
    submitted = service.tasks_submitted
    app = _training_page(stack=huge, input_shape=(28, 28, 1), **QUICK)
    job = _press_train(app)
    errors = _shown_after(app, job)
    assert any("too big to train here: 28,571,010 parameters; the most allowed is 20,000,000" in e for e in errors)
    assert job.snapshot().state == "failed" and service.tasks_submitted == submitted


def test_a_malformed_budget_setting_shows_the_safe_limit_instead_of_none(monkeypatch) -> None:
    monkeypatch.setenv("CNNVIZ_MAX_TRAINING_SECONDS", "two minutes")
    app = _training_page(**QUICK)
    assert not app.exception and not app.warning  # the operator's typo is in the log, not on the student's page
    assert any("at most 600 s of training" in c.value for c in app.caption)
    monkeypatch.setenv("CNNVIZ_MAX_TRAINING_SECONDS", "120")
    assert any("at most 120 s of training" in c.value for c in _training_page(**QUICK).caption)


@pytest.fixture
def classroom(tmp_path, monkeypatch):
    """A class on a fresh SQLite database, opened by the pages' own classroom."""
    monkeypatch.setenv("CNNVIZ_DATABASE_URL", f"sqlite:///{tmp_path / 'class.sqlite3'}")
    class_session.classroom.clear()
    room = class_session.classroom()
    started = room.create_class("7B")
    yield room, started
    class_session.classroom.clear()


def test_a_class_budget_tightens_the_limit_and_counts_every_tab_of_a_student(classroom, monkeypatch) -> None:
    monkeypatch.setenv("CNNVIZ_MAX_QUEUED_TRAININGS", "6")
    room, started = classroom
    room.set_budget(started.teacher_key, Budget(max_queued=3, max_seconds=900.0))
    ana = room.join(started.code, "Ana").student_key
    ben = room.join(started.code, "Ben").student_key
    first_tab = _training_page(class_student_key=ana)
    assert any("3 trainings queued per person" in c.value for c in first_tab.caption)  # the class's, not 6
    first_tab.button(key="tr_exp_optimizers").click().run()  # three trainings at once: within the class's 3
    queued = first_tab.session_state[JOB_KEY]
    try:
        assert queued.snapshot().state != "failed" and len(queued.plans) == 3
        second_tab = _training_page(class_student_key=ana, **QUICK)  # the same student in another tab
        refused = _press_train(second_tab)
        assert any("queue at most 3 trainings at once" in e for e in _shown_after(second_tab, refused))
        other = _training_page(class_student_key=ben, **QUICK)  # another student has their own share
        accepted = _press_train(other)
        assert accepted._train is training_job.training_service()  # handed to the trainer, not refused
        assert accepted.plans[0].budget == Budget(max_seconds=900.0, max_queued=3)  # with the class's budget
        accepted.cancel()
    finally:
        queued.cancel()
        queued.join(60)


def test_a_paused_class_refuses_its_students_trainings_until_resumed(classroom) -> None:
    room, started = classroom
    ana = room.join(started.code, "Ana").student_key
    room.set_paused(started.teacher_key, True)
    app = _training_page(class_student_key=ana, **QUICK)
    assert any(PAUSED in w.value for w in app.warning)
    assert labelled_button(app, "▶ Train").disabled
    room.set_paused(started.teacher_key, False)
    app.run()
    assert not any(PAUSED in w.value for w in app.warning)
    assert not labelled_button(app, "▶ Train").disabled


def _shapes_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, images in example_set(("circle", "cross"), 12).items():
            for index, image in enumerate(images):
                archive.writestr(f"{name}/{index}.png", encode_png(image))
    return buffer.getvalue()


@pytest.fixture
def server_memory(monkeypatch):
    """The server's memory for sessions, with a limit set by the test (the pages' cached ledger is renewed)."""

    def limit(megabytes: str) -> None:
        monkeypatch.setenv("CNNVIZ_SESSION_MEMORY_MB", megabytes)
        state.server_memory.clear()

    yield limit
    state.server_memory.clear()


def state_value(app: AppTest, key: str):
    """A session-state value, None when the page never set it."""
    try:
        return app.session_state[key]
    except KeyError:
        return None


def _upload(app: AppTest, data: bytes) -> AppTest:
    app.segmented_control(key="data_choice").set_value("Your own zip").run()
    return app.file_uploader(key="data_upload").set_value(("shapes.zip", data, "application/zip")).run()


def test_the_newest_upload_past_the_servers_memory_is_refused_and_the_server_goes_on(server_memory) -> None:
    server_memory("1")  # 1 MiB for every session together: the shapes zip's 1.5 MiB of images do not fit
    full = _upload(run_page("data"), _shapes_zip())
    assert not full.exception
    assert any("holding as much as it can for everyone's work" in e.value for e in full.error)
    assert state_value(app=full, key="uploaded_dataset") is None  # nothing kept that the server cannot hold
    server_memory("16")  # room for it
    fits = _upload(run_page("data"), _shapes_zip())
    assert not fits.exception and not fits.error
    assert fits.session_state["uploaded_dataset"].num_classes == 2
    assert state.server_memory().used > 0


def test_my_classes_stop_growing_at_the_servers_memory_with_a_message(server_memory) -> None:
    server_memory("0.005")  # 5 KiB for every session: the 24 starter examples (24 × 28×28 bytes) do not fit
    app = run_page("data")
    app.segmented_control(key="data_choice").set_value("My classes").run()
    app.button(key="mc_starter").click().run()
    assert not app.exception and any("does not fit" in e.value for e in app.error)
    assert not state_value(app, "mc_examples")
    server_memory("16")
    app.button(key="mc_starter").click().run()
    assert not app.exception and len(app.session_state["mc_examples"]) == 2


HOSTILE_CODES = {
    "a 5,000-character code": "K7QM" * 1250,
    "control and bidirectional characters": "K7QM\n4XTR\u202e\x00",
    "markdown and HTML": "<img src=x onerror=alert(1)>**bold**",
}


@pytest.mark.parametrize("code", HOSTILE_CODES.values(), ids=HOSTILE_CODES)
def test_a_hostile_join_or_teacher_link_gets_a_plain_refusal_and_the_page_works(classroom, code) -> None:
    """The Class page's links (``?class=``, ``?teacher=``) are read as text only, within the form's length;
    a student already in a class who opens one stays in it."""
    room, started = classroom
    app = run_page("class", query={"class": code})
    assert not app.exception
    typed = next(widget for widget in app.text_input if widget.label == "Class code (on the board)")
    assert len(typed.value) <= 16  # the form holds only what a code can be
    ana = room.join(started.code, "Ana")
    app = run_page(
        "class", query={"class": code}, state={state.CLASS_STUDENT_KEY: ana.student_key, state.CLASS_MEMBERSHIP: ana}
    )
    assert not app.exception
    assert [entry["name"] for entry in room.dashboard(started.teacher_key)] == ["Ana"]
    app = run_page("class", query={"teacher": code})
    assert not app.exception and state.CLASS_TEACHER_KEY not in app.session_state
    assert [e.value for e in app.error][0].startswith("This teacher link does not open a class.")
    assert "teacher" not in app.query_params
