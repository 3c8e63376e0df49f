"""Shared test set-up: a hermetic session environment, the offline data, AppTest helpers, the small
dataset and the tiny network the training tests share.

The environment is set here, at import, before any test module imports cnnviz: a session folder holds
the cache (``CNNVIZ_CACHE_DIR``), the database (``CNNVIZ_DATABASE_URL``) and an empty ``HOME``, so no
test reads or writes the user's ``~/.cache/cnnviz`` (or ``~/.keras``) or sees what earlier runs left.
Processes the tests start (the e2e ``streamlit run`` server, Dask workers, notebook kernels, fresh
interpreters) inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests import prerequisites

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

    from cnnviz.classroom import Classroom
    from cnnviz.datasets import Dataset

ROOT = prerequisites.ROOT

#: The offline copy of MNIST / Fashion-MNIST / NEU (CI sets CNNVIZ_DATA_DIR to it), found before HOME changes.
# Absolute, so processes started elsewhere (a notebook kernel, a worker) find it too.
DATA_DIR = prerequisites.data_dir()
os.environ["CNNVIZ_DATA_DIR"] = str(DATA_DIR)
NO_DATA = prerequisites.data_missing()

#: This session's own folder: cache, database and home. Removed when the session ends.
SESSION_DIR = Path(tempfile.mkdtemp(prefix="cnnviz-tests-")).resolve()
SESSION_HOME = SESSION_DIR / "home"
SESSION_HOME.mkdir()
os.environ.update(
    {
        "HOME": str(SESSION_HOME),
        "CNNVIZ_CACHE_DIR": str(SESSION_DIR / "cache"),
        "CNNVIZ_DATABASE_URL": f"sqlite:///{SESSION_DIR / 'classroom.sqlite3'}",
    }
)
# AppTest (here and in fresh interpreters) runs no browser script, so nothing reports a drawn first screen
# (cnnviz.ui.first_screen): pages draw whole in one run. The browser tests' server waits, as in a browser.
os.environ["CNNVIZ_FIRST_SCREEN"] = "all"
for inherited in ("XDG_CACHE_HOME", "KERAS_HOME"):  # other ways to the user's caches
    os.environ.pop(inherited, None)

#: Pages that read the offline datasets as soon as they open (through cnnviz.ui.cache.get_dataset).
DATA_PAGES = frozenset({"data", "inside", "training", "take_home"})
# Keep TensorFlow quiet and deterministic enough for tests on a 2-core CPU.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: The tiny network the training tests train: a few seconds per epoch on :func:`mnist_sample`.
TINY = [
    {"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(SESSION_DIR, ignore_errors=True)


def unavailable(reason: str) -> NoReturn:
    """Skip the calling test for a missing prerequisite (fail instead when CI requires them all)."""
    if prerequisites.required_all():
        pytest.fail(f"{reason} ({prerequisites.REQUIRE_ALL_ENV} is set)")
    pytest.skip(reason)


def skip_without_data() -> None:
    """Skip the calling test, saying why, when the offline datasets folder is absent."""
    if NO_DATA:
        unavailable(NO_DATA)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The offline datasets folder; a test (or fixture) that asks for it is skipped without it."""
    skip_without_data()
    return DATA_DIR


def mnist_sample(train: int = 600, test: int = 300) -> Dataset:
    """The first ``train`` training and ``test`` test digits of the real (offline) MNIST."""
    from cnnviz import datasets

    skip_without_data()
    full = datasets.load("mnist")
    return datasets.Dataset(
        x_train=full.x_train[:train].copy(),
        y_train=full.y_train[:train].copy(),
        x_test=full.x_test[:test].copy(),
        y_test=full.y_test[:test].copy(),
        class_names=list(full.class_names),
        source=f"{train}/{test} MNIST digits for tests",
        name="mnist",
    )


@pytest.fixture(scope="session")
def small() -> Dataset:
    """600 training and 300 test digits of the real MNIST: enough for a quick epoch of :data:`TINY`."""
    return mnist_sample()


def page_path(name: str) -> str:
    """Absolute path of a page script, for AppTest.from_file (skips the test if the page needs absent data)."""
    if name in DATA_PAGES:
        skip_without_data()
    return str(ROOT / "pages" / f"{name}.py")


def run_page(
    name: str, *, state: dict | None = None, query: dict[str, str] | None = None, timeout: float = 60
) -> AppTest:
    """A page (``"app"``: app.py with its navigation) run once with AppTest, checked to have raised nothing.

    ``state`` (session state) and ``query`` (the address bar's parameters) are set before the run.
    """
    from streamlit.testing.v1 import AppTest

    script = str(ROOT / "app.py") if name == "app" else page_path(name)
    app = AppTest.from_file(script, default_timeout=timeout)
    app.query_params.update(query or {})
    for key, value in (state or {}).items():
        app.session_state[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def rerun_until(app: AppTest, predicate: Callable[[AppTest], object], timeout: float = 300.0) -> None:
    """Rerun the page (as its polling fragment would) until ``predicate(app)`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate(app):
        assert time.monotonic() < deadline, "timed out waiting for the page"
        time.sleep(0.5)
        app.run()


def labelled_button(app: AppTest, label: str):
    """The first button labelled ``label``."""
    return next(button for button in app.button if button.label == label)


def markdown_text(app: AppTest) -> str:
    """Every markdown block of an AppTest run, one per line."""
    return "\n".join(block.value for block in app.markdown)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the whole session (tests/postgres_server.py), removed after;
    the tests that ask for it skip, saying why, where PostgreSQL's binaries are missing (see unavailable)."""
    from tests.postgres_server import PostgresServer, find_binaries

    binaries, reason = find_binaries()
    if binaries is None:
        unavailable(reason)
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


@pytest.fixture
def room(tmp_path, monkeypatch) -> Iterator[Classroom]:
    """The class database the pages use (a fresh SQLite file, no teacher password), and the same database for
    the test. (The library's own tests override it with one per database kind and a test clock.)"""
    from cnnviz.classroom import Classroom
    from cnnviz.ui import class_session
    from cnnviz.ui.class_room import access

    url = f"sqlite:///{tmp_path / 'classroom.sqlite3'}"
    monkeypatch.setenv("CNNVIZ_DATABASE_URL", url)
    monkeypatch.delenv(access.PASSWORD_KEY, raising=False)
    class_session.classroom.clear()
    access._server_tries.clear()
    classroom = Classroom(url)
    yield classroom
    classroom.close()
    class_session.classroom.clear()


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
