"""Issue 25's budget and healing, before and after: what one request costs against the limits that should hold.

Run: ``python bench/bench_budget.py [part ...]`` (this checkout; parts: malformed listeners ceiling continue
corrupt limit, all by default), or point ``PYTHONPATH`` at another checkout to
measure it the same way (the script uses only what both have: ``TrainingService``, ``Budget``,
``RunStore``, the cluster commands). Everything runs on loopback with free ports and temporary folders.

- **time limit**: a 0.5 s and a 5 s limit on a training whose test set takes long to score (2,000
  images of 128×128 through a 155 M multiply-add network): the wall time of the whole training, click
  to result, and how many test images were scored.
- **ceiling**: a network of 28.6 M parameters (Flatten → Dense 16,000 → Dense 1,000) on 500 digits:
  accepted and trained, or refused, and how long until the answer.
- **malformed setting**: ``CNNVIZ_MAX_TRAINING_SECONDS=two minutes``: which time limit results.
- **continue**: a budget of 2 epochs × the images; how many "Continue for 2 more epochs" are accepted
  (stopping at 5).
- **listeners**: the embedded cluster's listening sockets on every interface (0.0.0.0 / ::).
- **corrupt store**: a stored run with its ``.npz`` cut in half: what the next identical request gets.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil

from cnnviz import datasets
from cnnviz.training import TrainConfig, TrainingJob, TrainingPlan
from cnnviz.training import cluster as cluster_module
from cnnviz.training.budget import Budget
from cnnviz.training.cluster import TrainingCluster
from cnnviz.training.service import TrainingService
from cnnviz.training.store import RunStore

TINY = [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]
SLOW_TO_TEST = [  # 128×128 input, ~155 M multiply-adds per image
    {"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 128, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 64, "activation": "relu"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]


def log(message: str) -> None:
    print(f"[bench_budget {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_one(service: TrainingService, stack: list, dataset, config: TrainConfig, **plan) -> tuple[object, float, float]:
    """(the job's final snapshot, seconds from start to its end, seconds from its worker's first event to its end)."""
    started = time.perf_counter()
    job = TrainingJob([TrainingPlan(stack, dataset, config, **plan)], train_fn=service).start()
    began = None
    while not job.join(0.05):
        if began is None and job.snapshot().progress.get("event") == "start":
            began = time.perf_counter()  # the model is built: the task began a moment before
    ended = time.perf_counter()
    return job.snapshot(), ended - started, ended - (began or ended)


def digits() -> datasets.Dataset:
    full = datasets.load("mnist")
    return datasets.Dataset(
        full.x_train[:500], full.y_train[:500], full.x_test[:200], full.y_test[:200], full.class_names, source="500"
    )


def time_limit(cluster: TrainingCluster, store: Path) -> None:
    rng = np.random.default_rng(0)
    images = datasets.Dataset(
        rng.integers(0, 255, (256, 128, 128, 1), dtype=np.uint8),
        np.arange(256) % 10,
        rng.integers(0, 255, (2000, 128, 128, 1), dtype=np.uint8),
        np.arange(2000) % 10,
        [str(k) for k in range(10)],
        source="random 128×128 images",
    )
    print("\n## Time limit: the whole training (build, epochs, test) against the limit\n")
    for seconds in (60.0, 5.0, 0.5):  # the one that ends a worker last
        service = TrainingService(
            cluster, store=RunStore(store / f"limit-{seconds}"), budget=Budget(max_seconds=seconds)
        )
        config = TrainConfig(epochs=50, batch_size=64, validation_split=0, seed=int(seconds * 10))
        snapshot, wall, after_start = run_one(service, SLOW_TO_TEST, images, config)
        run = snapshot.runs[0] if snapshot.runs else None
        tested = 0 if run is None or run.test_labels is None else len(run.test_labels)
        task_seconds = getattr(run, "task_seconds", 0.0)  # older checkouts do not time the task
        task = f"whole task {task_seconds:.1f} s, " if task_seconds else ""
        print(
            f"- limit {seconds:g} s: click → result {wall:.1f} s ({task}first progress → result {after_start:.1f} s), "
            f"{snapshot.state.value}, test images scored {tested:,} of 2,000"
            + (f" ({snapshot.error[:90]})" if snapshot.error else "")
        )


def ceiling(cluster: TrainingCluster, store: Path) -> None:
    service = TrainingService(cluster, store=RunStore(store / "ceiling"))
    wide = [
        {"type": "Flatten"},
        {"type": "Dense", "units": 16_000, "activation": "relu"},
        {"type": "Dense", "units": 1_000, "activation": "relu"},
    ]
    snapshot, wall, _ = run_one(service, wide, digits(), TrainConfig(epochs=1, batch_size=64, seed=3))
    answer = "trained" if snapshot.state == "finished" else f"{snapshot.state.value}: {(snapshot.error or '')[:110]}"
    print("\n## Ceiling: a 28.6 M-parameter network (Flatten → Dense 16,000 → Dense 1,000) on 500 digits\n")
    print(f"- {answer}; answer after {wall:.2f} s; tasks submitted {service.tasks_submitted}")


def malformed() -> None:
    try:
        budget = Budget.from_settings({"CNNVIZ_MAX_TRAINING_SECONDS": "two minutes"})
        result = f"{budget.max_seconds} s"
    except ValueError as error:  # the page then used Budget(): no limit at all
        result = f"error ({error}); the Training page then applied no limit"
    print("\n## Malformed setting CNNVIZ_MAX_TRAINING_SECONDS='two minutes'\n")
    print(f"- time limit in force: {result}")


def continues(cluster: TrainingCluster, store: Path) -> None:
    small = digits()
    service = TrainingService(cluster, store=RunStore(store / "continue"), budget=Budget(max_epoch_images=2 * 500))
    snapshot, _, _ = run_one(service, TINY, small, TrainConfig(epochs=2, batch_size=64, validation_split=0, seed=9))
    run, accepted = snapshot.runs[0], 0
    for _ in range(5):
        more, _, _ = run_one(service, TINY, small, replace(run.config, epochs=run.epochs_done + 2), start=run)
        if more.state != "finished":
            refusal = more.error
            break
        run, accepted = more.runs[0], accepted + 1
    else:
        refusal = "none in 5"
    print("\n## Continue: a budget of 2 epochs × 500 images, then 'Continue for 2 more epochs'\n")
    print(f"- continues accepted: {accepted} (epochs trained in all: {run.epochs_done}); refusal: {refusal[:100]}")


def listeners(cluster: TrainingCluster) -> None:
    me = psutil.Process()
    found = []
    for process in [me, *me.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            found += [c.laddr for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    everywhere = [address for address in found if address.ip in ("0.0.0.0", "::")]
    print("\n## Listening sockets of the embedded cluster (scheduler in this process, nanny, worker)\n")
    print(f"- {len(found)} listening, on every interface: {len(everywhere)} {everywhere}")


def corrupt_store(cluster: TrainingCluster, store: Path) -> None:
    service = TrainingService(cluster, store=RunStore(store / "corrupt"))
    config = TrainConfig(epochs=1, batch_size=64, seed=12)
    run_one(service, TINY, digits(), config)
    (entry,) = [p for p in (store / "corrupt").iterdir() if p.name.startswith("cnnviz-train-")]
    arrays = entry / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[: arrays.stat().st_size // 2])
    snapshot, wall, _ = run_one(service, TINY, digits(), config)
    answer = f"{snapshot.state.value}" + (f": {snapshot.error[:100]}" if snapshot.error else "")
    print("\n## Corrupt run store: the stored run's .npz cut in half, then the identical request\n")
    print(f"- {answer} after {wall:.1f} s; entry still there: {entry.exists()}; tasks {service.tasks_submitted}")


def main() -> None:
    parts = sys.argv[1:] or ["malformed", "listeners", "ceiling", "continue", "corrupt", "limit"]
    print(f"bench_budget on {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M')}")
    if "malformed" in parts:
        malformed()
    # A new worker imports TensorFlow: on a busy CPU that takes longer than the 30 s older checkouts allowed.
    cluster_module.DEATH_TIMEOUT = max(cluster_module.DEATH_TIMEOUT, 90)
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        cluster = TrainingCluster(workers=1).start(timeout=300)
        try:
            steps = {
                "listeners": lambda: listeners(cluster),
                "ceiling": lambda: ceiling(cluster, store),
                "continue": lambda: continues(cluster, store),
                "corrupt": lambda: corrupt_store(cluster, store),
                "limit": lambda: time_limit(cluster, store),
            }
            for name, step in steps.items():
                if name in parts:
                    step()
        finally:
            cluster.close()


if __name__ == "__main__":
    main()
