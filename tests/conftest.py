"""Shared test set-up: the offline data directory and a helper to run pages with AppTest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "datasets"

#: The offline copy of MNIST / Fashion-MNIST / NEU (CI sets CNNVIZ_DATA_DIR to it).
# Absolute, so processes started elsewhere (a notebook kernel, a worker) find it too.
DATA_DIR = Path(os.environ.get("CNNVIZ_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
os.environ["CNNVIZ_DATA_DIR"] = str(DATA_DIR)
NO_DATA = (
    f"needs the offline datasets folder (mnist/, fashion-mnist/, neu/): CNNVIZ_DATA_DIR={DATA_DIR} "
    "does not exist (see README, 'Offline use')"
)
#: Pages that read the offline datasets as soon as they open (through cnnviz.ui.cache.get_dataset).
DATA_PAGES = frozenset({"data", "inside", "training"})
# Keep TensorFlow quiet and deterministic enough for tests on a 2-core CPU.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def skip_without_data() -> None:
    """Skip the calling test, saying why, when the offline datasets folder is absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(NO_DATA)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The offline datasets folder; a test (or fixture) that asks for it is skipped without it."""
    skip_without_data()
    return DATA_DIR


def page_path(name: str) -> str:
    """Absolute path of a page script, for AppTest.from_file (skips the test if the page needs absent data)."""
    if name in DATA_PAGES:
        skip_without_data()
    return str(ROOT / "pages" / f"{name}.py")


def opened_page(name: str, timeout: float = 90):
    """The page run once with AppTest, checked to have raised nothing (for module-scoped fixtures)."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(page_path(name), default_timeout=timeout)
    app.run()
    assert not app.exception
    return app


def markdown_text(app) -> str:
    """Every markdown block of an AppTest run, one per line."""
    return "\n".join(block.value for block in app.markdown)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the whole session (tests/postgres_server.py), removed after;
    the tests that ask for it skip, saying why, where PostgreSQL's binaries are missing."""
    from tests.postgres_server import PostgresServer, find_binaries

    binaries, reason = find_binaries()
    if binaries is None:
        pytest.skip(reason)
    server = PostgresServer(binaries)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """A fresh, empty database's URL: a SQLite file in the test's folder, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


class Clock:
    """A clock a test moves by hand (``clock.now += 60``): retention, last activity, rate-limit windows."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def dask_client():
    """A Dask client of a one-thread cluster inside this process, on 127.0.0.1 (the export jobs' workers)."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
