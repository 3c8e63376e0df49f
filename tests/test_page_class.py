"""AppTest runs of the Class page (issue 24), teacher and student side, on a fresh SQLite class database
per test: starting a class (open, behind a password, behind a login), the private teacher link, joining
(a wrong code, a taken name, a hostile name, too many tries), the student's side, leading the lesson
from the dashboard, the export and deleting; and the security: a student's key never opens the
teacher's functions, the teacher's key never reaches a student's page nor a log."""

from __future__ import annotations

import importlib.util
import logging

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.classroom import Budget, Classroom
from cnnviz.classroom.keys import show_code
from cnnviz.text import literal_markdown
from cnnviz.ui import class_session, state
from cnnviz.ui.class_room import access
from tests.conftest import page_path, run_page

TITLE = "8B · how CNNs see"


def _page(**query: str) -> AppTest:
    return run_page("class", query=query)


def _input(app: AppTest, label: str):
    return next(widget for widget in app.text_input if widget.label == label)


def _button(app: AppTest, label: str):
    return next(widget for widget in [*app.button, *app.get("form_submit_button")] if widget.label == label)


def _texts(app: AppTest) -> str:
    """Everything the page shows as text: markdown, alerts, captions, code, titles, labels."""
    parts = [block.value for block in app.markdown]
    for kind in ("error", "warning", "info", "success", "caption", "code", "title", "subheader", "header"):
        parts += [str(getattr(element, "value", "")) for element in app.get(kind)]
    parts += [widget.label for widget in [*app.button, *app.text_input, *app.toggle, *app.get("form_submit_button")]]
    return "\n".join(parts)


def _drawn(node) -> str:
    """Every element the page drew (main area, sidebar, events), each with all its protobuf fields."""
    parts = [str(getattr(node, "proto", ""))]
    parts += [_drawn(child) for child in getattr(node, "children", {}).values()]
    return "\n".join(parts)


def _errors(app: AppTest) -> list[str]:
    return [error.value for error in app.error]


def start_class(title: str = TITLE) -> AppTest:
    """A teacher's session that started a class."""
    app = _page()
    _input(app, "Class title").input(title)
    _button(app, "Start a class").click().run()
    assert not app.exception
    return app


def join(code: str, name: str, app: AppTest | None = None) -> AppTest:
    """A student's session (``app``, or a new one) after trying to join."""
    app = app or _page()
    _input(app, "Class code (on the board)").input(code)
    _input(app, "Your name in the class").input(name)
    _button(app, "Join").click().run()
    assert not app.exception
    return app


def _teacher_key(app: AppTest) -> str:
    return app.session_state[state.CLASS_TEACHER_KEY]


def _code(room: Classroom, teacher_key: str) -> str:
    return room.class_info(teacher_key).code


# ---------------------------------------------------------------------- the teacher starts a class
def test_start_a_class_shows_the_join_code_link_and_qr_and_the_live_dashboard(room):
    app = start_class()
    key = _teacher_key(app)
    info = room.class_info(key)
    assert info.title == TITLE
    html = "\n".join(element.proto.body for element in app.get("html"))
    assert f">{show_code(info.code)}</div>" in html  # the code in large type
    assert any(f"/class?class={info.code}" in block.value for block in app.code)  # the join link
    assert f"QR code of the join link /class?class={info.code}" in _drawn(app._tree)
    assert [tab.label for tab in app.tabs] == ["Live class", "Results", "Quick checks", "Lead the lesson", "Records"]
    assert [metric.label for metric in app.metric][:2] == ["Students", "Training now"]
    assert "Nobody has joined yet" in _texts(app)
    # the teacher link is on the teacher's own page, folded away
    assert any(f"/class?teacher={key}" in block.value for block in app.code)
    # the browser is asked to keep the teacher key (a cookie), for a reload
    assert app.session_state[class_session.COOKIES_WRITTEN] == {class_session.TEACHER_COOKIE: key}


def test_a_class_title_is_required_and_length_limited(room):
    app = _page()
    _button(app, "Start a class").click().run()
    assert _errors(app) == ["Type a class title"]
    assert state.CLASS_TEACHER_KEY not in app.session_state


def test_a_teacher_password_guards_starting_a_class_and_wrong_tries_are_limited(room, monkeypatch):
    monkeypatch.setenv(access.PASSWORD_KEY, "correct horse")
    app = _page()
    _input(app, "Class title").input(TITLE)
    _input(app, "Teacher password").input("wrong")
    _button(app, "Start a class").click().run()
    assert _errors(app) == ["This is not the teacher password of this server"]
    assert state.CLASS_TEACHER_KEY not in app.session_state
    _input(app, "Teacher password").input("correct horse")
    _button(app, "Start a class").click().run()
    assert room.class_info(_teacher_key(app)).title == TITLE

    tries = _page()
    _input(tries, "Class title").input(TITLE)
    for _ in range(access.WRONG_LIMIT):
        _input(tries, "Teacher password").input("guess")
        _button(tries, "Start a class").click().run()
    _input(tries, "Teacher password").input("correct horse")  # even the right one waits now
    _button(tries, "Start a class").click().run()
    assert _errors(tries) == ["Too many wrong passwords: wait 60 s and try again"]
    assert state.CLASS_TEACHER_KEY not in tries.session_state


