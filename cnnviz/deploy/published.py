"""Put a checked ONNX export where the phone page can fetch it, under a random name, for a while.

The phone page (``static/phone/index.html``) is served by the app's own static file serving, which
serves only files inside the app's ``static/`` folder. :func:`publish` writes ``model.onnx`` and
``manifest.json`` into ``<root>/<token>/``, ``token`` 32 random URL-safe characters (192 bits): the
address is the only key, nothing lists the folder, and the phone page refuses a manifest from another
origin. Nothing a user sends becomes a path: the token and both file names are ours.

Bounded: at most :data:`MAX_MODEL_BYTES` per model, :data:`MAX_TOTAL_BYTES` and :data:`MAX_MODELS` in all;
a model expires :data:`LIFETIME_SECONDS` after it was last published (a re-publish renews it). Every
:func:`publish` first removes expired models, then the oldest ones until the new one fits;
:func:`clean` does the same on its own. Only folders named like tokens are ever removed, never
through a symbolic link.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from cnnviz.errors import InputError
from cnnviz.text import format_bytes

MODEL_FILE = "model.onnx"
MANIFEST_FILE = "manifest.json"
#: One network on the phone page: the builder's networks are far smaller (the MNIST demo is 0.6 MB).
MAX_MODEL_BYTES = 30 * 2**20
#: Every published network together: the oldest go first beyond this.
MAX_TOTAL_BYTES = 200 * 2**20
MAX_MODELS = 64
#: How long a QR code keeps working after it was made (a lesson, with room to spare).
LIFETIME_SECONDS = 6 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Published:
    """A network on the phone page: its token, and its manifest's address relative to ``static/phone/``."""

    token: str
    folder: Path
    expires: float  # time.time() when it is removed

    @property
    def manifest_path(self) -> str:
        """The manifest's address relative to the phone page (``models/<token>/manifest.json``)."""
        return f"{self.folder.parent.name}/{self.token}/{MANIFEST_FILE}"


def publish(onnx: bytes, manifest: str, root: Path, *, now: float | None = None) -> Published:
    """Write ``onnx`` and its ``manifest`` (JSON naming ``model.onnx``) under a new token in ``root``.

    Raises :class:`InputError` for a model above :data:`MAX_MODEL_BYTES` or a manifest that names
    another file.
    """
    now = time.time() if now is None else now
    if not isinstance(onnx, bytes) or not onnx:
        raise InputError("There is no ONNX file to put on the phone page.")
    if len(onnx) > MAX_MODEL_BYTES:
        raise InputError(
            f"This network's ONNX file is {format_bytes(len(onnx))}; the phone page takes networks up to "
            f"{format_bytes(MAX_MODEL_BYTES)}. Download it instead."
        )
    if json.loads(manifest).get("model") != MODEL_FILE:
        raise InputError(f"The manifest must name {MODEL_FILE}.")
    root.mkdir(parents=True, exist_ok=True)
    size = len(onnx) + len(manifest.encode())
    clean(root, now=now, room_for=size)
    token = secrets.token_urlsafe(24)
    folder = root / token
    folder.mkdir()
    (folder / MODEL_FILE).write_bytes(onnx)
    (folder / MANIFEST_FILE).write_text(manifest)
    return Published(token, folder, now + LIFETIME_SECONDS)


def renew(published: Published, *, now: float | None = None) -> Published | None:
    """The same network for another :data:`LIFETIME_SECONDS`, or None when it was removed meanwhile."""
    now = time.time() if now is None else now
    if not (published.folder / MODEL_FILE).is_file():
        return None
    _touch(published.folder, now)
    return Published(published.token, published.folder, now + LIFETIME_SECONDS)


def clean(root: Path, *, now: float | None = None, room_for: int = 0) -> list[str]:
    """Remove expired networks, then the oldest until ``room_for`` more bytes and one more fit; their tokens."""
    now = time.time() if now is None else now
    if not root.is_dir():
        return []
    folders = sorted(
        (_age(folder), folder)
        for folder in root.iterdir()
        if _TOKEN.fullmatch(folder.name) and folder.is_dir() and not folder.is_symlink()
    )
    removed: list[str] = []
    total = sum(_bytes(folder) for _, folder in folders)
    for changed, folder in folders:
        full = total + room_for > MAX_TOTAL_BYTES or len(folders) - len(removed) + 1 > MAX_MODELS
        if changed + LIFETIME_SECONDS > now and not full:
            continue
        total -= _bytes(folder)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


def _age(folder: Path) -> float:
    return folder.stat().st_mtime


def _touch(folder: Path, now: float) -> None:
    os.utime(folder, (now, now))


def _bytes(folder: Path) -> int:
    return sum(item.stat().st_size for item in folder.iterdir() if item.is_file() and not item.is_symlink())
