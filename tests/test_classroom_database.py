"""cnnviz.classroom's database: migrations from empty, schema = models, and several processes at once
(SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from cnnviz.classroom import Classroom, ClassroomError
from cnnviz.classroom.database import (
    VERSION_TABLE,
    alembic_config,
    current_revision,
    database_url,
    head_revision,
    make_engine,
    migrate,
)
from cnnviz.classroom.models import Base

ROUNDS = 6  # names raced for in the concurrency test


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrations_build_the_models_schema_from_an_empty_database(database):
    engine = make_engine(database_url(database))
    try:
        with engine.connect() as connection:
            assert current_revision(connection) is None
            assert inspect(connection).get_table_names() == []
        migrate(engine)
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision() is not None
            assert set(inspect(connection).get_table_names()) == {*Base.metadata.tables, VERSION_TABLE}
        assert _differences(engine) == []
        migrate(engine)  # already there: nothing to do
    finally:
        engine.dispose()


def test_the_migrations_go_down_to_empty_and_up_again(database):
    engine = make_engine(database_url(database))
    try:
        migrate(engine)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {VERSION_TABLE}
        migrate(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(database_url(f"sqlite:///{tmp_path / 'c.sqlite3'}"))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 10_000
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- several processes at once
def _start_together(url: str, barrier, results) -> None:
    """A fresh server process's first use of an empty database."""
    barrier.wait()
    try:
        room = Classroom(url)
        results.put(("ok", room.create_class("From a process").code))
        room.close()
    except Exception as error:  # reported to the test, which shows it
        results.put(("error", repr(error)))


def _join_together(url: str, code: str, barrier, results) -> None:
    """A server process that joins ``ROUNDS`` names, each at the same moment as another process."""
    room = Classroom(url)
    try:
        for round_ in range(ROUNDS):
            barrier.wait()
            try:
                room.join(code, f"Same name {round_}")
                results.put((round_, "joined"))
            except ClassroomError as error:
                results.put((round_, str(error)))
    finally:
        room.close()


def _run(target, args: tuple, processes: int, messages: int) -> list:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes, timeout=120), context.Queue()
    workers = [context.Process(target=target, args=(*args, barrier, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        return [results.get(timeout=180) for _ in range(messages)]
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()


def test_servers_starting_together_migrate_the_empty_database_once(database):
    outcomes = _run(_start_together, (database,), processes=3, messages=3)
    assert [status for status, _ in outcomes] == ["ok"] * 3, outcomes
    engine = make_engine(database_url(database))
    try:
        with engine.connect() as connection:
            assert connection.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM classroom_class")).scalar() == 3
    finally:
        engine.dispose()


def test_two_processes_joining_with_the_same_name_at_once_one_succeeds(database):
    room = Classroom(database)
    try:
        started = room.create_class("Race")
        outcomes = _run(_join_together, (database, started.code), processes=2, messages=2 * ROUNDS)
        for round_ in range(ROUNDS):
            results = [outcome for r, outcome in outcomes if r == round_]
            assert results.count("joined") == 1, results
            assert "already called" in next(result for result in results if result != "joined"), results
        names = [student["name"] for student in room.dashboard(started.teacher_key)]
        assert names == [f"Same name {round_}" for round_ in range(ROUNDS)]
    finally:
        room.close()


def _write_a_lot(url: str, code: str, barrier, results) -> None:
    """A server process whose students all write at once: joins, presence, runs."""
    room = Classroom(url)
    try:
        barrier.wait()
        name = multiprocessing.current_process().name
        keys = [room.join(code, f"{name} {i}").student_key for i in range(5)]
        for step in range(40):
            for key in keys:
                room.touch(key, "training", running=step % 2)
            room.record_run(
                keys[step % 5], {"label": f"Run {step}", "params": step, "test_accuracy": 0.5, "seconds": 1}
            )
        results.put("done")
    except Exception as error:  # reported to the test, which shows it
        results.put(repr(error))
    finally:
        room.close()


def test_processes_writing_at_once_wait_for_each_other_instead_of_failing(database):
    room = Classroom(database)
    try:
        started = room.create_class("Busy")
        assert _run(_write_a_lot, (database, started.code), processes=3, messages=3) == ["done"] * 3
        board = room.dashboard(started.teacher_key)
        assert len(board) == 15 and sum(len(student["runs"]) for student in board) == 3 * 40
    finally:
        room.close()


def test_without_postgresql_binaries_the_reason_is_given(monkeypatch):
    import tests.postgres_server as server

    monkeypatch.setattr(server.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(server.shutil, "which", lambda name: None)
    monkeypatch.delenv("CNNVIZ_PG_BIN", raising=False)
    binaries, reason = server.find_binaries()
    assert binaries is None and "initdb was not found" in reason and "CNNVIZ_PG_BIN" in reason
