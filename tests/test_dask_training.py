"""Training on Dask: a real embedded cluster (scheduler in this process, worker subprocesses), the
run store, identical trainings shared, stop and cancel across the process boundary, a killed
worker, the teacher's budget, continuing a run; and a real ``dask scheduler`` with two workers."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from cnnviz import datasets
from cnnviz.errors import InputError
from cnnviz.training import TrainingJob, TrainingPlan
from cnnviz.training.budget import Budget
from cnnviz.training.cluster import TrainingCluster, scheduler_command, worker_command, worker_environment
from cnnviz.training.keys import KEY_PREFIX, dataset_fingerprint, training_key
from cnnviz.training.service import WORKER_LOST, TrainingService
from cnnviz.training.store import RunStore
from tests.conftest import TINY
from tests.training_helpers import LONG, QUICK, finished, running_batches, start_job, wait_until


@pytest.fixture(scope="module")
def cluster():
    cluster = TrainingCluster(workers=1).start()
    yield cluster
    cluster.close()


@pytest.fixture
def service(cluster, tmp_path) -> TrainingService:
    return TrainingService(cluster, store=RunStore(tmp_path / "runs"))


def test_a_worker_process_trains_and_the_server_gets_plain_data(service, small, cluster) -> None:
    snapshot = finished(start_job(service, small))
    run = snapshot.runs[0]
    assert run.worker in cluster.client().scheduler_info()["workers"]
    assert cluster.worker_pids() and os.getpid() not in cluster.worker_pids()
    assert "model" not in vars(run) and run.weights is not None  # no Keras model came back
    assert snapshot.trace and snapshot.history["loss"] == run.history["loss"]
    assert run.parameters == run.model.count_params()  # rebuilt on first use, from the weights
    probabilities = run.model.predict(small.x_test.astype(np.float32) / 255, verbose=0)
    np.testing.assert_allclose(probabilities, run.test_probabilities, atol=1e-5)
    assert run.test_images is small.x_test
    # The epoch scrubber's copies cross the process boundary too: before training, and after epoch 1.
    assert run.epochs_recorded == 1 and run.final_epoch == 1
    for stored, final in zip(run.weights_at(1), run.weights, strict=True):
        np.testing.assert_array_equal(stored, final)
    assert not all(np.array_equal(a, b) for a, b in zip(run.weights_at(0), run.weights, strict=True))


def test_the_key_names_stack_dataset_settings_and_random_start(small) -> None:
    data = dataset_fingerprint(small)
    key = training_key(TINY, data, QUICK.to_dict())
    assert key.startswith(KEY_PREFIX) and key == training_key(TINY, data, QUICK.to_dict())
    assert key != training_key(TINY, data, replace(QUICK, seed=1).to_dict())
    assert key != training_key(TINY[1:], data, QUICK.to_dict())
    other = datasets.Dataset(
        small.x_train[:-1], small.y_train[:-1], small.x_test, small.y_test, small.class_names, source="one image less"
    )
    assert dataset_fingerprint(other) != data


def test_an_identical_training_joins_the_running_one_then_is_reused_from_the_store(service, small, tmp_path) -> None:
    config = replace(QUICK, epochs=2)
    first = start_job(service, small, config)
    wait_until(lambda: service.running() == 1)  # the first job's training is registered: the second can only join it
    second = start_job(service, small, config)
    one, two = finished(first), finished(second)
    assert service.tasks_submitted == 1
    assert (one.runs[0].reused, two.runs[0].reused) == ("", "joined") and two.watchers == 2
    assert two.trace == one.trace and two.runs[0].history == one.runs[0].history  # the same live curves

    third = finished(start_job(service, small, config)).runs[0]
    assert third.reused == "stored" and service.tasks_submitted == 1
    assert third.history == one.runs[0].history and np.array_equal(
        third.test_probabilities, one.runs[0].test_probabilities
    )
    assert third.epochs_recorded == 2 and all(  # the scrubber's epochs come back from the store
        np.array_equal(a, b) for a, b in zip(third.weights_at(1), one.runs[0].weights_at(1), strict=True)
    )
    restarted = TrainingService(service.cluster, store=RunStore(tmp_path / "runs"))  # a new server, same disk
    assert finished(start_job(restarted, small, config)).runs[0].reused == "stored"
    assert restarted.tasks_submitted == 0

    fresh = finished(start_job(service, small, replace(config, seed=7))).runs[0]
    assert fresh.reused == "" and service.tasks_submitted == 2


def test_stop_crosses_the_process_boundary_and_keeps_the_scored_run(service, small) -> None:
    job = start_job(service, small, LONG)
    wait_until(lambda: running_batches(job))
    job.stop()
    run = finished(job, 60).runs[0]
    assert job.snapshot().state == "stopped" and run.stopped and run.epochs_done < LONG.epochs
    assert any(note.startswith("Stopped by you after batch") for note in run.notes)
    assert run.test_accuracy is not None
    assert service.store.keys() == []  # a stopped run is not what its settings would train: not stored


def test_cancel_and_a_closed_tab_end_the_worker_task(service, small) -> None:
    job = start_job(service, small, LONG)
    wait_until(lambda: running_batches(job), what="the first job's batches")
    job.cancel()
    assert job.join(30) and job.snapshot().state == "cancelled"
    wait_until(
        lambda: service.gate.load() == (0, 0) and service.running() == 0,
        what="the gate to free the cancelled job's place and the service to end its task",
    )

    alive = threading.Event()
    alive.set()
    orphan = TrainingJob(
        [TrainingPlan(TINY, small, LONG)],
        train_fn=service,
        owner_alive=alive.is_set,
        orphan_grace_seconds=0.2,
        check_owner_every=0.05,
    ).start()
    wait_until(lambda: running_batches(orphan), what="the orphan job's batches")
    alive.clear()
    assert orphan.join(30) and orphan.snapshot().state == "cancelled"
    wait_until(
        lambda: service.gate.load() == (0, 0) and service.running() == 0,
        what="the gate to free the orphan's place and the service to end its task",
    )
    assert not any(service.cluster.client().processing().values())


def test_stopping_a_shared_training_leaves_it_to_the_others(service, small) -> None:
    first = start_job(service, small, LONG)
    wait_until(lambda: running_batches(first))
    second = start_job(service, small, LONG)
    wait_until(lambda: second.snapshot().watchers == 2)
    second.stop()
    assert second.join(30) and second.snapshot().state == "cancelled"
    assert "goes on for the 1 other person" in second.snapshot().error
    time.sleep(1)
    assert first.snapshot().state == "running"
    first.stop()
    assert finished(first, 60).runs[0].stopped


def test_a_killed_worker_gives_a_clear_message_and_a_retry_works(service, small, cluster, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="cnnviz.training.service")
    job = start_job(service, small, LONG)
    wait_until(lambda: running_batches(job))
    (pid,) = cluster.worker_pids()
    os.kill(pid, signal.SIGKILL)
    assert job.join(60)
    snapshot = job.snapshot()
    assert snapshot.state == "failed" and snapshot.error == WORKER_LOST
    [lost] = [r for r in caplog.records if r.name == "cnnviz.training.service"]  # Dask's own error, for the log
    assert lost.exc_info is not None and lost.exc_info[1] is not None
    cluster.client().wait_for_workers(1, timeout=120)  # the nanny starts a new worker process
    retry = finished(start_job(service, small, replace(QUICK, seed=3)))
    assert retry.runs[0].test_accuracy is not None and cluster.worker_pids() != [pid]


def test_a_worker_is_recycled_between_trainings(cluster, small, tmp_path) -> None:
    service = TrainingService(cluster, store=RunStore(tmp_path / "runs"), recycle_after=1)
    (before,) = cluster.worker_pids()
    finished(start_job(service, small, replace(QUICK, seed=11)))
    cluster.client().wait_for_workers(1, timeout=120)
    wait_until(lambda: cluster.worker_pids() not in ([], [before]), timeout=120)
    assert finished(start_job(service, small, replace(QUICK, seed=12))).runs[0].test_accuracy is not None


def test_the_teachers_budget_refuses_a_training_over_it(cluster, small) -> None:
    service = TrainingService(cluster, budget=Budget(max_epoch_images=500))
    job = start_job(service, small, replace(QUICK, epochs=2))  # 2 epochs × 600 images
    assert job.join(30)
    assert job.snapshot().state == "failed" and "at most 500 epochs × training images" in job.snapshot().error
    assert service.tasks_submitted == 0
    with pytest.raises(InputError, match="queue at most 2 trainings"):
        Budget(max_queued=2).check(1, 100, trainings=3)
    assert Budget.from_settings({"CNNVIZ_MAX_TRAINING_SECONDS": "90", "CNNVIZ_MAX_EPOCH_IMAGES": ""}) == Budget(
        max_seconds=90.0
    )


def test_the_time_limit_stops_a_training_and_says_so(cluster, small) -> None:
    service = TrainingService(cluster, budget=Budget(max_seconds=20))
    run = finished(start_job(service, small, replace(LONG, seed=5)), 120).runs[0]
    assert run.stopped and any("at this server's time limit for one training" in note for note in run.notes)
    assert run.test_accuracy is not None and len(run.test_labels) == len(small.y_test)  # still tested in time
    assert run.task_seconds < 20 + 3 + 1  # the whole task: the limit and the scoring's grace


def test_a_finished_run_continues_for_more_epochs(service, small) -> None:
    first = finished(start_job(service, small, replace(QUICK, epochs=2, seed=21))).runs[0]
    more = finished(start_job(service, small, replace(first.config, epochs=4), start=first)).runs[0]
    assert more.epochs_done == 4 and more.history["loss"][:2] == first.history["loss"]
    assert more.history["loss"][-1] < first.history["loss"][-1]
    assert any("Continued from epoch 2" in note for note in more.notes)


def test_a_continued_run_counts_toward_the_budget_of_the_run_it_continues(cluster, small) -> None:
    service = TrainingService(cluster, budget=Budget(max_epoch_images=3 * 600))
    first = finished(start_job(service, small, replace(QUICK, epochs=2, seed=22))).runs[0]
    more = finished(start_job(service, small, replace(first.config, epochs=3), start=first)).runs[0]
    assert more.epochs_done == 3 and more.task_seconds > first.task_seconds > 0  # 3 epochs in all: allowed
    refused = start_job(service, small, replace(first.config, epochs=4), start=more)  # a 4th, one at a time
    assert refused.join(30) and "a continued run counts with the run it continues" in refused.snapshot().error
    used_up = TrainingService(cluster, budget=Budget(max_seconds=more.task_seconds))  # its time is all used
    late = start_job(used_up, small, replace(first.config, epochs=4), start=more)
    assert late.join(30) and "has used the" in late.snapshot().error and used_up.tasks_submitted == 0


def test_the_run_store_is_bounded_and_reads_only_its_own_files(tmp_path, service, small) -> None:
    run = finished(start_job(service, small, replace(QUICK, seed=31))).runs[0]
    from cnnviz.training.payload import to_payload

    payload = to_payload(run)
    store = RunStore(tmp_path / "bounded", max_bytes=1)
    store.put(KEY_PREFIX + "a1", payload)
    time.sleep(0.01)
    store.put(KEY_PREFIX + "b2", payload)
    assert store.keys() == []  # each alone is over the bound: evicted at once
    roomy = RunStore(tmp_path / "roomy", max_bytes=10**9)
    roomy.put(KEY_PREFIX + "a1", payload)
    assert roomy.get(KEY_PREFIX + "a1")["history"] == run.history
    assert roomy.get(KEY_PREFIX + "zz") is None
    with pytest.raises(ValueError):
        roomy.get(KEY_PREFIX + "../../etc")


def _dask_processes() -> set[int]:
    import psutil

    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "distributed.cli" in " ".join(child.cmdline()):
                found.add(child.pid)
        except psutil.Error:
            continue
    return found


def test_closing_a_cluster_while_it_starts_leaves_no_process() -> None:
    before = _dask_processes()
    cluster = TrainingCluster(workers=1).start_in_background()
    wait_until(lambda: _dask_processes() - before)
    started = _dask_processes() - before
    cluster.close()
    wait_until(lambda: not (_dask_processes() & started), timeout=30)
    with pytest.raises(RuntimeError):  # "closed", or "did not start in time" if it was still starting
        cluster.client(timeout=5)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_external_scheduler_with_two_workers_trains_on_both(small, tmp_path) -> None:
    """``dask scheduler`` + two ``dask worker`` processes on loopback, as an operator would run them."""
    from distributed import get_task_stream

    address = f"tcp://127.0.0.1:{_free_port()}"
    env = worker_environment()
    scheduler = subprocess.Popen(
        scheduler_command(address), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    workers = [
        subprocess.Popen(
            worker_command(address, name=f"lab-{i}"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for i in range(2)
    ]
    cluster = TrainingCluster(address)
    try:
        client = cluster.start().client()
        client.wait_for_workers(2, timeout=120)
        service = TrainingService(cluster, store=RunStore(tmp_path / "runs"))
        with get_task_stream(client) as stream:
            jobs = [start_job(service, small, replace(QUICK, seed=seed)) for seed in (41, 42)]
            runs = [finished(job).runs[0] for job in jobs]
        tasks = {t["key"]: t["worker"] for t in stream.data if str(t["key"]).startswith(KEY_PREFIX)}
        assert len(tasks) == 2 and set(tasks.values()) == {run.worker for run in runs}
        assert len({run.worker for run in runs}) == 2  # spread over both workers
    finally:
        cluster.close()
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            process.wait(30)
