"""The classroom's tables (SQLAlchemy 2 declarative models); the migrations in ``migrations/`` create them.

Times are Unix seconds (floats), the same on SQLite and PostgreSQL. Keys are never stored, only their
SHA-256 (``*_hash``) next to a random public ``*_selector`` that finds the row. Every row of a class
hangs from ``classroom_class`` with ``ON DELETE CASCADE``, so deleting a class deletes its students,
runs, quick checks and answers. Run summaries and choices are JSON (plain values, never pickles).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Limits of the stored text (characters), checked before storing (see :mod:`cnnviz.classroom.names`).
TITLE_CHARS = 80
NAME_CHARS = 40
NAME_KEY_CHARS = 4 * NAME_CHARS  # a case-folded name can be longer than the name ("ß" → "ss")
CODE_CHARS = 8
SELECTOR_CHARS = 12
HASH_CHARS = 64  # SHA-256, hexadecimal
PAGE_CHARS = 40
QUERY_CHARS = 4000
LABEL_CHARS = 200
RUN_KEY_CHARS = 100
EXPERIMENT_CHARS = 40
QUESTION_CHARS = 500

# Named constraints and indexes, so migrations and the models compare equal on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ClassRoom(Base):
    """One class: its join code, the teacher's key hash, and what the teacher set for everyone."""

    __tablename__ = "classroom_class"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused after a delete

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_CHARS), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_CHARS))
    teacher_selector: Mapped[str] = mapped_column(String(SELECTOR_CHARS), unique=True)
    teacher_hash: Mapped[str] = mapped_column(String(HASH_CHARS))
    created_at: Mapped[float] = mapped_column(Float, index=True)  # retention counts from here
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # The class's training budget (None: no class limit); it only ever tightens the server's.
    budget_epoch_images: Mapped[int | None] = mapped_column(BigInteger)
    budget_seconds: Mapped[float | None] = mapped_column(Float)
    budget_queued: Mapped[int | None] = mapped_column(Integer)
    # The last view the teacher sent ("send this view"): a page and its link's query string.
    view_number: Mapped[int] = mapped_column(Integer, default=0)
    view_page: Mapped[str | None] = mapped_column(String(PAGE_CHARS))
    view_query: Mapped[str | None] = mapped_column(Text)
    view_follow: Mapped[bool] = mapped_column(Boolean, default=False)
    view_sent_at: Mapped[float | None] = mapped_column(Float)
    # Experiment groups: the experiment and its group labels ("SGD", "Adam"); students hold their index.
    experiment: Mapped[str | None] = mapped_column(String(EXPERIMENT_CHARS))
    group_labels: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))


class Student(Base):
    """A student of one class: display name, key hash, and presence (page, last activity, trainings)."""

    __tablename__ = "classroom_student"
    __table_args__ = (
        Index("uq_classroom_student_class_name", "class_id", "name_key", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey(ClassRoom.id, ondelete="CASCADE"))  # indexed with name_key
    selector: Mapped[str] = mapped_column(String(SELECTOR_CHARS), unique=True)
    key_hash: Mapped[str] = mapped_column(String(HASH_CHARS))
    name: Mapped[str] = mapped_column(String(NAME_CHARS))
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_CHARS))  # trimmed, case-folded: unique per class
    joined_at: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float)
    page: Mapped[str] = mapped_column(String(PAGE_CHARS), default="")
    running: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    seen_view: Mapped[int] = mapped_column(Integer, default=0)  # the last sent view this student saw
    group_index: Mapped[int | None] = mapped_column(Integer)


class Run(Base):
    """A student's recorded training: the columns the class plot sorts by, and the whole summary as JSON."""

    __tablename__ = "classroom_run"
    __table_args__ = (
        Index("uq_classroom_run_student_key", "student_id", "run_key", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey(ClassRoom.id, ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey(Student.id, ondelete="CASCADE"))
    run_key: Mapped[str | None] = mapped_column(String(RUN_KEY_CHARS))  # the run store's key, if any
    label: Mapped[str] = mapped_column(String(LABEL_CHARS))
    params: Mapped[int] = mapped_column(BigInteger)
    test_accuracy: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[float] = mapped_column(Float)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class QuickCheck(Base):
    """A question the teacher asked: choices (or a number) and the correct answer, open until closed."""

    __tablename__ = "classroom_check"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey(ClassRoom.id, ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))  # None: a numeric answer
    correct_choice: Mapped[int | None] = mapped_column(Integer)
    correct_value: Mapped[float | None] = mapped_column(Float)
    tolerance: Mapped[float] = mapped_column(Float, default=0.0)
    page: Mapped[str] = mapped_column(String(PAGE_CHARS), default="")
    asked_at: Mapped[float] = mapped_column(Float)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)


class Answer(Base):
    """One student's answer to one quick check (one each: unique)."""

    __tablename__ = "classroom_answer"
    __table_args__ = (Index("uq_classroom_answer_check_student", "check_id", "student_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey(QuickCheck.id, ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey(Student.id, ondelete="CASCADE"), index=True)
    choice: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[float] = mapped_column(Float)


class JoinAttempt(Base):
    """One join attempt (right or wrong code), counted per scope: a hashed session, or a code."""

    __tablename__ = "classroom_join_attempt"
    __table_args__ = (Index("ix_classroom_join_attempt_scope_at", "scope", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(HASH_CHARS))
    at: Mapped[float] = mapped_column(Float, index=True)
