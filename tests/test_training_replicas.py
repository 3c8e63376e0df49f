"""Several web servers act as one: two ``TrainingService`` objects, each with its own Dask client (two
"replicas"), on one real ``dask scheduler`` + worker and one run store. Identical trainings pressed on
both at once cost one task and both watch its live curves; a late replica replays the progress so far;
one replica's Stop leaves the training to the other; the finished run is shared through the store."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from distributed import Client, get_task_stream

from cnnviz.training.cluster import TrainingCluster
from cnnviz.training.keys import KEY_PREFIX
from cnnviz.training.service import TrainingService
from cnnviz.training.store import RunStore
from tests.training_helpers import (
    LONG,
    QUICK,
    ExternalCluster,
    finished,
    running_batches,
    start_job,
    wait_until,
)


@pytest.fixture(scope="module")
def lab():
    cluster = ExternalCluster(1)
    observer = Client(cluster.address, set_as_default=False, timeout=60)
    observer.wait_for_workers(1, timeout=240)
    yield cluster, observer
    observer.close()
    cluster.close()


@pytest.fixture
def replicas(lab, tmp_path):
    """Two web servers' training services on the same scheduler and the same (shared-folder) run store."""
    cluster, _ = lab
    clusters = [TrainingCluster(cluster.address).start() for _ in range(2)]
    services = [TrainingService(c, store=RunStore(tmp_path / "shared-runs")) for c in clusters]
    yield services
    for c in clusters:
        c.close()


def _training_tasks(stream) -> list[str]:
    return [t["key"] for t in stream.data if str(t["key"]).startswith(KEY_PREFIX)]


def test_identical_trainings_on_two_replicas_at_once_cost_one_task_and_both_watch_it(replicas, lab, small) -> None:
    _, observer = lab
    config = replace(QUICK, epochs=2, seed=101)
    a, b = replicas
    jobs: list = [None, None]
    go = threading.Barrier(2)

    def press(index: int, service: TrainingService) -> None:
        go.wait()  # both replicas press Train at the same moment
        jobs[index] = start_job(service, small, config)

    with get_task_stream(observer) as stream:
        threads = [threading.Thread(target=press, args=(i, s)) for i, s in enumerate((a, b))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        one, two = finished(jobs[0]), finished(jobs[1])
    assert len(_training_tasks(stream)) == 1  # the scheduler ran one training for both replicas
    assert a.tasks_submitted + b.tasks_submitted == 1  # and was asked once: the other replica attached
    assert sorted(snapshot.runs[0].reused for snapshot in (one, two)) == ["", "joined"]
    assert one.runs[0].history == two.runs[0].history and one.runs[0].history["loss"]
    assert one.trace and two.trace  # both watched the live curves (progress events), not only the result
    assert one.runs[0].worker == two.runs[0].worker
    # The finished run is in the shared store: a third request on either replica is reused at once.
    assert finished(start_job(b, small, config)).runs[0].reused == "stored"


def test_a_replica_that_arrives_late_attaches_and_replays_the_progress_so_far(replicas, lab, small) -> None:
    _, observer = lab
    a, b = replicas
    config = replace(LONG, seed=102)
    with get_task_stream(observer) as stream:
        first = start_job(a, small, config)
        wait_until(lambda: len(first.snapshot().history.get("loss", [])) >= 2, timeout=240)
        late = start_job(b, small, config)
        wait_until(lambda: late.snapshot().watchers >= 2 and late.snapshot().history, timeout=120)
        history = late.snapshot().history["loss"]
        assert history[:2] == first.snapshot().history["loss"][:2]  # the epochs before it came, replayed
        # Stop on replica B: B leaves, the training goes on for A.
        late.stop()
        assert late.join(60) and late.snapshot().state == "cancelled"
        assert "goes on for the people on other servers" in late.snapshot().error
        time.sleep(2)
        assert first.snapshot().state == "running"
        epochs = len(first.snapshot().history.get("loss", []))
        wait_until(lambda: len(first.snapshot().history.get("loss", [])) > epochs, timeout=240)  # still training
        first.stop()
        run = finished(first, 120).runs[0]
    assert run.stopped and len(_training_tasks(stream)) == 1
    assert a.store.keys() == []  # a stopped run is not what its settings train: not stored


def test_the_last_watcher_stopping_stops_the_task_for_good(replicas, lab, small) -> None:
    _, observer = lab
    a, b = replicas
    config = replace(LONG, seed=103)
    first = start_job(a, small, config)
    wait_until(lambda: running_batches(first), timeout=240)
    second = start_job(b, small, config)
    wait_until(lambda: second.snapshot().watchers >= 2, timeout=120)
    first.cancel()  # A's tab closes: B still watches, so the task goes on
    assert first.join(60) and first.snapshot().state == "cancelled"
    steps = second.snapshot().progress.get("step", 0)
    wait_until(lambda: second.snapshot().progress.get("step", 0) > steps, timeout=120)
    second.stop()  # B was the last: the training stops after this batch and B gets it scored
    run = finished(second, 120).runs[0]
    assert run.stopped and run.test_accuracy is not None
    wait_until(lambda: not any(observer.processing().values()), timeout=120)  # nothing left running
