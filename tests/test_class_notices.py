"""A student's class on every page, through app.py in AppTest (issue 24): the sidebar box, the roster's
page, the view the teacher sent (one click, or follow mode), a quick check answered in place, a pause
stopping the student's training; and the teacher's "Send this view to the class" on a page."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.classroom import Classroom
from cnnviz.training import TrainConfig, TrainingJob, TrainingPlan, TrainingRun
from cnnviz.ui import state
from cnnviz.ui.presentation import PRESENT_KEY
from cnnviz.ui.training_job import JOB_KEY
from tests.conftest import page_path, run_page


@pytest.fixture
def started(room):
    return room.create_class("8B <b>CNN</b>")


def _app(**session) -> AppTest:
    return run_page("app", state=session, timeout=90)


def _student_app(room, started, name: str = "Anna") -> tuple[AppTest, str]:
    membership = room.join(started.code, name)
    app = _app(**{state.CLASS_STUDENT_KEY: membership.student_key, state.CLASS_MEMBERSHIP: membership})
    assert not app.exception
    return app, membership.student_key


def _markdown(app: AppTest) -> str:
    return "\n".join(block.value for block in [*app.markdown, *app.sidebar.markdown])


def _drawn(node) -> str:
    """Every element under ``node`` with all its protobuf fields."""
    return "\n".join([str(getattr(node, "proto", "")), *(_drawn(c) for c in getattr(node, "children", {}).values())])


def _button(app: AppTest, label: str):
    return next(b for b in [*app.button, *app.get("form_submit_button")] if b.label == label)


def test_a_student_sees_their_class_in_the_sidebar_and_the_roster_sees_their_page(room, started):
    app, _ = _student_app(room, started)
    sidebar = "\n".join(block.value for block in app.sidebar.markdown)
    assert "**8B \\<b\\>CNN\\</b\\>**" in sidebar and "You are **Anna**" in sidebar
    assert [entry.page for entry in room.roster(started.teacher_key)] == ["home"]
    app.switch_page("pages/pixels.py").run()
    assert [entry.page for entry in room.roster(started.teacher_key)] == ["pixels"]
    _button(app, "Leave the class").click().run()
    assert state.CLASS_STUDENT_KEY not in app.session_state
    assert "You are" not in "\n".join(block.value for block in app.sidebar.markdown)


# AppTest cannot click inside app.py's fragment (it never reruns a main-script fragment of a multipage app):
# "Open it", "Not now" and answering a quick check are clicked in Chromium (tests/e2e/test_class_room.py).
def test_a_sent_view_shows_a_notice_with_one_click_to_open_it(room, started):
    app, key = _student_app(room, started)
    room.send_view(started.teacher_key, "convolution", "stride=3&padding=same")
    app.run()
    assert "Your teacher sent you a view:** 2 · Convolution" in _markdown(app)
    assert {"Open it", "Not now"} <= {button.label for button in app.button}
    assert room.pending_view(key) is not None  # until the student opens or dismisses it
    room.clear_view(started.teacher_key)
    app.run()
    assert "Your teacher sent you a view" not in _markdown(app)


def test_follow_mode_opens_the_sent_view_with_its_settings_at_once(room, started):
    app, key = _student_app(room, started)
    room.send_view(started.teacher_key, "convolution", "stride=3&padding=same", follow=True)
    app.run()
    assert not app.exception
    assert app.title[0].value.startswith("Convolution")
    assert app.session_state["conv_stride"] == 3 and app.session_state["conv_padding"] == "same"
    assert room.pending_view(key) is None
    assert "Your teacher sent you a view" not in _markdown(app)


def test_an_open_quick_check_is_shown_newest_first_with_its_choices(room, started):
    app, _ = _student_app(room, started)
    room.ask(started.teacher_key, "Which kernel?", answer="Sobel x", choices=["Blur", "Sobel x"])
    app.run()
    assert "Quick check from your teacher:** Which kernel?" in _markdown(app)
    assert app.radio[0].options == ["Blur", "Sobel x"] and app.radio[0].value is None
    room.ask(started.teacher_key, "How many pixels wide?", answer=13)
    app.run()
    assert "Quick check from your teacher:** How many pixels wide?" in _markdown(app)
    assert [widget.label for widget in app.text_input] == ["Your answer (a number)"]


def test_pausing_the_class_stops_the_students_running_training(room, started):
    release = threading.Event()

    def slow_train(stack, dataset, config, on_progress, should_stop, **extra):
        while not should_stop() and not release.wait(0.05):
            pass
        return TrainingRun(None, {"loss": [0.5]}, 0.4, 0.9, 1.0, TrainConfig(), stack, (28, 28, 1), ["0", "1"])

    app, _ = _student_app(room, started)
    job = TrainingJob([TrainingPlan([{"type": "Flatten"}], None, label="slow")], train_fn=slow_train).start()
    try:
        app.session_state[JOB_KEY] = job
        app.run()
        assert [(e.running, e.queued) for e in room.roster(started.teacher_key)] == [(1, 0)]
        assert not job.stopping
        room.set_paused(started.teacher_key, True)
        app.run()
        assert job.stopping and job.join(30)
        assert job.snapshot().state == "stopped"
    finally:
        release.set()


def test_a_removed_students_pages_say_so_once_and_forget_the_class(room, started):
    app, _ = _student_app(room, started)
    room.remove_student(started.teacher_key, room.roster(started.teacher_key)[0].student_id)
    app.run()
    assert state.CLASS_STUDENT_KEY not in app.session_state
    assert any("You are no longer in your class" in w.value for w in app.warning)
    app.run()
    assert not any("You are no longer in your class" in w.value for w in app.warning)


def test_the_teacher_sees_the_way_back_to_the_dashboard_on_every_page(room, started):
    app = _app(**{state.CLASS_TEACHER_KEY: started.teacher_key})
    assert "class\\'s dashboard" in _drawn(app.sidebar)  # protobuf text escapes the quote
    app.switch_page("pages/pixels.py").run()
    assert "class\\'s dashboard" in _drawn(app.sidebar)  # protobuf text escapes the quote
    assert "You are" not in "\n".join(block.value for block in app.sidebar.markdown)


def test_the_teacher_sends_the_page_they_are_on(room, started):
    student = room.join(started.code, "Anna")
    app = AppTest.from_file(page_path("layer_builder"), default_timeout=90)
    app.session_state[state.CLASS_TEACHER_KEY] = started.teacher_key
    app.session_state["input_shape"] = (32, 32, 3)
    app.session_state[PRESENT_KEY] = True  # the teacher's presentation mode stays theirs
    app.run()
    _button(app, "Send this view to the class").click().run()
    assert [toast.value for toast in app.toast] == ["Sent to the class."]
    view = room.pending_view(student.student_key)
    assert view.page == "layer_builder" and parse_qs(view.query)["input"] == ["32x32x3"]
    assert "stack" in parse_qs(view.query) and "present" not in parse_qs(view.query)


def test_nobody_else_sees_class_controls_nor_opens_the_class_database(room, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the class database was opened")

    monkeypatch.setattr(Classroom, "__init__", refuse)  # any page opening it would fail
    app = _app()
    app.switch_page("pages/convolution.py").run()
    assert not app.exception
    labels = [b.label for b in app.button]
    assert "Send this view to the class" not in labels and "Leave the class" not in labels
    app.switch_page("pages/pixels.py").run()
    assert not app.exception
