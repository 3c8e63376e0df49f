"""The server's queue of trainings waiting for a worker: first come, first served.

:class:`TrainingGate` admits at most ``capacity`` trainings at once (the cluster's worker slots), tells
a waiting one its place and estimates its wait. The Dask service (:mod:`cnnviz.training.service`)
holds one for the whole server and sends each waiting training's place as a ``QUEUED`` event.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

GATE_POLL_SECONDS = 0.25


class TrainingGate:
    """Admit at most ``capacity`` trainings at a time, in arrival order.

    ``acquire`` blocks until it is the caller's turn (or ``abandon()`` turns True while waiting);
    ``position`` tells a waiting ticket how many are ahead of it.
    """

    def __init__(self, capacity: int = 1) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._changed = threading.Condition()
        self._waiting: deque[object] = deque()
        self._holders: dict[int, object] = {}

    def acquire(self, ticket: object, *, abandon: Callable[[], bool] = lambda: False) -> bool:
        """Wait for a free slot; True once admitted, False if ``abandon()`` became True first."""
        with self._changed:
            self._waiting.append(ticket)
            try:
                while True:
                    if self._waiting[0] is ticket and len(self._holders) < self.capacity:
                        self._holders[id(ticket)] = ticket
                        return True
                    if abandon():
                        return False
                    self._changed.wait(GATE_POLL_SECONDS)  # abandon() is checked this often
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()

    def release(self, ticket: object) -> None:
        with self._changed:
            self._holders.pop(id(ticket), None)
            self._changed.notify_all()

    def position(self, ticket: object) -> int | None:
        """0 while admitted, 1 if next in line, 2 if one is ahead of it...; None if unknown."""
        with self._changed:
            if id(ticket) in self._holders:
                return 0
            for index, waiting in enumerate(self._waiting):
                if waiting is ticket:
                    return index + 1
            return None

    def wait_seconds(self, ticket: object, remaining: Callable[[Any], float]) -> float | None:
        """Estimated seconds until ``ticket`` starts, given each ticket's ``remaining(ticket)`` seconds.

        The running trainings free their slots as they end; each one waiting ahead takes the slot
        freed first. None if the ticket is not waiting.
        """
        with self._changed:
            if ticket not in self._waiting:
                return None
            ahead = list(itertools.takewhile(lambda t: t is not ticket, self._waiting))
            busy = [remaining(t) for t in self._holders.values()]
            slots = sorted(busy + [0.0] * max(0, self.capacity - len(busy)))
        for waiting in ahead:
            heapq.heapreplace(slots, slots[0] + remaining(waiting))
        return max(0.0, slots[0])

    def load(self) -> tuple[int, int]:
        """``(running, waiting)`` trainings right now."""
        with self._changed:
            return len(self._holders), len(self._waiting)
