"""Finished runs on disk, by training key: reused by identical requests, kept across server restarts.

Each run is a directory ``<store>/<key>/`` with ``run.json`` (plain values) and ``arrays.npz``
(weights, each epoch's weights, test probabilities and labels), written to a temporary directory and renamed into place,
so a reader never sees half a run. Nothing is pickled: arrays are read with ``allow_pickle=False``.
The store is bounded: beyond ``max_bytes`` the least recently used runs are deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.training.keys import KEY_PREFIX
from cnnviz.training.run import ARRAY_FIELDS, epoch_arrays, read_epoch_arrays

RECORD, ARRAYS = "run.json", "arrays.npz"
STORE_FORMAT = "cnn-explorer-run-store"
DEFAULT_MAX_MB = 200


class RunStore:
    """A bounded directory of finished runs (see the module docstring); safe to share between servers."""

    def __init__(self, directory: str | Path, max_bytes: int = DEFAULT_MAX_MB * 2**20) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        if not key.startswith(KEY_PREFIX) or not key[len(KEY_PREFIX) :].isalnum():
            raise ValueError(f"not a training key: {key!r}")
        return self.directory / key

    def get(self, key: str) -> dict[str, Any] | None:
        """The payload stored under ``key`` (see :mod:`cnnviz.training.payload`), or None."""
        path = self._path(key)
        try:
            record = json.loads((path / RECORD).read_text())
            if record.pop("format", None) != STORE_FORMAT:
                return None
            with np.load(path / ARRAYS, allow_pickle=False) as arrays:
                count = record.pop("weight_count")
                record["weights"] = [arrays[f"w{i}"] for i in range(count)]
                record["epoch_weights"] = read_epoch_arrays(arrays, record.pop("epoch_weight_counts", []))
                for name in ("test_probabilities", "test_labels"):
                    record[name] = arrays[name] if name in arrays.files else None
        except (OSError, ValueError, KeyError):
            return None  # missing, half deleted by another server, or not ours
        os.utime(path)  # recently used: evicted last
        return record

    def put(self, key: str, payload: dict[str, Any]) -> None:
        """Store ``payload`` under ``key`` (replacing an older copy), then evict beyond the size bound."""
        path = self._path(key)
        self.directory.mkdir(parents=True, exist_ok=True)
        arrays = {f"w{i}": np.asarray(w) for i, w in enumerate(payload["weights"])}
        epochs = payload.get("epoch_weights", [])
        arrays.update(epoch_arrays(epochs))
        for name in ("test_probabilities", "test_labels"):
            if payload.get(name) is not None:
                arrays[name] = np.asarray(payload[name])
        record = {k: v for k, v in payload.items() if k not in ARRAY_FIELDS}
        record.update(
            format=STORE_FORMAT, weight_count=len(payload["weights"]), epoch_weight_counts=[len(ws) for ws in epochs]
        )
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.directory))
        try:
            np.savez(tmp / ARRAYS, allow_pickle=False, **arrays)  # read back with allow_pickle=False
            (tmp / RECORD).write_text(json.dumps(record, default=float))
            shutil.rmtree(path, ignore_errors=True)
            tmp.rename(path)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.evict()

    def evict(self) -> None:
        """Delete the least recently used runs until the store fits in ``max_bytes``."""
        runs = []
        for path in self.directory.glob(KEY_PREFIX + "*"):
            try:
                size = sum(f.stat().st_size for f in path.iterdir())
                runs.append((path.stat().st_mtime, size, path))
            except OSError:
                continue
        total = sum(size for _, size, _ in runs)
        for _, size, path in sorted(runs):
            if total <= self.max_bytes:
                break
            shutil.rmtree(path, ignore_errors=True)
            total -= size

    def keys(self) -> list[str]:
        """Stored keys, least recently used first."""
        paths = [p for p in self.directory.glob(KEY_PREFIX + "*") if (p / RECORD).exists()]
        return [p.name for p in sorted(paths, key=lambda p: p.stat().st_mtime)]
