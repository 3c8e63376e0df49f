"""cnnviz.classroom's security: keys, rate limits, hostile text, secrets kept out of messages and logs.

The database tests run on SQLite and on PostgreSQL (the `database` fixture)."""

from __future__ import annotations

import logging
import math

import pytest
from sqlalchemy import select, text

from cnnviz.classroom import Budget, Classroom, ClassroomError, TooManyAttempts, safe_url
from cnnviz.classroom.base import STUDENT_KEY, TEACHER_KEY
from cnnviz.classroom.database import database_url
from cnnviz.classroom.export import spreadsheet_safe
from cnnviz.classroom.keys import CODE_ALPHABET, SECRET_BYTES, key_hash, new_code, new_key
from cnnviz.classroom.models import NAME_CHARS, TITLE_CHARS, ClassRoom, Student
from cnnviz.classroom.ratelimit import CODE_LIMIT, SESSION_LIMIT, WINDOW_SECONDS


@pytest.fixture
def room(database, clock):
    classroom = Classroom(database, clock=clock)
    yield classroom
    classroom.close()


@pytest.fixture
def started(room):
    return room.create_class("Class")


# ---------------------------------------------------------------------- a student's key is not the teacher's
def test_a_student_key_can_do_nothing_a_teacher_does(room, started):
    student = room.join(started.code, "Mallory").student_key
    other = room.join(started.code, "Bob").student_key
    check = room.ask(started.teacher_key, "2 + 2?", answer=4)
    bob_id = room.roster(started.teacher_key)[1].student_id
    teacher_only = {
        "dashboard": lambda key: room.dashboard(key),
        "roster": lambda key: room.roster(key),
        "class_info": lambda key: room.class_info(key),
        "class_runs": lambda key: room.class_runs(key),
        "export_csv": lambda key: room.export_csv(key),
        "send_view": lambda key: room.send_view(key, "training", "epochs=50"),
        "clear_view": lambda key: room.clear_view(key),
        "set_paused": lambda key: room.set_paused(key, True),
        "set_budget": lambda key: room.set_budget(key, Budget(max_seconds=1.0)),
        "set_groups": lambda key: room.set_groups(key, "x", ["A", "B"]),
        "clear_groups": lambda key: room.clear_groups(key),
        "ask": lambda key: room.ask(key, "Q?", answer=1),
        "close_check": lambda key: room.close_check(key, check.id),
        "check_results": lambda key: room.check_results(key),
        "remove_student": lambda key: room.remove_student(key, bob_id),
        "delete_class": lambda key: room.delete_class(key),
    }
    for name, call in teacher_only.items():
        with pytest.raises(ClassroomError, match=STUDENT_KEY) as refused:
            call(student)
        assert type(refused.value) is ClassroomError, name

    # nothing changed: the class, its settings and the other student are as they were
    info = room.class_info(started.teacher_key)
    assert (info.students, info.paused, info.budget, info.view, info.groups) == (2, False, Budget(), None, ())
    assert room.student(other).name == "Bob" and len(room.check_results(started.teacher_key)) == 1


def test_a_teacher_key_is_not_a_student_key_and_forged_keys_fail(room, started):
    with pytest.raises(ClassroomError, match=TEACHER_KEY):
        room.record_run(started.teacher_key, {"label": "x", "params": 1, "test_accuracy": 0.5, "seconds": 1})
    with pytest.raises(ClassroomError, match=TEACHER_KEY):
        room.touch(started.teacher_key, "home")
    real = room.join(started.code, "Anna").student_key
    kind, selector, secret = real.split("_", 2)
    forged = [
        f"{kind}_{selector}_{'A' * len(secret)}",  # the right selector, a guessed secret
        f"t_{selector}_{secret}",  # a student's key dressed as a teacher's
        f"t_{started.teacher_key.split('_')[1]}_{secret}",  # the teacher's selector, a student's secret
        "",
        "x" * 10_000,
        None,
        "s_' OR 1=1 --_" + "A" * 32,
    ]
    for key in forged:
        for call in (room.dashboard, room.student, room.pending_view, lambda k: room.touch(k, "home")):
            with pytest.raises(ClassroomError):
                call(key)


def test_the_database_holds_no_working_key(room, started):
    student = room.join(started.code, "Anna")
    with room._read() as connection:
        stored = [str(value) for row in connection.execute(select(ClassRoom)).all() for value in row]
        stored += [str(value) for row in connection.execute(select(Student)).all() for value in row]
    dump = "\n".join(stored)
    for key in (started.teacher_key, student.student_key):
        assert key not in dump and key.split("_", 2)[2] not in dump
        assert key_hash(key) in dump  # only its hash


def test_keys_are_not_in_reprs_or_logs(room, caplog):
    caplog.set_level(logging.DEBUG)
    started = room.create_class("Logged")
    student = room.join(started.code, "Anna")
    room.touch(student.student_key, "home")
    room.delete_class(started.teacher_key)
    shown = repr(started) + repr(student) + repr(new_key("t")) + caplog.text
    assert started.teacher_key not in shown and student.student_key not in shown


def test_keys_and_codes_have_the_required_randomness():
    assert math.log2(len(CODE_ALPHABET)) * 8 >= 30 and SECRET_BYTES * 8 >= 128
    assert not set("0O1IL") & set(CODE_ALPHABET)
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000 and all(set(code) <= set(CODE_ALPHABET) for code in codes)
    assert {c for code in codes for c in code} == set(CODE_ALPHABET)  # every character is used
    keys = [new_key("s") for _ in range(200)]
    assert len({k.key for k in keys}) == 200 and len({k.selector for k in keys}) == 200


