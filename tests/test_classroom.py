"""cnnviz.classroom's API, each test on a SQLite file and on a real PostgreSQL server (the `database` fixture)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from cnnviz.classroom import Budget, Classroom, ClassroomError, SentView
from cnnviz.classroom.base import NO_CLASS, PURGE_EVERY
from cnnviz.classroom.room import MAX_RUNS_PER_STUDENT

DAY = 86400.0


@pytest.fixture
def room(database, clock):
    classroom = Classroom(database, days=30, clock=clock)
    yield classroom
    classroom.close()


def summary(label="Run 1", params=1000, accuracy=0.9, seconds=12.5, **extra):
    return {"label": label, "params": params, "test_accuracy": accuracy, "seconds": seconds, **extra}


# ---------------------------------------------------------------------- the contract
def test_a_class_is_started_joined_recorded_and_shown_on_the_dashboard(room):
    started = room.create_class("Year 10 · CNNs")
    assert len(started.code) == 8 and started.code.isupper()
    anna = room.join(started.code, "Anna")
    bob = room.join(started.code, "Bob")
    first = summary("Run 1", 18_496, 0.91, 31.0, macs=2_000_000, dataset="mnist", history={"loss": [0.9, 0.4]})
    room.record_run(anna.student_key, first)
    room.record_run(anna.student_key, summary("Run 2", 5_000, 0.85))

    board = room.dashboard(started.teacher_key)

    assert [student["name"] for student in board] == ["Anna", "Bob"]
    assert board[0]["runs"] == [first, summary("Run 2", 5_000, 0.85)]
    assert board[1]["runs"] == []
    assert anna.student_key != bob.student_key and anna.class_title == "Year 10 · CNNs"


def test_two_classroom_objects_on_one_database_see_the_same_class(database, clock):
    server_a, server_b = Classroom(database, clock=clock), Classroom(database, clock=clock)
    try:
        started = server_a.create_class("Shared")
        student = server_b.join(started.code, "Chen")
        server_b.touch(student.student_key, "training", running=1)
        server_b.record_run(student.student_key, summary())
        server_a.send_view(started.teacher_key, "convolution", "stride=2")

        board = server_a.dashboard(started.teacher_key)
        assert board[0]["name"] == "Chen" and board[0]["page"] == "training" and board[0]["running"] == 1
        assert board[0]["runs"] == [summary()]
        assert server_b.pending_view(student.student_key).query == "stride=2"
    finally:
        server_a.close()
        server_b.close()


def test_a_deleted_class_takes_everything_of_its_students_with_it(room):
    kept, gone = room.create_class("Kept"), room.create_class("Gone")
    keeper = room.join(kept.code, "Ada")
    student = room.join(gone.code, "Ada")
    room.record_run(student.student_key, summary(key="cnnviz-train-abc"))
    check = room.ask(gone.teacher_key, "2 + 2?", answer=4)
    room.answer(student.student_key, check.id, 4)

    room.delete_class(gone.teacher_key)

    for call in (
        lambda: room.dashboard(gone.teacher_key),
        lambda: room.touch(student.student_key, "home"),
        lambda: room.pending_view(student.student_key),
        lambda: room.record_run(student.student_key, summary()),
        lambda: room.delete_class(gone.teacher_key),
        lambda: room.join(gone.code, "Bea"),
    ):
        with pytest.raises(ClassroomError):
            call()
    assert room.dashboard(kept.teacher_key)[0]["name"] == "Ada"
    assert room.student(keeper.student_key).class_title == "Kept"
    assert _rows(room) == {"classroom_class": 1, "classroom_student": 1}


def _rows(room) -> dict[str, int]:
    """Non-empty tables and their row counts (join attempts aside)."""
    from sqlalchemy import func, select

    from cnnviz.classroom.models import Base

    with room._read() as connection:
        counts = {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if table.name != "classroom_join_attempt"
        }
    return {name: count for name, count in counts.items() if count}


# ---------------------------------------------------------------------- joining
def test_the_code_may_be_typed_in_lower_case_with_spaces_or_its_dash(room):
    started = room.create_class("Class")
    for typed, name in (
        (started.code.lower(), "A"),
        (started.code_shown, "B"),
        (" ".join(started.code), "C"),
    ):
        assert room.join(typed, name).code == started.code


def test_a_wrong_code_says_so(room):
    room.create_class("Class")
    for wrong in ("ABCD2345", "nonsense", "", "0O1IL0O1"):
        with pytest.raises(ClassroomError, match="no class with this code"):
            room.join(wrong, "Anna")


def test_names_are_unique_in_a_class_ignoring_case_spaces_and_unicode_forms(room):
    started, other = room.create_class("A"), room.create_class("B")
    room.join(started.code, "Zoë Martin")
    for same in ("zoë martin", "  ZOË   MARTIN ", "Zoe\u0308 Martin", "ＺＯË Martin"):
        with pytest.raises(ClassroomError, match="already called"):
            room.join(started.code, same)
    assert room.join(other.code, "Zoë Martin").name == "Zoë Martin"  # another class: free
    assert room.join(started.code, "Zoë Martin 2").name == "Zoë Martin 2"


def test_a_student_who_comes_back_with_their_key_is_the_same_student(room):
    started = room.create_class("Class")
    anna = room.join(started.code, "Anna")
    room.record_run(anna.student_key, summary())

    again = room.rejoin(started.code_shown, anna.student_key)

    assert (again.name, again.code, again.student_key) == ("Anna", started.code, anna.student_key)
    room.record_run(again.student_key, summary("Run 2"))
    assert [len(student["runs"]) for student in room.dashboard(started.teacher_key)] == [2]


def test_rejoining_another_class_or_with_a_forged_key_fails(room):
    first, second = room.create_class("1"), room.create_class("2")
    anna = room.join(first.code, "Anna")
    with pytest.raises(ClassroomError, match="another class"):
        room.rejoin(second.code, anna.student_key)
    forged = anna.student_key[:-4] + ("AAAA" if not anna.student_key.endswith("AAAA") else "BBBB")
    with pytest.raises(ClassroomError, match="no longer exists"):
        room.rejoin(first.code, forged)


# ---------------------------------------------------------------------- runs
def test_a_run_recorded_twice_under_its_key_is_kept_once(room):
    started = room.create_class("Class")
    anna = room.join(started.code, "Anna")
    first = room.record_run(anna.student_key, summary("Run 1", key="cnnviz-train-0a1"))
    again = room.record_run(anna.student_key, summary("Run 1 (renamed)", key="cnnviz-train-0a1"))
    other = room.record_run(anna.student_key, summary("Run 2", key="cnnviz-train-0b2"))
    assert first == again != other
    runs = room.dashboard(started.teacher_key)[0]["runs"]
    assert [run["label"] for run in runs] == ["Run 1 (renamed)", "Run 2"]


def test_summaries_are_stored_as_json_values_and_bad_ones_are_refused(room):
    np = pytest.importorskip("numpy")
    started = room.create_class("Class")
    anna = room.join(started.code, "Anna")
    room.record_run(
        anna.student_key,
        summary(params=np.int64(42), accuracy=np.float32(0.5), history={"loss": np.array([1.5, np.nan])}),
    )
    stored = room.dashboard(started.teacher_key)[0]["runs"][0]
    assert stored["params"] == 42 and stored["test_accuracy"] == 0.5
    assert stored["history"] == {"loss": [1.5, None]}  # a diverged loss is stored as "no value"
    assert json.loads(json.dumps(stored)) == stored
    for bad in (
        {"label": "no numbers"},
        summary(accuracy=1.5),
        summary(params=-1),
        summary(label=""),
        summary(seconds="fast"),
        summary(extra=object()),
    ):
        with pytest.raises(ValueError):
            room.record_run(anna.student_key, bad)
    with pytest.raises(ClassroomError, match="too large"):
        room.record_run(anna.student_key, summary(history={"loss": [0.5] * 100_000}))


def test_runs_per_student_are_bounded(room, monkeypatch):
    monkeypatch.setattr("cnnviz.classroom.room.MAX_RUNS_PER_STUDENT", 3)
    started = room.create_class("Class")
    anna = room.join(started.code, "Anna")
    for i in range(3):
        room.record_run(anna.student_key, summary(f"Run {i}"))
    with pytest.raises(ClassroomError, match="at most 3 runs"):
        room.record_run(anna.student_key, summary("Run 4"))
    assert MAX_RUNS_PER_STUDENT >= 100


def test_class_runs_carry_student_and_group_for_the_plot(room):
    started = room.create_class("Class")
    anna, bob = room.join(started.code, "Anna"), room.join(started.code, "Bob")
    room.set_groups(started.teacher_key, "optimizers", ["SGD", "Adam"])
    room.record_run(anna.student_key, summary("small", 1_000, 0.80))
    room.record_run(bob.student_key, summary("big", 90_000, 0.97))
    runs = room.class_runs(started.teacher_key)
    assert [(r.name, r.group, r.label, r.params, r.test_accuracy) for r in runs] == [
        ("Anna", "SGD", "small", 1_000, 0.80),
        ("Bob", "Adam", "big", 90_000, 0.97),
    ]


# ---------------------------------------------------------------------- presence
def test_the_roster_shows_page_last_activity_and_trainings(room, clock):
    started = room.create_class("Class")
    anna, bob = room.join(started.code, "Anna"), room.join(started.code, "Bob")
    clock.now += 5
    room.touch(anna.student_key, "training", running=1, queued=2)
    clock.now += 5
    room.touch(bob.student_key, "convolution")
    room.record_run(bob.student_key, summary())

    roster = room.roster(started.teacher_key)

    assert [(r.number, r.name, r.page, r.running, r.queued, r.runs) for r in roster] == [
        (1, "Anna", "training", 1, 2, 0),
        (2, "Bob", "convolution", 0, 0, 1),
    ]
    assert roster[1].last_seen - roster[0].last_seen == pytest.approx(5)
    room.touch(anna.student_key, "home")
    assert room.roster(started.teacher_key)[0].running == 0


def test_touch_refuses_a_page_name_that_is_not_one(room):
    started = room.create_class("Class")
    anna = room.join(started.code, "Anna")
    for bad in ("", "x" * 41, "Training Page", "../admin"):
        with pytest.raises(ValueError):
            room.touch(anna.student_key, bad)


def test_a_teacher_can_remove_one_student(room):
    started, other = room.create_class("Class"), room.create_class("Other")
    anna, bob = room.join(started.code, "Anna"), room.join(started.code, "Bob")
    room.record_run(anna.student_key, summary())
    anna_id = room.roster(started.teacher_key)[0].student_id
    with pytest.raises(ClassroomError, match="not in this class"):
        room.remove_student(other.teacher_key, anna_id)
    room.remove_student(started.teacher_key, anna_id)
    assert [r.name for r in room.roster(started.teacher_key)] == ["Bob"]
    with pytest.raises(ClassroomError):
        room.touch(anna.student_key, "home")
    room.touch(bob.student_key, "home")


# ---------------------------------------------------------------------- leading the lesson
def test_a_sent_view_is_pending_until_the_student_has_seen_it(room, clock):
    started = room.create_class("Class")
    anna, bob = room.join(started.code, "Anna"), room.join(started.code, "Bob")
    assert room.pending_view(anna.student_key) is None

    sent = room.send_view(started.teacher_key, "convolution", "?kernel=sobel_x&stride=2", follow=True)

    assert sent == SentView(1, "convolution", "kernel=sobel_x&stride=2", True, clock.now)
    assert room.pending_view(anna.student_key) == sent
    room.view_seen(anna.student_key, sent.number)
    assert room.pending_view(anna.student_key) is None
    assert room.pending_view(bob.student_key) == sent  # each student on their own
    room.view_seen(anna.student_key, 0)  # an older number never brings it back
    assert room.pending_view(anna.student_key) is None

    newer = room.send_view(started.teacher_key, "training")
    assert room.pending_view(anna.student_key) == newer and newer.number == 2 and not newer.follow
    assert room.class_info(started.teacher_key).view == newer
    room.clear_view(started.teacher_key)
    assert room.pending_view(bob.student_key) is None


def test_pause_and_the_class_budget_reach_the_students(room):
    started = room.create_class("Class")
    anna = room.join(started.code, "Anna")
    assert not room.student(anna.student_key).paused
    room.set_paused(started.teacher_key, True)
    room.set_budget(started.teacher_key, Budget(max_epoch_images=100_000, max_seconds=60.0, max_queued=2))
    state = room.student(anna.student_key)
    assert state.paused and state.budget == Budget(100_000, 60.0, 2)
    room.set_paused(started.teacher_key, False)
    room.set_budget(started.teacher_key, Budget())
    state = room.student(anna.student_key)
    assert not state.paused and not state.budget.limited
    for bad in (Budget(max_seconds=0), Budget(max_queued=-1), Budget(max_epoch_images=1.5), Budget(max_seconds=1e999)):
        with pytest.raises(ClassroomError):
            room.set_budget(started.teacher_key, bad)


def test_groups_are_dealt_in_joining_order_and_late_joiners_balance_them(room):
    started = room.create_class("Class")
    keys = [room.join(started.code, f"S{i}").student_key for i in range(5)]
    dealt = room.set_groups(started.teacher_key, "optimizers", ["SGD", "RMSprop", "Adam"])
    assert list(dealt.values()) == ["SGD", "RMSprop", "Adam", "SGD", "RMSprop"]
    late = [room.join(started.code, f"L{i}").student_key for i in range(4)]
    assert [room.student(key).group for key in late] == ["Adam", "SGD", "RMSprop", "Adam"]
    state = room.student(keys[2])
    assert (state.experiment, state.group, state.group_index) == ("optimizers", "Adam", 2)
    sizes = [g.group for g in room.roster(started.teacher_key)]
    assert sorted(sizes.count(label) for label in ("SGD", "RMSprop", "Adam")) == [3, 3, 3]
    assert room.class_info(started.teacher_key).groups == ("SGD", "RMSprop", "Adam")

    room.clear_groups(started.teacher_key)
    assert room.student(keys[0]).group is None and room.student(keys[0]).experiment is None
    assert room.student(room.join(started.code, "After").student_key).group is None
    for labels in (["Only one"], ["A", "a"], [f"G{i}" for i in range(9)]):
        with pytest.raises(ClassroomError):
            room.set_groups(started.teacher_key, "optimizers", labels)


# ---------------------------------------------------------------------- quick checks
def test_quick_check_with_choices_counts_each_answer_once(room):
    started = room.create_class("Class")
    students = [room.join(started.code, name).student_key for name in ("A", "B", "C", "D")]
    check = room.ask(
        started.teacher_key,
        "Which kernel made this map?",
        choices=["Sobel x", "Box blur", "Identity"],
        answer="Sobel x",
    )
    assert check.choices == ("Sobel x", "Box blur", "Identity") and not hasattr(check, "correct_choice")
    assert [c.id for c in room.open_checks(students[0])] == [check.id]

    assert room.answer(students[0], check.id, "Sobel x") is True
    assert room.answer(students[1], check.id, "Box blur") is False
    assert room.answer(students[2], check.id, "Sobel x") is True
    with pytest.raises(ClassroomError, match="already answered"):
        room.answer(students[0], check.id, "Identity")
    with pytest.raises(ClassroomError, match="Choose one"):
        room.answer(students[3], check.id, "Laplacian")

    [result] = room.check_results(started.teacher_key)
    assert result.counts == {"Sobel x": 2, "Box blur": 1, "Identity": 0}
    assert (result.answered, result.correct, result.students) == (3, 2, 4)
    assert result.share_correct == pytest.approx(2 / 3) and result.correct_answer == "Sobel x"
    assert room.open_checks(students[0]) == [] and len(room.open_checks(students[3])) == 1


def test_numeric_quick_check_with_a_tolerance_and_closing_it(room):
    started = room.create_class("Class")
    a, b, c = (room.join(started.code, name).student_key for name in "ABC")
    check = room.ask(started.teacher_key, "Learning rate that worked best?", answer=0.01, tolerance=0.005)
    assert check.choices is None
    assert room.answer(a, check.id, "0,012") is True  # a decimal comma is read too
    assert room.answer(b, check.id, 0.1) is False
    with pytest.raises(ClassroomError, match="Type a number"):
        room.answer(c, check.id, "ten")
    room.close_check(started.teacher_key, check.id)
    with pytest.raises(ClassroomError, match="closed"):
        room.answer(c, check.id, 0.01)
    assert room.open_checks(c) == []
    [result] = room.check_results(started.teacher_key)
    assert result.counts == {"0.012": 1, "0.1": 1} and result.correct_answer == "0.01 ± 0.005"
    assert result.check.closed


def test_quick_checks_stay_in_their_class(room):
    first, second = room.create_class("1"), room.create_class("2")
    outsider = room.join(second.code, "Eve").student_key
    check = room.ask(first.teacher_key, "2 + 2?", answer=4)
    with pytest.raises(ClassroomError, match="not one of your class"):
        room.answer(outsider, check.id, 4)
    with pytest.raises(ClassroomError, match="not one of this class"):
        room.close_check(second.teacher_key, check.id)
    assert room.check_results(second.teacher_key) == []


def test_a_badly_made_question_is_refused(room):
    started = room.create_class("Class")
    for kwargs in (
        {"choices": ["Only"], "answer": "Only"},
        {"choices": ["A", "B"], "answer": "C"},
        {"choices": ["A", "A"], "answer": "A"},
        {"answer": "many"},
        {"answer": 3, "tolerance": -1},
    ):
        with pytest.raises(ClassroomError):
            room.ask(started.teacher_key, "Question?", **kwargs)


# ---------------------------------------------------------------------- export
def test_the_csv_report_has_one_row_per_run(room):
    started = room.create_class("Class")
    room.join(started.code, "Without runs")
    anna, bob = room.join(started.code, "Anna"), room.join(started.code, "Bob")
    settings = {"epochs": 3, "batch_size": 64, "optimizer": "adam", "learning_rate": 0.001}
    room.record_run(anna.student_key, summary("Run 1", 18_496, 0.91, 30, dataset="mnist", settings=settings))
    room.record_run(bob.student_key, summary("Run 1", 900, None, 4, key="cnnviz-train-77"))

    rows = list(csv.DictReader(io.StringIO(room.export_csv(started.teacher_key))))

    assert [(r["student"], r["params"], r["test_accuracy"], r["optimizer"]) for r in rows] == [
        ("Anna", "18496", "0.91", "adam"),
        ("Bob", "900", "", ""),
    ]
    assert rows[1]["run_key"] == "cnnviz-train-77" and rows[0]["epochs"] == "3"
    hidden = list(csv.DictReader(io.StringIO(room.export_csv(started.teacher_key, hide_names=True))))
    assert [r["student"] for r in hidden] == ["Student 2", "Student 3"]  # their numbers on the roster


def test_the_zip_holds_the_report_and_the_stored_runs(room, tmp_path):
    started = room.create_class("Class")
    anna = room.join(started.code, "Anna")
    store = tmp_path / "runs"
    (store / "cnnviz-train-aa11").mkdir(parents=True)
    (store / "cnnviz-train-aa11" / "run.json").write_text("{}")
    (store / "cnnviz-train-aa11" / "arrays.npz").write_bytes(b"x" * 100)
    (store / "secret.txt").write_text("not a run")
    room.record_run(anna.student_key, summary("stored", key="cnnviz-train-aa11"))
    room.record_run(anna.student_key, summary("evicted", key="cnnviz-train-bb22"))
    room.record_run(anna.student_key, summary("hostile", key="../secret.txt"))
    assert room.run_keys(started.teacher_key) == ["cnnviz-train-aa11", "cnnviz-train-bb22"]

    archive = zipfile.ZipFile(io.BytesIO(room.export_zip(started.teacher_key, store)))

    assert sorted(archive.namelist()) == [
        "class.csv",
        "runs/cnnviz-train-aa11/arrays.npz",
        "runs/cnnviz-train-aa11/run.json",
    ]
    assert archive.read("class.csv").decode().count("\n") == 4
    with pytest.raises(ClassroomError, match="more than a download may hold"):
        room.export_zip(started.teacher_key, store, max_bytes=50)


# ---------------------------------------------------------------------- retention
def test_classes_older_than_the_retention_are_purged_with_their_students(room, clock):
    old = room.create_class("Old")
    old_student = room.join(old.code, "Ann")
    room.record_run(old_student.student_key, summary())
    clock.now += 20 * DAY
    young = room.create_class("Young")
    room.join(young.code, "Ben")

    clock.now += 11 * DAY
    assert room.purge_expired() == 1

    with pytest.raises(ClassroomError):
        room.dashboard(old.teacher_key)
    assert [s["name"] for s in room.dashboard(young.teacher_key)] == ["Ben"]
    assert _rows(room) == {"classroom_class": 1, "classroom_student": 1}
    info = room.class_info(young.teacher_key)
    assert info.expires_at == pytest.approx(info.created_at + 30 * DAY)


def test_use_purges_at_most_every_few_minutes(database, clock):
    room = Classroom(database, days=60 / DAY, clock=clock)  # classes kept one minute
    try:
        old = room.create_class("Old")  # this process's first use sweeps (nothing to delete yet)
        clock.now += 61
        assert room.dashboard(old.teacher_key) == []  # expired, but the last sweep was only 61 s ago
        clock.now += PURGE_EVERY
        room.create_class("Later")  # this use sweeps
        with pytest.raises(ClassroomError, match=NO_CLASS[:20]):
            room.dashboard(old.teacher_key)
    finally:
        room.close()


def test_the_retention_comes_from_the_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    monkeypatch.setenv("CNNVIZ_CLASS_DAYS", "7")
    assert Classroom(url).days == 7
    monkeypatch.delenv("CNNVIZ_CLASS_DAYS")
    assert Classroom(url).days == 30
    monkeypatch.setenv("CNNVIZ_CLASS_DAYS", "soon")
    with pytest.raises(ValueError, match="CNNVIZ_CLASS_DAYS"):
        Classroom(url)


def test_the_default_database_is_a_sqlite_file_in_the_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNVIZ_DATABASE_URL", raising=False)
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    room = Classroom()
    try:
        started = room.create_class("Default")
        assert room.url.get_backend_name() == "sqlite"
        assert (tmp_path / "cache" / "classroom.sqlite3").is_file()
    finally:
        room.close()
    monkeypatch.setenv("CNNVIZ_DATABASE_URL", f"sqlite:///{tmp_path / 'chosen.sqlite3'}")
    chosen = Classroom()
    try:
        with pytest.raises(ClassroomError):  # another database: the first class is not in it
            chosen.dashboard(started.teacher_key)
        assert (tmp_path / "chosen.sqlite3").is_file()
    finally:
        chosen.close()
