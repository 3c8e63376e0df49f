"""How fast the app feels in a real browser, next to a bare Streamlit page measured in the same run.

Run: ``python bench/bench_app.py [--trainings 0] [--app-root DIR]``. It starts a tiny bare Streamlit
app (a title, a number input and a Plotly heat map: the floor any Streamlit page pays), then
``streamlit run app.py``, each on a loopback port, and drives Debian's Chromium with Playwright.
Inside every tab :mod:`page_probe` times, on the page's own clock, when the first screen (what is
visible without scrolling) and the whole page were last changed before the page settled. It reports:

- home: first content (server answering → the page's title on screen, the first visitor);
- every page of the navigation (home and ``STEPS``, so a page added later is measured too): first
  visit on a fresh server (imports, caches, the browser loading Plotly) and warm visits (median):
  navigation → fully drawn and → first screen drawn, the figure count, the server's CPU time;
- the click latencies on a student's 512×512 photo: stride, padding, dilation and kernel changes
  (click → new feature map drawn), the window step-through (Step ▶ → new window drawn) and the pixel
  inspector (row + → new values shown): median of ``--changes`` clicks, the server's CPU per rerun
  (mean: /proc counts 10 ms ticks) and the tab's main-thread work until drawn;
- the server's resident memory after every page, and after ``--trainings`` quick trainings.

The bare page is measured the same way (its number input's +/− for every click row). Each figure
records the machine's 1-minute load average when it was taken: on a shared 2-core machine absolute
times move with the load; the ratios to the bare page, measured minutes apart, move much less.

Targets (issue 27): every page fully drawn ≤ 2.5 s warm (≤ 5× the bare page) and ≤ 5 s on a first
visit; first screen ≤ 1 s; a click → drawn ≤ 150 ms median (≤ 1.5× the bare rerun) with ≤ 50 ms of
server CPU; home first content ≤ 1.5 s. Memory (issue 8): ≤ 1.5 GB, no growth over trainings.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from cnnviz.kernels import PRESETS
from cnnviz.samples import load_sample
from cnnviz.ui.navigation import STEPS

if __package__:  # imported as bench.bench_app (the tests)
    from bench import page_probe as probe
else:  # run as a script from bench/, like every benchmark here
    import page_probe as probe

ROOT = Path(__file__).resolve().parents[1]
APP_ROOT = Path(os.environ.get("CNNVIZ_BENCH_APP_ROOT", ROOT))  # whose app.py is measured (--app-root)
PHOTO_SIDE = 512
NOISE_MB, NOISE_SHARE = 50.0, 0.05  # "no growth beyond noise": within 50 MB or 5 %, whichever is larger
#: Every page: (name, URL path), home first.
PAGES = [("home", ""), *((step.url_path, step.url_path) for step in STEPS)]
BARE = "bare Streamlit page"

# The floor: a bare Streamlit page with the same kind of control and heat map as the convolution page.
FLOOR_APP = f"""
import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("Floor")
stride = st.number_input("Stride", 1, 16, 1, key="conv_stride")
image = np.random.default_rng(0).random(({PHOTO_SIDE}, {PHOTO_SIDE}))
shown = image[::stride, ::stride]
step = max(1, -(-shown.shape[0] // 160))
cells = step * np.arange(-(-shown.shape[0] // step))
st.plotly_chart(go.Figure(go.Heatmap(z=shown[::step, ::step], x=cells, y=cells)), key="conv_map")
"""


@dataclass(frozen=True)
class Measure:
    """One figure, its same-run reference, its target (an absolute ``limit`` and/or a ``ratio_limit``)."""

    name: str
    value: float
    unit: str
    target: str = ""
    reference: str = ""
    reference_value: float | None = None
    load: float | None = None  # the machine's 1-minute load average when it was measured
    limit: float | None = None
    ratio_limit: float | None = None
    detail: str = ""  # shown after the value, e.g. the figures by kind

    @property
    def text(self) -> str:
        """The value with its unit and detail, as the tables show it."""
        return quantity(self.value, self.unit) + (f" ({self.detail})" if self.detail else "")

    @property
    def reference_text(self) -> str:
        """The reference's value, unit and name ("" without one)."""
        if self.reference_value is None:
            return ""
        return f"{quantity(self.reference_value, self.unit)} ({self.reference})"

    @property
    def ratio(self) -> float | None:
        return self.value / self.reference_value if self.reference_value else None

    @property
    def met(self) -> bool | None:
        """Whether every stated limit holds; None when there is nothing to check."""
        if self.limit is None and self.ratio_limit is None:
            return None
        checks = [] if self.limit is None else [self.value <= self.limit]
        if self.ratio_limit is not None and self.ratio is not None:
            checks.append(self.ratio <= self.ratio_limit)
        return all(checks)


def quantity(value: float, unit: str) -> str:
    """``1,234.50 ms``; counts (no unit) without decimals."""
    number = f"{value:,.0f}" if not unit else f"{value:,.2f}"
    return f"{number} {unit}".strip()


def load_average() -> float:
    return os.getloadavg()[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status_kb(pid: int, field: str) -> int:
    """One ``VmRSS``/``VmHWM``-like field of /proc/<pid>/status of a process and its children, in kB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory ("high water mark") of a process and its children since they started, in MB."""
    return _status_kb(pid, "VmHWM") / 1024


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


class Server:
    """``streamlit run <script>`` (app.py by default) on a free loopback port, for as long as the ``with`` lasts;
    ``env`` adds to this process's environment (one replica's settings, say)."""

    def __init__(
        self, script: str | Path = "app.py", root: Path | None = None, *, env: dict[str, str] | None = None
    ) -> None:
        self.script = str(script)
        self.root = root or APP_ROOT
        self.env = env or {}  # added to this process's environment (e.g. one replica's settings)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.answered_at = 0.0

    def __enter__(self) -> Server:
        data_dir = os.environ.get("CNNVIZ_DATA_DIR", str(ROOT.parent / "shared" / "datasets"))
        env = {
            **os.environ,
            "CNNVIZ_DATA_DIR": data_dir,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": str(self.root),
            **self.env,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                self.script,
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=self.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1):
                    self.answered_at = time.monotonic()
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=15)

    @property
    def rss(self) -> float:
        return rss_mb(self.process.pid)

    @property
    def peak_rss(self) -> float:
        return peak_rss_mb(self.process.pid)


def log(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench_app {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, all threads, in seconds (/proc, 10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(server: Server) -> Callable[[], float]:
    return lambda: cpu_seconds(server.process.pid)


# ---- page visits ------------------------------------------------------------------------------


@dataclass
class PageTimes:
    """One page's first visit and its warm visits, each with the load average when it was taken."""

    first: probe.Visit
    first_load: float
    warm: list[probe.Visit] = field(default_factory=list)
    warm_load: list[float] = field(default_factory=list)

    def warm_median(self, what: str) -> float:
        return statistics.median(getattr(visit, what) for visit in self.warm)


def visit_pages(page, server: Server, pages: list[tuple[str, str]], warm: int) -> dict[str, PageTimes]:
    """Every page once on a fresh server (its first visit), then ``warm`` more rounds over all of them."""
    times: dict[str, PageTimes] = {}
    for name, path in pages:
        log(f"first visit: {name or 'home'}")
        visit = probe.visit(page, f"{server.url}/{path}", _server_cpu(server))
        times[name] = PageTimes(visit, load_average())
    for round_ in range(warm):
        for name, path in pages:
            log(f"warm visit {round_ + 1}: {name}")
            times[name].warm.append(probe.visit(page, f"{server.url}/{path}", _server_cpu(server)))
            times[name].warm_load.append(load_average())
    return times


def page_measures(times: dict[str, PageTimes], floor: PageTimes) -> list[Measure]:
    """Per page: warm and first-visit full draw and first screen, server CPU, figures; the bare page's next to each."""
    rows = []
    for name, measured in times.items():
        first, bare = measured.first, floor.first
        specs = []  # (what, ours, the bare page's, unit, target, limit, ratio limit, load)
        if measured.warm:
            load = statistics.mean(measured.warm_load)

            def warm(what: str, scale: float = 1000, _measured: PageTimes = measured) -> tuple[float, float | None]:
                return _measured.warm_median(what) / scale, floor.warm_median(what) / scale if floor.warm else None

            n = len(measured.warm)
            specs += [
                (
                    f"navigation → fully drawn (warm, median of {n})",
                    *warm("full_ms"),
                    "s",
                    "≤ 2.5 s and ≤ 5× bare",
                    2.5,
                    5.0,
                    load,
                ),
                ("navigation → first screen drawn (warm)", *warm("screen_ms"), "s", "≤ 1 s", 1.0, None, load),
                ("server CPU for a warm visit (median)", *warm("server_cpu_ms", 1), "ms", "", None, None, load),
            ]
        load = measured.first_load
        specs += [
            (
                "navigation → fully drawn (first visit)",
                first.full_ms / 1000,
                bare.full_ms / 1000,
                "s",
                "≤ 5 s",
                5.0,
                None,
                load,
            ),
            (
                "navigation → first screen drawn (first visit)",
                first.screen_ms / 1000,
                bare.screen_ms / 1000,
                "s",
                "≤ 1 s",
                1.0,
                None,
                load,
            ),
            ("server CPU for the first visit", first.server_cpu_ms, bare.server_cpu_ms, "ms", "", None, None, load),
        ]
        rows += [
            Measure(f"page {name}: {what}", ours, unit, target, BARE, theirs, load, limit=limit, ratio_limit=ratio)
            for what, ours, theirs, unit, target, limit, ratio, load in specs
        ]
        rows.append(
            Measure(
                f"page {name}: figures",
                first.figure_count,
                "",
                reference=BARE,
                reference_value=bare.figure_count,
                load=measured.first_load,
                detail=first.kinds(),
            )
        )
    return rows


# ---- clicks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interaction:
    """A control a student changes, and what must look different once the page has answered."""

    name: str
    page: str  # URL path
    watch: str  # JS: () => what the student watches, as a string (null while it is not drawn)
    click: Callable[[object, int], None]  # (page, i): the i-th change


def step_number(key: str) -> Callable[[object, int], None]:
    """Click a number input's +, −, +, − … (so the value goes back to its start after an even count)."""

    def click(page, index: int) -> None:  # noqa: ANN001
        button = "stNumberInputStepDown" if index % 2 else "stNumberInputStepUp"
        page.locator(f'.st-key-{key} [data-testid="{button}"]').click()

    return click


def choose_radio(key: str, labels: tuple[str, ...]) -> Callable[[object, int], None]:
    def click(page, index: int) -> None:  # noqa: ANN001
        page.locator(f".st-key-{key}").get_by_text(labels[index % len(labels)], exact=True).click()

    return click


def choose_option(key: str, labels: tuple[str, ...]) -> Callable[[object, int], None]:
    """Open a select box and pick the next of ``labels`` (the time counts from the option's click)."""

    def click(page, index: int) -> None:  # noqa: ANN001
        page.locator(f".st-key-{key}").get_by_role("combobox").click()
        page.get_by_role("option", name=labels[index % len(labels)], exact=True).click()

    return click


def press(key: str) -> Callable[[object, int], None]:
    def click(page, index: int) -> None:  # noqa: ANN001
        page.locator(f".st-key-{key} button").click()

    return click


FEATURE_MAP = probe.chart_shown("conv_map")
INTERACTIONS = [
    Interaction("stride", "convolution", FEATURE_MAP, step_number("conv_stride")),
    Interaction("padding", "convolution", FEATURE_MAP, choose_radio("conv_padding", ("same", "valid"))),
    Interaction("dilation", "convolution", FEATURE_MAP, step_number("conv_dilation")),
    Interaction(
        "kernel",
        "convolution",
        FEATURE_MAP,
        choose_option("conv_kernel_preset", (PRESETS["box_blur"].name, PRESETS["sharpen"].name)),
    ),
    Interaction("window step-through", "convolution", probe.chart_shown("conv_window"), press("conv_next")),
    Interaction("pixel inspector", "pixels", probe.text_shown("→ normalised"), step_number("pixels_row")),
]
FLOOR_CLICK = Interaction("bare rerun", "", FEATURE_MAP, step_number("conv_stride"))


@dataclass(frozen=True)
class Clicks:
    """Changes timed on one page: latency to the change drawn, and the CPU work behind each (ms)."""

    latency: list[float]
    server_cpu: list[float]  # the server's CPU time for the whole rerun
    browser_busy: list[float]  # the tab's main-thread task time until the page settled again
    load: float


def time_clicks(page, server: Server, interaction: Interaction, count: int) -> Clicks:  # noqa: ANN001
    """``count`` changes: click → what ``interaction.watch`` shows differs, drawn (the page's clock)."""
    clock = probe.TaskClock(page)
    latency, server_cpu, busy = [], [], []
    loads = []
    for index in range(count):
        before = page.evaluate(interaction.watch)
        cpu_before, busy_before = cpu_seconds(server.process.pid), clock.ms()
        interaction.click(page, index)
        changed = page.wait_for_function(
            probe.changed_js(interaction.watch),
            arg=before,
            polling="raf",
            timeout=120_000,
        ).json_value()
        latency.append(changed - page.evaluate("() => window.__bench.clickAt"))
        probe.wait_settled(page)  # the rest of the page finishes before the next change
        server_cpu.append(1000 * (cpu_seconds(server.process.pid) - cpu_before))
        busy.append(clock.ms() - busy_before)
        loads.append(load_average())
    clock.close()
    return Clicks(latency, server_cpu, busy, statistics.mean(loads))


def click_measures(name: str, clicks: Clicks, floor: Clicks) -> list[Measure]:
    """Median and worst latency, mean server CPU, median main-thread work: each next to the bare rerun's."""
    count = len(clicks.latency)
    rows = [  # (what, statistic, ours, the bare page's, target, limit, ratio limit)
        ("click → drawn", "median", clicks.latency, floor.latency, "≤ 150 ms and ≤ 1.5× bare rerun", 150.0, 1.5),
        ("click → drawn", "worst", clicks.latency, floor.latency, "", None, None),
        ("server CPU per rerun", "mean", clicks.server_cpu, floor.server_cpu, "≤ 50 ms", 50.0, None),
        ("browser main-thread work until settled", "median", clicks.browser_busy, floor.browser_busy, "", None, None),
    ]
    statistic = {"median": statistics.median, "worst": max, "mean": statistics.mean}
    return [
        Measure(
            f"{name}: {what} ({kind} of {count})",
            statistic[kind](ours),
            "ms",
            target,
            f"{BARE} rerun",
            statistic[kind](bare),
            clicks.load,
            limit=limit,
            ratio_limit=ratio_limit,
        )
        for what, kind, ours, bare, target, limit, ratio_limit in rows
    ]


def _photo_png() -> bytes:
    """A 512×512 RGB photo (the sunset sample, enlarged), PNG-encoded."""
    photo = cv2.resize(
        load_sample("Photo: sunset (generated)"), (PHOTO_SIDE, PHOTO_SIDE), interpolation=cv2.INTER_CUBIC
    )
    return cv2.imencode(".png", cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))[1].tobytes()


def upload_photo(page) -> None:  # noqa: ANN001
    """Choose "Upload" in the page's image picker and upload the 512×512 photo; wait until it is used."""
    page.get_by_role("radio", name="Upload", exact=True).first.click()
    probe.wait_settled(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        {"name": "photo-512.png", "mimeType": "image/png", "buffer": _photo_png()}
    )
    page.get_by_text(f"{PHOTO_SIDE}×{PHOTO_SIDE}×3").first.wait_for(timeout=120_000)
    probe.wait_settled(page)


def measure_interactions(page, server: Server, floor: Clicks, count: int) -> list[Measure]:  # noqa: ANN001
    """Every interaction on its page, the student's 512×512 photo uploaded first (one that times out is
    left out of the table, and the log says so)."""
    from playwright.sync_api import Error as PlaywrightError

    rows: list[Measure] = []
    opened = None
    for interaction in INTERACTIONS:
        if interaction.page != opened:
            log(f"{interaction.page} page: the {PHOTO_SIDE}×{PHOTO_SIDE} photo")
            probe.visit(page, f"{server.url}/{interaction.page}", _server_cpu(server))
            upload_photo(page)
            opened = interaction.page
        log(f"{interaction.page} page: {interaction.name} ×{count}")
        try:
            clicks = time_clicks(page, server, interaction, count)
        except PlaywrightError as error:  # an overloaded machine: say so, measure the other controls
            log(f"{interaction.page} page: {interaction.name} did not answer, left out: {error}")
            opened = None  # open the page afresh for the next control
            continue
        rows += click_measures(f"{interaction.page} {PHOTO_SIDE}×{PHOTO_SIDE}, {interaction.name}", clicks, floor)
    return rows


# ---- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    answered_to_content_s: float
    pages: PageTimes
    clicks: Clicks
    rss: float


def measure_floor(browser, clicks: int, warm: int) -> Floor:  # noqa: ANN001
    """The bare Streamlit page: first content, first and warm visits, reruns, memory."""
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as folder:
        script = Path(folder) / "floor.py"
        script.write_text(FLOOR_APP)
        with Server(script) as server:
            log("bare Streamlit page (the reference)")
            page = probe.new_tab(browser)
            start = time.monotonic()
            times = visit_pages(page, server, [("bare", "")], warm)["bare"]
            first_content = start - server.answered_at + times.first.content_ms / 1000
            floor_clicks = time_clicks(page, server, FLOOR_CLICK, clicks)
            page.context.close()
            return Floor(first_content, times, floor_clicks, server.rss)


def measure(
    changes: int = 8,
    trainings: int = 0,
    training_timeout_s: float = 600,
    warm: int = 2,
    clicks: bool = True,
    pages: list[tuple[str, str]] | None = None,
) -> list[Measure]:
    """Every app figure, next to the bare page's in the same run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=probe.CHROMIUM, args=probe.CHROMIUM_ARGS)
        page = None
        try:
            floor = measure_floor(browser, changes, warm)
            with Server() as server:
                page = probe.new_tab(browser)
                results = _measure_app(page, server, floor, changes, warm, clicks, pages or PAGES)
                if trainings:
                    results += _measure_trainings(page, server, trainings, training_timeout_s, server.peak_rss)
        except Exception:
            if page is not None:
                shot = Path(tempfile.gettempdir()) / "bench_app_failure.png"
                page.screenshot(path=str(shot), full_page=True)
                log(f"failed on {page.url}; screenshot: {shot}")
            raise
        finally:
            browser.close()
    return results


def _measure_app(
    page, server: Server, floor: Floor, changes: int, warm: int, clicks: bool, pages: list[tuple[str, str]]
) -> list[Measure]:  # noqa: ANN001
    log("CNN Explorer: every page, first visit then warm")
    start = time.monotonic()
    times = visit_pages(page, server, pages, warm)
    results = _home_measures(times["home"], start - server.answered_at, floor) if "home" in times else []
    results += page_measures(times, floor.pages)
    results.append(
        Measure("server RSS after visiting every page", server.rss, "MB", "≤ 1,500 MB", BARE, floor.rss, limit=1500)
    )
    results.append(
        Measure("server peak RSS after visiting every page", server.peak_rss, "MB", "≤ 1,500 MB", limit=1500)
    )
    if clicks:
        results += measure_interactions(page, server, floor.clicks, changes)
    return results


def _home_measures(home: PageTimes, answered_to_navigation_s: float, floor: Floor) -> list[Measure]:
    """The home page's first content: for the server's first visitor, and on warm visits."""
    warm = bool(home.warm and floor.pages.warm)
    return [
        Measure(
            "home: server answering → first content on screen (first visitor)",
            answered_to_navigation_s + home.first.content_ms / 1000,
            "s",
            "≤ 1.5 s",
            BARE,
            floor.answered_to_content_s,
            home.first_load,
            limit=1.5,
        ),
        Measure(
            f"home: navigation → first content ({f'warm, median of {len(home.warm)}' if warm else 'first visit'})",
            (home.warm_median("content_ms") if warm else home.first.content_ms) / 1000,
            "s",
            "≤ 1.5 s",
            BARE,
            (floor.pages.warm_median("content_ms") if warm else floor.pages.first.content_ms) / 1000,
            statistics.mean(home.warm_load) if warm else home.first_load,
            limit=1.5,
        ),
    ]


def _train_once(page, timeout_s: float, number: int) -> None:
    """Train the quick recipe from random start ``number`` and wait until run ``number``'s results are shown.

    A new random start each time: the server would otherwise hand back the stored identical run at
    once. The wait is on the result (the Run menu showing "Run <number> · …"), since a quick training
    can end before its Stop button is ever seen.
    """
    from playwright.sync_api import expect

    start = page.get_by_role("spinbutton", name="Random start")
    start.fill(str(number))
    start.press("Enter")
    probe.wait_settled(page)
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("combobox", name="Run", exact=True)).to_have_value(
        re.compile(f"^Run {number} · "), timeout=timeout_s * 1000
    )
    probe.wait_settled(page)


def _choose_quick_recipe(page) -> None:
    page.get_by_role("radiogroup", name="Network").get_by_text("A recipe", exact=True).click()
    probe.wait_settled(page)


def _measure_trainings(page, server: Server, trainings: int, timeout_s: float, before: float) -> list[Measure]:
    """Peak RSS after the first and after ``trainings`` quick trainings started in the browser."""
    probe.visit(page, f"{server.url}/training", _server_cpu(server))
    _choose_quick_recipe(page)
    after: list[tuple[float, float]] = []
    for number in range(1, trainings + 1):
        log(f"training {number} of {trainings}")
        _train_once(page, timeout_s, number)
        after.append((server.rss, server.peak_rss))
    label = "peak RSS before training (every page visited)"
    results = [
        Measure(
            "server peak RSS after every page and one training",
            after[0][1],
            "MB",
            "≤ 1,500 MB",
            label,
            before,
            limit=1500,
        )
    ]
    if trainings > 1:
        results += [
            Measure(
                f"{what} after {trainings} trainings in a row",
                after[-1][i],
                "MB",
                "no growth beyond noise",
                "after one training",
                after[0][i],
                limit=after[0][i] + max(NOISE_MB, NOISE_SHARE * after[0][i]),
            )
            for what, i in (("server peak RSS", 1), ("server RSS", 0))
        ]
    return results


def format_table(rows: list[Measure]) -> str:
    lines = [
        "| measure | value | reference (same run) | ratio | target | met | load |",
        "| --- | ---: | --- | ---: | --- | :---: | ---: |",
    ]
    for row in rows:
        reference = row.reference_text
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}×"
        met = {None: "", True: "✅", False: "❌"}[row.met]
        load = "" if row.load is None else f"{row.load:.1f}"
        lines.append(f"| {row.name} | {row.text} | {reference} | {ratio} | {row.target} | {met} | {load} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=8, help="clicks timed per control")
    parser.add_argument("--warm", type=int, default=2, help="warm visits of every page (the median is reported)")
    parser.add_argument("--trainings", type=int, default=0, help="quick trainings in a row, for memory (0: none)")
    parser.add_argument("--no-clicks", action="store_true", help="only the page visits")
    parser.add_argument("--pages", nargs="+", help="visit only these pages (names as in the URL; home is 'home')")
    parser.add_argument("--app-root", type=Path, help="measure the app.py of this folder (e.g. a checkout of main)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers we started on `kill`
    if args.app_root:
        global APP_ROOT
        APP_ROOT = args.app_root.resolve()
    pages = [(name, path) for name, path in PAGES if not args.pages or name in args.pages]
    print(format_table(measure(args.changes, args.trainings, warm=args.warm, clicks=not args.no_clicks, pages=pages)))


if __name__ == "__main__":
    main()
