"""Who is where: students report their page and trainings; the teacher reads the live roster."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, select

from cnnviz.classroom.base import ClassroomBase, guarded
from cnnviz.classroom.models import ClassRoom, Run, Student
from cnnviz.classroom.names import clean_page
from cnnviz.classroom.records import RosterEntry

MAX_TRAININGS = 1000  # a count above this is a bug, stored as this


def group_label(labels: list[str] | None, index: int | None) -> str | None:
    """The label of group ``index`` (None when the class is not split or the index is stale)."""
    if labels is None or index is None or not 0 <= index < len(labels):
        return None
    return labels[index]


class Presence(ClassroomBase):
    @guarded
    def touch(self, student_key: str, page: str, *, running: int = 0, queued: int = 0) -> None:
        """Record that the student is on ``page`` now, with ``running``/``queued`` trainings
        (one ``UPDATE``: pages call it on every rerun). :class:`ClassroomError` if the class is gone."""
        values = {
            "page": clean_page(page),
            "last_seen": self._now(),
            "running": min(max(int(running), 0), MAX_TRAININGS),
            "queued": min(max(int(queued), 0), MAX_TRAININGS),
        }
        self._update_student(student_key, values)

    @guarded
    def roster(self, teacher_key: str) -> list[RosterEntry]:
        """Every student in joining order: page, last activity, trainings running/queued, runs recorded."""
        with self._read() as connection:
            return self._roster(connection, self._class_row(connection, teacher_key, ClassRoom.group_labels))

    @staticmethod
    def _roster(connection: Connection, cls: Row[Any]) -> list[RosterEntry]:
        """The roster of class ``cls`` (a row with ``id`` and ``group_labels``)."""
        runs = (
            select(Run.student_id, func.count().label("runs"))
            .where(Run.class_id == cls.id)
            .group_by(Run.student_id)
            .subquery()
        )
        rows = connection.execute(
            select(
                Student.id,
                Student.name,
                Student.group_index,
                Student.page,
                Student.last_seen,
                Student.running,
                Student.queued,
                func.coalesce(runs.c.runs, 0).label("runs"),
            )
            .outerjoin(runs, runs.c.student_id == Student.id)
            .where(Student.class_id == cls.id)
            .order_by(Student.id)
        ).all()
        return [
            RosterEntry(
                student_id=row.id,
                number=number,
                name=row.name,
                group=group_label(cls.group_labels, row.group_index),
                page=row.page,
                last_seen=row.last_seen,
                running=row.running,
                queued=row.queued,
                runs=row.runs,
            )
            for number, row in enumerate(rows, start=1)
        ]
