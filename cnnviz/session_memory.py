"""What the server's sessions hold in memory, counted against one server-wide budget.

Each session keeps things that grow with what its user does: an uploaded dataset, My classes'
examples, finished runs (weights, each epoch's copy, test predictions). Each is bounded per session
elsewhere; this module bounds their sum over every session of the server, so thirty students (or one
user with thirty tabs) cannot together take the server down. A session is an *owner*: any object that
lives exactly as long as the session (the pages keep one in the session's state); what it holds is
counted in named *slots* ("uploaded dataset", "runs", ...). :meth:`SessionMemory.hold` sets a slot's
size and refuses a growth the budget cannot take with :class:`ServerMemoryFull`, a plain message: the
newest request is refused, never the server. Shrinking is always allowed. When an owner is garbage
collected (its session ended), everything it held is released.

No Streamlit here: :mod:`cnnviz.ui.state` keeps the server's one instance and the sessions' owners.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np

from cnnviz.errors import InputError
from cnnviz.settings import setting_number
from cnnviz.text import format_bytes

SESSION_MEMORY_ENV = "CNNVIZ_SESSION_MEMORY_MB"
#: The default budget: this share of the machine's memory, at most 2 GiB.
DEFAULT_SHARE, DEFAULT_MAX = 0.25, 2 * 2**30


class ServerMemoryFull(InputError):
    """The server holds as much as its budget allows for all sessions: this request would pass it."""


class SessionMemory:
    """Bytes held per owner and slot, against ``limit`` bytes for all owners together (thread-safe)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._held: dict[int, dict[str, int]] = {}  # id(owner) -> slot -> bytes
        self._finalizers: dict[int, weakref.finalize] = {}
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        with self._lock:
            return sum(sum(slots.values()) for slots in self._held.values())

    def held(self, owner: object, slot: str | None = None) -> int:
        """Bytes ``owner`` holds in ``slot`` (in all its slots when None)."""
        with self._lock:
            slots = self._held.get(id(owner), {})
            return sum(slots.values()) if slot is None else slots.get(slot, 0)

    def hold(self, owner: object, slot: str, nbytes: int, what: str, *, force: bool = False) -> None:
        """``owner`` now holds ``nbytes`` in ``slot`` (replacing what the slot held).

        Raises :class:`ServerMemoryFull`, naming ``what``, if that growth would take every session's total
        past the limit; ``force`` accepts it anyway (for memory a request reserved before it started).
        """
        key = id(owner)
        with self._lock:
            slots = self._held.get(key, {})
            growth = nbytes - slots.get(slot, 0)
            total = sum(sum(held.values()) for held in self._held.values())
            if growth > 0 and total + growth > self.limit and not force:
                raise ServerMemoryFull(
                    f"The server is holding as much as it can for everyone's work right now (uploads, classes and "
                    f"runs of every session: {format_bytes(total)} of {format_bytes(self.limit)}), so {what} "
                    f"({format_bytes(max(nbytes, growth))}) does not fit. Delete runs or examples you no longer "
                    "need, or try again in a few minutes."
                )
            if key not in self._finalizers:
                self._finalizers[key] = weakref.finalize(owner, self._forget, key)
            self._held.setdefault(key, {})[slot] = max(0, nbytes)

    def release(self, owner: object, slot: str) -> None:
        """``owner`` no longer holds anything in ``slot``."""
        with self._lock:
            self._held.get(id(owner), {}).pop(slot, None)

    def _forget(self, key: int) -> None:
        with self._lock:
            self._held.pop(key, None)
            self._finalizers.pop(key, None)


def array_bytes(values: Iterable[Any]) -> int:
    """The bytes of the NumPy arrays among ``values``, looking inside lists, tuples and dicts (each array once)."""
    seen: set[int] = set()
    total = 0
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, np.ndarray):
            if id(value) not in seen:
                seen.add(id(value))
                total += value.nbytes
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return total


def server_memory_limit(environ: Any = os.environ) -> int:
    """The budget in bytes: ``$CNNVIZ_SESSION_MEMORY_MB``, else a quarter of this machine's memory (at most
    2 GiB). A malformed setting gets the default (and a log line), never "no limit"."""
    import psutil

    default = min(DEFAULT_MAX, DEFAULT_SHARE * psutil.virtual_memory().total)
    megabytes = setting_number(environ, SESSION_MEMORY_ENV, float, default / 2**20)
    return int((megabytes or default / 2**20) * 2**20)
