"""What the classroom's methods return: plain frozen records (no database objects leak out).

Secret keys are excluded from ``repr`` so that printing or logging a record never writes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnviz.classroom.keys import show_code
from cnnviz.training.budget import Budget


@dataclass(frozen=True)
class NewClass:
    """A class just started: the join ``code`` for the board and the teacher's secret ``teacher_key``."""

    code: str
    teacher_key: str = field(repr=False)
    title: str = ""

    @property
    def code_shown(self) -> str:
        """The code as written on the board, ``"K7QM-4XTR"``."""
        return show_code(self.code)


@dataclass(frozen=True)
class Membership:
    """A student in a class: their secret ``student_key`` (kept by their browser) and who they are."""

    student_key: str = field(repr=False)
    name: str = ""
    class_title: str = ""
    code: str = ""


@dataclass(frozen=True)
class SentView:
    """A view the teacher sent: a page and its link's query string (``"kernel=sobel_x&stride=2"``)."""

    number: int  # increases with each view sent to the class
    page: str
    query: str
    follow: bool  # follow mode: students' pages go there without asking
    sent_at: float


@dataclass(frozen=True)
class StudentState:
    """What a student's pages need to know about their class (one query)."""

    name: str
    class_title: str
    code: str
    paused: bool  # the teacher paused the class's trainings
    budget: Budget  # the class's training budget (combine with the server's: ``effective_budget``)
    experiment: str | None  # the course experiment the teacher split the class for, if any
    group: str | None  # this student's group label in it ("Adam"), if any
    group_index: int | None


@dataclass(frozen=True)
class ClassInfo:
    """The class as its teacher sees it on the dashboard's header."""

    code: str
    title: str
    created_at: float
    expires_at: float  # when retention deletes it (``CNNVIZ_CLASS_DAYS`` after it started)
    students: int
    runs: int
    paused: bool
    budget: Budget
    view: SentView | None
    experiment: str | None
    groups: tuple[str, ...]

    @property
    def code_shown(self) -> str:
        return show_code(self.code)


@dataclass(frozen=True)
class RosterEntry:
    """One student on the live roster."""

    student_id: int
    number: int  # 1, 2, 3 in joining order: "Student 7" when names are hidden on the projector
    name: str
    group: str | None
    page: str  # the page the student was last on ("" before the first one)
    last_seen: float
    running: int  # the student's trainings running now
    queued: int  # ... and waiting for a worker
    runs: int  # runs recorded


@dataclass(frozen=True)
class ClassRun:
    """One recorded run with its student, for the class's plot, the overlay of curves and the export."""

    run_id: int
    student_id: int
    number: int  # the student's number in joining order, as on the roster ("Student 7" with names hidden)
    name: str
    group: str | None
    label: str
    params: int
    test_accuracy: float | None
    seconds: float
    recorded_at: float
    summary: dict[str, Any]


@dataclass(frozen=True)
class Check:
    """A quick check as students see it: the question and its choices, never its correct answer."""

    id: int
    question: str
    choices: tuple[str, ...] | None  # None: answer with a number
    page: str
    asked_at: float
    closed: bool


@dataclass(frozen=True)
class CheckResult:
    """A quick check's answers so far, for the teacher: how many chose what, and the share correct."""

    check: Check
    correct_answer: str  # the correct choice, or the number (± tolerance)
    counts: dict[str, int]  # answer → how many (choices in their order; numbers sorted)
    answered: int
    correct: int
    students: int  # in the class now

    @property
    def share_correct(self) -> float | None:
        """Correct answers ÷ answers (None before the first answer)."""
        return self.correct / self.answered if self.answered else None
