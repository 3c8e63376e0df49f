"""Classroom load test: many real sessions on one ``streamlit run app.py``, one training meanwhile.

Run: ``python bench/load_test.py --sessions 8 16 --rounds 2 --training`` (protocol sessions), or
``python bench/load_test.py --browsers 4 16 --rounds 2`` (real Chromium tabs, issue 27: see below).

For each session count it starts a fresh server on a free loopback port (127.0.0.1 only), warms
it up with one session visiting every page (a deployed app has had visitors before), then:

- one extra session opens the training page and clicks its start button (``--training``), and
  keeps answering the page's progress polling like a browser tab left open;
- N sessions (:mod:`bench.st_client`: Streamlit's own websocket protocol, no browser, so the
  figures are the server's) each open every page ``--rounds`` times, and change controls on the
  convolution page (stride, dilation) and the layer builder (filters, Dense units), pausing a
  random ``--think`` time (0.5–1.5× the value) between actions like a reading student;
- a sampler reads the server's resident memory (VmRSS of the process and its children) every
  0.2 s, and the server's CPU time during the load and 5–10 s after every tab closed (a busy
  server then means orphan work, e.g. a training nobody watches any more).

It records every failure (an exception shown by a page, a disconnect, a run over ``--timeout``
seconds, a missing control, an image the browser could not fetch), p50/p95/worst script-run time
per page and action (sending the rerun → ``script_finished``), and the peak RSS. Everything is
bounded: at most 32 sessions, ``--max-seconds`` per session count, then it stops by itself.

A first level of one session alone without training (``--baseline``, on by default) is the
reference measured in the same run: wall times there show how slow the machine itself is at the
moment, and the server's CPU seconds per run (only measurable alone) do not depend on other
programs sharing the cores. The server inherits the environment, so a Streamlit option can be
compared directly, e.g. ``STREAMLIT_RUNNER_POST_SCRIPT_GC=false python bench/load_test.py``.

Targets (issue 9): zero failures at 16 sessions; p95 < 2 s on the light pages (home, pixels,
convolution, layer builder) while a training runs; RSS within Community Cloud's ~2.7 GB.

``--browsers N …`` measures what students' browsers see instead: N Chromium tabs (one browser, a
context each: separate sessions) on a fresh server, each opening every page ``--rounds`` times and
clicking the convolution page's stride once per visit, think time between actions. A page's time
is navigation → fully drawn on the tab's own clock (:mod:`page_probe`), a click's is click → new
feature map drawn. The browsers share the server's cores here, so the figures are an upper bound.
Target (issue 27): page p95 < 3 s with 4, then 16 browsers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import page_probe as probe
from bench_app import FEATURE_MAP, Server, cpu_seconds, rss_mb
from playwright.async_api import Error as PlaywrightError
from st_client import Run, Session, SessionError

from cnnviz.ui.navigation import STEPS
from cnnviz.ui.training_job import ORPHAN_GRACE_SECONDS

PAGES = ["", *(step.url_path for step in STEPS)]
LIGHT_PAGES = {"", "pixels", "convolution", "layer_builder"}
MAX_SESSIONS = 32
RSS_CAP_MB = 2700
P95_TARGET_S = 2.0
BROWSER_P95_TARGET_S = 3.0  # issue 27: a page fully drawn in a student's browser, N browsers on one server
# A closed tab's training is cancelled after ORPHAN_GRACE_SECONDS; look at the server's CPU a bit later.
IDLE_GRACE_S, IDLE_WINDOW_S = ORPHAN_GRACE_SECONDS + 5.0, 5.0
START_BUTTON = re.compile(r"train|start", re.IGNORECASE)
ESTIMATE = re.compile(r"about [^*:—]+per epoch[^*:—]*", re.IGNORECASE)  # the training page's time estimate


@dataclass(frozen=True)
class Row:
    """Script-run times of one page or action at one session count (seconds)."""

    sessions: int
    name: str
    runs: int
    p50: float
    p95: float
    worst: float
    failures: int
    target_s: float | None  # the p95 this page or action must stay under, if any
    cpu: float | None = None  # median server CPU seconds per run, measured when the session is alone

    @property
    def target(self) -> str:
        return "" if self.target_s is None else f"p95 < {self.target_s:g} s"


@dataclass
class Level:
    """Everything measured at one session count."""

    sessions: int
    rows: list[Row] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    training: str = "off"
    seconds: float = 0.0
    warmup_seconds: float = 0.0
    missing_pages: list[str] = field(default_factory=list)
    cores_busy: float = 0.0
    cores_after_close: float | None = None  # measured when a training ran
    load_average: float = 0.0  # the machine's 1-minute load average at the end (other work on the cores)
    baseline: bool = False
    browsers: bool = False  # Chromium tabs rather than protocol sessions

    @property
    def name(self) -> str:
        count = f"{self.sessions} browser{'s' * (self.sessions > 1)}" if self.browsers else str(self.sessions)
        return f"{count} alone (baseline)" if self.baseline else count

    @property
    def ok(self) -> bool:
        p95_met = all(row.p95 < row.target_s for row in self.rows if row.target_s is not None)
        return not self.failures and p95_met and self.peak_rss_mb < RSS_CAP_MB


class Recorder:
    """Collects run times by action name and failures (with the session and action that failed).

    With ``server_pid`` (only meaningful when one session runs alone) it also records the server's
    CPU time per run: unlike wall time, that does not depend on what else the machine is doing.
    """

    def __init__(self, server_pid: int | None = None) -> None:
        self.server_pid = server_pid
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.failed: dict[str, int] = defaultdict(int)
        self.failures: list[str] = []

    def fail(self, who: str, action: str, reason: str) -> None:
        self.failed[action] += 1
        self.failures.append(f"{who} · {action}: {reason}")

    async def act(
        self, who: str, action: str, do: Callable[[], Awaitable[Run]], session: Session, *, fetch_media: bool
    ) -> Run:
        """Run one action; a page exception or a broken image counts as a failure, a SessionError is re-raised."""
        cpu_before = cpu_seconds(self.server_pid) if self.server_pid else 0.0
        try:
            run = await do()
        except SessionError as error:
            self.fail(who, action, str(error))
            raise
        self.times[action].append(run.seconds)
        if self.server_pid:
            self.cpu[action].append(cpu_seconds(self.server_pid) - cpu_before)
        if run.exceptions:
            self.fail(who, action, "; ".join(run.exceptions))
        elif not run.texts:
            self.fail(who, action, "the page drew no text at all")
        if fetch_media and run.media:
            try:
                await session.fetch_media(run)
            except OSError as error:
                self.fail(who, action, f"image fetch: {error}")
        return run

    def rows(self, sessions: int, target_s: Callable[[str], float | None] | None = None) -> list[Row]:
        """p50/p95/worst per action; ``target_s(action)`` gives its p95 target (default: the light pages')."""
        target_s = target_s or (lambda action: P95_TARGET_S if _page_of(action.split(":")[0]) in LIGHT_PAGES else None)
        rows = []
        for action, times in self.times.items():
            p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]
            cpu = statistics.median(self.cpu[action]) if self.cpu[action] else None
            rows.append(
                Row(
                    sessions,
                    action,
                    len(times),
                    statistics.median(times),
                    p95,
                    max(times),
                    self.failed[action],
                    target_s(action),
                    cpu,
                )
            )
        return rows


