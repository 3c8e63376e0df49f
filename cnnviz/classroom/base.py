"""The classroom's plumbing shared by its features: connections, key checks, retention.

- Reads and writes are short transactions (:meth:`ClassroomBase._read`, :meth:`_write`); the light
  calls a page makes on every rerun (presence, the pending view) are one statement in autocommit
  mode: one round trip to the server.
- A key is checked by finding its row through the key's public selector and comparing the stored
  SHA-256 in constant time. Presence updates skip the lookup for a key this process has already
  checked (a bounded in-memory set of key hashes → selectors): a deleted student's update then
  finds no row, and the key is forgotten.
- Retention: classes older than ``CNNVIZ_CLASS_DAYS`` days (default 30) are deleted, with
  everything of their students, by :meth:`purge_expired`, which the heavier calls run at most once
  every :data:`PURGE_EVERY` seconds per process.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import URL, Connection, Row, delete, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from cnnviz.classroom.database import WRITE, database_url, make_engine, migrate, safe_url, single_statements
from cnnviz.classroom.errors import ClassroomError, ClassroomUnavailable
from cnnviz.classroom.keys import STUDENT, TEACHER, key_hash, key_kind, matches, selector_of
from cnnviz.classroom.models import ClassRoom, JoinAttempt, Student

logger = logging.getLogger("cnnviz.classroom")

DAYS_ENV = "CNNVIZ_CLASS_DAYS"
DEFAULT_DAYS = 30.0
PURGE_EVERY = 10 * 60.0  # seconds between two retention sweeps of one process
ATTEMPT_MEMORY = 3600.0  # join attempts older than this are deleted by the sweep
VERIFIED_KEYS = 10_000  # student keys whose check a process remembers (for presence updates)

NO_CLASS = (
    "This class no longer exists (its teacher deleted it, or it is older than the days classes are kept), "
    "or the link is incomplete"
)
STUDENT_KEY = "This is a student's link: only the teacher's link can do this"
TEACHER_KEY = "This is the teacher's link: join the class as a student to do this"

P = ParamSpec("P")
R = TypeVar("R")


def class_days() -> float:
    """``CNNVIZ_CLASS_DAYS`` (days a class is kept), 30 if unset; :class:`ValueError` naming it if bad."""
    value = os.environ.get(DAYS_ENV) or ""
    if not value:
        return DEFAULT_DAYS
    try:
        days = float(value)
    except ValueError:
        raise ValueError(f"{DAYS_ENV} must be a number of days, not {value!r}") from None
    if not days > 0:
        raise ValueError(f"{DAYS_ENV} must be above 0, not {value!r}")
    return days


def guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Run a database method again once if the server dropped a pooled connection; an unreachable or
    locked database becomes :class:`ClassroomUnavailable` (logged with the URL's password hidden)."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in (1, 2):
            try:
                return method(*args, **kwargs)
            except DBAPIError as error:
                if attempt == 1 and error.connection_invalidated:
                    continue  # the pool replaced the dead connection: try once more
                if not isinstance(error, (OperationalError, InterfaceError)):
                    raise
                room = args[0]
                url = safe_url(room.url) if isinstance(room, ClassroomBase) else "?"
                logger.warning("Classroom database %s unavailable: %s", url, type(error.orig).__name__)
                raise ClassroomUnavailable() from None
        raise AssertionError("unreachable")

    return run


class ClassroomBase:
    """Connections, key checks and retention (see the module docstring); :class:`Classroom` adds the features."""

    def __init__(
        self, url: str | URL | None = None, *, days: float | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.url = database_url(url)
        self.days = class_days() if days is None else float(days)
        self._clock = clock
        self._engine = make_engine(self.url)
        self._light = single_statements(self._engine)
        self._verified: OrderedDict[str, str] = OrderedDict()
        self._verified_lock = threading.Lock()
        self._next_purge = 0.0
        try:
            migrate(self._engine)
        except (OperationalError, InterfaceError) as error:
            logger.warning("Classroom database %s unavailable: %s", safe_url(self.url), type(error.orig).__name__)
            raise ClassroomUnavailable() from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({safe_url(self.url)!r})"

    def close(self) -> None:
        """Close the pooled connections (the object is not used afterwards)."""
        self._engine.dispose()

    # ------------------------------------------------------------------ connections
    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read-only transaction (SQLite: readers never wait for the writer)."""
        with self._engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (SQLite: takes the write lock at BEGIN, waiting for another writer)."""
        with self._engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
            yield connection

    @contextmanager
    def _one_statement(self) -> Iterator[Connection]:
        """A connection whose statements commit on their own: the light calls' single round trip."""
        with self._light.connect() as connection:
            yield connection

    def _now(self) -> float:
        return self._clock()

    # ------------------------------------------------------------------ keys
    @staticmethod
    def _key_row(connection: Connection, key: object, kind: str, query: Any, stored_hash: str) -> Row[Any]:
        """The row ``query`` (filtered by the key's selector) finds, if ``key`` is a valid ``kind`` key
        whose hash matches the row's ``stored_hash`` column; :class:`ClassroomError` otherwise."""
        found = key_kind(key)
        if found is not None and found != kind:
            raise ClassroomError(STUDENT_KEY if found == STUDENT else TEACHER_KEY)
        if found is None or not isinstance(key, str):
            raise ClassroomError(NO_CLASS)
        row = connection.execute(query(selector_of(key))).first()
        if row is None or not matches(key, row._mapping[stored_hash]):
            raise ClassroomError(NO_CLASS)
        return row

    def _class_row(self, connection: Connection, teacher_key: object, *columns: Any) -> Row[Any]:
        """The teacher's class (``id`` and ``columns``); :class:`ClassroomError` for any other key."""
        query = select(ClassRoom.id, ClassRoom.teacher_hash, *columns)
        return self._key_row(
            connection,
            teacher_key,
            TEACHER,
            lambda selector: query.where(ClassRoom.teacher_selector == selector),
            "teacher_hash",
        )

    def _class_id(self, connection: Connection, teacher_key: object) -> int:
        return int(self._class_row(connection, teacher_key).id)

    def _student_row(self, connection: Connection, student_key: object, *columns: Any) -> Row[Any]:
        """The key's student (``id``, ``class_id`` and ``columns``, which may be the class's)."""
        query = select(Student.id, Student.class_id, Student.key_hash, *columns).join(
            ClassRoom, ClassRoom.id == Student.class_id
        )
        return self._key_row(
            connection, student_key, STUDENT, lambda selector: query.where(Student.selector == selector), "key_hash"
        )

    def _update_student(self, student_key: str, values: dict[str, Any], *conditions: Any) -> None:
        """One ``UPDATE`` of the key's student row (the light calls): checks the key once per process."""
        digest = key_hash(student_key) if isinstance(student_key, str) else ""
        with self._verified_lock:
            selector = self._verified.get(digest)
        if selector is None:
            with self._one_statement() as connection:
                self._student_row(connection, student_key)
            selector = selector_of(student_key)
            with self._verified_lock:
                self._verified[digest] = selector
                while len(self._verified) > VERIFIED_KEYS:
                    self._verified.popitem(last=False)
        with self._one_statement() as connection:
            found = connection.execute(
                update(Student).where(Student.selector == selector, *conditions).values(**values)
            ).rowcount
        if found == 0 and not conditions:
            with self._verified_lock:
                self._verified.pop(digest, None)
            raise ClassroomError(NO_CLASS)

    # ------------------------------------------------------------------ retention
    @guarded
    def purge_expired(self) -> int:
        """Delete the classes older than ``days`` (with their students, runs, checks and answers) and
        old join attempts; return how many classes went."""
        now = self._now()
        with self._write() as connection:
            gone = connection.execute(delete(ClassRoom).where(ClassRoom.created_at < now - self.days * 86400)).rowcount
            connection.execute(delete(JoinAttempt).where(JoinAttempt.at < now - ATTEMPT_MEMORY))
        if gone:
            logger.info("Deleted %d class(es) older than %g days", gone, self.days)
        return int(gone)

    def _maybe_purge(self) -> None:
        """:meth:`purge_expired` if this process has not run it for :data:`PURGE_EVERY` seconds."""
        now = self._now()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY
        self.purge_expired()