def test_without_a_password_anyone_may_start_a_class_and_no_password_field_shows(room):
    app = _page()
    assert all(widget.label != "Teacher password" for widget in app.text_input)


def test_with_streamlit_login_configured_a_teacher_logs_in_first(room):
    app = AppTest.from_file(page_path("class"), default_timeout=60)
    app.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}
    app.run()
    assert not app.exception
    assert all(widget.label != "Class title" for widget in app.text_input)
    if importlib.util.find_spec("authlib") is None:
        assert any("needs the Authlib package" in error for error in _errors(app))
    else:
        assert "Log in to start a class" in [button.label for button in app.button]


# ---------------------------------------------------------------------- the private teacher link
def test_the_teacher_link_opens_the_dashboard_and_leaves_the_address_bar(room):
    started = room.create_class(TITLE)
    app = _page(teacher=started.teacher_key)
    assert not app.exception
    assert "teacher" not in app.query_params
    assert _teacher_key(app) == started.teacher_key
    assert [tab.label for tab in app.tabs][0] == "Live class"


@pytest.mark.parametrize("what", ["student", "made-up", "deleted"])
def test_a_student_key_or_a_bad_key_as_teacher_link_is_refused(room, what):
    started = room.create_class(TITLE)
    student = room.join(started.code, "Anna")
    given = {
        "student": student.student_key,
        "made-up": "t_abcdefghijkm_" + "x" * 32,
        "deleted": started.teacher_key,
    }[what]
    if what == "deleted":
        room.delete_class(started.teacher_key)
    app = _page(teacher=given)
    assert not app.exception
    assert state.CLASS_TEACHER_KEY not in app.session_state
    assert not app.tabs  # no dashboard
    refusal = _errors(app)
    assert len(refusal) == 1 and refusal[0].startswith("This teacher link does not open a class.")
    if what == "student":
        assert "This is a student's link: only the teacher's link can do this" in refusal[0]
    assert "teacher" not in app.query_params


# ---------------------------------------------------------------------- students join
def test_a_student_joins_with_the_code_and_a_name_and_the_teacher_sees_them(room):
    started = room.create_class(TITLE)
    app = join(show_code(started.code).lower(), "Anna")  # typed as "k7qm-4xtr": still the code
    membership = state.CLASS_MEMBERSHIP
    assert app.session_state[membership].name == "Anna" and app.session_state[membership].class_title == TITLE
    key = app.session_state[state.CLASS_STUDENT_KEY]
    assert app.session_state[class_session.COOKIES_WRITTEN] == {class_session.STUDENT_COOKIE: key}
    assert "You are **Anna**" in _texts(app)
    assert [entry["name"] for entry in room.dashboard(started.teacher_key)] == ["Anna"]


def test_the_join_link_fills_in_the_code_and_a_student_already_in_the_class_is_welcomed_back(room):
    started = room.create_class(TITLE)
    app = _page(**{"class": started.code})
    assert _input(app, "Class code (on the board)").value == started.code
    join(started.code, "Anna", app)
    assert "class" not in app.query_params  # the address bar no longer needs it
    again = _page(**{"class": started.code})
    again.session_state[state.CLASS_STUDENT_KEY] = app.session_state[state.CLASS_STUDENT_KEY]
    again.session_state[state.CLASS_MEMBERSHIP] = app.session_state[state.CLASS_MEMBERSHIP]
    again.run()
    assert [s.value for s in again.success] == ["Welcome back: this browser is already in this class."]
    assert not [widget for widget in again.text_input if widget.label == "Your name in the class"]


def test_a_wrong_code_says_so(room):
    room.create_class(TITLE)
    app = join("ZZZZ-ZZZZ", "Anna")
    assert _errors(app) == ["There is no class with this code: check it on the board"]
    assert state.CLASS_STUDENT_KEY not in app.session_state
    assert _errors(join("not a code at all", "Anna")) == ["There is no class with this code: check it on the board"]


def test_a_taken_name_says_so_whatever_its_case(room):
    started = room.create_class(TITLE)
    join(started.code, "Anna")
    app = join(started.code, "  anna ")
    assert _errors(app) == ["Someone in this class is already called “anna”: add a letter or a number"]
    assert state.CLASS_STUDENT_KEY not in app.session_state