def _page_of(label: str) -> str:
    return "" if label == "home" else label


def _label(page: str) -> str:
    return page or "home"


# ---- what one student does -----------------------------------------------------------------

CHANGES = {  # page -> (action name, widget label, kind, value for round r)
    "convolution": [
        ("stride", "Stride (step between windows)", "number_input", lambda r: 2 + r % 2),
        ("dilation", "Dilation", "number_input", lambda r: 2),
    ],
    "layer_builder": [
        ("filters", "Filters", "number_input", lambda r: 16 + 8 * r),
        ("units", "Units (neurons)", "number_input", lambda r: 32 + 16 * r),
    ],
}


async def student(
    port: int,
    index: int,
    pages: list[str],
    rounds: int,
    think: float,
    recorder: Recorder,
    *,
    timeout: float,
    fetch_media: bool,
    start_delay: float,
) -> None:
    """One session: every page ``rounds`` times, changing controls on the convolution and builder pages."""
    rng = random.Random(index)
    who = f"session {index}"
    await asyncio.sleep(start_delay)
    try:
        async with Session(port, timeout=timeout) as session:
            for round_ in range(rounds):
                for page in pages:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                    run = await recorder.act(
                        who, f"{_label(page)}: open", partial(session.open, page), session, fetch_media=fetch_media
                    )
                    for name, label, kind, value in CHANGES.get(page, []):
                        if not run.has_widget(label, kind):
                            recorder.fail(who, f"{_label(page)}: {name}", f"no {kind} labelled {label!r}")
                            continue
                        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                        widget = run.widget(label, kind)
                        run = await recorder.act(
                            who,
                            f"{_label(page)}: {name}",
                            partial(session.set, widget, value(round_)),
                            session,
                            fetch_media=fetch_media,
                        )
            if session.background_exceptions:
                recorder.fail(who, "background runs", "; ".join(session.background_exceptions))
    except SessionError:
        return  # recorded by Recorder.act; a broken session stops like a closed tab
    except OSError as error:
        recorder.fail(who, "connect", str(error))


