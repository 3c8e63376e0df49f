"""The class on one server, end to end at the protocol level (issue 24): a teacher's live dashboard while a
class joins, trains and browses; then the dashboard's cost with a full class.

Run: ``python bench/bench_classroom_app.py [--students 30] [--postgres]`` (``--quick``: 6 students).

Phase 1, on a fresh ``streamlit run app.py`` with its own class database and run store: a teacher
session starts a class on the Class page and stays on its dashboard (answering the live fragment's
reruns like a browser tab); ``--students`` sessions (:mod:`bench.st_client`, no browser) join it with
the code, open the Training page and press ▶ Train on the quick digits recipe: half with the recipe as
it is (identical trainings: one training, shared), half each with its own random start and one epoch
(different trainings). While their trainings run, the students browse the light pages (home, pixels,
convolution, layer builder) with a reading pause, their class notices polling every 2 s.

- *finished → shown*: for every run, the time from its record in the database (written by the training
  job the moment the run finished) to the first dashboard refresh whose "Runs finished" counts it, as
  the teacher's session received it. Target: p95 ≤ 2 s.
- *light pages*: p50/p95 of the students' page runs (sending the rerun → ``script_finished``) meanwhile.
  Target: p95 < 1 s.

Phase 2: a class of ``--students`` × ``--runs`` recorded runs (copies of phase 1's real runs, varied) is
opened on the dashboard through its private teacher link; the server's CPU time (its own process: the
web server, the in-process Dask scheduler) per dashboard refresh, less the idle server's, with nobody
else connected: the "Live class" tab (roster, runs table) and the "Results" tab (the class's picture).
Then the students' cost: each student's notice poll (presence, sent view, quick checks) per run.
Target: ≤ 100 ms per dashboard refresh.

``--replicas``: the same on two web servers (replicas) sharing one throwaway PostgreSQL, one external
``dask scheduler`` + worker and one run store on a shared folder: the teacher is on replica A, the
students alternate between A and B (so half the identical trainings are pressed on each). Also reported:
the training tasks the scheduler ran (the identical half costs one task). Phase 2 is measured on A.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_app import Server, cpu_seconds
from bench_classroom import run_summary as made_up_run
from bench_dask import ExternalCluster
from distributed import get_task_stream
from st_client import Run, Session, SessionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnviz.classroom import Classroom  # noqa: E402
from cnnviz.training.keys import KEY_PREFIX  # noqa: E402

LIGHT_PAGES = ("", "pixels", "convolution", "layer_builder")
RUNS_SHOWN = re.compile(r"^Runs finished: (\d+)$")
TEACHER_LINK = re.compile(r"/class\?teacher=([A-Za-z0-9_\-]+)")
JOIN_LINK = re.compile(r"/class\?class=([A-Z0-9]{8})")
TIMEOUT = 180.0
MAX_TRAINING_SECONDS = 3600.0
STALL_SECONDS = 90.0  # this long with every training ended and runs missing: the rest failed (see the page)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def _found(run: Run, pattern: re.Pattern[str]) -> str:
    return next(match[1] for text in run.texts if (match := pattern.search(text)))


# ---------------------------------------------------------------------- phase 1: a class trains
class Watch:
    """When the teacher's dashboard first showed each count of finished runs (wall clock, as received)."""

    def __init__(self, session: Session) -> None:
        self.session, self.shown_at, self._task = session, {}, None

    async def _follow(self) -> None:
        while True:
            for text in self.session.last_fragment.texts:
                if match := RUNS_SHOWN.match(text):
                    for count in range(1, int(match[1]) + 1):
                        self.shown_at.setdefault(count, time.time())
            await asyncio.sleep(0.02)

    def __enter__(self) -> Watch:
        self._task = asyncio.create_task(self._follow())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def start_class(port: int) -> tuple[Session, str, str]:
    teacher = await Session(port, timeout=TIMEOUT).__aenter__()
    run = await teacher.open("class")
    run = await teacher.set(run.widget("Class title", "text_input"), "Bench class")
    run = await teacher.set(run.widget("Start a class", "button"), True)
    return teacher, _found(run, JOIN_LINK), _found(run, TEACHER_LINK)


