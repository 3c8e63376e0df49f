"""Join codes and secret keys: made with :mod:`secrets`, stored only as hashes, checked in constant time.

- A **join code** is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L):
  31⁸ ≈ 2³⁹·⁶ codes. It is shown as ``ABCD-EFGH``; typing it in lower case, with spaces or the
  dash, is accepted.
- A **key** (teacher or student) is ``<kind>_<selector>_<secret>``: the selector (12 random
  characters, public, stored) finds the row, the secret (192 random bits) proves it. The database
  holds only the SHA-256 of the whole key, so a dump of it gives no working key; a key is checked
  with :func:`hmac.compare_digest`. SHA-256 (not a slow password hash) suffices because the secret
  is random, not chosen by a person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from cnnviz.classroom.models import CODE_CHARS, SELECTOR_CHARS

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SELECTOR_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
SECRET_BYTES = 24  # 192 bits
TEACHER, STUDENT = "t", "s"


def new_code() -> str:
    """A fresh join code, e.g. ``"K7QM4XTR"``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_CHARS))


def read_code(text: object) -> str | None:
    """The code a person typed, upper-cased, without spaces and dashes; None if it cannot be a code."""
    if not isinstance(text, str) or len(text) > 4 * CODE_CHARS:
        return None
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != CODE_CHARS or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def show_code(code: str) -> str:
    """A code as written on the board: ``"K7QM-4XTR"``."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: give ``key`` to its owner once, store ``selector`` and ``hash``."""

    key: str = field(repr=False)
    selector: str
    hash: str


def new_key(kind: str) -> NewKey:
    """A new teacher (``TEACHER``) or student (``STUDENT``) key."""
    selector = "".join(secrets.choice(SELECTOR_ALPHABET) for _ in range(SELECTOR_CHARS))
    key = f"{kind}_{selector}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewKey(key, selector, key_hash(key))


def key_hash(key: str) -> str:
    """The stored form of a key (SHA-256, hexadecimal)."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_kind(key: object) -> str | None:
    """``TEACHER`` or ``STUDENT`` for a well-formed key, None for anything else."""
    if not isinstance(key, str) or len(key) > 100:
        return None
    kind, _, rest = key.partition("_")
    selector, _, secret = rest.partition("_")
    if kind not in (TEACHER, STUDENT) or len(selector) != SELECTOR_CHARS or len(secret) < 32:
        return None
    return kind


def selector_of(key: str) -> str:
    """The public part of a well-formed key (see :func:`key_kind`)."""
    return key.split("_", 2)[1]


def matches(key: str, stored_hash: str) -> bool:
    """Whether ``key`` is the one ``stored_hash`` was made from, compared in constant time."""
    return hmac.compare_digest(key_hash(key).encode(), stored_hash.encode())
