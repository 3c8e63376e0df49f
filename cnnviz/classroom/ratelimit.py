"""Rate limiting of joins, stored in the database so that every web server counts the same attempts.

Each join attempt, right or wrong, is one row per scope: the session that tried (so one browser
cannot guess codes quickly) and the code it typed (so nobody floods one class with names). A scope
is stored as a SHA-256, never as the raw session id. Over the limit, the attempt is refused before
anything else is looked up, and not counted.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select

from cnnviz.classroom.errors import TooManyAttempts
from cnnviz.classroom.models import JoinAttempt

WINDOW_SECONDS = 60.0
SESSION_LIMIT = 10  # attempts one session may make per window
CODE_LIMIT = 120  # joins one code may take per window (a class of 30 joining at once, with typos)


def scopes(session: str, code: str) -> list[tuple[str, int]]:
    """The (hashed scope, limit) pairs one attempt counts against."""
    found = [(_scope("code", code), CODE_LIMIT)] if code else []
    if session:
        found.append((_scope("session", session), SESSION_LIMIT))
    return found


def _scope(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def count_attempt(connection: Connection, counted: Sequence[tuple[str, int]], now: float) -> None:
    """Record one attempt in every scope, or raise :class:`TooManyAttempts` saying how long to wait."""
    wait = 0.0
    for scope, limit in counted:
        attempts, oldest = connection.execute(
            select(func.count(), func.min(JoinAttempt.at)).where(
                JoinAttempt.scope == scope, JoinAttempt.at > now - WINDOW_SECONDS
            )
        ).one()
        if attempts >= limit:
            wait = max(wait, oldest + WINDOW_SECONDS - now)
    if wait > 0:
        raise TooManyAttempts(max(1, math.ceil(wait)))
    if counted:
        connection.execute(insert(JoinAttempt), [{"scope": scope, "at": now} for scope, _ in counted])
