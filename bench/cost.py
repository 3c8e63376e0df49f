"""What one call costs, measured in a fresh Python process: peak memory above where it started, and CPU time.

A fresh process, because a test process' memory is full of what earlier tests freed (so a resident-size
difference there says little), and because Pillow's, OpenCV's and libwebp's buffers are invisible to
``tracemalloc``. The peak comes from the kernel (``VmHWM``, reset just before the call through
``/proc/self/clear_refs``), the CPU time from ``time.process_time`` (every thread of the process).
Used by ``bench/bench_attacks.py`` (before/after figures) and the tests of issue 25 (bounds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time

def _status(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024

{setup}
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # the peak resident size starts again from now
_start, _cpu, _wall = _status("VmRSS:"), time.process_time(), time.monotonic()
try:
{call}
    _outcome = "ok: " + str(_result)[:300]
except Exception as _error:
    _outcome = type(_error).__name__ + ": " + str(_error)[:300]
_cpu, _wall = time.process_time() - _cpu, time.monotonic() - _wall
print("COST " + json.dumps([_status("VmHWM:") - _start, _cpu, _wall, _outcome]))
"""


@dataclass(frozen=True)
class Cost:
    """Peak memory above the start (MB), CPU seconds (all threads), wall seconds, and how the call ended."""

    peak_mb: float
    cpu_seconds: float
    wall_seconds: float
    outcome: str  # "ok: <result>" or "<ExceptionType>: <message>"


def cost_of(call: str, setup: str = "", *, source: Path = ROOT, timeout: float = 600, env: dict | None = None) -> Cost:
    """Run ``setup`` then ``call`` (which must assign ``_result``) in a fresh Python importing ``cnnviz`` from
    ``source``; what ``call`` cost. A call still running after ``timeout`` seconds raises TimeoutExpired."""
    script = _CHILD.format(setup=textwrap.dedent(setup), call=textwrap.indent(textwrap.dedent(call), "    "))
    environment = {**os.environ, **(env or {}), "PYTHONPATH": str(source), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=source,
        env=environment,
        check=False,
    )
    line = next((line for line in done.stdout.splitlines() if line.startswith("COST ")), None)
    if line is None:
        raise RuntimeError(f"the measured call did not finish (exit {done.returncode}):\n{done.stderr[-3000:]}")
    peak, cpu, wall, outcome = json.loads(line[len("COST ") :])
    return Cost(peak, cpu, wall, outcome)
