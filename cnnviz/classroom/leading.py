"""Leading the lesson: send a view to the class, pause its trainings, set its budget, split it into groups."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import bindparam, select, update

from cnnviz.classroom.base import ClassroomBase, guarded
from cnnviz.classroom.errors import ClassroomError
from cnnviz.classroom.groups import clean_groups, deal
from cnnviz.classroom.models import QUERY_CHARS, ClassRoom, Student
from cnnviz.classroom.names import clean_page
from cnnviz.classroom.records import SentView
from cnnviz.training.budget import Budget


def _checked_query(query: object) -> str:
    """A link's query string (without its ``?``), bounded; the page's link codec validates its values."""
    if not isinstance(query, str):
        raise ValueError("a view's query is a string")
    query = query.removeprefix("?")
    if len(query) > QUERY_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in query):
        raise ClassroomError(f"This view's link is too long to send (at most {QUERY_CHARS:,} characters)")
    return query


def checked_budget(budget: Budget) -> Budget:
    """``budget`` if each limit is None or a finite number above 0 (whole for counts)."""
    for name, value, whole in (
        ("epochs × images", budget.max_epoch_images, True),
        ("seconds per training", budget.max_seconds, False),
        ("trainings queued", budget.max_queued, True),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ClassroomError(f"The class's limit on {name} must be a number above 0")
        if whole and value != int(value):
            raise ClassroomError(f"The class's limit on {name} must be a whole number")
    return budget


class Leading(ClassroomBase):
    # ------------------------------------------------------------------ send this view
    @guarded
    def send_view(self, teacher_key: str, page: str, query: str = "", *, follow: bool = False) -> SentView:
        """Send the class to ``page`` with the link's ``query`` (``"kernel=sobel_x&stride=2"``). Students
        see it once through :meth:`pending_view`; ``follow`` asks their pages to go there directly."""
        page, query = clean_page(page), _checked_query(query)
        now = self._now()
        with self._write() as connection:
            row = self._class_row(connection, teacher_key, ClassRoom.view_number)
            number = row.view_number + 1
            connection.execute(
                update(ClassRoom)
                .where(ClassRoom.id == row.id)
                .values(view_number=number, view_page=page, view_query=query, view_follow=follow, view_sent_at=now)
            )
        return SentView(number, page, query, follow, now)

    @guarded
    def clear_view(self, teacher_key: str) -> None:
        """Withdraw the sent view (students who have not opened it no longer see it)."""
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            connection.execute(update(ClassRoom).where(ClassRoom.id == class_id).values(view_page=None))

    @guarded
    def pending_view(self, student_key: str) -> SentView | None:
        """The view the teacher sent that this student has not yet marked seen (:meth:`view_seen`), or None.
        One ``SELECT``: pages call it on every rerun."""
        with self._one_statement() as connection:
            row = self._student_row(
                connection,
                student_key,
                Student.seen_view,
                ClassRoom.view_number,
                ClassRoom.view_page,
                ClassRoom.view_query,
                ClassRoom.view_follow,
                ClassRoom.view_sent_at,
            )
        if row.view_page is None or row.view_number <= row.seen_view:
            return None
        return SentView(row.view_number, row.view_page, row.view_query or "", row.view_follow, row.view_sent_at)

    @guarded
    def view_seen(self, student_key: str, number: int) -> None:
        """The student followed or dismissed sent view ``number``: :meth:`pending_view` no longer shows it."""
        self._update_student(student_key, {"seen_view": int(number)}, Student.seen_view < int(number))

    # ------------------------------------------------------------------ pause, budget
    @guarded
    def set_paused(self, teacher_key: str, paused: bool) -> None:
        """Pause (or resume) all trainings of the class; students' pages read it in :meth:`student`."""
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            connection.execute(update(ClassRoom).where(ClassRoom.id == class_id).values(paused=bool(paused)))

    @guarded
    def set_budget(self, teacher_key: str, budget: Budget) -> None:
        """The class's training budget (``Budget()``: no class limit). It can only tighten the
        server's: trainings use ``effective_budget(server_budget, class_budget)``."""
        checked_budget(budget)
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            connection.execute(
                update(ClassRoom)
                .where(ClassRoom.id == class_id)
                .values(
                    budget_epoch_images=budget.max_epoch_images,
                    budget_seconds=budget.max_seconds,
                    budget_queued=budget.max_queued,
                )
            )

    # ------------------------------------------------------------------ experiment groups
    @guarded
    def set_groups(self, teacher_key: str, experiment: str, labels: Sequence[str]) -> dict[int, str]:
        """Split the class for ``experiment`` into groups named ``labels`` (dealt in joining order,
        see :mod:`cnnviz.classroom.groups`); later joiners go to the smallest group.
        Returns student id → group label."""
        experiment, cleaned = clean_groups(experiment, labels)
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            connection.execute(
                update(ClassRoom)
                .where(ClassRoom.id == class_id)
                .values(experiment=experiment, group_labels=list(cleaned))
            )
            students = connection.scalars(
                select(Student.id).where(Student.class_id == class_id).order_by(Student.id)
            ).all()
            groups = deal(len(students), len(cleaned))
            if students:
                connection.execute(
                    update(Student).where(Student.id == bindparam("sid")).values(group_index=bindparam("group")),
                    [{"sid": sid, "group": group} for sid, group in zip(students, groups, strict=True)],
                )
        return {sid: cleaned[group] for sid, group in zip(students, groups, strict=True)}

    @guarded
    def clear_groups(self, teacher_key: str) -> None:
        """End the split: no experiment, nobody in a group."""
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            connection.execute(
                update(ClassRoom).where(ClassRoom.id == class_id).values(experiment=None, group_labels=None)
            )
            connection.execute(update(Student).where(Student.class_id == class_id).values(group_index=None))