# ---- the one training that runs meanwhile ---------------------------------------------------


async def trainer(port: int, recorder: Recorder, stop: asyncio.Event, *, timeout: float) -> str:
    """Open the training page and click its start button; keep the tab open (answering the progress
    polls) until ``stop``, clicking again whenever a training ends, so one always runs meanwhile."""
    who = "trainer"
    started, finished = 0, 0
    try:
        async with Session(port, timeout=timeout) as session:
            run = await recorder.act(
                who, "training: open (trainer)", partial(session.open, "training"), session, fetch_media=False
            )
            estimate = next((found[0] for text in run.texts if (found := ESTIMATE.search(text))), "no estimate shown")
            while not stop.is_set():
                buttons = [
                    w
                    for w in session.last_run.widgets
                    if w.kind == "button" and START_BUTTON.search(w.label) and "stop" not in w.label.lower()
                ]
                if not buttons:
                    recorder.fail(who, "training: start", "no start/train button on the training page")
                    break
                await recorder.act(
                    who, "training: start", partial(session.set, buttons[0], True), session, fetch_media=False
                )
                started += 1
                if not session.polling:
                    recorder.fail(who, "training: start", "the page does not poll any progress after the click")
                    break
                while session.polling and not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
                finished += not session.polling
                while session.script_running and not stop.is_set():  # the page's final rerun shows the results
                    await asyncio.sleep(0.2)
            progress = next(iter(session.last_fragment.texts[-1:]), "")
            if session.background_exceptions:
                recorder.fail(who, "training: progress", "; ".join(session.background_exceptions))
    except SessionError as error:
        return f"broken: {error}"
    return (
        f"{started} started ({finished} finished; the page estimated {estimate.lower()}); "
        f"{session.fragment_runs} progress polls" + (f"; last: {progress!r}" if progress else "")
    )


# ---- one session count ------------------------------------------------------------------------


class ServerSampler:
    """Samples the server's resident memory every ``period`` seconds (``peak``, MB) and its CPU use."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        self.pid, self.period, self.peak = pid, period, 0.0
        self._task: asyncio.Task | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid))
            await asyncio.sleep(self.period)

    async def cores_used(self, seconds: float) -> float:
        """Average CPU cores the server keeps busy over the next ``seconds`` (1.0 = one full core)."""
        before = cpu_seconds(self.pid)
        await asyncio.sleep(seconds)
        return (cpu_seconds(self.pid) - before) / seconds

    def __enter__(self) -> ServerSampler:
        self._task = asyncio.create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        self.peak = max(self.peak, rss_mb(self.pid))
        if self._task is not None:
            self._task.cancel()


async def warm_up(port: int, timeout: float) -> tuple[float, list[str]]:
    """One session visits every page once; returns its wall time and the pages the app lacks."""
    start = time.perf_counter()
    async with Session(port, timeout=timeout) as session:
        await session.open("")
        present = [page for page in PAGES if page in session.pages]
        for page in present[1:]:
            await session.open(page)
    return time.perf_counter() - start, [p for p in PAGES if p not in present]


async def run_students(
    students: list[Awaitable[None]], level: Level, recorder: Recorder, pid: int, max_seconds: float
) -> None:
    """Run the students at once, stopped after ``max_seconds``; note the wall time and the server's cores busy."""
    start, cpu_start = time.perf_counter(), cpu_seconds(pid)
    try:
        await asyncio.wait_for(asyncio.gather(*students), max_seconds)
    except TimeoutError:
        recorder.fail("all", "level", f"not finished within {max_seconds:.0f} s (stopped)")
    level.seconds = time.perf_counter() - start
    level.cores_busy = (cpu_seconds(pid) - cpu_start) / level.seconds


