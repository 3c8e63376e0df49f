"""How fast the app feels in a real browser, and how much memory the server holds.

Run: ``python bench/bench_app.py [--trainings 5]``. It starts ``streamlit run app.py`` on a loopback
port, drives Debian's Chromium with Playwright and measures:

- server start → the home page's content on screen (a fresh server, the first visitor);
- each page's time from navigation to "script finished, charts and images drawn" (first visit, so
  the TensorFlow pages include the TensorFlow import and the browser loads Plotly once);
- on the convolution page, with an uploaded 512×512 photo, a control change (a click on the
  stride's + / − buttons) → the new feature map drawn on screen (median and worst of several);
- the server's resident memory (RSS now and peak, from /proc) after visiting every page, after
  one training and after five trainings in a row, each started with the training page's Train
  button (the "Quick demo" recipe: 3,000 digits, 3 epochs).

The reference for each app figure is the same measurement, in the same run, on a bare Streamlit
app of one title, one number input and one Plotly heat map of the same size (the floor any
Streamlit page pays); for memory, the RSS before training.

Targets (issue 8): home content ≤ 3 s after the server answers, every page ≤ 10 s, control change
< 300 ms, RSS ≤ 1.5 GB after every page and one training, no growth over repeated trainings.
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
from dataclasses import dataclass
from pathlib import Path

import cv2

from cnnviz.samples import load_sample
from cnnviz.ui.navigation import STEPS

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = os.environ.get("CNNVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CONTENT = '[data-testid="stMainBlockContainer"] h1'
PAGE_TARGET, HOME_TARGET, CHANGE_TARGET, RSS_TARGET = "≤ 10 s", "≤ 3 s", "< 300 ms", "≤ 1,500 MB"
PHOTO_SIDE = 512

# Everything visible is drawn: no chart still waiting for Plotly, no image still loading.
DRAWN_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main) return false;
    const charts = [...main.querySelectorAll('[data-testid="stPlotlyChart"]')];
    const images = [...main.querySelectorAll('img')];
    return !main.querySelector('[data-testid="stSkeleton"]') && charts.every(c => c.querySelector('.main-svg'))
        && images.every(i => i.complete);
}"""
# What the feature map's heat map shows right now: the image Plotly drew and its axes' tick labels
# (stride 2 sampled every 2nd cell can be the same picture as stride 1 sampled every 4th: the ticks differ).
SHOWN_JS = """(key) => {
    const chart = document.querySelector(`.st-key-${key}`);
    const image = chart && chart.querySelector('.hm image');
    if (!image) return null;
    const ticks = [...chart.querySelectorAll('.xtick text, .ytick text')].map(t => t.textContent);
    return image.getAttribute('href') + '|' + ticks.join(',');
}"""
# Remember the browser's clock at every real click (capture phase: before Streamlit handles it).
CLICK_CLOCK_JS = """() => document.addEventListener('pointerdown', () => { window.benchClickAt = performance.now(); },
                                                 true)"""
# The browser's clock once the heat map differs from ``before`` (checked every animation frame), else false.
CHANGED_JS = f"""([key, before]) => {{
    const now = ({SHOWN_JS})(key);
    return now && now !== before ? performance.now() : false;
}}"""

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
    name: str
    value: float
    unit: str
    target: str
    reference: str = ""
    reference_value: float | None = None


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
    """``streamlit run <script>`` (app.py by default) on a free loopback port, for as long as the ``with`` lasts
    (``env``: extra environment variables for the server)."""

    def __init__(self, script: str | Path = "app.py", env: dict[str, str] | None = None) -> None:
        self.script = str(script)
        self.extra_env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.answered_at = 0.0

    def __enter__(self) -> Server:
        data_dir = os.environ.get("CNNVIZ_DATA_DIR", str(ROOT.parent / "shared" / "datasets"))
        env = {**os.environ, "CNNVIZ_DATA_DIR": data_dir, "TF_CPP_MIN_LOG_LEVEL": "3", **self.extra_env}
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
            cwd=ROOT,
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