# ---------------------------------------------------------------------- rate limits
def test_joins_are_limited_per_session_wrong_codes_included(room, started, clock):
    for attempt in range(SESSION_LIMIT - 1):
        with pytest.raises(ClassroomError, match="no class with this code"):
            room.join("WRONG" + "234"[attempt % 3] * 3, "Anna", session="browser-1")
    room.join(started.code, "Anna", session="browser-1")  # the 10th attempt is still allowed
    clock.now += 20
    with pytest.raises(TooManyAttempts, match=r"Too many attempts, wait 40 s") as refused:
        room.join(started.code, "Bea", session="browser-1")
    assert refused.value.wait_seconds == 40
    assert room.join(started.code, "Bea", session="browser-2").name == "Bea"  # another session: fine
    clock.now += WINDOW_SECONDS - 19
    assert room.join(started.code, "Bea 2", session="browser-1").name == "Bea 2"


def test_joins_are_limited_per_code(room, started, clock):
    for i in range(CODE_LIMIT):
        room.join(started.code, f"Student {i}", session=f"browser-{i}")
    with pytest.raises(TooManyAttempts):
        room.join(started.code, "One too many", session="fresh")
    other = room.create_class("Other")
    assert room.join(other.code, "Fine", session="fresh").name == "Fine"


def test_rate_limits_are_shared_by_every_server(database, clock):
    first, second = Classroom(database, clock=clock), Classroom(database, clock=clock)
    try:
        for attempt in range(SESSION_LIMIT):
            server = (first, second)[attempt % 2]
            with pytest.raises(ClassroomError, match="no class"):
                server.join("WRONG234", "Anna", session="roaming")
        for server in (first, second):
            with pytest.raises(TooManyAttempts):
                server.join("WRONG234", "Anna", session="roaming")
    finally:
        first.close()
        second.close()


# ---------------------------------------------------------------------- hostile text
HOSTILE = [
    "Bob'); DROP TABLE classroom_student;--",
    "' OR '1'='1",
    '"; DELETE FROM classroom_class; --',
    "<script>alert(1)</script>",
    "**bold** [link](javascript:alert(1))",
    '=HYPERLINK("http://x")',
    "😀 Zoë 李",
]


def test_sql_injection_attempts_are_stored_literally(room, started):
    for name in HOSTILE:
        room.join(started.code, name)
    titled = room.create_class(HOSTILE[0][:TITLE_CHARS])
    assert [s["name"] for s in room.dashboard(started.teacher_key)] == HOSTILE
    assert room.class_info(titled.teacher_key).title == HOSTILE[0]
    with room._read() as connection:  # the tables are all still there, and hold every row
        assert connection.scalar(text("SELECT count(*) FROM classroom_student")) == len(HOSTILE)
        assert connection.scalar(text("SELECT count(*) FROM classroom_class")) == 2


def test_long_names_titles_and_control_characters_are_refused(room, started):
    with pytest.raises(ClassroomError, match=f"at most {NAME_CHARS}"):
        room.join(started.code, "A" * (NAME_CHARS + 1))
    with pytest.raises(ClassroomError, match="too long"):
        room.join(started.code, "A" * 1_000_000)
    with pytest.raises(ClassroomError, match=f"at most {TITLE_CHARS}"):
        room.create_class("T" * (TITLE_CHARS + 1))
    for bad in ("Ann\nBob", "Ann\x00", "\u202eevil", "Ann\u200b", "   ", "", None, 42):
        with pytest.raises(ClassroomError):
            room.join(started.code, bad)
    assert room.join(started.code, "A" * NAME_CHARS).name == "A" * NAME_CHARS
    assert room.join(started.code, "👩\u200d🔬 Lab").name == "👩\u200d🔬 Lab"  # an emoji sequence is fine


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(room, started):
    student = room.join(started.code, "=cmd|' /C calc'!A0").student_key
    room.record_run(student, {"label": "+SUM(1)", "params": 1, "test_accuracy": 0.5, "seconds": 1})
    report = room.export_csv(started.teacher_key)
    assert "'=cmd|" in report and "'+SUM(1)" in report
    assert spreadsheet_safe(-1) == -1 and spreadsheet_safe("Anna") == "Anna" and spreadsheet_safe("@x") == "'@x"


# ---------------------------------------------------------------------- the database URL's password
def test_safe_url_hides_the_password():
    url = "postgresql+psycopg://teacher:s3cr%40t-pw@db.example:5432/cnnviz"
    shown = safe_url(url)
    assert "s3cr" not in shown and "***" in shown and "teacher@" not in shown
    assert shown == "postgresql+psycopg://teacher:***@db.example:5432/cnnviz"
    assert safe_url(database_url(url)) == shown
    assert "hunter2" not in safe_url("not a url hunter2") and safe_url(None) == "(no URL)"
    assert database_url("postgres://u:p@h/d").drivername == "postgresql+psycopg"


def test_an_unreachable_database_says_so_without_its_password(caplog):
    caplog.set_level(logging.DEBUG)
    from tests.postgres_server import free_port

    url = f"postgresql+psycopg://teacher:hunter2-secret@127.0.0.1:{free_port()}/cnnviz?connect_timeout=3"
    with pytest.raises(ClassroomError, match="cannot be reached") as refused:
        Classroom(url)
    assert "hunter2" not in str(refused.value) and "hunter2" not in caplog.text
    assert "teacher:***@127.0.0.1" in caplog.text


def test_the_real_servers_password_never_shows(postgres, caplog):
    caplog.set_level(logging.DEBUG)
    room = Classroom(postgres.new_database())
    try:
        started = room.create_class("Class")
        room.join(started.code, "Anna")
        assert postgres.password not in repr(room) and "***" in repr(room)
        assert postgres.password not in caplog.text
    finally:
        room.close()
