"""The :class:`Classroom`: start a class, join it, record runs, the dashboard, delete the class.

Presence, leading the lesson, quick checks and the export come from their own modules as mixins;
this module holds the class's life cycle and the student's side of it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cnnviz.classroom.base import NO_CLASS, guarded
from cnnviz.classroom.checks import Checks
from cnnviz.classroom.errors import ClassroomError
from cnnviz.classroom.export import Export
from cnnviz.classroom.groups import smallest_group
from cnnviz.classroom.keys import STUDENT, TEACHER, new_code, new_key, read_code
from cnnviz.classroom.leading import Leading
from cnnviz.classroom.models import NAME_CHARS, TITLE_CHARS, ClassRoom, Run, Student
from cnnviz.classroom.names import clean_text, name_key
from cnnviz.classroom.presence import Presence, group_label
from cnnviz.classroom.ratelimit import count_attempt, scopes
from cnnviz.classroom.records import ClassInfo, Membership, NewClass, SentView, StudentState
from cnnviz.classroom.summaries import checked_summary
from cnnviz.training.budget import Budget

logger = logging.getLogger("cnnviz.classroom")

MAX_RUNS_PER_STUDENT = 500
CODE_TRIES = 5  # fresh codes drawn if one is taken (about 1 in 10¹¹ per class alive)
WRONG_CODE = "There is no class with this code: check it on the board"


def _budget(row: Any) -> Budget:
    return Budget(row.budget_epoch_images, row.budget_seconds, row.budget_queued)


class Classroom(Presence, Leading, Checks, Export):
    """A class stored in a database (see :mod:`cnnviz.classroom`); every method is safe to call from
    several threads, and several ``Classroom`` objects (several web servers) share one database.

    ``url``: a SQLAlchemy URL, None for ``CNNVIZ_DATABASE_URL`` or the SQLite file in the cache folder;
    ``days``: how long classes are kept (None: ``CNNVIZ_CLASS_DAYS``, default 30); ``clock``: the time
    (tests replace it)."""

    # ------------------------------------------------------------------ the teacher starts, the class joins
    @guarded
    def create_class(self, title: str) -> NewClass:
        """Start a class: its join code for the board and the teacher's secret key (shown to the teacher only)."""
        title = clean_text(title, "class title", TITLE_CHARS)
        self._maybe_purge()
        teacher = new_key(TEACHER)
        for _ in range(CODE_TRIES):
            code = new_code()
            try:
                with self._write() as connection:
                    connection.execute(
                        insert(ClassRoom).values(
                            code=code,
                            title=title,
                            teacher_selector=teacher.selector,
                            teacher_hash=teacher.hash,
                            created_at=self._now(),
                        )
                    )
            except IntegrityError:
                continue  # that code is taken: draw another
            logger.info("Class started (%d characters of title)", len(title))
            return NewClass(code, teacher.key, title)
        raise RuntimeError("no free join code found")

    @guarded
    def join(self, code: str, name: str, *, session: str = "") -> Membership:
        """Join the class with ``code`` under ``name`` (unique in the class, ignoring case and spaces).

        ``session`` identifies who is trying (the browser session): attempts are limited per session
        and per code, wrong codes included (:class:`TooManyAttempts` says how long to wait)."""
        name = clean_text(name, "name", NAME_CHARS)
        wanted = read_code(code)
        with self._write() as connection:
            count_attempt(connection, scopes(str(session), wanted or ""), self._now())
        if wanted is None:
            raise ClassroomError(WRONG_CODE)
        self._maybe_purge()
        student = new_key(STUDENT)
        try:
            with self._write() as connection:
                row = connection.execute(
                    select(ClassRoom.id, ClassRoom.title, ClassRoom.group_labels).where(ClassRoom.code == wanted)
                ).first()
                if row is None:
                    raise ClassroomError(WRONG_CODE)
                if connection.scalar(
                    select(Student.id).where(Student.class_id == row.id, Student.name_key == name_key(name))
                ):
                    raise ClassroomError(self._taken(name))
                now = self._now()
                connection.execute(
                    insert(Student).values(
                        class_id=row.id,
                        selector=student.selector,
                        key_hash=student.hash,
                        name=name,
                        name_key=name_key(name),
                        joined_at=now,
                        last_seen=now,
                        group_index=self._late_group(connection, row.id, row.group_labels),
                    )
                )
        except IntegrityError:
            raise ClassroomError(self._taken(name)) from None  # the same name joined at the same moment
        return Membership(student.key, name, row.title, wanted)

    @staticmethod
    def _taken(name: str) -> str:
        return f"Someone in this class is already called “{name}”: add a letter or a number"

    @staticmethod
    def _late_group(connection: Any, class_id: int, labels: list[str] | None) -> int | None:
        """The group for a student joining a split class: the smallest one."""
        if not labels:
            return None
        counted = dict(
            connection.execute(
                select(Student.group_index, func.count())
                .where(Student.class_id == class_id, Student.group_index.is_not(None))
                .group_by(Student.group_index)
            ).all()
        )
        return smallest_group([counted.get(i, 0) for i in range(len(labels))])

    @guarded
    def rejoin(self, code: str, student_key: str) -> Membership:
        """The same student again (a reopened link or a reload): their membership, if ``student_key``
        belongs to the class with ``code``."""
        with self._one_statement() as connection:
            row = self._student_row(connection, student_key, Student.name, ClassRoom.title, ClassRoom.code)
        if read_code(code) != row.code:
            raise ClassroomError("This link is for another class: open the join link your teacher gave")
        return Membership(student_key, row.name, row.title, row.code)

    @guarded
    def student(self, student_key: str) -> StudentState:
        """What the student's pages show and obey: class, pause, budget, group (one query)."""
        with self._one_statement() as connection:
            row = self._student_row(
                connection,
                student_key,
                Student.name,
                Student.group_index,
                ClassRoom.title,
                ClassRoom.code,
                ClassRoom.paused,
                ClassRoom.budget_epoch_images,
                ClassRoom.budget_seconds,
                ClassRoom.budget_queued,
                ClassRoom.experiment,
                ClassRoom.group_labels,
            )
        group = group_label(row.group_labels, row.group_index)
        return StudentState(
            name=row.name,
            class_title=row.title,
            code=row.code,
            paused=row.paused,
            budget=_budget(row),
            experiment=row.experiment,
            group=group,
            group_index=row.group_index if group is not None else None,
        )

    # ------------------------------------------------------------------ runs
    @guarded
    def record_run(self, student_key: str, summary: dict[str, Any]) -> int:
        """Store a finished run's summary for the student (see :mod:`cnnviz.classroom.summaries`); a run
        with the same ``key`` recorded again replaces the first. Returns the run's id."""
        plain = checked_summary(summary)
        values = {
            "run_key": plain.get("key"),
            "label": plain["label"],
            "params": plain["params"],
            "test_accuracy": plain["test_accuracy"],
            "seconds": plain["seconds"],
            "recorded_at": self._now(),
            "summary": plain,
        }
        with self._write() as connection:
            student = self._student_row(connection, student_key)
            same = values["run_key"] is not None and connection.scalar(
                select(Run.id).where(Run.student_id == student.id, Run.run_key == values["run_key"])
            )
            if same:
                connection.execute(update(Run).where(Run.id == same).values(**values))
                return int(same)
            runs = connection.scalar(select(func.count()).where(Run.student_id == student.id)) or 0
            if runs >= MAX_RUNS_PER_STUDENT:
                raise ClassroomError(f"A class keeps at most {MAX_RUNS_PER_STUDENT} runs per student")
            return connection.execute(
                insert(Run).values(class_id=student.class_id, student_id=student.id, **values).returning(Run.id)
            ).scalar_one()

    # ------------------------------------------------------------------ the teacher's side
    @guarded
    def dashboard(self, teacher_key: str) -> list[dict[str, Any]]:
        """Every student in joining order: ``id``, ``number``, ``name``, ``group``, ``page``,
        ``last_seen``, ``running``, ``queued`` and ``runs`` (their recorded summaries, oldest first)."""
        self._maybe_purge()
        with self._read() as connection:
            cls = self._class_row(connection, teacher_key, ClassRoom.group_labels)
            roster = self._roster(connection, cls)
            runs = connection.execute(
                select(Run.student_id, Run.summary).where(Run.class_id == cls.id).order_by(Run.id)
            ).all()
        by_student: dict[int, list[dict[str, Any]]] = {entry.student_id: [] for entry in roster}
        for run in runs:
            by_student[run.student_id].append(run.summary)
        return [
            {
                "id": entry.student_id,
                "number": entry.number,
                "name": entry.name,
                "group": entry.group,
                "page": entry.page,
                "last_seen": entry.last_seen,
                "running": entry.running,
                "queued": entry.queued,
                "runs": by_student[entry.student_id],
            }
            for entry in roster
        ]

    @guarded
    def class_info(self, teacher_key: str) -> ClassInfo:
        """The class's code, title, retention date, counts and everything the teacher has set."""
        with self._read() as connection:
            row = self._class_row(
                connection,
                teacher_key,
                *(column for column in ClassRoom.__table__.columns if column.name not in ("id", "teacher_hash")),
            )
            students = connection.scalar(select(func.count()).where(Student.class_id == row.id)) or 0
            runs = connection.scalar(select(func.count()).where(Run.class_id == row.id)) or 0
        view = None
        if row.view_page is not None:
            view = SentView(row.view_number, row.view_page, row.view_query or "", row.view_follow, row.view_sent_at)
        return ClassInfo(
            code=row.code,
            title=row.title,
            created_at=row.created_at,
            expires_at=row.created_at + self.days * 86400,
            students=students,
            runs=runs,
            paused=row.paused,
            budget=_budget(row),
            view=view,
            experiment=row.experiment,
            groups=tuple(row.group_labels or ()),
        )

    @guarded
    def remove_student(self, teacher_key: str, student_id: int) -> None:
        """Remove one student (an unkind name, a duplicate) with their runs and answers."""
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            gone = connection.execute(
                delete(Student).where(Student.id == int(student_id), Student.class_id == class_id)
            ).rowcount
        if not gone:
            raise ClassroomError("This student is not in this class")

    @guarded
    def delete_class(self, teacher_key: str) -> None:
        """Delete the class and everything of its students (runs, answers), at once."""
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            if not connection.execute(delete(ClassRoom).where(ClassRoom.id == class_id)).rowcount:
                raise ClassroomError(NO_CLASS)
        logger.info("Class deleted by its teacher")
