"""The Dask cluster that trains: embedded in the web server by default, or an existing one; it heals.

- Embedded (nothing configured): an in-process scheduler on 127.0.0.1 without a dashboard
  (``LocalCluster(n_workers=0, processes=False, ...)``, see docs/architecture.md, "Where trainings run")
  and ``$CNNVIZ_TRAINING_WORKERS`` (default 1) worker processes of one thread started as clean
  subprocesses (``python -m distributed.cli.dask_worker``, each with a nanny that restarts it),
  TensorFlow preloaded, each with a memory limit (``$CNNVIZ_WORKER_MEMORY_MB``, :func:`worker_memory_limit`)
  and every listener on 127.0.0.1. They are ended by :meth:`TrainingCluster.close`, at interpreter
  exit, and by themselves 90 s after their scheduler is gone (``--death-timeout``).
- Scale-out: ``$CNNVIZ_DASK_SCHEDULER=tcp://host:8786`` (or ``tls://``) connects to a running
  cluster instead; its workers need this package and the same requirements.

:meth:`~TrainingCluster.start_in_background` returns at once, so pages never wait for workers;
:meth:`~TrainingCluster.client` waits until the cluster is ready. It heals: a start that failed, a
client whose scheduler went away (restarted, or unreachable for longer than the client's reconnect
timeout) and an embedded worker process that is gone are started again on the next call, no sooner
than a backoff (2 s, doubling to 60 s) after the last failure. Until then every call fails at once with
:data:`UNREACHABLE`, the one message students see for any connection problem (the log has the cause).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from cnnviz.settings import setting_number
from cnnviz.training.errors import TrainingUnavailable

logger = logging.getLogger(__name__)

SCHEDULER_ENV = "CNNVIZ_DASK_SCHEDULER"
WORKERS_ENV = "CNNVIZ_TRAINING_WORKERS"
WORKER_MEMORY_ENV = "CNNVIZ_WORKER_MEMORY_MB"
ROOT = Path(__file__).resolve().parents[2]
#: A worker with no scheduler for this long exits (so a killed server leaves no orphans behind). It is also how
#: long a starting worker may take to import TensorFlow and reach its scheduler: 30 s was too short on a busy CPU.
DEATH_TIMEOUT = 90
#: What a student sees when the training workers cannot be reached, whatever the reason.
UNREACHABLE = "The training workers are not reachable, try again in a minute."
RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS = 2.0, 60.0  # backoff after a failed start
CONNECT_SECONDS = 15  # a client's connection (and reconnection) timeout
#: The default worker memory limit: this share of the machine's memory, split between the workers, at most 8 GiB.
WORKER_MEMORY_SHARE, WORKER_MEMORY_MAX = 0.6, 8 * 2**30


def worker_memory_limit(workers: int = 1) -> int:
    """Bytes one embedded worker may use (``$CNNVIZ_WORKER_MEMORY_MB``, else a share of this machine's memory).

    A malformed setting gets the default (and a log line): it never means "no limit".
    """
    import psutil

    default = min(WORKER_MEMORY_MAX, WORKER_MEMORY_SHARE * psutil.virtual_memory().total / max(1, workers))
    megabytes = setting_number(os.environ, WORKER_MEMORY_ENV, float, default / 2**20)
    return int((megabytes or default / 2**20) * 2**20)


def scheduler_command(address: str) -> list[str]:
    """The command line of a scheduler on loopback at ``address``'s port, without a dashboard: the external
    cluster the tests and benchmarks start beside :func:`worker_command` (an operator's runs on its LAN address)."""
    return [
        sys.executable,
        "-m",
        "distributed.cli.dask_scheduler",
        "--host",
        "127.0.0.1",
        "--port",
        address.rsplit(":", 1)[1],
        "--no-dashboard",
        "--dashboard-address",  # Dask opens its HTTP server even without a dashboard: keep it on loopback too
        "127.0.0.1:0",
    ]


def worker_command(address: str, *, name: str = "", memory_limit: int = 0) -> list[str]:
    """The command line of one training worker process (also used by the tests and benchmarks): one thread,
    every listener (worker, nanny, HTTP server) on 127.0.0.1, ``memory_limit`` bytes (0: none)."""
    command = [
        sys.executable,
        "-m",
        "distributed.cli.dask_worker",
        address,
        "--nthreads",
        "1",
        "--host",
        "127.0.0.1",
        "--no-dashboard",
        "--dashboard-address",
        "127.0.0.1:0",
        "--death-timeout",
        str(DEATH_TIMEOUT),
        "--memory-limit",
        str(int(memory_limit)),
        "--preload",
        "cnnviz.training.worker",
    ]
    if name:
        command += ["--name", name]
    return command


def worker_environment() -> dict[str, str]:
    """The environment of a worker process: this one, with the project importable, and Dask's memory
    manager set to pause and end a worker near its limit but never to spill a training's data to disk."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("DASK_DISTRIBUTED__WORKER__MEMORY__TARGET", "False")
    env.setdefault("DASK_DISTRIBUTED__WORKER__MEMORY__SPILL", "False")
    return env


class TrainingCluster:
    """A Dask client for trainings plus, when embedded, the scheduler and worker processes it owns."""

    def __init__(self, address: str | None = None, workers: int = 1, *, memory_limit: int | None = None) -> None:
        self.address = address
        self.workers = max(1, workers)
        self.memory_limit = worker_memory_limit(self.workers) if memory_limit is None else memory_limit
        self._client: Any = None
        self._cluster: Any = None
        self._processes: list[subprocess.Popen] = []
        self._starting: threading.Event | None = None  # set when the start under way ends
        self._lock = threading.Lock()
        self._closed = False
        self._failures = 0
        self._retry_at = 0.0  # no new start before this (monotonic), after a failure
        self.starts = 0  # attempts so far (the tests and benchmarks read it)

    @classmethod
    def from_environment(cls) -> TrainingCluster:
        workers = setting_number(os.environ, WORKERS_ENV, int, 1) or 1
        return cls(os.environ.get(SCHEDULER_ENV) or None, workers)

    @property
    def embedded(self) -> bool:
        return self.address is None

    def start_in_background(self) -> TrainingCluster:
        """Start in a daemon thread unless the cluster is up, starting, closed or backing off; returns at once."""
        with self._lock:
            if self._closed or self._starting is not None or self._healthy() or time.monotonic() < self._retry_at:
                return self
            self._starting = attempt = threading.Event()
            self.starts += 1
        threading.Thread(target=self._start, args=(attempt,), name="cnnviz-cluster-start", daemon=True).start()
        return self

    def start(self, timeout: float = 120) -> TrainingCluster:
        """Start and wait until the client and at least one worker are ready."""
        self.client(timeout).wait_for_workers(1, timeout=timeout)
        return self

    def _usable(self) -> bool:
        """The client is connected (and, embedded, the scheduler runs); called under the lock."""
        if self._client is None or self._client.status != "running":
            return False
        return self._cluster is None or self._cluster.status.name == "running"

    def _healthy(self) -> bool:
        """Usable, and no embedded worker process (a nanny) has ended; called under the lock."""
        return self._usable() and not any(process.poll() is not None for process in self._processes)

    def _start(self, attempt: threading.Event) -> None:
        client = None
        try:
            self._drop_broken()
            import dask
            from distributed import Client

            address = self.address
            if self.embedded:
                address = self._embedded_scheduler()
                self._spawn_missing_workers(address)
            with self._lock:
                connected = self._client is not None
            if not connected:
                with dask.config.set({"distributed.comm.timeouts.connect": f"{CONNECT_SECONDS}s"}):
                    client = Client(address, set_as_default=False, timeout=CONNECT_SECONDS)
                with self._lock:
                    self._client, client = client, None
            with self._lock:
                self._failures, self._retry_at = 0, 0.0
        except Exception:  # noqa: BLE001 - any failure to start is retried later; the log keeps the cause
            with self._lock:
                self._failures += 1
                delay = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (self._failures - 1))
                self._retry_at = time.monotonic() + delay
            where = f"the Dask scheduler at {self.address}" if self.address else "the embedded training cluster"
            logger.warning(
                "Could not start or reach %s (attempt %d); next try in %g s", where, self.starts, delay, exc_info=True
            )
        finally:
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close(timeout=5)
            with self._lock:
                self._starting = None
            attempt.set()
        if self._closed:  # closed while starting: end what was started
            self._shutdown()

    def _drop_broken(self) -> None:
        """Forget a client that lost its scheduler, and (embedded) a scheduler that stopped with its workers."""
        with self._lock:
            cluster_broken = self._cluster is not None and self._cluster.status.name != "running"
            client_broken = self._client is not None and (cluster_broken or self._client.status != "running")
            client, cluster = self._client if client_broken else None, self._cluster if cluster_broken else None
            if client_broken:
                self._client = None
            if cluster_broken:
                self._cluster = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=5)
        if cluster is not None:
            self._end_processes()
            with contextlib.suppress(Exception):
                cluster.close(timeout=5)

    def _embedded_scheduler(self) -> str:
        """The in-process scheduler's address (started now if there is none)."""
        import dask
        from distributed import LocalCluster

        if self._cluster is None:
            # A worker that dies mid-training fails that training at once (the page offers a retry)
            # instead of silently starting it again from epoch 1 on another worker.
            # No dashboard: the scheduler's HTTP port (Dask always opens one, on 127.0.0.1 here) serves nothing.
            with (
                dask.config.set({"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.http.routes": []}),
                warnings.catch_warnings(),
            ):
                warnings.filterwarnings("ignore", message="Port 8787 is already in use")  # it takes another
                self._cluster = LocalCluster(
                    n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
                )
            atexit.register(self.close)
        return self._cluster.scheduler_address

    def _spawn_missing_workers(self, address: str) -> None:
        """Start worker processes (each a nanny and its worker) until ``workers`` of them run."""
        env = worker_environment()
        with self._lock:
            self._processes = [p for p in self._processes if p.poll() is None]
            missing = self.workers - len(self._processes)
        for index in range(missing):
            process = subprocess.Popen(
                worker_command(address, name=f"cnnviz-worker-{index}-{self.starts}", memory_limit=self.memory_limit),
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            with self._lock:
                self._processes.append(process)

    def client(self, timeout: float = 120) -> Any:
        """The connected ``distributed.Client``, (re)starting the cluster if needed; waits up to ``timeout`` s.

        Raises :class:`~cnnviz.training.errors.TrainingUnavailable` with :data:`UNREACHABLE` if the cluster
        cannot be reached now (a failed start is retried on a later call, after the backoff).
        """
        with self._lock:
            if self._healthy():
                return self._client
        self.start_in_background()
        with self._lock:
            attempt = self._starting
        if attempt is not None and not attempt.wait(timeout):
            raise TrainingUnavailable(UNREACHABLE)
        with self._lock:
            if self._closed or not self._usable():
                raise TrainingUnavailable(UNREACHABLE)
            return self._client

    @property
    def ready(self) -> bool:
        with self._lock:
            return self._usable()

    def slots(self) -> int:
        """How many trainings can run at once: the workers' threads (the configured count until ready)."""
        if not self.ready:
            return self.workers
        try:
            return max(1, sum(self._client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a passing connection problem: assume the configured count
            return self.workers

    def worker_memory(self) -> int | None:
        """The smallest memory limit of the cluster's workers in bytes (None: unknown or unlimited)."""
        if self.embedded:
            return self.memory_limit or None
        if not self.ready:
            return None
        try:
            limits = [w.get("memory_limit") or 0 for w in self._client.scheduler_info(n_workers=-1)["workers"].values()]
        except Exception:  # noqa: BLE001 - unknown for now: the worker's own guard still applies
            return None
        return min(limits) if limits and all(limits) else None

    def worker_pids(self) -> list[int]:
        """Process ids of the workers (for the embedded cluster, the nannies' children: the real workers)."""
        if not self.ready:
            return []
        try:
            return sorted(self._client.run(os.getpid).values())
        except Exception:  # noqa: BLE001 - a worker going away right now: ask again later
            return []

    def close(self) -> None:
        """Close the client, end the embedded workers and scheduler, within seconds. Idempotent.

        Does not wait for a start still under way: that start shuts down what it made when it ends.
        """
        self._closed = True
        with self._lock:
            attempt = self._starting
        if attempt is not None:
            attempt.wait(5)
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            cluster, self._cluster = self._cluster, None
        if client is not None:
            with contextlib.suppress(Exception):  # closing anyway
                client.close(timeout=5)
        self._end_processes()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=5)

    def _end_processes(self) -> None:
        with self._lock:
            processes, self._processes = list(self._processes), []
        for process in processes:
            _signal_group(process, signal.SIGTERM)  # the nanny and the worker it started
        for process in processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` to the process group a worker was started in (it has its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
