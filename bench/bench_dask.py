"""A class training at once on Dask (issue 13): shared runs, a queue with place and wait, flat memory.

Run: ``python bench/bench_dask.py --shared 30 --seeds 30 --in-a-row 20 --external``. Each part starts
its own server(s) on free loopback ports (127.0.0.1 only) and a fresh run store, and stops them.

- ``--shared N``: a server on an external cluster the benchmark starts (``dask scheduler`` + one
  ``dask worker``, so it can count the tasks on the scheduler); one session trains alone first (the
  reference: one training, click → results), then N protocol-level sessions (:mod:`bench.st_client`)
  press Train on the same settings within 10 s. Reports the training tasks the scheduler ran for
  them, p95 click → first live point, and the slowest click → results against the reference.
- ``--seeds N``: the embedded default; N sessions with N different random starts press Train (one
  epoch on 3,000 images each), while 4 more sessions keep opening the light pages. Reports failures,
  how many waiting sessions were shown their place and a wait, and the light pages' p95.
- ``--in-a-row N``: the embedded default; one session trains N times in a row (different random
  starts). Reports the web server's own RSS (not its workers) after the first and the last, and
  the largest worker RSS seen (workers restart above ``$CNNVIZ_WORKER_RECYCLE_MB``).
- ``--external``: a ``dask scheduler`` and 2 workers; 4 different trainings through the training
  service: which worker ran each, and the same 4 on the embedded cluster give identical results.
- ``--replicas N``: two web servers (replicas) on one external cluster (``dask scheduler`` + one
  ``dask worker``) and one shared run store; N sessions per replica press Train on the same settings
  within 5 s. Reports the training tasks the scheduler ran and the submissions it got (1 each is the
  target), failures, and click → results on each replica.
- ``--reconnect [--down S]``: one web server on an external cluster; one training, then the scheduler
  is killed and, S seconds later (default 75: longer than a Dask client waits to reconnect by itself),
  started again on the same address with its worker (as a supervisor would). Reports what a student
  reads meanwhile, and the seconds from the scheduler's return to the first training that works
  through the same web server (no server restart).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from bench_app import Server, free_port
from st_client import Session, SessionError

LIGHT = ["", "pixels", "convolution", "layer_builder"]


def log(message: str) -> None:
    print(f"[bench_dask {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else (values[0] if values else float("nan"))


class ExternalCluster:
    """``dask scheduler`` + ``workers`` × ``dask worker`` on loopback, for as long as the ``with`` lasts."""

    def __init__(self, workers: int) -> None:
        from cnnviz.training.cluster import worker_environment

        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.quiet = {"env": worker_environment(), "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.processes = [self._scheduler()] + [self._worker(i) for i in range(workers)]
        from distributed import Client

        self.client = None
        try:
            self.client = Client(self.address, set_as_default=False, timeout=60)
            self.client.wait_for_workers(workers, timeout=300)
        except BaseException:  # no worker in time (a loaded machine): leave no scheduler or worker behind
            self.__exit__()
            raise

    def _scheduler(self) -> subprocess.Popen:
        from cnnviz.training.cluster import scheduler_command

        return subprocess.Popen(scheduler_command(self.address), **self.quiet)

    def _worker(self, index: int) -> subprocess.Popen:
        from cnnviz.training.cluster import worker_command

        return subprocess.Popen(worker_command(self.address, name=f"bench-{index}"), **self.quiet)

    def stop_scheduler(self) -> None:
        """Kill the scheduler; its workers notice and exit (a ``dask worker`` leaves with its scheduler)."""
        scheduler, workers = self.processes[0], self.processes[1:]
        scheduler.kill()
        scheduler.wait(30)
        self.client.close()
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(120)

    def start_scheduler(self) -> None:
        """The scheduler again on the same address, and the workers again (as a supervisor would)."""
        from distributed import Client

        workers = len(self.processes) - 1
        self.processes = [self._scheduler()] + [self._worker(i) for i in range(workers)]
        self.client = Client(self.address, set_as_default=False, timeout=60)

    def __enter__(self) -> ExternalCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        for process in reversed(self.processes):
            process.terminate()
            process.wait(30)


async def _press_train(port: int, seed: int, *, delay: float = 0.0, tiny: bool = False, timeout: float = 900) -> dict:
    """One session: open Training, set the random start (and 1 epoch if ``tiny``), wait ``delay``, press Train,
    follow the live panel until the results show. Returns the timings and what the page said."""
    out: dict = {"seed": seed, "first_point": None, "result": None, "waiting_texts": [], "error": None}
    try:
        async with Session(port, timeout=180) as session:
            run = await session.open("training")
            run = await session.set(run.widget("Random start"), float(seed))
            if tiny:
                run = await session.set(run.widget("Epochs"), [1.0])
            await asyncio.sleep(delay)
            clicked = time.perf_counter()
            run = await session.set(run.widget("▶ Train", "button"), True)
            deadline = clicked + timeout
            while time.perf_counter() < deadline:
                texts = session.last_fragment.texts + session.last_run.texts
                if out["first_point"] is None and any("· batch" in t for t in texts):
                    out["first_point"] = time.perf_counter() - clicked
                out["waiting_texts"] += [t for t in texts if "in line" in t or "yours is next" in t]
                if any(t.startswith("Test accuracy") for t in session.last_run.texts):
                    out["result"] = time.perf_counter() - clicked
                    out["reused"] = any("♻️" in t or "already trained" in t for t in session.last_run.texts)
                    break
                if session.last_run.errors:
                    raise SessionError("; ".join(session.last_run.errors))
                await asyncio.sleep(0.1)
            else:
                raise SessionError("no result in time")
    except Exception as error:  # noqa: BLE001 - counted as a failure
        out["error"] = f"{type(error).__name__}: {error}"
    return out


async def _light_pages(port: int, stop: asyncio.Event, times: list[float], failures: list[str]) -> None:
    try:
        async with Session(port, timeout=120, follow_auto_reruns=False) as session:
            while not stop.is_set():
                for page in LIGHT:
                    run = await session.open(page)
                    times.append(run.seconds)
                    if run.exceptions:
                        failures.append(run.exceptions[0])
                    await asyncio.sleep(random.uniform(0.5, 1.5))
    except Exception as error:  # noqa: BLE001
        failures.append(f"{type(error).__name__}: {error}")


def _server(store: str, **env: str) -> Server:
    os.environ.update({"CNNVIZ_CACHE_DIR": store, **env})
    return Server()


def replicas(count: int) -> None:
    """``--replicas``: two web servers, one scheduler, one run store, the same training pressed on both."""
    from distributed import get_task_stream

    with tempfile.TemporaryDirectory() as folder, ExternalCluster(1) as cluster:
        shared = {"CNNVIZ_DASK_SCHEDULER": cluster.address, "CNNVIZ_RUN_STORE": os.path.join(folder, "runs")}
        servers = [Server(env={**shared, "CNNVIZ_CACHE_DIR": os.path.join(folder, name)}) for name in "ab"]
        with servers[0], servers[1], get_task_stream(cluster.client) as stream:

            async def crowd() -> list[dict]:
                return await asyncio.gather(
                    *(
                        _press_train(server.port, seed=7, delay=random.uniform(0, 5), tiny=True)
                        for server in servers
                        for _ in range(count)
                    )
                )

            results = asyncio.run(crowd())
            tasks = {t["key"] for t in stream.data if str(t["key"]).startswith("cnnviz-train-")}
    failures = [r["error"] for r in results if r["error"]]
    ends = {
        name: [r["result"] for r in results[i * count : (i + 1) * count] if r["result"]] for i, name in enumerate("ab")
    }
    print(f"\n## Two replicas, one scheduler and run store: {count} sessions on each press the same training\n")
    print(f"- training tasks the scheduler ran: {len(tasks)}; failures: {len(failures)} {failures[:2]}")
    for name, times in ends.items():
        if times:
            print(f"- replica {name}: click → results p50 {statistics.median(times):.1f} s, worst {max(times):.1f} s")


def reconnect(down: float) -> None:
    """``--reconnect``: the scheduler goes away for ``down`` seconds under a running web server, then comes back."""
    with (
        tempfile.TemporaryDirectory() as store,
        ExternalCluster(1) as cluster,
        _server(store, CNNVIZ_DASK_SCHEDULER=cluster.address) as server,
    ):
        first = asyncio.run(_press_train(server.port, seed=20, tiny=True))
        log(f"before the restart: {first['error'] or 'trained'}")
        cluster.stop_scheduler()
        gone = time.perf_counter()
        during = asyncio.run(_press_train(server.port, seed=21, tiny=True, timeout=300))
        time.sleep(max(0.0, down - (time.perf_counter() - gone)))
        cluster.start_scheduler()
        back = time.perf_counter()
        cluster.client.wait_for_workers(1, timeout=300)
        workers_back = time.perf_counter() - back
        attempts, messages, recovered = 0, [], None
        while time.perf_counter() - back < 600:
            attempts += 1
            result = asyncio.run(_press_train(server.port, seed=21 + attempts, tiny=True, timeout=300))
            if not result["error"]:
                recovered = time.perf_counter() - back
                break
            messages.append(result["error"].split(": ", 1)[-1][:100])
            time.sleep(5)
    print(f"\n## The scheduler is away {down:.0f} s under a running web server (external cluster, 1 worker)\n")
    print(f"- a training pressed while it is away: {(during['error'] or 'trained')[:160]}")
    print(f"- the worker was back {workers_back:.0f} s after the scheduler (it imports TensorFlow)")
    if recovered is None:
        print(f"- no training worked within 10 minutes ({attempts} attempts); the page said: {sorted(set(messages))}")
    else:
        print(
            f"- first training that worked: attempt {attempts}, {recovered:.0f} s after the scheduler came back "
            f"(the page said meanwhile: {sorted(set(messages)) or 'nothing: the first attempt worked'})"
        )


def shared(count: int) -> None:
    """``--shared``: N sessions, identical settings, one task."""
    from distributed import get_task_stream

    with (
        tempfile.TemporaryDirectory() as store,
        ExternalCluster(1) as cluster,
        _server(store, CNNVIZ_DASK_SCHEDULER=cluster.address) as server,
    ):
        with get_task_stream(cluster.client) as stream:
            reference = asyncio.run(_press_train(server.port, seed=1))
            log(f"one training alone: click → results {reference['result']:.1f} s")

            async def crowd() -> list[dict]:
                return await asyncio.gather(
                    *(_press_train(server.port, seed=0, delay=random.uniform(0, 10)) for _ in range(count))
                )

            started = time.perf_counter()
            results = asyncio.run(crowd())
            wall = time.perf_counter() - started
        tasks = [t for t in stream.data if str(t["key"]).startswith("cnnviz-train-")]
    failures = [r["error"] for r in results if r["error"]]
    firsts = [r["first_point"] for r in results if r["first_point"] is not None]
    ends = [r["result"] for r in results if r["result"] is not None]
    print(f"\n## {count} sessions press Train on the same settings within 10 s (external scheduler, 1 worker)\n")
    print(f"- training tasks run: {len(tasks)} (1 for the reference alone before, then the shared one)")
    print(f"- failures: {len(failures)} {failures[:3]}")
    print(
        f"- click → first live point: p50 {statistics.median(firsts):.1f} s, p95 {p95(firsts):.1f} s "
        f"({len(firsts)} of {count} saw live points; the others got the stored result at once)"
    )
    print(
        f"- click → results: p50 {statistics.median(ends):.1f} s, worst {max(ends):.1f} s; one training alone "
        f"{reference['result']:.1f} s → worst / alone = {max(ends) / reference['result']:.2f}× (wall {wall:.0f} s)"
    )


def seeds(count: int) -> None:
    """``--seeds``: N different trainings queued on the embedded default, light pages meanwhile."""
    with tempfile.TemporaryDirectory() as store, _server(store) as server:

        async def run_all() -> tuple[list[dict], list[float], list[str]]:
            stop, times, failures = asyncio.Event(), [], []
            readers = [asyncio.create_task(_light_pages(server.port, stop, times, failures)) for _ in range(4)]
            results = await asyncio.gather(
                *(
                    _press_train(server.port, seed=100 + i, delay=random.uniform(0, 10), tiny=True, timeout=1800)
                    for i in range(count)
                )
            )
            stop.set()
            await asyncio.gather(*readers)
            return results, times, failures

        started = time.perf_counter()
        results, times, light_failures = asyncio.run(run_all())
        wall = time.perf_counter() - started
    failures = [r["error"] for r in results if r["error"]]
    waited = [r for r in results if r["waiting_texts"]]
    with_wait = [r for r in waited if any("about" in t for t in r["waiting_texts"])]
    print(f"\n## {count} sessions, {count} different random starts, embedded default (1 worker)\n")
    print(f"- failures: {len(failures)} {failures[:3]}; wall {wall:.0f} s")
    print(f"- sessions shown a place in line: {len(waited)}; of them with an estimated wait: {len(with_wait)}")
    if with_wait:
        print(f"  e.g. {with_wait[-1]['waiting_texts'][-1]!r}")
    print(
        f"- light pages meanwhile: {len(times)} opens, p50 {statistics.median(times):.2f} s, p95 {p95(times):.2f} s, "
        f"failures {len(light_failures)}"
    )


def in_a_row(count: int) -> None:
    """``--in-a-row``: the web server's RSS over N trainings."""
    import psutil

    def own_rss(pid: int) -> float:
        return psutil.Process(pid).memory_info().rss / 2**20

    def worker_rss(pid: int) -> float:
        """The largest process under the server: the worker (its nanny is a small parent process)."""
        sizes = []
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                sizes.append(child.memory_info().rss / 2**20)
        return max(sizes or [0.0])

    with tempfile.TemporaryDirectory() as store, _server(store) as server:
        pid = server.process.pid
        rss, workers = [], []

        async def trainings() -> None:
            for i in range(count):
                result = await _press_train(server.port, seed=1000 + i, tiny=True)
                if result["error"]:
                    raise RuntimeError(result["error"])
                rss.append(own_rss(pid))
                workers.append(worker_rss(pid))
                log(f"training {i + 1}: server {rss[-1]:.0f} MB, worker {workers[-1]:.0f} MB")

        asyncio.run(trainings())
    print(f"\n## {count} trainings in a row (embedded default, 1 epoch on 3,000 images each)\n")
    print(
        f"- web server RSS after training 1: {rss[0]:.0f} MB, after {count}: {rss[-1]:.0f} MB "
        f"(growth {rss[-1] - rss[0]:+.0f} MB, {(rss[-1] - rss[0]) / max(count - 1, 1):.2f} MB per training)"
    )
    print(
        f"- worker RSS after training 1: {workers[0]:.0f} MB, largest seen: {max(workers):.0f} MB "
        "(a worker restarts between trainings above $CNNVIZ_WORKER_RECYCLE_MB, default 1500)"
    )


