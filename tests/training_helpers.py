"""What the Dask training tests share (besides conftest's ``TINY`` and ``small``): two settings, a real
``dask scheduler`` + workers on loopback that a test can kill and restart, and helpers to run and wait for jobs."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from cnnviz.training import TrainConfig, TrainingJob, TrainingPlan
from cnnviz.training.cluster import scheduler_command, worker_command, worker_environment
from cnnviz.training.events import Event
from tests.conftest import TINY
from tests.postgres_server import free_port

QUICK = TrainConfig(epochs=1, batch_size=32, validation_split=0.1)
LONG = TrainConfig(epochs=200, batch_size=8, validation_split=0.1)  # minutes: only ever stopped or cancelled


def start_job(train_fn, dataset, config=QUICK, stack=TINY, **plan) -> TrainingJob:
    return TrainingJob([TrainingPlan(stack, dataset, config, **plan)], train_fn=train_fn).start()


def finished(job: TrainingJob, timeout: float = 180):
    assert job.join(timeout), "the training did not end"
    snapshot = job.snapshot()
    assert snapshot.state in ("finished", "stopped"), snapshot.error
    return snapshot


def wait_until(predicate: Callable[[], bool], timeout: float = 180.0, *, what: str = "") -> None:
    """Poll ``predicate`` until it holds (a loaded 2-core machine starts workers slowly); a timeout says
    what it waited for (``what``, else the predicate's name)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what or predicate.__name__}"
        time.sleep(0.05)


def running_batches(job: TrainingJob) -> bool:
    """True once the job's training takes steps on a worker. A batch or an epoch event both say so: when an
    epoch is shorter than the worker's forwarding interval (a fast CPU), every batch event arrives together
    with its epoch's end and the last event read is always the epoch. A job that ended fails at once, with
    its state and error, instead of leaving the caller to wait for batches that never come."""
    snapshot = job.snapshot()
    assert snapshot.active, f"the job ended ({snapshot.state.value}) before training: {snapshot.error}"
    return snapshot.progress.get("event") in (Event.BATCH, Event.EPOCH)


class ExternalCluster:
    """``dask scheduler`` + ``workers`` × ``dask worker`` on a free loopback port, as an operator runs them;
    the scheduler can be killed and started again on the same address. Ends everything on ``close``."""

    def __init__(self, workers: int = 1, *, memory_limit: int = 0) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self._quiet = {"env": worker_environment(), "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.scheduler: subprocess.Popen | None = None
        self.start_scheduler()
        self.workers: list[subprocess.Popen] = []
        for _ in range(workers):
            self.add_worker(memory_limit=memory_limit)

    def add_worker(self, *, memory_limit: int = 0) -> None:
        name = f"lab-{len(self.workers)}"
        self.workers.append(
            subprocess.Popen(worker_command(self.address, name=name, memory_limit=memory_limit), **self._quiet)
        )

    def supervise(self) -> None:
        """Start again every worker whose process ended, as an operator's supervisor does (a ``dask worker``
        exits when its scheduler goes away: ``worker-handle-scheduler-connection-broken``)."""
        for index, process in enumerate(self.workers):
            if process.poll() is not None:
                self.workers[index] = subprocess.Popen(worker_command(self.address, name=f"lab-{index}"), **self._quiet)

    def start_scheduler(self) -> None:
        self.scheduler = subprocess.Popen(scheduler_command(self.address), **self._quiet)

    def kill_scheduler(self) -> None:
        assert self.scheduler is not None
        self.scheduler.kill()
        self.scheduler.wait(30)

    def processes(self) -> list[subprocess.Popen]:
        return [*self.workers, *([self.scheduler] if self.scheduler else [])]

    def close(self) -> None:
        for process in self.processes():
            process.terminate()
        for process in self.processes():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)
