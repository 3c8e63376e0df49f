"""How a training task and the web servers watching it talk: through the Dask scheduler only.

Several web servers (replicas) may watch one task, and one may start watching late, so progress is
not a queue (a queue has one reader) but the scheduler's event log: the task publishes messages on
the topic :func:`topic` of its key (``Worker.log_event``) and every watcher reads the whole topic
(``Client.get_events``), replaying what it missed. Each run of the task begins with a ``begin``
message carrying a fresh run id, so a reader takes only the newest run's messages. Stop and cancel
are ``distributed.Event`` switches named by :func:`switch` (set by the last watcher, read by the task).
The submitting server publishes the task's future as a named dataset (:func:`published_name`), which
is how another server attaches to it (the scheduler then counts it among the task's holders).

Messages are msgpack-able dicts: ``{"run": id, "begin": True, "worker": address}``,
``{"run": id, "events": [ProgressEvent, ...]}`` and ``{"run": id, "expired": True}`` (the worker's
watchdog ends a task that outlived its time limit: :mod:`cnnviz.training.deadline`).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

from cnnviz.training.events import ProgressEvent

STOP, CANCEL = "stop", "cancel"


def topic(key: str) -> str:
    """The event-log topic of the task ``key``."""
    return f"cnnviz-progress-{key}"


def published_name(key: str) -> str:
    """The name under which the submitting server publishes the task's future (``Client.publish_dataset``), so
    another server can hold it too (``Client.get_dataset``); the task unpublishes it when it ends."""
    return f"cnnviz-task-{key}"


def switch(kind: str, key: str) -> str:
    """The name of the ``distributed.Event`` that stops (``STOP``) or cancels (``CANCEL``) the task ``key``."""
    return f"{kind}-{key}"


class Publisher:
    """The task's side: publishes one run's messages through its worker (``log(topic, message)``)."""

    def __init__(self, log: Any, key: str) -> None:
        self.log, self.topic, self.run = log, topic(key), uuid.uuid4().hex[:12]

    def begin(self, worker: str) -> None:
        self.log(self.topic, {"run": self.run, "begin": True, "worker": worker})

    def events(self, events: Sequence[ProgressEvent]) -> None:
        self.log(self.topic, {"run": self.run, "events": list(events)})

    def expired(self) -> None:
        self.log(self.topic, {"run": self.run, "expired": True})


class ProgressLog:
    """A watcher's side: the newest run's events not read yet, and whether that run expired."""

    def __init__(self, client: Any, key: str) -> None:
        self.client, self.topic = client, topic(key)
        self.run: str | None = None
        self.read = 0  # messages of the current run already returned
        self.expired = False
        self.worker = ""

    def new_events(self) -> list[ProgressEvent]:
        """Events published since the last call (all of them on the first call: a late watcher replays)."""
        messages = [message for _, message in self.client.get_events(self.topic) if isinstance(message, dict)]
        begins = [i for i, message in enumerate(messages) if message.get("begin")]
        current = messages[begins[-1] :] if begins else messages  # without a begin: cleared by a racing server
        if not current:
            return []  # the task has not begun on a worker yet
        if current[0].get("run") != self.run:  # a new run (the first one, or the task started again)
            self.run, self.read, self.worker = current[0].get("run"), 0, str(current[0].get("worker", ""))
        fresh, self.read = current[self.read :], len(current)
        self.expired = self.expired or any(message.get("expired") for message in fresh)
        return [event for message in fresh for event in message.get("events", ())]


def forget(client: Any, key: str) -> None:
    """Drop the task's topic from the scheduler's event log (best effort: a new run's ``begin`` also hides old
    messages; this only keeps the scheduler's memory from growing with every training ever run)."""

    def drop(name: str, dask_scheduler: Any = None) -> None:  # runs on the scheduler, pickled by value
        dask_scheduler._broker._topics.pop(name, None)

    with contextlib.suppress(Exception):
        client.run_on_scheduler(drop, topic(key))
