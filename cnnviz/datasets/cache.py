"""An on-disk cache of parsed dataset arrays, so decoding 1,800 JPEGs or gunzipping IDX files happens once.

Entries are uncompressed ``.npz`` files (loading them is a plain read) in ``$CNNVIZ_CACHE_DIR``, or
``$XDG_CACHE_HOME/cnnviz``, or ``~/.cache/cnnviz``. The key is a hash of the source files' paths,
sizes and modification times plus the loader's options, so editing or replacing a file invalidates
its entry. A cache that cannot be read or written is skipped silently: it only saves time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

CACHE_ENV = "CNNVIZ_CACHE_DIR"
#: Part of every key: "2" since NEU is numbered as the course numbers it (entries of "1" hold the old labels).
FORMAT_VERSION = "2"

Arrays = dict[str, np.ndarray]


def cache_dir() -> Path:
    """The folder cache entries go to (it may not exist yet)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnnviz"


def fingerprint(files: Iterable[Path], *options: object) -> str:
    """A short hash of each file's absolute path, size and modification time, and of ``options``."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for path in files:
        stat = os.stat(path)
        digest.update(f"{os.path.abspath(path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    digest.update(repr(options).encode())
    return digest.hexdigest()[:24]


def cached(tag: str, key: str, build: Callable[[], Arrays]) -> Arrays:
    """The arrays stored under ``tag``-``key``, or ``build()``'s result (then stored for next time)."""
    path = cache_dir() / f"{tag}-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError):
        pass
    arrays = build()
    _store(path, arrays)
    return arrays


def _store(path: Path, arrays: Arrays) -> None:
    """Write atomically (temporary file, then rename) so a concurrent reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, allow_pickle=False, **arrays)  # read back with allow_pickle=False
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
