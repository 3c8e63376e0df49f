"""Work that takes seconds, kept off the pages' script threads: on a free Dask worker of the training
cluster, else in one background thread of the web server; shared by key, with progress, results kept.

:class:`BackgroundWork` (one per server) runs a plain, picklable function ``fn(*args, report=report,
**kwargs)``; ``report(done, note)`` says how far it is (0 to 1) and what it is doing. :meth:`~BackgroundWork.
submit` starts the work for a key once: a second request for the same key (another student, the next
rerun) shares the running work, then its result. Finished results stay in memory, the least recently used
dropped beyond a count and a size (bytes of their arrays). Unfinished works are bounded before any starts:
a new one is refused (:class:`~cnnviz.errors.InputError`) when the server has
:data:`cnnviz.limits.BACKGROUND_WORKS` under way, or the person asking (``owner``) has
:data:`cnnviz.limits.PERSON_BACKGROUND_WORKS`, so one student's clicks cannot queue work without end.

On the cluster the function runs in a worker process (progress travels back through a
``distributed.Queue`` read by a thread of this process); it is sent there only when a worker thread
is idle, so it never waits behind a training. Without a usable cluster, or when the cluster loses the
task, it runs in this process' background thread instead. A :class:`cnnviz.errors.InputError` raised by
the function is the message the page shows; any other error is logged with its traceback and the page
gets a short sentence. No Streamlit here.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cnnviz import limits
from cnnviz.errors import InputError

logger = logging.getLogger(__name__)

REPORT_SECONDS = 0.5  # a worker sends its progress at most this often
POLL_SECONDS = 0.2
FAILED = "Something went wrong while computing this; the error is logged. Try again, or choose other settings."
Report = Callable[..., None]


@dataclass
class Work:
    """One piece of background work: its state, progress and, once finished, its result or error message."""

    key: str
    title: str
    expected_seconds: float = 5.0
    state: str = "queued"  # queued → running → done | failed
    done: float = 0.0  # the share done, as last reported
    note: str = ""
    where: str = ""  # "worker" (a Dask worker process) or "server" (this process' background thread)
    owner: str = ""  # who asked first (hashed; for the per-person bound)
    started: float | None = None
    finished_at: float | None = None
    result: Any = None
    error: str | None = None
    _event: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def seconds(self) -> float:
        """Seconds it has run (so far, or in all)."""
        if self.started is None:
            return 0.0
        return (self.finished_at or time.monotonic()) - self.started

    @property
    def progress(self) -> float:
        """The share done: the last report, or the time spent against the expected time (at most 95 %)."""
        if self.state == "done":
            return 1.0
        by_time = min(0.95, self.seconds / self.expected_seconds) if self.expected_seconds > 0 else 0.0
        return max(self.done, by_time if self.state == "running" else 0.0)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until finished (tests and scripts; pages poll instead). True when finished."""
        return self._event.wait(timeout)

    def report(self, done: float, note: str = "") -> None:
        self.done, self.note = min(max(float(done), 0.0), 1.0), str(note)


