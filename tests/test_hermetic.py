"""The tests are hermetic: the session has its own cache, database and an empty home (tests/conftest.py),
and the processes the tests start (Dask workers, the e2e server, notebook kernels) get the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cnnviz.classroom.database import database_url
from cnnviz.datasets.cache import cache_dir
from cnnviz.training.cluster import worker_environment
from tests.conftest import SESSION_DIR, SESSION_HOME

# What a fresh interpreter sees: where cnnviz caches, which database it would open, and its home.
PROBE = """
import json, os, pathlib
from cnnviz.classroom.database import database_url
from cnnviz.datasets.cache import cache_dir
print(json.dumps([str(cache_dir()), os.environ.get("CNNVIZ_DATABASE_URL"), str(pathlib.Path.home())]))
"""


def test_the_session_has_its_own_cache_database_and_empty_home():
    assert cache_dir().is_relative_to(SESSION_DIR) and cache_dir() != Path("~/.cache/cnnviz").expanduser()
    assert os.environ["CNNVIZ_DATABASE_URL"] == f"sqlite:///{SESSION_DIR / 'classroom.sqlite3'}"
    assert database_url().database == str(SESSION_DIR / "classroom.sqlite3")  # what the classroom opens
    assert Path.home() == SESSION_HOME and "XDG_CACHE_HOME" not in os.environ and "KERAS_HOME" not in os.environ
    assert not (SESSION_HOME / ".cache" / "cnnviz").exists()  # nothing fell back to a cache in the home folder


def test_a_worker_process_gets_the_same_cache_database_and_home():
    """Dask workers start with worker_environment(); the e2e server and notebook kernels inherit os.environ."""
    for env in (worker_environment(), os.environ.copy()):
        seen = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
        cache, database, home = json.loads(seen.stdout)
        assert Path(cache).is_relative_to(SESSION_DIR) and Path(home) == SESSION_HOME
        assert database == os.environ["CNNVIZ_DATABASE_URL"]