async def run_level(
    port: int,
    pid: int,
    sessions: int,
    *,
    rounds: int = 2,
    training: bool = True,
    think: float = 1.0,
    timeout: float = 60.0,
    max_seconds: float = 600.0,
    fetch_media: bool = True,
    ramp: float = 3.0,
) -> Level:
    """Warm up, then ``sessions`` students (and the trainer, with ``training``) at once on the server at ``port``."""
    level = Level(sessions)
    recorder = Recorder(server_pid=pid if sessions == 1 and not training else None)
    with ServerSampler(pid) as sampler:
        level.warmup_seconds, level.missing_pages = await warm_up(port, timeout)
        pages = [p for p in PAGES if p not in level.missing_pages]
        stop = asyncio.Event()
        train_task = None
        if training and "training" in pages:
            train_task = asyncio.create_task(trainer(port, recorder, stop, timeout=timeout))
        elif training:
            level.training = "skipped: the app has no training page yet"
        students = [
            student(
                port,
                i,
                pages,
                rounds,
                think,
                recorder,
                timeout=timeout,
                fetch_media=fetch_media,
                start_delay=ramp * i / sessions,
            )
            for i in range(sessions)
        ]
        await run_students(students, level, recorder, pid, max_seconds)
        stop.set()
        if train_task is not None:
            try:
                level.training = await asyncio.wait_for(train_task, timeout)
            except TimeoutError:
                level.training = "the trainer did not stop in time"
            # Every tab is closed now: a busy server is running orphan work (a training nobody watches).
            await asyncio.sleep(IDLE_GRACE_S)
            level.cores_after_close = await sampler.cores_used(IDLE_WINDOW_S)
    level.load_average = os.getloadavg()[0]
    level.peak_rss_mb = sampler.peak
    level.rows = recorder.rows(sessions)
    level.failures = recorder.failures
    return level


def measure(
    session_counts: tuple[int, ...] = (8, 16), *, training: bool = True, baseline: bool = True, **settings: Any
) -> list[Level]:
    """Run the load test at each session count, each on a fresh server; returns what it measured.

    ``baseline`` first runs one session alone without training: the reference for the same
    machine at the same time (other programs on the cores slow every figure down alike).
    ``settings`` are :func:`run_level`'s (rounds, think, timeout, max_seconds, fetch_media, ramp).
    """
    if not all(1 <= sessions <= MAX_SESSIONS for sessions in session_counts):
        raise ValueError(f"sessions must be between 1 and {MAX_SESSIONS}")
    os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"  # failures name the exception and the line
    os.environ["CNNVIZ_FIRST_SCREEN"] = "all"  # protocol sessions run no script: pages whole in one run
    plan = [(1, False, True)] * baseline + [(sessions, training, False) for sessions in session_counts]
    levels = []
    for sessions, with_training, is_baseline in plan:
        with Server() as server:
            level = asyncio.run(
                run_level(server.port, server.process.pid, sessions, training=with_training, **settings)
            )
        level.baseline = is_baseline
        levels.append(level)
    return levels


# ---- real browsers (issue 27) -----------------------------------------------------------------


async def browser_open(page, url: str) -> float:  # noqa: ANN001 - a Playwright page
    """Navigate; seconds from navigation to fully drawn (the page's own clock, see page_probe)."""
    await page.goto(url)
    await page.wait_for_selector(probe.CONTENT)
    await page.wait_for_function(probe.SETTLED_JS, polling=100)
    return await page.evaluate("() => window.__bench.lastChange") / 1000