def test_too_many_tries_from_one_session_are_refused_with_the_wait(room):
    room.create_class(TITLE)
    app = _page()
    for _ in range(10):
        join("ZZZZ-ZZZ2", "Anna", app)
    join("ZZZZ-ZZZ2", "Anna", app)
    (refusal,) = _errors(app)
    assert refusal.startswith("Too many attempts, wait ") and refusal.endswith(" s")


def test_a_name_with_html_and_markdown_is_shown_as_its_own_text(room):
    started = room.create_class("<b>8B</b> **bold**")
    name = "<i>Bo</i> **x** :red[hi]"
    app = join(started.code, name)
    shown = _texts(app)
    assert f"You are **{literal_markdown(name)}**" in shown
    assert literal_markdown("<b>8B</b> **bold**") in shown
    assert name not in shown  # never the raw text, which Markdown would read
    assert room.dashboard(started.teacher_key)[0]["name"] == name  # stored as typed


def test_a_name_is_length_limited_and_one_that_could_reorder_text_is_refused(room):
    started = room.create_class(TITLE)
    assert _input(_page(), "Your name in the class").proto.max_chars == 40
    assert _errors(join(started.code, "Ann\u202eA")) == [
        "The name holds a character that cannot be shown (a line break or control character)"
    ]


# ---------------------------------------------------------------------- the student's side
def test_the_student_sees_pause_limits_and_their_groups_run(room, monkeypatch):
    started = room.create_class(TITLE)
    app = join(started.code, "Anna")
    room.set_paused(started.teacher_key, True)
    room.set_budget(started.teacher_key, Budget(max_epoch_images=9000, max_queued=2))
    room.set_groups(started.teacher_key, "optimizers", ["SGD lr 0.01", "RMSprop lr 0.001", "Adam lr 0.001"])
    app.run()
    shown = _texts(app)
    assert "Your teacher has paused the class's trainings for now." in shown
    assert "Limits for your class: at most 9,000 epochs × images per training; 2 trainings queued per person" in shown
    assert "You are in the group **SGD lr 0\\.01**" in shown
    run = _button(app, "Train my group's run (SGD lr 0.01)")
    assert run.disabled  # paused


def test_leaving_forgets_the_class_in_this_browser(room):
    started = room.create_class(TITLE)
    app = join(started.code, "Anna")
    _button(app, "Leave the class").click().run()
    assert state.CLASS_STUDENT_KEY not in app.session_state
    assert app.session_state[class_session.COOKIES_WRITTEN] == {class_session.STUDENT_COOKIE: ""}
    assert [entry["name"] for entry in room.dashboard(started.teacher_key)] == ["Anna"]  # the class keeps them


def test_a_removed_student_is_told_and_leaves(room):
    started = room.create_class(TITLE)
    app = join(started.code, "Anna")
    room.remove_student(started.teacher_key, room.roster(started.teacher_key)[0].student_id)
    app.run()
    assert state.CLASS_STUDENT_KEY not in app.session_state
    assert any("You are no longer in your class" in warning.value for warning in app.warning)


# ---------------------------------------------------------------------- leading from the dashboard
def _tab(app: AppTest, name: str) -> AppTest:
    app.session_state["class_tab"] = name
    return app.run()


def test_the_live_class_lists_every_student_and_run_with_names_hidden_on_demand(room):
    app = start_class()
    key = _teacher_key(app)
    anna = room.join(_code(room, key), "Anna")
    room.join(_code(room, key), "Bob")
    room.touch(anna.student_key, "training", running=1, queued=2)
    room.record_run(anna.student_key, {"label": "Quick demo", "params": 93_322, "test_accuracy": 0.97, "seconds": 20})
    app.run()
    assert [m.value for m in app.metric] == ["2", "1", "2", "1"]
    roster, runs = (frame.value for frame in app.dataframe)
    assert list(roster["student"]) == ["Anna", "Bob"] and list(roster["page"]) == ["6 · Training", "—"]
    assert list(runs["run"]) == ["Quick demo"] and list(runs["test accuracy"]) == [0.97]
    next(t for t in app.toggle if t.label == "Hide names (projector)").set_value(True).run()
    roster, runs = (frame.value for frame in app.dataframe)
    assert list(roster["student"]) == ["Student 1", "Student 2"] and list(runs["student"]) == ["Student 1"]


def test_pause_budget_and_groups_are_set_from_the_dashboard(room):
    app = _tab(start_class(), "Lead the lesson")
    key = _teacher_key(app)
    next(t for t in app.toggle if t.label == "Pause all trainings of the class").set_value(True).run()
    assert room.class_info(key).paused
    images, seconds, queued = app.number_input[:3]
    images.set_value(9000)
    seconds.set_value(60)
    queued.set_value(0)
    _button(app, "Set the class's limits").click().run()
    assert room.class_info(key).budget == Budget(9000, 60.0, None)
    app.selectbox(key="class_experiment").set_value("optimizers").run()
    _button(app, "Split the class").click().run()
    info = room.class_info(key)
    assert info.experiment == "optimizers" and info.groups == ("SGD lr 0.01", "RMSprop lr 0.001", "Adam lr 0.001")
    next(t for t in app.toggle if t.label == "Pause all trainings of the class").set_value(False).run()
    assert not room.class_info(key).paused
    assert not app.exception


