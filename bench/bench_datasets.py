"""How long `cnnviz.datasets.load` takes: first load (empty disk cache) vs cached load, per dataset.

The first load parses the IDX files or decodes every JPEG; later loads read the uncompressed .npz
the first one left in the cache folder. The reference, measured in the same run, is the bare
minimum for the same files: gunzip + `np.frombuffer` of the IDX files, `cv2.imread` of each NEU
JPEG in one thread, `zipfile` + `cv2.imdecode` of the built-in NEU sample. The operating system's
file cache is warm for every row (the files are read once before timing).

    python bench/bench_datasets.py             # prints the table (needs $CNNVIZ_DATA_DIR or ../shared/datasets)
    from bench_datasets import run       # rows as dicts, for a collected report
"""

from __future__ import annotations

import contextlib
import gzip
import os
import statistics
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import cv2
import numpy as np

from cnnviz import datasets
from cnnviz.datasets import digits
from cnnviz.datasets.api import SAMPLE_DIR

ROOT = Path(__file__).resolve().parents[1]


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _bare_idx(folder: Path) -> None:
    for path in sorted(folder.glob("*-ubyte.gz")):
        data = gzip.decompress(path.read_bytes())
        np.frombuffer(data, np.uint8, offset=4 + 4 * data[3]).copy()


def _bare_jpegs(folder: Path) -> None:
    for path in sorted(folder.glob("*.jpg")):
        cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


def _bare_sample_zip() -> None:
    with zipfile.ZipFile(SAMPLE_DIR / "neu-64.zip") as archive:
        for name in archive.namelist():
            cv2.imdecode(np.frombuffer(archive.read(name), np.uint8), cv2.IMREAD_GRAYSCALE)


def _offline_sample():
    """Patch the network probe and the Keras / system folders away, so `load` takes the built-in sample."""
    empty = tempfile.mkdtemp(prefix="bench-keras-")
    return mock.patch.multiple(
        digits, reachable=lambda *args, **kwargs: False, SYSTEM_ROOTS=(), keras_dataset_dirs=lambda: [Path(empty)]
    )


def run(data_dir: Path | None = None, cached_repeats: int = 3) -> list[dict[str, Any]]:
    """One row per dataset: seconds for the first load, the median cached load, and the bare reference."""
    data_dir = Path(data_dir or os.environ.get(datasets.DATA_DIR_ENV) or ROOT.parent / "shared" / "datasets")
    cases = [
        ("mnist", "MNIST test 10k + train-5k (IDX .gz)", {}, lambda: _bare_idx(data_dir / "mnist"), None),
        ("fashion_mnist", "Fashion-MNIST 60k + 10k (IDX .gz)", {}, lambda: _bare_idx(data_dir / "fashion-mnist"), None),
        ("neu", "NEU 1,770 JPEGs at 200×200", {}, lambda: _bare_jpegs(data_dir / "neu"), None),
        ("neu", "NEU 1,770 JPEGs at 64×64", {"image_size": 64}, lambda: _bare_jpegs(data_dir / "neu"), None),
        ("mnist", "built-in MNIST sample (npz)", {}, None, _offline_sample),
        ("neu", "built-in NEU sample (64×64 zip)", {}, _bare_sample_zip, _offline_sample),
    ]
    rows = []
    saved = {key: os.environ.get(key) for key in ("CNNVIZ_CACHE_DIR", datasets.DATA_DIR_ENV)}
    try:
        for name, label, options, reference, patch in cases:
            offline = patch() if patch else contextlib.nullcontext()
            with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache, offline:
                os.environ["CNNVIZ_CACHE_DIR"] = cache
                if patch:
                    os.environ.pop(datasets.DATA_DIR_ENV, None)
                else:
                    os.environ[datasets.DATA_DIR_ENV] = str(data_dir)
                if reference:
                    reference()  # warm the operating system's file cache
                first = _seconds(lambda name=name, options=options: datasets.load(name, **options))
                cached = statistics.median(
                    _seconds(lambda name=name, options=options: datasets.load(name, **options))
                    for _ in range(cached_repeats)
                )
                rows.append(
                    {
                        "benchmark": "dataset load",
                        "dataset": label,
                        "first_s": round(first, 3),
                        "cached_s": round(cached, 3),
                        "speedup": round(first / cached, 1),
                        "bare_reference_s": round(_seconds(reference), 3) if reference else None,
                    }
                )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return rows


def main() -> None:
    rows = run()
    print(f"{'dataset':<38} {'first load (s)':>15} {'cached (s)':>11} {'speed-up':>9} {'bare read (s)':>14}")
    for row in rows:
        reference = f"{row['bare_reference_s']:.3f}" if row["bare_reference_s"] is not None else "–"
        print(
            f"{row['dataset']:<38} {row['first_s']:>15.3f} {row['cached_s']:>11.3f} {row['speedup']:>8.1f}× "
            f"{reference:>14}"
        )


if __name__ == "__main__":
    main()