async def student(port: int, index: int, code: str, identical: bool, done: asyncio.Event, pages: list[float]) -> str:
    """Join, press Train (the recipe as it is, or its own random start and one epoch), then browse light pages."""
    rng = random.Random(index)
    async with Session(port, timeout=TIMEOUT) as session:
        await asyncio.sleep(index * 0.3)  # a class does not press Join in the same millisecond
        run = await session.open("class")
        run = await session.set(run.widget("Class code (on the board)", "text_input"), code)
        run = await session.set(run.widget("Your name in the class", "text_input"), f"Student {index + 1}")
        run = await session.set(run.widget("Join", "button"), True)
        if not any("You are" in text for text in run.texts):
            raise SessionError(f"student {index} could not join: {run.errors}")
        run = await session.open("training")
        if not identical:
            run = await session.set(run.widget("Random start", "number_input"), 1000 + index)
            run = await session.set(run.widget("Epochs", "slider"), [1])
        run = await session.set(session.last_run.widget("▶ Train", "button"), True)
        if not session.polling:
            raise SessionError(f"student {index}: the training did not start: {run.errors}")
        while not done.is_set():
            await asyncio.sleep(rng.uniform(1.5, 4.5))  # reading
            run = await session.open(rng.choice(LIGHT_PAGES))
            pages.append(run.seconds)
            if run.exceptions:
                raise SessionError(f"student {index}: {run.exceptions}")
        return "ok"


async def phase_one(ports: list[int], url: str, students: int) -> dict[str, Any]:
    """The teacher on the first server; student ``i`` on server ``i mod len(ports)``."""
    teacher, code, teacher_key = await start_class(ports[0])
    room = Classroom(url)
    pages: list[float] = []
    done = asyncio.Event()
    started = time.monotonic()
    with Watch(teacher) as watch:
        tasks = [
            asyncio.create_task(student(ports[i % len(ports)], i, code, i % 2 == 0, done, pages))
            for i in range(students)
        ]
        idle_since = None  # nobody training or waiting, and runs missing: the trainings failed
        while len(room.class_runs(teacher_key)) < students and time.monotonic() - started < MAX_TRAINING_SECONDS:
            if any(task.done() and task.exception() for task in tasks):
                break
            roster = room.roster(teacher_key)
            busy = any(entry.running or entry.queued for entry in roster)
            idle_since = None if busy else (idle_since or time.monotonic())
            if idle_since is not None and time.monotonic() - idle_since > STALL_SECONDS:
                break
            await asyncio.sleep(1.0)
        await asyncio.sleep(3.0)  # the dashboard's refresh after the last run
        done.set()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    runs = sorted(room.class_runs(teacher_key), key=lambda run: run.recorded_at)
    delays = [watch.shown_at[k] - run.recorded_at for k, run in enumerate(runs, start=1) if k in watch.shown_at]
    await teacher.__aexit__(None, None, None)
    room.close()
    return {
        "runs": len(runs),
        "trained for": time.monotonic() - started,
        "delays": delays,
        "pages": pages,
        "failures": [str(o) for o in outcomes if isinstance(o, BaseException)],
        "summaries": [run.summary for run in runs],
        "fragment runs": teacher.fragment_runs,
    }


# ---------------------------------------------------------------------- phase 2: a full class's dashboard
def full_class(url: str, students: int, runs: int, summaries: list[dict[str, Any]]) -> str:
    """A class of ``students`` × ``runs`` recorded runs, made through the library (copies of real ones)."""
    room = Classroom(url)
    started = room.create_class("Full class")
    rng = random.Random(0)
    for i in range(students):
        key = room.join(started.code, f"Student {i + 1}").student_key
        for r in range(runs):
            summary = dict(rng.choice(summaries))
            summary.pop("key", None)  # a copy: not the real run's to open
            summary.update(
                label=f"Run {r + 1}",
                params=int(summary["params"] * rng.uniform(0.25, 4)),
                test_accuracy=min(0.999, (summary["test_accuracy"] or 0.9) * rng.uniform(0.95, 1.03)),
            )
            room.record_run(key, summary)
    room.close()
    return started.teacher_key


async def cpu_per_refresh(pid: int, session: Session, seconds: float, idle_rate: float) -> tuple[float, int]:
    """The server's CPU seconds per fragment rerun of ``session`` over ``seconds`` (less the idle rate)."""
    runs_before, cpu_before, start = session.fragment_runs, cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - start
    runs = session.fragment_runs - runs_before
    return (cpu_seconds(pid) - cpu_before - idle_rate * elapsed) / max(runs, 1), runs