async def browser_stride(page, index: int) -> float:  # noqa: ANN001
    """Click the convolution page's stride + (or −); seconds from the click to the new feature map drawn."""
    before = await page.evaluate(FEATURE_MAP)
    button = "stNumberInputStepDown" if index % 2 else "stNumberInputStepUp"
    await page.locator(f'.st-key-conv_stride [data-testid="{button}"]').click()
    changed = await page.wait_for_function(
        probe.changed_js(FEATURE_MAP),
        arg=before,
        polling="raf",
    )
    seconds = (await changed.json_value() - await page.evaluate("() => window.__bench.clickAt")) / 1000
    await page.wait_for_function(probe.SETTLED_JS, polling=100)
    return seconds


async def browser_student(
    browser,  # noqa: ANN001
    url: str,
    index: int,
    pages: list[str],
    rounds: int,
    think: float,
    recorder: Recorder,
    *,
    timeout: float,
    start_delay: float,
) -> None:
    """One student in a Chromium tab of their own: every page ``rounds`` times, a stride click on the
    convolution page, pausing a random think time between actions."""
    rng, who = random.Random(index), f"browser {index}"
    await asyncio.sleep(start_delay)
    context = await browser.new_context(viewport=probe.VIEWPORT)
    await context.add_init_script(probe.TRACKER_JS)
    page = await context.new_page()
    page.set_default_timeout(timeout * 1000)
    clicks = 0
    try:
        for _ in range(rounds):
            for path in pages:
                actions = [(f"{_label(path)}: open", partial(browser_open, page, f"{url}/{path}"))]
                if path == "convolution":
                    actions.append(("convolution: stride", partial(browser_stride, page, clicks)))
                    clicks += 1
                for action, do in actions:
                    await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                    try:
                        recorder.times[action].append(await do())
                    except PlaywrightError as error:
                        recorder.fail(who, action, str(error).splitlines()[0])
                        break
                    if await page.locator('[data-testid="stException"]').count():
                        recorder.fail(who, action, "the page shows an exception")
    finally:
        await context.close()


async def run_browser_level(
    port: int,
    pid: int,
    sessions: int,
    *,
    rounds: int = 2,
    think: float = 1.0,
    timeout: float = 120.0,
    max_seconds: float = 1200.0,
    ramp: float = 3.0,
) -> Level:
    """Warm the server up, then ``sessions`` Chromium tabs (one browser, a context each) at once."""
    from playwright.async_api import async_playwright

    level = Level(sessions, browsers=True)
    recorder = Recorder(server_pid=pid if sessions == 1 else None)
    with ServerSampler(pid) as sampler:
        level.warmup_seconds, level.missing_pages = await warm_up(port, timeout)
        pages = [p for p in PAGES if p not in level.missing_pages]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=probe.CHROMIUM, args=probe.CHROMIUM_ARGS)
            students = [
                browser_student(
                    browser,
                    f"http://127.0.0.1:{port}",
                    i,
                    pages,
                    rounds,
                    think,
                    recorder,
                    timeout=timeout,
                    start_delay=ramp * i / sessions,
                )
                for i in range(sessions)
            ]
            await run_students(students, level, recorder, pid, max_seconds)
            await browser.close()
    level.load_average = os.getloadavg()[0]
    level.peak_rss_mb = sampler.peak
    level.rows = recorder.rows(sessions, lambda action: BROWSER_P95_TARGET_S if action.endswith(": open") else None)
    level.failures = recorder.failures
    return level


def measure_browsers(
    session_counts: tuple[int, ...] = (4, 16), *, baseline: bool = True, **settings: Any
) -> list[Level]:
    """The browser load test at each count, each on a fresh server, after one browser alone (``baseline``).

    The browsers run on the same machine as the server: on 2 cores they take CPU from it, as a
    classroom's laptops would not, so these figures are an upper bound of what students see.
    """
    if not all(1 <= sessions <= MAX_SESSIONS for sessions in session_counts):
        raise ValueError(f"sessions must be between 1 and {MAX_SESSIONS}")
    levels = []
    for sessions, is_baseline in [(1, True)] * baseline + [(count, False) for count in session_counts]:
        with Server() as server:
            level = asyncio.run(run_browser_level(server.port, server.process.pid, sessions, **settings))
        level.baseline = is_baseline
        levels.append(level)
    return levels


