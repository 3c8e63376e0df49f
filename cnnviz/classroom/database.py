"""Which database the classroom uses, its connection pool, and its schema (Alembic migrations).

- ``CNNVIZ_DATABASE_URL`` (a SQLAlchemy URL) when set: ``postgresql+psycopg://user:pw@host/db`` for
  several web servers sharing one class (``postgres://`` and ``postgresql://`` mean psycopg 3);
  otherwise the SQLite file ``classroom.sqlite3`` in the cache folder (``CNNVIZ_CACHE_DIR``).
- SQLite runs in WAL mode (readers never wait for the writer) with a busy timeout, and write
  transactions start with ``BEGIN IMMEDIATE``, so two processes on one file wait for each other
  instead of failing with "database is locked".
- The schema is brought to the latest migration (``migrations/versions``) on first use, under a
  lock (PostgreSQL advisory lock, SQLite write lock) so two servers starting at once migrate once.
- :func:`safe_url` is the only way a URL is written into a message or a log: its password hidden.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError

from cnnviz.datasets.cache import cache_dir

URL_ENV = "CNNVIZ_DATABASE_URL"
SQLITE_FILE = "classroom.sqlite3"
MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "classroom_alembic_version"
BUSY_SECONDS = 30.0  # how long a SQLite writer waits for another before giving up
WRITE = "classroom_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
SINGLE = "classroom_single"  # execution option (SQLite): no BEGIN, each statement commits on its own
_MIGRATION_LOCK = 0x636E6E76  # PostgreSQL advisory lock id ("cnnv")


def database_url(url: str | URL | None = None) -> URL:
    """``url``, else ``CNNVIZ_DATABASE_URL``, else the SQLite file in the cache folder, as a SQLAlchemy URL."""
    if url is None:
        url = os.environ.get(URL_ENV) or None
    if url is None:
        return URL.create("sqlite", database=str(cache_dir() / SQLITE_FILE))
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"{URL_ENV} is not a database URL (e.g. postgresql+psycopg://user@host/db)") from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver requirements.txt installs
    return parsed


def safe_url(url: str | URL | None) -> str:
    """The URL for a message or a log, its password replaced by ``***``."""
    if url is None:
        return "(no URL)"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable database URL)"  # never echo it: it may hold a password


def make_engine(url: URL) -> Engine:
    """A pooled engine for ``url`` (SQLite: WAL, busy timeout, foreign keys; PostgreSQL: a small pool)."""
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False})
        _sqlite_transactions(engine)
        return engine
    # No pre-ping (it would double the cost of a light call); a connection the server dropped is
    # replaced on its first failure (see Classroom._retry) and none is kept longer than 10 minutes.
    return create_engine(url, pool_size=5, max_overflow=10, pool_recycle=600, pool_timeout=10)


def _sqlite_transactions(engine: Engine) -> None:
    """SQLAlchemy, not the sqlite3 module, says BEGIN: deferred to read, IMMEDIATE to write."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 emits no BEGIN of its own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe in WAL mode; no fsync per commit
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(SINGLE):
            return  # one statement, committed on its own (sqlite3 adds no BEGIN either)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE) else "BEGIN")


def single_statements(engine: Engine) -> Engine:
    """``engine`` whose statements each commit on their own: one round trip for a one-statement call.
    (PostgreSQL: autocommit; SQLite: no BEGIN, rather than SQLAlchemy's AUTOCOMMIT level, whose reset
    on check-in would undo the transaction handling above.)"""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SINGLE: True})
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the classroom's migrations (``connection``: the one to migrate)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest migration's revision."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: empty)."""
    return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration, once even if several servers start together."""
    head = head_revision()
    with engine.connect() as connection:
        if current_revision(connection) == head:
            return
    with _migration_lock(engine) as connection:
        if current_revision(connection) != head:  # another server may have done it meanwhile
            command.upgrade(alembic_config(connection), "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's migration lock until it commits."""
    with engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _MIGRATION_LOCK})
        yield connection


def write_revision(message: str) -> None:
    """Write a new migration file: the difference between ``models.py`` and the latest migration."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(URL.create("sqlite", database=str(Path(folder) / "head.sqlite3")))
        migrate(engine)
        with engine.begin() as connection:
            command.revision(alembic_config(connection), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] != ["revision"] or len(sys.argv) != 3:
        sys.exit('usage: python -m cnnviz.classroom.database revision "what changed"')
    write_revision(sys.argv[2])
