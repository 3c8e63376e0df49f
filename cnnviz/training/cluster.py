"""The Dask cluster that trains: embedded in the web server by default, or an existing one.

- Embedded (nothing configured): an in-process scheduler on 127.0.0.1 without a dashboard
  (``LocalCluster(n_workers=0, processes=False, ...)``, see docs/architecture.md, "Where trainings run")
  and ``$CNNVIZ_TRAINING_WORKERS`` (default 1) worker processes of one thread started as clean
  subprocesses (``python -m distributed.cli.dask_worker``, each with a nanny that restarts it),
  TensorFlow preloaded. They are ended by :meth:`TrainingCluster.close`, at interpreter exit,
  and by themselves 30 s after their scheduler is gone (``--death-timeout``).
- Scale-out: ``$CNNVIZ_DASK_SCHEDULER=tcp://host:8786`` (or ``tls://``) connects to a running
  cluster instead; its workers need this package and the same requirements.

:meth:`~TrainingCluster.start_in_background` returns at once, so pages never wait for workers;
:meth:`~TrainingCluster.client` waits until the cluster is ready.
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
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SCHEDULER_ENV = "CNNVIZ_DASK_SCHEDULER"
WORKERS_ENV = "CNNVIZ_TRAINING_WORKERS"
ROOT = Path(__file__).resolve().parents[2]
#: A worker with no scheduler for this long exits (so a killed server leaves no orphans behind).
DEATH_TIMEOUT = 30


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
    ]


def worker_command(address: str, *, name: str = "") -> list[str]:
    """The command line of one training worker process (also used by the tests and benchmarks)."""
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
        "--death-timeout",
        str(DEATH_TIMEOUT),
        "--memory-limit",
        "0",
        "--preload",
        "cnnviz.training.worker",
    ]
    if name:
        command += ["--name", name]
    return command


def worker_environment() -> dict[str, str]:
    """The environment of a worker process: this one, with the project importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


class TrainingCluster:
    """A Dask client for trainings plus, when embedded, the scheduler and worker processes it owns."""

    def __init__(self, address: str | None = None, workers: int = 1) -> None:
        self.address = address
        self.workers = max(1, workers)
        self._client: Any = None
        self._cluster: Any = None
        self._processes: list[subprocess.Popen] = []
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._started = self._closed = False

    @classmethod
    def from_environment(cls) -> TrainingCluster:
        return cls(os.environ.get(SCHEDULER_ENV) or None, int(os.environ.get(WORKERS_ENV) or 1))

    @property
    def embedded(self) -> bool:
        return self.address is None

    def start_in_background(self) -> TrainingCluster:
        """Start (once) in a daemon thread; returns at once."""
        with self._lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._start, name="cnnviz-cluster-start", daemon=True).start()
        return self

    def start(self, timeout: float = 120) -> TrainingCluster:
        """Start (once) and wait until the client and at least one worker are ready."""
        self.start_in_background()
        self.client(timeout)
        return self

    def _start(self) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster

            if self.embedded:
                # A worker that dies mid-training fails that training at once (the page offers a retry)
                # instead of silently starting it again from epoch 1 on another worker.
                # No dashboard: the scheduler's HTTP port (Dask always opens one, on 127.0.0.1 here) serves nothing.
                with (
                    dask.config.set(
                        {"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.http.routes": []}
                    ),
                    warnings.catch_warnings(),
                ):
                    warnings.filterwarnings("ignore", message="Port 8787 is already in use")  # it takes another
                    self._cluster = LocalCluster(
                        n_workers=0, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
                    )
                address = self._cluster.scheduler_address
                env = worker_environment()
                for index in range(self.workers):
                    self._processes.append(
                        subprocess.Popen(
                            worker_command(address, name=f"cnnviz-worker-{index}"),
                            env=env,
                            cwd=ROOT,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True,
                        )
                    )
                atexit.register(self.close)
            else:
                address = self.address
            self._client = Client(address, set_as_default=False, timeout=60)
            self._client.wait_for_workers(1, timeout=120)
        except BaseException as error:  # noqa: BLE001 - kept for the page, raised by client()
            logger.exception("Could not start or reach the training cluster")
            self._error = error
        self._ready.set()
        if self._closed:  # closed while starting: end what was started
            self._shutdown()

    def client(self, timeout: float = 120) -> Any:
        """The connected ``distributed.Client``; waits up to ``timeout`` s for the start.

        Raises :class:`RuntimeError` with a plain message if the cluster cannot be reached.
        """
        self.start_in_background()
        if not self._ready.wait(timeout):
            raise RuntimeError("The training workers did not start in time; try again in a minute.")
        if self._error is not None:
            where = f"the Dask scheduler at {self.address}" if self.address else "the training workers"
            raise RuntimeError(f"Could not start or reach {where}: {type(self._error).__name__}: {self._error}")
        return self._client

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._error is None

    def slots(self) -> int:
        """How many trainings can run at once: the workers' threads (the configured count until ready)."""
        if not self.ready:
            return self.workers
        try:
            return max(1, sum(self._client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a passing connection problem: assume the configured count
            return self.workers

    def worker_pids(self) -> list[int]:
        """Process ids of the embedded worker processes (the nannies' children: the real workers)."""
        if not self.ready:
            return []
        return sorted(self._client.run(os.getpid).values())

    def close(self) -> None:
        """Close the client, end the embedded workers and scheduler, within seconds. Idempotent.

        Does not wait for a start still under way: that start shuts down what it made when it ends.
        """
        self._closed = True
        if self._started:
            self._ready.wait(5)
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            processes, self._processes = list(self._processes), []
            cluster, self._cluster = self._cluster, None
            self._error = self._error or RuntimeError("the training cluster was closed")
        for process in processes:
            _signal_group(process, signal.SIGTERM)  # the nanny and the worker it started
        if client is not None:
            with contextlib.suppress(Exception):  # closing anyway
                client.close(timeout=5)
        for process in processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(5)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=5)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Send ``sig`` to the process group a worker was started in (it has its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
