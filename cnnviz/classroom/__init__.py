"""The class as one room: classes, students, their runs, presence, sent views and quick checks, in a database.

No accounts: a teacher starts a class and gets a join code (for the board) and a secret teacher key
(the private teacher link); a student joins with the code and a display name and gets a secret
student key (kept by the browser, so a reload is the same student). Everything lives in a database
(SQLite in the cache folder by default, PostgreSQL through ``CNNVIZ_DATABASE_URL`` for several web
servers); weights stay in the run store. No Streamlit here; the pages escape the names they show.

- :class:`Classroom` ``(url=None)``: the whole API (``create_class``, ``join``, ``rejoin``, ``student``,
  ``record_run``, ``dashboard``, ``delete_class``, presence, sent views, pause, budget, groups, quick
  checks, export, retention); see docs/architecture.md for the list.
- :class:`ClassroomError`: every error a user can cause, with a plain message (a wrong code, a taken
  name, a student's key where the teacher's is needed, a deleted class); :class:`TooManyAttempts`
  (joins rate-limited) and :class:`ClassroomUnavailable` (the database is unreachable) are kinds of it.
- Pure helpers: :func:`pareto_front`, :func:`effective_budget`, :func:`run_summary`,
  :func:`experiment_groups`, :func:`safe_url`, and the question makers in :mod:`cnnviz.classroom.questions`.
"""

from cnnviz.classroom.database import database_url, safe_url
from cnnviz.classroom.errors import ClassroomError, ClassroomUnavailable, TooManyAttempts
from cnnviz.classroom.groups import experiment_groups
from cnnviz.classroom.keys import show_code
from cnnviz.classroom.pareto import pareto_front
from cnnviz.classroom.records import (
    Check,
    CheckResult,
    ClassInfo,
    ClassRun,
    Membership,
    NewClass,
    RosterEntry,
    SentView,
    StudentState,
)
from cnnviz.classroom.room import Classroom
from cnnviz.classroom.summaries import run_summary
from cnnviz.training.budget import Budget, effective_budget

__all__ = [
    "Budget",
    "Check",
    "CheckResult",
    "ClassInfo",
    "ClassRun",
    "Classroom",
    "ClassroomError",
    "ClassroomUnavailable",
    "Membership",
    "NewClass",
    "RosterEntry",
    "SentView",
    "StudentState",
    "TooManyAttempts",
    "database_url",
    "effective_budget",
    "experiment_groups",
    "pareto_front",
    "run_summary",
    "safe_url",
    "show_code",
]
