"""Quick checks: the teacher asks a question (choices or a number), each student answers once, the
dashboard shows the distribution of answers and the share correct, live."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cnnviz.classroom.base import ClassroomBase, guarded
from cnnviz.classroom.errors import ClassroomError
from cnnviz.classroom.models import QUESTION_CHARS, Answer, QuickCheck, Student
from cnnviz.classroom.names import clean_page, clean_text
from cnnviz.classroom.records import Check, CheckResult

CHOICE_CHARS = 100
MAX_CHOICES = 8


def _number(value: object) -> float:
    """A finite number from a number or the text a student typed ("3", "0.5", "1e3")."""
    try:
        if isinstance(value, str):
            number = float(value.strip().replace(",", "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        else:
            raise ValueError(value)
    except ValueError:
        raise ClassroomError("Type a number") from None
    if not math.isfinite(number):
        raise ClassroomError("Type a number")
    return number


def _number_text(value: float) -> str:
    return f"{value:g}"


def _check(row: Any) -> Check:
    return Check(
        id=row.id,
        question=row.question,
        choices=tuple(row.choices) if row.choices is not None else None,
        page=row.page,
        asked_at=row.asked_at,
        closed=row.closed,
    )


_CHECK_COLUMNS = (
    QuickCheck.id,
    QuickCheck.question,
    QuickCheck.choices,
    QuickCheck.page,
    QuickCheck.asked_at,
    QuickCheck.closed,
)


class Checks(ClassroomBase):
    @guarded
    def ask(
        self,
        teacher_key: str,
        question: str,
        *,
        answer: str | float,
        choices: Sequence[str] | None = None,
        tolerance: float = 0.0,
        page: str = "",
    ) -> Check:
        """Ask the class ``question``: with ``choices`` (``answer`` is the correct one), or a number
        (``answer``, right within ± ``tolerance``). ``page``: where it was asked from (optional)."""
        question = clean_text(question, "question", QUESTION_CHARS)
        values: dict[str, object] = {"question": question, "page": clean_page(page) if page else ""}
        if choices is not None:
            cleaned = [clean_text(choice, "choice", CHOICE_CHARS) for choice in choices]
            if not 2 <= len(cleaned) <= MAX_CHOICES or len(set(cleaned)) != len(cleaned):
                raise ClassroomError(f"Give 2 to {MAX_CHOICES} different choices")
            if not isinstance(answer, str) or clean_text(answer, "answer", CHOICE_CHARS) not in cleaned:
                raise ClassroomError("The correct answer must be one of the choices")
            values.update(choices=cleaned, correct_choice=cleaned.index(clean_text(answer, "answer", CHOICE_CHARS)))
        else:
            tolerance = _number(tolerance)
            if tolerance < 0:
                raise ClassroomError("The tolerance cannot be negative")
            values.update(correct_value=_number(answer), tolerance=tolerance)
        now = self._now()
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            check_id = connection.execute(
                insert(QuickCheck)
                .values(class_id=class_id, asked_at=now, closed=False, **values)
                .returning(QuickCheck.id)
            ).scalar_one()
            row = connection.execute(select(*_CHECK_COLUMNS).where(QuickCheck.id == check_id)).one()
        return _check(row)

    @guarded
    def close_check(self, teacher_key: str, check_id: int) -> None:
        """Stop taking answers to a quick check."""
        with self._write() as connection:
            class_id = self._class_id(connection, teacher_key)
            closed = connection.execute(
                update(QuickCheck)
                .where(QuickCheck.id == int(check_id), QuickCheck.class_id == class_id)
                .values(closed=True)
            ).rowcount
        if not closed:
            raise ClassroomError("This question is not one of this class's")

    @guarded
    def open_checks(self, student_key: str) -> list[Check]:
        """The open questions this student has not answered yet, newest first (no correct answers)."""
        with self._read() as connection:
            student = self._student_row(connection, student_key)
            answered = select(Answer.check_id).where(Answer.student_id == student.id)
            rows = connection.execute(
                select(*_CHECK_COLUMNS)
                .where(
                    QuickCheck.class_id == student.class_id,
                    QuickCheck.closed.is_(False),
                    QuickCheck.id.not_in(answered),
                )
                .order_by(QuickCheck.id.desc())
            ).all()
        return [_check(row) for row in rows]

    @guarded
    def answer(self, student_key: str, check_id: int, response: str | float) -> bool:
        """Record the student's one answer (a choice's text, or a number); return whether it is correct."""
        with self._write() as connection:
            student = self._student_row(connection, student_key)
            check = connection.execute(
                select(QuickCheck).where(QuickCheck.id == int(check_id), QuickCheck.class_id == student.class_id)
            ).first()
            if check is None:
                raise ClassroomError("This question is not one of your class's")
            if check.closed:
                raise ClassroomError("This question is closed")
            if check.choices is not None:
                if response not in check.choices:
                    raise ClassroomError("Choose one of the answers")
                choice, value = check.choices.index(response), None
                correct = choice == check.correct_choice
            else:
                choice, value = None, _number(response)
                correct = abs(value - check.correct_value) <= check.tolerance + 1e-9 * abs(check.correct_value)
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(Answer).values(
                            check_id=check.id,
                            student_id=student.id,
                            choice=choice,
                            value=value,
                            correct=correct,
                            answered_at=self._now(),
                        )
                    )
            except IntegrityError:
                raise ClassroomError("You already answered this question") from None
        return bool(correct)

    @guarded
    def check_results(self, teacher_key: str) -> list[CheckResult]:
        """Every quick check of the class, newest first, with its answers so far."""
        with self._read() as connection:
            class_id = self._class_id(connection, teacher_key)
            checks = connection.execute(
                select(QuickCheck).where(QuickCheck.class_id == class_id).order_by(QuickCheck.id.desc())
            ).all()
            answers = connection.execute(
                select(Answer.check_id, Answer.choice, Answer.value, Answer.correct)
                .join(QuickCheck, QuickCheck.id == Answer.check_id)
                .where(QuickCheck.class_id == class_id)
            ).all()
            students = connection.scalar(select(func.count()).where(Student.class_id == class_id)) or 0
        by_check: dict[int, list[Any]] = {}
        for row in answers:
            by_check.setdefault(row.check_id, []).append(row)
        return [self._result(check, by_check.get(check.id, []), students) for check in checks]

    @staticmethod
    def _result(check: Any, rows: list[Any], students: int) -> CheckResult:
        if check.choices is not None:
            chosen = Counter(row.choice for row in rows)
            counts = {choice: chosen[i] for i, choice in enumerate(check.choices)}
            right = check.choices[check.correct_choice]
        else:
            values = Counter(row.value for row in rows)
            counts = {_number_text(value): values[value] for value in sorted(values)}
            right = _number_text(check.correct_value)
            if check.tolerance:
                right += f" ± {_number_text(check.tolerance)}"
        return CheckResult(
            check=_check(check),
            correct_answer=right,
            counts=counts,
            answered=len(rows),
            correct=sum(1 for row in rows if row.correct),
            students=students,
        )
