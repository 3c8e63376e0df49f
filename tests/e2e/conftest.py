"""Real-browser fixtures: one `streamlit run app.py` server and one Chromium for the whole session.

Chromium is the system's (Debian's /usr/bin/chromium, or ``CNNVIZ_CHROMIUM``) driven by the playwright
PyPI package; without one the browser tests are skipped, saying how to install it. Each test gets a
fresh browser context, i.e. a fresh Streamlit session. The server inherits the session's environment
(tests/conftest.py: its own cache and database). Before any test uses it, the run tracker is checked
once (tests/e2e/browser.py's check_run_tracker): when a Streamlit upgrade breaks it, every browser test
fails at once with the tracker's name instead of each waiting for its timeout. A test that needs servers
of its own (their own database, two replicas) starts them with :func:`start_streamlit`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import prerequisites
from tests.conftest import ROOT, unavailable
from tests.e2e.browser import check_run_tracker, new_page

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
SERVER_START_TIMEOUT = 60
# expect() retries its check this long: a rerun's result can take seconds on a loaded 2-core machine.
EXPECT_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def start_streamlit(log_path: Path, env: dict[str, str] | None = None, args: Sequence[str] = ()) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port, with the session's environment (its own cache and
    database, tests/conftest.py) plus ``env`` and the command-line options ``args``; yield its base URL,
    stop it after. Its output goes to ``log_path``."""
    port = _free_port()
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *args,
        ],
        cwd=ROOT,
        env={**os.environ, "CNNVIZ_FIRST_SCREEN": "wait", **(env or {})},  # a browser reports its first screen
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            log.close()
            pytest.fail(f"streamlit run app.py did not start; see {log_path}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `streamlit run app.py` on a free loopback port; yield its base URL."""
    with start_streamlit(tmp_path_factory.mktemp("server") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = prerequisites.chromium()
    if executable is None:
        unavailable(prerequisites.chromium_missing())
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def app_url(browser, streamlit_server: str) -> str:
    """The app's base URL, once the run tracker is known to follow its reruns."""
    check_run_tracker(browser, streamlit_server)
    return streamlit_server


@pytest.fixture
def page(browser):
    tab = new_page(browser)
    yield tab
    tab.context.close()