async def phase_two(port: int, pid: int, teacher_key: str, window: float) -> dict[str, Any]:
    cpu_start, start = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(window / 2)
    idle_rate = (cpu_seconds(pid) - cpu_start) / (time.monotonic() - start)
    figures: dict[str, Any] = {"idle cores": idle_rate}
    async with Session(port, timeout=TIMEOUT) as teacher:
        cpu_before = cpu_seconds(pid)
        run = await teacher.open("class", query=f"teacher={teacher_key}")
        figures["dashboard opened (s)"] = run.seconds
        figures["dashboard opened, server CPU (s)"] = cpu_seconds(pid) - cpu_before
        figures["live tab"] = await cpu_per_refresh(pid, teacher, window, idle_rate)
        tabs = teacher.last_run.widget("tabs", "tabs")
        await teacher.set(tabs, "Results")
        await asyncio.sleep(2.0)  # the first refresh draws the figure; the next ones reuse it
        figures["results tab"] = await cpu_per_refresh(pid, teacher, window, idle_rate)
    return figures


async def student_polls(
    port: int, pid: int, code: str, count: int, window: float, idle_rate: float
) -> tuple[float, int]:
    """The server's CPU per student notice poll (less the idle rate), ``count`` students on the Home page."""
    sessions = [await Session(port, timeout=TIMEOUT).__aenter__() for _ in range(count)]
    try:
        for index, session in enumerate(sessions):
            run = await session.open("class")
            run = await session.set(run.widget("Class code (on the board)", "text_input"), code)
            run = await session.set(run.widget("Your name in the class", "text_input"), f"Poller {index}")
            await session.set(run.widget("Join", "button"), True)
            await session.open("")
        await asyncio.sleep(3.0)
        before = sum(s.fragment_runs for s in sessions)
        cpu_before, start = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(window)
        polls = sum(s.fragment_runs for s in sessions) - before
        used = cpu_seconds(pid) - cpu_before - idle_rate * (time.monotonic() - start)
        return used / max(polls, 1), polls
    finally:
        for session in sessions:
            with contextlib.suppress(Exception):
                await session.__aexit__(None, None, None)


# ---------------------------------------------------------------------- the run
def database(postgres: bool, folder: Path) -> tuple[str, Any]:
    """A fresh SQLite file, or a database on a throwaway PostgreSQL server (to stop after)."""
    if not postgres:
        return f"sqlite:///{folder / 'classroom.sqlite3'}", None
    from tests.postgres_server import PostgresServer, find_binaries

    binaries, reason = find_binaries()
    if binaries is None:
        raise SystemExit(f"--postgres: {reason}")
    server = PostgresServer(binaries).start()
    return server.new_database(), server


def measure(
    students: int = 30,
    runs: int = 10,
    window: float = 30.0,
    postgres: bool = False,
    training: bool = True,
    replicas: bool = False,
) -> dict[str, Any]:
    """Both phases on a fresh server, or two replicas (see the module docstring); the figures for
    :func:`format_report`. Without ``training``, phase 1 is skipped and phase 2's runs are
    bench_classroom's made-up ones."""
    folder = Path(tempfile.mkdtemp(prefix="cnnviz-class-bench-"))
    postgres = postgres or replicas
    url, server_pg = database(postgres, folder)
    tasks: set[str] | None = None
    try:
        with contextlib.ExitStack() as stack:
            servers, cluster = _servers(stack, url, folder, replicas)
            server, pid = servers[0], servers[0].process.pid
            if training:
                watched = get_task_stream(cluster.client) if cluster is not None else contextlib.nullcontext()
                with watched as stream:  # a task stream's data arrives when its ``with`` ends
                    one = asyncio.run(phase_one([s.port for s in servers], url, students))
                if stream is not None:
                    tasks = {str(t["key"]) for t in stream.data if str(t["key"]).startswith(KEY_PREFIX)}
            else:
                one = {"summaries": [made_up_run(0, r) for r in range(runs)]}
            teacher_key = full_class(url, students, runs, one["summaries"])
            two = asyncio.run(phase_two(server.port, pid, teacher_key, window))
            room = Classroom(url)
            code = room.class_info(teacher_key).code
            room.close()
            polls = asyncio.run(student_polls(server.port, pid, code, students, window, two["idle cores"]))
    finally:
        if server_pg is not None:
            server_pg.stop()
    return {
        "students": students,
        "runs": runs,
        "database": "PostgreSQL" if postgres else "SQLite",
        "replicas": len(servers),
        "tasks": tasks,
        "one": one,
        "two": two,
        "polls": polls,
        "load": os.getloadavg()[0],
    }


