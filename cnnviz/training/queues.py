"""How many trainings each person has asked one web server for, counted over all their tabs.

The teacher's "trainings queued per person" (:attr:`Budget.max_queued <cnnviz.training.budget.Budget>`)
used to count per tab, so ten tabs queued ten times as much. :class:`PersonQueues` keeps every active job
of the server by person (a class's student key, else the browser, else the session: the pages decide)
and admits a new job only if that person's unfinished trainings, the new ones included, stay within the
person's limit, and the server's unfinished trainings within ``server_limit`` (a backstop for clients
that hide who they are). A replaced job does not count. No Streamlit here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from cnnviz.errors import InputError
from cnnviz.training.budget import Budget

SERVER_QUEUE_ENV = "CNNVIZ_MAX_SERVER_QUEUE"
DEFAULT_SERVER_QUEUE = 200  # unfinished trainings one web server takes at once, all people together


class PersonQueues:
    """Active jobs by person (thread-safe); a job counts its unfinished trainings (``job.pending``)."""

    def __init__(self, server_limit: int = DEFAULT_SERVER_QUEUE) -> None:
        self.server_limit = server_limit
        self._jobs: dict[str, list[Any]] = {}
        self._lock = threading.Lock()

    def pending(self, person: str | None = None, *, ignore: Sequence[Any] = ()) -> int:
        """Unfinished trainings of ``person`` (of everyone when None), leaving out the jobs in ``ignore``."""
        with self._lock:
            return self._count(person, ignore)

    def _count(self, person: str | None, ignore: Sequence[Any]) -> int:
        people = [person] if person is not None else list(self._jobs)
        return sum(job.pending for who in people for job in self._jobs.get(who, ()) if job not in ignore)

    def admit(self, person: str, trainings: int, budget: Budget, job: Any, *, replacing: Any = None) -> None:
        """Count ``job`` (``trainings`` long) for ``person``, or raise :class:`InputError` saying which limit it
        would pass; ``replacing`` (the person's job this one replaces in its tab) no longer counts."""
        ignore = [replacing] if replacing is not None else []
        with self._lock:
            self._jobs = {who: [j for j in jobs if j.pending] for who, jobs in self._jobs.items()}
            self._jobs = {who: jobs for who, jobs in self._jobs.items() if jobs}
            budget.check(0, 0, trainings=self._count(person, ignore) + trainings)
            everyone = self._count(None, ignore) + trainings
            if everyone > self.server_limit:
                raise InputError(
                    f"This server already has {everyone - trainings:,} trainings waiting or running, the most it "
                    "takes at once. Try again in a few minutes."
                )
            self._jobs.setdefault(person, []).append(job)
