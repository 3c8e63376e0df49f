"""A throwaway PostgreSQL server for tests: ``initdb`` into a temporary folder, ``pg_ctl start`` on a
free loopback port (socket in the same folder), password authentication, removed when stopped.

As root (CI, the dev machines) the server runs as the ``postgres`` user through ``runuser``, since
``initdb`` refuses root. Without PostgreSQL's binaries :func:`find_binaries` says why, and the tests
that need the server skip with that reason.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"  # the system account the server runs as when the tests run as root
DB_USER = "cnnviz"


def find_binaries() -> tuple[Path | None, str]:
    """The folder holding ``initdb`` and ``pg_ctl``, or None and the reason it is missing."""
    candidates = [os.environ.get("CNNVIZ_PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    which = shutil.which("initdb")
    candidates += [str(Path(which).parent)] if which else []
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            if os.geteuid() == 0 and not _user_exists(SERVER_USER):
                return None, f"running as root, and there is no '{SERVER_USER}' user to run initdb as"
            if os.geteuid() == 0 and not shutil.which("runuser"):
                return None, "running as root, and runuser (util-linux, in /usr/sbin) is not on PATH"
            return Path(folder), ""
    return None, "PostgreSQL's initdb was not found (install Debian's 'postgresql' package, or set CNNVIZ_PG_BIN)"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One temporary server: :meth:`start`, then :meth:`url` for a fresh database, then :meth:`stop`."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="cnnviz-pg-"))
        self.data = self.folder / "data"
        self.port = 0
        self.password = secrets.token_urlsafe(16)
        self._databases = 0

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL tool as the server's user."""
        prefix = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *argv], capture_output=True, text=True, timeout=120, check=check, cwd=self.folder
        )

    def start(self) -> PostgresServer:
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n")
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            for path in (self.folder, password_file):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._run(
            str(self.binaries / "initdb"),
            "-D",
            str(self.data),
            "-U",
            DB_USER,
            "--auth=scram-sha-256",
            f"--pwfile={password_file}",
            "--encoding=UTF8",
            "--no-instructions",
        )
        password_file.unlink()
        self.port = free_port()
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )
        return self

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` on this server, with its password."""
        return f"postgresql+psycopg://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        self._databases += 1
        name = f"test_{self._databases}"
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        if self.port:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
