"""Import time of the maths the light pages use, and proof that it does not pull in TensorFlow.

Run: ``python bench/bench_imports.py``. Each figure is the median wall time of a fresh interpreter
importing the modules (interpreter start-up subtracted: ``python -c pass`` is timed in the same
rounds). The references, measured in the same run, are the two libraries the maths stands on
(NumPy and OpenCV: the floor) and TensorFlow (what every page would pay if it imported it).

Target (issue 8): ``import cnnviz.ops, cnnviz.architecture, cnnviz.images, cnnviz.kernels`` < 1 s
and TensorFlow never imported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = "cnnviz.ops, cnnviz.architecture, cnnviz.images, cnnviz.kernels"
REPORT = "import sys, json; print(json.dumps(sorted({'tensorflow', 'keras'} & set(sys.modules))))"


@dataclass(frozen=True)
class ImportTime:
    modules: str
    seconds: float
    heavy: list[str]  # which of tensorflow / keras the import loaded


def _run(statement: str) -> tuple[float, list[str]]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", f"{statement}\n{REPORT}"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - start, json.loads(result.stdout.strip().splitlines()[-1])


def measure(rounds: int = 5) -> list[ImportTime]:
    """Median import seconds of our modules, NumPy + OpenCV and TensorFlow, start-up subtracted."""
    statements = {
        OURS: f"import {OURS}",
        "numpy, cv2 (reference: the floor)": "import numpy, cv2",
        "tensorflow (reference)": "import tensorflow",
    }
    times: dict[str, list[float]] = {name: [] for name in ["", *statements]}
    heavy: dict[str, list[str]] = {}
    for statement in statements.values():
        _run(statement)  # warm the operating system's file cache
    for _ in range(rounds):
        times[""].append(_run("pass")[0])
        for name, statement in statements.items():
            seconds, heavy[name] = _run(statement)
            times[name].append(seconds)
    startup = statistics.median(times.pop(""))
    return [
        ImportTime(name, max(statistics.median(values) - startup, 0.0), heavy[name]) for name, values in times.items()
    ]


def format_table(rows: list[ImportTime]) -> str:
    lines = ["| import | seconds (median, start-up excluded) | loads TensorFlow/Keras |", "|---|---:|---|"]
    lines += [f"| `{row.modules}` | {row.seconds:.2f} | {', '.join(row.heavy) or 'no'} |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_table(measure()))