def external() -> None:
    """``--external``: 4 trainings over 2 workers, identical to the embedded default."""
    from dataclasses import replace

    import numpy as np

    from cnnviz import datasets
    from cnnviz.recipes import EXPERIMENT_BASE
    from cnnviz.training import TrainingJob, TrainingPlan
    from cnnviz.training.cluster import TrainingCluster
    from cnnviz.training.service import TrainingService

    digits = datasets.load("mnist")
    stack = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    configs = [replace(EXPERIMENT_BASE, epochs=1, max_train_samples=1000, seed=seed) for seed in (1, 2, 3, 4)]

    def train_all(cluster: TrainingCluster) -> tuple[list, float]:
        service = TrainingService(cluster)
        started = time.perf_counter()
        jobs = [TrainingJob([TrainingPlan(stack, digits, c)], train_fn=service).start() for c in configs]
        for job in jobs:
            job.join(900)
        return [job.snapshot().runs[0] for job in jobs], time.perf_counter() - started

    with ExternalCluster(2) as lab:
        cluster = TrainingCluster(lab.address).start()
        outside, outside_s = train_all(cluster)
        cluster.close()
    embedded = TrainingCluster(workers=1).start()
    inside, inside_s = train_all(embedded)
    embedded.close()
    same = [
        np.array_equal(a.test_probabilities, b.test_probabilities) and a.history == b.history
        for a, b in zip(outside, inside, strict=True)
    ]
    print("\n## External cluster on loopback: scheduler + 2 workers, 4 different trainings\n")
    print(
        f"- workers used: {sorted({run.worker for run in outside})} ({outside_s:.0f} s for all 4; "
        f"embedded, 1 worker: {inside_s:.0f} s)"
    )
    print(f"- per training: {[run.worker.rsplit(':', 1)[1] for run in outside]}")
    print(f"- identical to the embedded default (history and test probabilities): {same}")


def main() -> None:
    os.environ["CNNVIZ_FIRST_SCREEN"] = "all"  # its protocol sessions run no script: pages whole in one run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=0)
    parser.add_argument("--in-a-row", type=int, default=0)
    parser.add_argument("--external", action="store_true")
    parser.add_argument("--replicas", type=int, default=0)
    parser.add_argument("--reconnect", action="store_true")
    parser.add_argument("--down", type=float, default=75.0, help="seconds the scheduler stays away (--reconnect)")
    args = parser.parse_args()
    from cnnviz.training import cluster as cluster_module

    # A new worker imports TensorFlow: on a busy CPU that takes longer than the 30 s older checkouts allowed.
    cluster_module.DEATH_TIMEOUT = max(cluster_module.DEATH_TIMEOUT, 90)
    print(
        f"bench_dask on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}"
    )
    if args.shared:
        shared(args.shared)
    if args.seeds:
        seeds(args.seeds)
    if args.in_a_row:
        in_a_row(args.in_a_row)
    if args.external:
        external()
    if args.replicas:
        replicas(args.replicas)
    if args.reconnect:
        reconnect(args.down)


if __name__ == "__main__":
    main()