def _servers(
    stack: contextlib.ExitStack, url: str, folder: Path, replicas: bool
) -> tuple[list[Server], ExternalCluster | None]:
    """One server; or two replicas on one external scheduler + worker (returned) and one run store."""
    env = {"CNNVIZ_DATABASE_URL": url, "CNNVIZ_CACHE_DIR": str(folder)}
    if not replicas:
        return [stack.enter_context(Server(env=env))], None
    cluster = stack.enter_context(ExternalCluster(1))
    shared = {**env, "CNNVIZ_DASK_SCHEDULER": cluster.address, "CNNVIZ_RUN_STORE": str(folder / "runs")}
    servers = [stack.enter_context(Server(env={**shared, "CNNVIZ_CACHE_DIR": str(folder / name)})) for name in "ab"]
    return servers, cluster


def format_report(found: dict[str, Any]) -> str:
    """The figures as Markdown, each with its target."""
    one, two, polls = found["one"], found["two"], found["polls"]
    delays, pages = one.get("delays"), one.get("pages")
    live, results = two["live tab"], two["results tab"]
    lines = [
        f"{found['students']} students on "
        + ("one server" if found["replicas"] == 1 else f"{found['replicas']} replicas + an external scheduler")
        + f", {found['database']}, load average {found['load']:.1f}.",
        "",
        f"Phase 1: {one['runs']} of {found['students']} runs finished in {one['trained for']:.0f} s; "
        f"failures: {'; '.join(one['failures']) or 'none'}"
        if "runs" in one
        else "Phase 1: skipped (--no-training)",
    ]
    if found.get("tasks") is not None:
        lines.append(
            f"- training tasks the scheduler ran: {len(found['tasks'])} for {found['students']} students "
            f"(half pressed the same training, half each a different one: target {found['students'] // 2 + 1})"
        )
    if delays:
        lines.append(
            f"- finished → shown on the dashboard: p50 {statistics.median(delays):.2f} s, p95 {p95(delays):.2f} s, "
            f"worst {max(delays):.2f} s ({len(delays)} runs; target p95 ≤ 2 s)"
        )
    if pages:
        lines.append(
            f"- light pages meanwhile: p50 {statistics.median(pages):.2f} s, p95 {p95(pages):.2f} s "
            f"({len(pages)} page runs; target p95 < 1 s)"
        )
    lines += [
        "",
        f"Phase 2: {found['students']} students × {found['runs']} runs, the dashboard alone "
        f"(the idle server used {two['idle cores']:.3f} cores, subtracted)",
        f"- dashboard opened: {two['dashboard opened (s)']:.2f} s, "
        f"{two['dashboard opened, server CPU (s)'] * 1000:.0f} ms server CPU",
        f"- Live class refresh: {live[0] * 1000:.0f} ms server CPU ({live[1]} refreshes; target ≤ 100 ms)",
        f"- Results refresh: {results[0] * 1000:.0f} ms server CPU ({results[1]} refreshes; target ≤ 100 ms)",
        f"- a student's notice poll: {polls[0] * 1000:.1f} ms server CPU ({polls[1]} polls of "
        f"{found['students']} students on Home)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    os.environ["CNNVIZ_FIRST_SCREEN"] = "all"  # its protocol sessions run no script: pages whole in one run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--runs", type=int, default=10, help="runs per student in phase 2")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of each CPU measurement")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of SQLite")
    parser.add_argument("--quick", action="store_true", help="6 students, 15 s windows")
    parser.add_argument("--no-training", action="store_true", help="phase 2 only, on made-up runs")
    parser.add_argument("--replicas", action="store_true", help="two replicas, PostgreSQL, an external scheduler")
    args = parser.parse_args(argv)
    if args.quick:
        args.students, args.window = 6, 15.0
    found = measure(args.students, args.runs, args.window, args.postgres, not args.no_training, args.replicas)
    print(format_report(found))


if __name__ == "__main__":
    main()