class BackgroundWork:
    """The server's background work (see the module docstring); thread-safe.

    ``client`` returns a ``distributed.Client`` of the training cluster, or None when there is none
    ready (it is called at each submission).
    """

    def __init__(
        self,
        client: Callable[[], Any] | None = None,
        *,
        owner: Callable[[], str] | None = None,
        max_results: int = 256,
        max_bytes: int = 256 * 2**20,
    ) -> None:
        self._client = client or (lambda: None)
        self._owner = owner or (lambda: "")
        self.max_results, self.max_bytes = max_results, max_bytes
        self._works: OrderedDict[str, Work] = OrderedDict()
        self._lock = threading.Lock()
        self._here = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnnviz-background")

    def get(self, key: str) -> Work | None:
        """The work for ``key`` (running or finished), or None; a finished one counts as recently used."""
        with self._lock:
            work = self._works.get(key)
            if work is not None and work.finished:
                self._works.move_to_end(key)
            return work

    def unfinished(self) -> int:
        """How many works are queued or running."""
        with self._lock:
            return sum(not work.finished for work in self._works.values())

    def work_keys(self) -> list[str]:
        """The keys of the works kept, running or finished."""
        with self._lock:
            return list(self._works)

    def forget(self, key: str) -> None:
        """Drop the work for ``key`` (a failed one, to try again)."""
        with self._lock:
            self._works.pop(key, None)

    def submit(
        self, key: str, fn: Callable[..., Any], *args: Any, title: str, expected_seconds: float = 5.0, **kwargs: Any
    ) -> Work:
        """The work for ``key``: the one already running or finished, else ``fn(*args, report=…, **kwargs)``
        started now on a free worker or in the background thread."""
        with self._lock:
            work = self._works.get(key)
            if work is not None:
                if work.finished:
                    self._works.move_to_end(key)
                return work
            owner = self._owner()
            self._check_room(owner)
            work = self._works[key] = Work(key, title, expected_seconds, owner=owner)
        client = self._free_client()
        if client is not None:
            work.where = "worker"
            threading.Thread(
                target=self._pump, args=(work, client, fn, args, kwargs), name="cnnviz-background-pump", daemon=True
            ).start()
        else:
            self._run_here(work, fn, args, kwargs)
        return work

    def _check_room(self, owner: str) -> None:
        """:class:`InputError` when the server (:data:`cnnviz.limits.BACKGROUND_WORKS`) or ``owner``
        (:data:`cnnviz.limits.PERSON_BACKGROUND_WORKS`) has as many unfinished works as allowed (lock held)."""
        waiting = [work for work in self._works.values() if not work.finished]
        limits.BACKGROUND_WORKS.check(len(waiting) + 1, "The server", shown=f"{len(waiting):,} explanations under way")
        mine = sum(work.owner == owner for work in waiting) if owner else 0
        limits.PERSON_BACKGROUND_WORKS.check(
            mine + 1, "Your share of the server", shown=f"{mine:,} explanations under way"
        )

    # --- where it runs ---

    def _free_client(self) -> Any:
        """The cluster's client if one of its worker threads is idle now, else None."""
        try:
            client = self._client()
            if client is None:
                return None
            busy = client.processing()
            if any(len(busy.get(worker, ())) < threads for worker, threads in client.nthreads().items()):
                return client
        except Exception:  # noqa: BLE001 - a cluster that cannot answer is no cluster: run here
            logger.info("The training cluster cannot take background work now", exc_info=True)
        return None

    def _run_here(self, work: Work, fn: Callable, args: tuple, kwargs: dict) -> None:
        work.where = "server"

        def run() -> None:
            work.state, work.started = "running", time.monotonic()
            try:
                result = fn(*args, report=work.report, **kwargs)
            except Exception as error:  # noqa: BLE001 - every failure must reach the page
                self._finish(work, error=error)
            else:
                self._finish(work, result=result)

        self._here.submit(run)

    def _pump(self, work: Work, client: Any, fn: Callable, args: tuple, kwargs: dict) -> None:
        """Run ``fn`` on a worker and follow it: its progress into ``work``, then its result (this thread)."""
        from distributed import Queue

        task_key = f"cnnviz-work-{uuid.uuid4().hex}"
        work.state, work.started = "running", time.monotonic()
        future = None
        try:
            queue = Queue(f"progress-{task_key}", client=client)
            future = client.submit(_on_worker, fn, queue.name, args, kwargs, key=task_key, pure=False)
            while not future.done():
                _read_reports(queue, work)
                time.sleep(POLL_SECONDS)
            _read_reports(queue, work)  # the last ones, sent just before the task ended
            result = future.result()
        except InputError as error:
            self._finish(work, error=error)
        except Exception:  # noqa: BLE001 - the cluster lost it (a restarted worker...): do it here instead
            logger.warning("Background work %s failed on the cluster; running it here", work.key, exc_info=True)
            work.started = None
            self._run_here(work, fn, args, kwargs)
        else:
            self._finish(work, result=result)
        finally:
            if future is not None:
                future.release()

    # --- results ---

    def _finish(self, work: Work, *, result: Any = None, error: BaseException | None = None) -> None:
        if error is None:
            work.result, work.state = result, "done"
        else:
            if not isinstance(error, InputError):
                logger.error("Background work %s failed", work.key, exc_info=error)
            work.error, work.state = (str(error) if isinstance(error, InputError) else FAILED), "failed"
        work.finished_at = time.monotonic()
        work._event.set()
        self._evict()

    def _evict(self) -> None:
        """Drop the least recently used finished works beyond the count and size bounds."""
        with self._lock:
            finished = [key for key, work in self._works.items() if work.finished]
            count, total = len(finished), sum(result_bytes(self._works[key].result) for key in finished)
            for key in finished:
                if count <= self.max_results and total <= self.max_bytes:
                    break
                total -= result_bytes(self._works.pop(key).result)
                count -= 1


def _read_reports(queue: Any, work: Work) -> None:
    for done, note in queue.get(batch=True):
        work.report(done, note)


def _on_worker(fn: Callable, queue_name: str, args: tuple, kwargs: dict) -> Any:
    """``fn`` in a Dask worker, its progress sent to the queue ``queue_name`` at most every REPORT_SECONDS."""
    from distributed import Queue, get_client

    queue = Queue(queue_name, client=get_client())
    sent = [0.0]

    def report(done: float, note: str = "") -> None:
        now = time.monotonic()
        if now - sent[0] >= REPORT_SECONDS or done >= 1:
            sent[0] = now
            queue.put((float(done), str(note)))

    return fn(*args, report=report, **kwargs)


def result_bytes(value: Any) -> int:
    """The bytes of the NumPy arrays in a result (through tuples, lists, dicts and dataclasses), at least 1."""
    if isinstance(value, np.ndarray):
        return max(value.nbytes, 1)
    if isinstance(value, dict):
        return sum(result_bytes(v) for v in value.values()) or 1
    if isinstance(value, (list, tuple)):
        return sum(result_bytes(v) for v in value) or 1
    if hasattr(value, "__dataclass_fields__"):
        return sum(result_bytes(getattr(value, name)) for name in value.__dataclass_fields__) or 1
    return 1