# ---- report -------------------------------------------------------------------------------------


def format_table(levels: list[Level]) -> str:
    """Markdown: one row per session count and page/action, then one summary row per session count."""
    order = {name: i for i, name in enumerate(_action_order())}
    lines = [
        "| sessions | page: action | runs | p50 s | p95 s | worst s | failures | target | server CPU s/run |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for level in levels:
        for row in sorted(level.rows, key=lambda r: order.get(r.name, len(order))):
            cpu = "" if row.cpu is None else f"{row.cpu:.2f}"
            lines.append(
                f"| {level.name} | {row.name} | {row.runs} | {row.p50:.2f} | {row.p95:.2f} | "
                f"{row.worst:.2f} | {row.failures} | {row.target} | {cpu} |"
            )
    lines += [
        "",
        "| sessions | failures | server peak RSS | wall time | server CPU during load | "
        f"server CPU {IDLE_GRACE_S:g}–{IDLE_GRACE_S + IDLE_WINDOW_S:g} s after every tab closed | "
        "warm-up (1 session, every page) | machine load average | goals met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for level in levels:
        lines.append(
            f"| {level.name} | {len(level.failures)} | {level.peak_rss_mb:,.0f} MB | {level.seconds:.0f} s | "
            f"{level.cores_busy:.2f} cores | {_cores(level.cores_after_close)} | "
            f"{level.warmup_seconds:.1f} s | {level.load_average:.1f} | {'yes' if level.ok else 'NO'} |"
        )
    lines.append("")
    for level in levels:
        if level.baseline:
            pass_cpu = sum(row.cpu or 0.0 for row in level.rows)
            lines.append(
                f"- {level.name}: one pass of a student (every page once, 4 control changes) costs "
                f"{pass_cpu:.1f} s of server CPU; N students doing one pass every T seconds keep "
                f"N × {pass_cpu:.1f} / T cores busy (2 on Community Cloud)"
            )
        lines.append(f"- {level.name}: training meanwhile: {level.training}")
        if level.missing_pages:
            lines.append(
                f"- {level.name}: pages not in the app (not visited): {', '.join(map(_label, level.missing_pages))}"
            )
        lines += [f"- {level.name}: FAILED {failure}" for failure in level.failures[:20]]
        if len(level.failures) > 20:
            lines.append(f"- {level.name}: … and {len(level.failures) - 20} more failures")
    return "\n".join(lines)


def _cores(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} cores"


def _action_order() -> list[str]:
    names = []
    for page in PAGES:
        names.append(f"{_label(page)}: open")
        names += [f"{_label(page)}: {name}" for name, *_ in CHANGES.get(page, [])]
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[8, 16], help="concurrent sessions (≤ 32)")
    parser.add_argument(
        "--browsers",
        type=int,
        nargs="+",
        help="instead of protocol sessions: this many Chromium tabs at once, e.g. --browsers 4 16 (no training)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="times each session visits every page")
    parser.add_argument(
        "--training",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one extra session starts a training on the training page meanwhile",
    )
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between actions, seconds")
    parser.add_argument("--timeout", type=float, help="longest acceptable action, seconds (60; 120 with --browsers)")
    parser.add_argument("--max-seconds", type=float, help="time limit per session count (600; 1200 with --browsers)")
    parser.add_argument("--no-media", action="store_true", help="do not fetch the pages' images")
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="first measure one session alone, without training (the same-run reference)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    limits = {"timeout": 120.0, "max_seconds": 1200.0} if args.browsers else {"timeout": 60.0, "max_seconds": 600.0}
    limits = {name: getattr(args, name) or value for name, value in limits.items()}
    if args.browsers:
        levels = measure_browsers(
            tuple(args.browsers), rounds=args.rounds, think=args.think, baseline=args.baseline, **limits
        )
    else:
        levels = measure(
            tuple(args.sessions),
            rounds=args.rounds,
            training=args.training,
            think=args.think,
            fetch_media=not args.no_media,
            baseline=args.baseline,
            **limits,
        )
    print(format_table(levels))
    print(
        f"\n{os.cpu_count()} CPU cores; think time {args.think:g} s (0.5–1.5×); {args.rounds} rounds; "
        f"total {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
