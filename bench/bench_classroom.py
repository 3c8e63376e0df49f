"""How long the classroom's calls take with a full class: 30 students × 10 runs, on SQLite and PostgreSQL.

Pages call ``touch`` (presence) and ``pending_view`` (a view the teacher sent) on every rerun, so
they must cost a few milliseconds: one statement each, on indexed columns. The teacher's dashboard
reruns every ~2 s, so ``dashboard()`` with 300 runs (each with its curves) must stay well under the
issue's 100 ms of server CPU. For each call: median and 95th percentile of wall time, median CPU
time of this process (the web server's share), and the SQL statements it sends.

PostgreSQL is a throwaway server started for the run (tests/postgres_server.py: initdb/pg_ctl on a
loopback port, fsync off as in the tests), or ``--postgres-url`` for an existing one.

    python bench/bench_classroom.py [--repeats 200] [--postgres-url URL] [--no-postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnviz.classroom import Classroom, safe_url  # noqa: E402

STUDENTS, RUNS = 30, 10


def run_summary(student: int, run: int) -> dict[str, Any]:
    """A realistic recorded run: the quick demo's network, 5 epochs of curves, its settings."""
    epochs = 5
    return {
        "label": f"Run {run + 1}",
        "params": 18_000 + 1000 * run,
        "macs": 2_000_000 + 10_000 * student,
        "layers": 5,
        "architecture": "conv-32-k.3-a.relu maxpool-size.2 conv-64-k.3-a.relu maxpool-size.2 flatten dense-10",
        "dataset": "MNIST digits",
        "settings": {"epochs": epochs, "batch_size": 64, "optimizer": "adam", "learning_rate": 0.001},
        "test_accuracy": min(0.99, 0.8 + 0.01 * run),
        "test_loss": 0.5,
        "seconds": 30.0 + run,
        "key": f"cnnviz-train-{student:03d}{run:03d}",
        "history": {
            name: [1.0 / (e + 1) for e in range(epochs)] for name in ("loss", "accuracy", "val_loss", "val_accuracy")
        },
    }


def _measure(action: Callable[[], Any], repeats: int) -> tuple[float, float, float]:
    """Median and p95 wall milliseconds, median CPU milliseconds."""
    action()  # warm-up (connection, key check)
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    walls.sort()
    p95 = walls[min(len(walls) - 1, int(0.95 * len(walls)))]
    return 1000 * statistics.median(walls), 1000 * p95, 1000 * statistics.median(cpus)


def _statements(room: Classroom, action: Callable[[], Any]) -> int:
    """SQL statements ``action`` sends (BEGIN/COMMIT the driver adds are not counted)."""
    count = 0

    def counted(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(room._engine, "before_cursor_execute", counted)
    try:
        action()
    finally:
        event.remove(room._engine, "before_cursor_execute", counted)
    return count


def run(url: str, repeats: int) -> list[dict[str, Any]]:
    """One row per call on the database at ``url``."""
    room = Classroom(url)
    try:
        started = room.create_class("Benchmark class")
        keys = [room.join(started.code, f"Student {i + 1}").student_key for i in range(STUDENTS)]
        for s, key in enumerate(keys):
            for r in range(RUNS):
                room.record_run(key, run_summary(s, r))
        room.send_view(started.teacher_key, "convolution", "kernel=sobel_x&stride=2")
        teacher, student = started.teacher_key, keys[7]
        board = room.dashboard(teacher)
        assert len(board) == STUDENTS and sum(len(s["runs"]) for s in board) == STUDENTS * RUNS
        extra = iter(range(10**6))
        calls: dict[str, Callable[[], Any]] = {
            "touch (presence)": lambda: room.touch(student, "training", running=1),
            "pending_view": lambda: room.pending_view(student),
            "student (class state)": lambda: room.student(student),
            "roster (30 students)": lambda: room.roster(teacher),
            "dashboard (30 × 10 runs)": lambda: room.dashboard(teacher),
            "class_runs (plot, 300 runs)": lambda: room.class_runs(teacher),
            # last: it adds runs beyond the 30 × 10 the calls above read
            "record_run": lambda: room.record_run(keys[3], run_summary(3, 100 + next(extra))),
        }
        rows = []
        for name, call in calls.items():
            heavy = name.startswith(("dashboard", "class_runs", "roster"))
            median, p95, cpu = _measure(call, max(20, repeats // 4) if heavy else repeats)
            rows.append(
                {"call": name, "median_ms": median, "p95_ms": p95, "cpu_ms": cpu, "statements": _statements(room, call)}
            )
        return rows
    finally:
        room.close()


def _print(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    print(f"{'call':<30} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8} {'statements':>11}")
    for row in rows:
        print(
            f"{row['call']:<30} {row['median_ms']:>10.2f} {row['p95_ms']:>8.2f} {row['cpu_ms']:>8.2f} "
            f"{row['statements']:>11}"
        )


def measure(repeats: int = 200, postgres_url: str | None = None, postgres: bool = True) -> dict[str, list]:
    """Rows per database: SQLite, then PostgreSQL (``postgres_url``, else a throwaway server)."""
    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite (WAL, a local file)"] = run(f"sqlite:///{folder}/bench.sqlite3", repeats)
    if not postgres:
        return results
    if postgres_url:
        results[f"PostgreSQL at {safe_url(postgres_url)}"] = run(postgres_url, repeats)
        return results
    from tests.postgres_server import PostgresServer, find_binaries

    binaries, reason = find_binaries()
    if binaries is None:
        raise RuntimeError(f"PostgreSQL not measured: {reason}")
    server = PostgresServer(binaries).start()
    try:
        results["PostgreSQL 15 (loopback, psycopg 3)"] = run(server.new_database(), repeats)
    finally:
        server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--postgres-url", help="an existing PostgreSQL database (default: a throwaway server)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    for title, rows in measure(args.repeats, args.postgres_url, not args.no_postgres).items():
        _print(title, rows)


if __name__ == "__main__":
    main()
