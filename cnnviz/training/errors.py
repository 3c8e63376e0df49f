"""How a training ends without a result, for the web server and the Dask worker alike."""

from __future__ import annotations

from cnnviz.errors import InputError

#: What a student sees when a training fails for a reason nobody foresaw (the log keeps the error itself).
UNEXPECTED = (
    "Training failed because of a problem on the server, not in your settings (it is in the server's log). "
    "Press Train to try again."
)


class TrainingCancelled(Exception):
    """The training was abandoned (replaced by a new one, or its page closed); its results are dropped.

    A message, if any, is shown on the page (e.g. "You left the shared training...").
    """


class TrainingUnavailable(RuntimeError):
    """The training could not run for a reason outside the user's settings (a worker died, the
    cluster is unreachable); the message says what to do and is shown as it is."""


class WorkerMemoryExceeded(InputError):
    """A training used more of its worker's memory than a training may (the message says what to change)."""
