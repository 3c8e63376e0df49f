"""cnnviz.background: work shared by key, progress, errors, bounded results; on a real Dask cluster (loopback)
when a worker is free, in the background thread otherwise or when the cluster loses the task."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

from cnnviz import limits
from cnnviz.background import FAILED, BackgroundWork, result_bytes
from cnnviz.errors import InputError

WAIT = 120


def square(value: float, *, report) -> float:
    report(0.5, "halfway")
    return value * value


def blocked(gate: threading.Event, *, report) -> str:
    report(0.25, "waiting for the gate")
    gate.wait(WAIT)
    return "through"


def refuse(*, report) -> None:
    raise InputError("Ask for fewer images.")


def crash(*, report) -> None:
    raise ZeroDivisionError("a bug")


def array_of(size: int, *, report) -> np.ndarray:
    return np.zeros(size, np.uint8)


def where_am_i(*, report) -> str:
    from distributed import get_worker

    report(1.0, "done")
    return get_worker().address


def test_a_work_runs_in_the_background_thread_and_is_shared_by_key():
    work = BackgroundWork()
    gate = threading.Event()
    first = work.submit("gate", blocked, gate, title="Blocked")
    assert first.where == "server" and not first.finished
    second = work.submit("gate", blocked, gate, title="Blocked again")  # the same key: the same work
    assert second is first and work.unfinished() == 1 and work.work_keys() == ["gate"]
    gate.set()
    assert first.wait(WAIT) and first.state == "done" and first.result == "through" and first.progress == 1.0
    assert work.unfinished() == 0
    assert work.submit("gate", blocked, threading.Event(), title="again") is first  # the kept result


def test_unfinished_work_is_bounded_per_person_and_per_server_and_frees_up_when_it_ends():
    """Issue 25: one student's clicks (an explanation per epoch, per layer, per channel...) cannot queue work
    without end in the server's background thread; the refusal says what is full and what to do."""
    asking = ["ada"]
    work = BackgroundWork(owner=lambda: asking[0])
    gate = threading.Event()
    for index in range(limits.PERSON_BACKGROUND_WORKS.most):
        work.submit(f"ada-{index}", blocked, gate, title="Blocked")
    with pytest.raises(InputError, match=r"^Your share of the server is used up: 16 explanations under way; the most"):
        work.submit("ada-more", blocked, gate, title="One more")
    assert work.submit("ada-0", blocked, gate, title="The same again") is not None  # shared work is no new work
    others = limits.BACKGROUND_WORKS.most - limits.PERSON_BACKGROUND_WORKS.most
    for index in range(others):
        asking[0] = f"student-{index % 4}"  # others are not refused because of Ada: 12 each, within their share
        work.submit(f"other-{index}", blocked, gate, title="Blocked")
    assert work.unfinished() == limits.BACKGROUND_WORKS.most
    asking[0] = "linus"
    with pytest.raises(InputError, match=r"^The server is busy: 64 explanations under way; the most allowed is 64"):
        work.submit("linus-0", blocked, gate, title="One more")
    gate.set()
    deadline = time.monotonic() + WAIT
    while work.unfinished() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert work.submit("linus-0", square, 3.0, title="Now").wait(WAIT)  # the server has room again
    assert work.get("linus-0").result == 9.0 and work.get("ada-more") is None  # the refused one never started


def test_progress_is_the_last_report_and_at_least_the_time_spent():
    work = BackgroundWork()
    gate = threading.Event()
    running = work.submit("slow", blocked, gate, title="Slow", expected_seconds=1e9)
    for _ in range(200):
        if running.done:
            break
        threading.Event().wait(0.05)
    assert running.state == "running" and running.done == 0.25 and running.note == "waiting for the gate"
    assert running.progress == 0.25
    running.expected_seconds = 1e-6  # long past its expected time: the bar stops at 95 %
    assert running.progress == 0.95
    gate.set()
    running.wait(WAIT)


def test_errors_reach_the_page_as_a_message_and_a_bug_is_logged(caplog):
    work = BackgroundWork()
    refused = work.submit("refused", refuse, title="Refused")
    assert refused.wait(WAIT) and refused.state == "failed" and refused.error == "Ask for fewer images."
    with caplog.at_level(logging.ERROR, logger="cnnviz.background"):
        crashed = work.submit("crashed", crash, title="Crashed")
        assert crashed.wait(WAIT)
    assert crashed.state == "failed" and crashed.error == FAILED
    assert any("ZeroDivisionError" in (record.exc_text or "") for record in caplog.records)
    work.forget("crashed")  # "Try again"
    assert work.get("crashed") is None
    assert work.submit("crashed", square, 3.0, title="Now it works").wait(WAIT)
    assert work.get("crashed").result == 9.0


def test_finished_results_are_bounded_by_count_and_by_bytes_the_least_recently_used_first():
    work = BackgroundWork(max_results=3, max_bytes=1000)
    for key in "abc":
        work.submit(key, array_of, 100, title=key).wait(WAIT)
    work.get("a")  # used again: now the most recent
    work.submit("d", array_of, 100, title="d").wait(WAIT)
    assert work.get("b") is None and all(work.get(key) for key in "acd")
    work.submit("big", array_of, 900, title="big").wait(WAIT)  # 100 + 100 + 900 > 1000 bytes
    assert work.get("a") is None and work.get("big").result.nbytes == 900
    assert result_bytes({"x": np.zeros(10), "y": [np.zeros(5, np.uint8)]}) == 85


@pytest.fixture(scope="module")
def cluster():
    """The app's own training cluster on loopback (one worker process of one thread); its client."""
    from cnnviz.training.cluster import TrainingCluster

    training = TrainingCluster(workers=1).start()
    yield training.client()
    training.close()


def test_a_free_worker_takes_the_work_and_its_progress_comes_back(cluster):
    work = BackgroundWork(lambda: cluster)
    done = work.submit("remote", square, 4.0, title="Square")
    assert done.where == "worker"
    assert done.wait(WAIT) and done.state == "done" and done.result == 16.0
    address = work.submit("where", where_am_i, title="Where").wait(WAIT)
    assert address and work.get("where").result in cluster.nthreads()
    assert work.get("where").done == 1.0 and work.get("where").note == "done"
    refused = work.submit("remote-refused", refuse, title="Refused")
    assert refused.wait(WAIT) and refused.error == "Ask for fewer images."  # the worker's InputError


def test_a_busy_cluster_or_a_lost_task_leaves_the_work_to_the_server(cluster):
    class Busy:
        """A client whose only worker thread is taken (a training runs there)."""

        def processing(self):
            return {"tcp://127.0.0.1:1": ("cnnviz-train-1",)}

        def nthreads(self):
            return {"tcp://127.0.0.1:1": 1}

    assert BackgroundWork(Busy).submit("busy", square, 2.0, title="Busy").where == "server"

    class Lost(Busy):
        """A client that accepts the task and loses it (a worker killed mid-way)."""

        def processing(self):
            return {}

        def submit(self, *args, **kwargs):
            raise RuntimeError("the worker died")

    lost = BackgroundWork(Lost).submit("lost", square, 5.0, title="Lost")
    assert lost.wait(WAIT) and lost.result == 25.0 and lost.where == "server"
    broken = BackgroundWork(lambda: 1 / 0).submit("broken", square, 6.0, title="No cluster")
    assert broken.wait(WAIT) and broken.result == 36.0 and broken.where == "server"