def test_a_quick_check_is_asked_and_its_answers_appear_live(room):
    app = _tab(start_class(), "Quick checks")
    key = _teacher_key(app)
    anna = room.join(_code(room, key), "Anna")
    bob = room.join(_code(room, key), "Bob")
    app.number_input(key="class_q_n").set_value(28)
    app.number_input(key="class_q_k").set_value(3)
    app.number_input(key="class_q_s").set_value(2)
    app.run()
    assert "Answer: **13**" in _texts(app)  # ⌊(28 − 3) / 2⌋ + 1
    _button(app, "Ask the class").click().run()
    (check,) = room.open_checks(anna.student_key)
    assert check.question.startswith("A 28×28 image, a 3×3 kernel, stride 2") and check.choices is None
    assert room.answer(anna.student_key, check.id, "13") and not room.answer(bob.student_key, check.id, "14")
    app.run()
    assert "2 of 2 answered · **50% correct**" in _texts(app)
    next(t for t in app.toggle if t.label == "Show the correct answers").set_value(True).run()
    assert "Correct answer: **13**" in _texts(app)
    _button(app, "Close").click().run()
    assert room.open_checks(anna.student_key) == [] and "closed" in _texts(app)


def test_records_export_the_report_remove_a_student_and_delete_the_class(room):
    app = _tab(start_class(), "Records")
    key = _teacher_key(app)
    anna = room.join(_code(room, key), "Anna")
    room.join(_code(room, key), "Bob")
    room.record_run(anna.student_key, {"label": "=cmd|' /C calc'!A0", "params": 10, "test_accuracy": 0.5, "seconds": 1})
    app.run()
    (report,) = [button for button in app.get("download_button") if button.label == "Download the report (.csv)"]
    assert not app.exception
    bob = room.roster(key)[1].student_id
    app.selectbox(key="class_remove_who").set_value(bob)  # a form's values go with its button
    _button(app, "Remove").click().run()
    assert _errors(app) == ["Tick the box to confirm."]
    app.selectbox(key="class_remove_who").set_value(bob)
    app.checkbox(key="class_remove_sure").check()
    _button(app, "Remove").click().run()
    assert [entry.name for entry in room.roster(key)] == ["Anna"]
    app.checkbox(key="class_delete_sure").check()
    _button(app, "Delete the class").click().run()
    assert state.CLASS_TEACHER_KEY not in app.session_state
    assert "Class started" not in _texts(app) and "Join your class" in _texts(app)
    with pytest.raises(Exception, match="no longer exists"):
        room.class_info(key)


# ---------------------------------------------------------------------- security
def test_the_teacher_key_never_reaches_a_students_page(room):
    teacher = start_class()
    key = _teacher_key(teacher)
    code = _code(room, key)
    student = join(code, "Anna")
    room.send_view(key, "convolution", "stride=2")
    room.ask(key, "How many?", answer=3)
    assert student.session_state[state.CLASS_STUDENT_KEY] in repr(student.session_state)  # the search sees keys
    for app in (student, _page(), _page(**{"class": code})):
        app.run()
        tree = _drawn(app._tree)
        assert key not in tree
        assert key.split("_", 2)[2] not in tree  # not even the secret part
        assert key not in str(app.query_params) and key not in repr(app.session_state)


def test_no_key_is_written_to_the_log(room, caplog):
    caplog.set_level(logging.DEBUG)
    streamlit_log = logging.getLogger("streamlit")  # Streamlit's own loggers do not propagate to the root
    streamlit_log.addHandler(caplog.handler)
    previous = streamlit_log.level
    streamlit_log.setLevel(logging.DEBUG)
    try:
        _use_the_class_and_check_the_log(room, caplog)
    finally:
        streamlit_log.removeHandler(caplog.handler)
        streamlit_log.setLevel(previous)


def _use_the_class_and_check_the_log(room, caplog):
    teacher = start_class()
    key = _teacher_key(teacher)
    student = join(_code(room, key), "Anna")
    _page(teacher=key)
    _page(teacher=student.session_state[state.CLASS_STUDENT_KEY])
    _tab(teacher, "Records")
    student_key = student.session_state[state.CLASS_STUDENT_KEY]
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "Class started" in logged  # the log was captured
    assert key not in logged and student_key not in logged
    assert key.split("_", 2)[2] not in logged and student_key.split("_", 2)[2] not in logged
