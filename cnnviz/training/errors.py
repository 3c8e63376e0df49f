"""How a training ends without a result, for the web server and the Dask worker alike."""

from __future__ import annotations


class TrainingCancelled(Exception):
    """The training was abandoned (replaced by a new one, or its page closed); its results are dropped.

    A message, if any, is shown on the page (e.g. "You left the shared training...").
    """


class TrainingUnavailable(RuntimeError):
    """The training could not run for a reason outside the user's settings (a worker died, the
    cluster is unreachable); the message says what to do and is shown as it is."""