def wait_drawn(page, timeout_ms: int = 120_000) -> None:
    """Wait until the script finished (after a just-started rerun had time to begin) and everything is drawn."""
    page.wait_for_timeout(200)
    page.wait_for_selector(CONTENT, timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    page.wait_for_function(DRAWN_JS, timeout=timeout_ms)


def _first_content(page, server: Server) -> float:
    """Seconds from the server answering its health check to the first page's title on screen."""
    page.goto(server.url)
    page.wait_for_selector(CONTENT, timeout=60_000)
    return time.monotonic() - server.answered_at


def _visit(page, url: str) -> float:
    start = time.monotonic()
    page.goto(url)
    wait_drawn(page)
    return time.monotonic() - start


@dataclass(frozen=True)
class Changes:
    """Stride changes timed on one page: wall-clock latency and the CPU work behind each (ms)."""

    latency: list[float]
    server_cpu: list[float]  # the server's CPU time for the whole rerun
    browser_busy: list[float]  # the browser tab's main-thread task time until the page is drawn again

    def row(self, what: str, values: list[float]) -> dict[str, float]:
        return {f"{what}_median": statistics.median(values), f"{what}_worst": max(values)}

    def summary(self) -> dict[str, float]:
        return {
            **self.row("change", self.latency),
            **self.row("server_cpu", self.server_cpu),
            **self.row("browser_busy", self.browser_busy),
        }


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, all threads, in seconds (/proc, 10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stride_changes(page, server: Server, changes: int) -> Changes:
    """Clicks on the stride's + (then −): time to a different feature map drawn, and the CPU work behind it.

    CPU figures barely depend on what else runs on the machine, so they stay comparable under load.
    """
    page.evaluate(CLICK_CLOCK_JS)
    devtools = page.context.new_cdp_session(page)
    devtools.send("Performance.enable")

    def busy_ms() -> float:
        metrics = {m["name"]: m["value"] for m in devtools.send("Performance.getMetrics")["metrics"]}
        return metrics["TaskDuration"] * 1000

    measured = Changes([], [], [])
    for index in range(changes):
        button = "stNumberInputStepUp" if index % 4 < 2 else "stNumberInputStepDown"
        before = page.evaluate(SHOWN_JS, "conv_map")
        cpu_before, busy_before = cpu_seconds(server.process.pid), busy_ms()
        page.locator(f'.st-key-conv_stride [data-testid="{button}"]').click()
        end = page.wait_for_function(CHANGED_JS, arg=["conv_map", before], polling="raf", timeout=60_000).json_value()
        measured.latency.append(end - page.evaluate("() => window.benchClickAt"))
        wait_drawn(page)  # let the rest of the page finish before the next change
        measured.server_cpu.append(1000 * (cpu_seconds(server.process.pid) - cpu_before))
        measured.browser_busy.append(busy_ms() - busy_before)
    devtools.detach()
    return measured


def _photo_png() -> bytes:
    """A 512×512 RGB photo (the sunset sample, enlarged), PNG-encoded."""
    photo = cv2.resize(
        load_sample("Photo: sunset (generated)"), (PHOTO_SIDE, PHOTO_SIDE), interpolation=cv2.INTER_CUBIC
    )
    return cv2.imencode(".png", cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))[1].tobytes()


def _upload_photo(page) -> None:
    page.get_by_role("radio", name="Upload", exact=True).first.click()
    wait_drawn(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": "photo-512.png", "mimeType": "image/png", "buffer": _photo_png()}
    )
    page.get_by_text(f"{PHOTO_SIDE}×{PHOTO_SIDE}×3").first.wait_for(timeout=60_000)
    wait_drawn(page)


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
    wait_drawn(page)
    page.get_by_role("button", name="▶ Train").click()
    expect(page.get_by_role("combobox", name="Run", exact=True)).to_have_value(
        re.compile(f"^Run {number} · "), timeout=timeout_s * 1000
    )
    wait_drawn(page)


def _choose_quick_recipe(page) -> None:
    page.get_by_role("radiogroup", name="Network").get_by_text("A recipe", exact=True).click()
    wait_drawn(page)


def measure_floor(page, changes: int) -> dict[str, float]:
    """The bare Streamlit page's start → content, first visit, control change and RSS."""
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as folder:
        script = Path(folder) / "floor.py"
        script.write_text(FLOOR_APP)
        with Server(script) as server:
            log("bare Streamlit page (the reference)")
            first = _first_content(page, server)
            wait_drawn(page)
            visit = _visit(page, server.url)
            change = _stride_changes(page, server, changes)
            return {"first": first, "visit": visit, "rss": server.rss, **change.summary()}


def measure(changes: int = 8, trainings: int = 5, training_timeout_s: float = 600) -> list[Measure]:
    """Every app figure, next to the floor's in the same run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto("about:blank")
        try:
            floor = measure_floor(page, changes)
            with Server() as server:
                results = _measure_app(page, server, floor, changes, trainings, training_timeout_s)
        except Exception:
            shot = Path(tempfile.gettempdir()) / "bench_app_failure.png"
            page.screenshot(path=str(shot), full_page=True)
            log(f"failed on {page.url}; screenshot: {shot}")
            raise
        finally:
            browser.close()
    return results


def _measure_app(
    page, server: Server, floor: dict[str, float], changes: int, trainings: int, training_timeout_s: float
) -> list[Measure]:
    bare = "bare Streamlit page"
    log("CNN Explorer: home, then every page")
    results = [
        Measure(
            "home: server answering → content on screen",
            _first_content(page, server),
            "s",
            HOME_TARGET,
            bare,
            floor["first"],
        )
    ]
    wait_drawn(page)
    for step in STEPS:
        results.append(
            Measure(
                f"page {step.url_path}: navigation → drawn (first visit)",
                _visit(page, f"{server.url}/{step.url_path}"),
                "s",
                PAGE_TARGET,
                bare,
                floor["visit"],
            )
        )
    results.append(Measure("server RSS after visiting every page", server.rss, "MB", RSS_TARGET, bare, floor["rss"]))
    pages_peak = server.peak_rss
    results.append(Measure("server peak RSS after visiting every page", pages_peak, "MB", RSS_TARGET))

    log(f"convolution page: stride changes on a {PHOTO_SIDE}×{PHOTO_SIDE} photo")
    _visit(page, f"{server.url}/convolution")
    _upload_photo(page)
    change = _stride_changes(page, server, changes).summary()
    what = f"convolution {PHOTO_SIDE}×{PHOTO_SIDE}, stride click"
    for key, label, target in (
        ("change", "→ new feature map drawn", CHANGE_TARGET),
        ("server_cpu", ": server CPU for the rerun", ""),
        ("browser_busy", ": browser main-thread work until drawn", ""),
    ):
        for kind in ("median", "worst"):
            results.append(
                Measure(
                    f"{what}{label} ({kind} of {changes})",
                    change[f"{key}_{kind}"],
                    "ms",
                    target,
                    bare,
                    floor[f"{key}_{kind}"],
                )
            )
    if trainings:
        results += _measure_trainings(page, server, trainings, training_timeout_s, pages_peak)
    return results


def _measure_trainings(page, server: Server, trainings: int, timeout_s: float, before: float) -> list[Measure]:
    """Peak RSS after the first and after ``trainings`` quick trainings started in the browser."""
    _visit(page, f"{server.url}/training")
    _choose_quick_recipe(page)
    after: list[tuple[float, float]] = []
    for number in range(1, trainings + 1):
        log(f"training {number} of {trainings}")
        _train_once(page, timeout_s, number)
        after.append((server.rss, server.peak_rss))
    label = "peak RSS before training (every page visited)"
    results = [
        Measure("server peak RSS after every page and one training", after[0][1], "MB", RSS_TARGET, label, before)
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
            )
            for what, i in (("server peak RSS", 1), ("server RSS", 0))
        ]
    return results


def format_table(rows: list[Measure]) -> str:
    lines = ["| measure | value | reference (same run) | target |", "| --- | ---: | --- | --- |"]
    for row in rows:
        reference = ""
        if row.reference_value is not None:
            reference = f"{row.reference_value:,.2f} {row.unit} ({row.reference})"
        lines.append(f"| {row.name} | {row.value:,.2f} {row.unit} | {reference} | {row.target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=8, help="stride changes timed on the convolution page")
    parser.add_argument("--trainings", type=int, default=5, help="quick trainings in a row (0: none)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers we started on `kill`
    print(format_table(measure(args.changes, args.trainings)))


if __name__ == "__main__":
    main()
