"""The server's time limit for one whole training task: building, epochs, validation and testing.

A :class:`Deadline` starts when the task starts on its worker. Training stops early enough to leave
the test set its scoring time (:meth:`Deadline.training_over`: the time left is compared with the test
images' predicted scoring time, from the pace the training itself measured); validation and the test
prediction may run :data:`SCORING_GRACE_SECONDS` past the limit, then stop (:meth:`Deadline.passed`: the
test set is then scored on the images predicted so far, and the run says so). What a single step cannot
interrupt (building a huge model, one very slow batch) is ended by the worker's watchdog
:data:`HARD_GRACE_SECONDS` after the limit (:mod:`cnnviz.training.worker`), so a task never outlives its
limit by more than a few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cnnviz.training.estimate import SECONDS_PER_IMAGE, TRAIN_MACS_PER_SECOND
from cnnviz.training.events import Event, ProgressEvent

#: Validation and the test prediction may run this long past the limit (estimates are rough on a busy CPU).
SCORING_GRACE_SECONDS = 3.0
#: A task still running this long after its limit is ended by its worker (the worker process restarts).
HARD_GRACE_SECONDS = 8.0
#: Seconds kept for the end of the epoch and for building and tracing the test prediction (on top of its
#: images' predicted time): measured 1-2 s on a 2-core CPU at load 12-16.
PREDICT_SETUP_SECONDS = 2.0


class Deadline:
    """``seconds`` after ``started`` (default: now, on ``clock``), for a task that will score ``test_images``
    images of ``macs`` multiply-adds each."""

    def __init__(
        self,
        seconds: float,
        *,
        test_images: int,
        macs: int,
        started: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds, self.test_images, self.macs, self.clock = seconds, test_images, macs, clock
        self.end = (clock() if started is None else started) + seconds
        self.hard_end = self.end + HARD_GRACE_SECONDS
        # Before the training measures its pace: the speed constants of cnnviz.training.estimate.
        self.seconds_per_test_image = macs / TRAIN_MACS_PER_SECOND + SECONDS_PER_IMAGE / 3

    def observe(self, event: ProgressEvent) -> None:
        """Learn the pace from a batch or epoch event (a forward pass costs about a third of a training step)."""
        # The first step also builds the training graph: its pace would overstate the scoring time many times.
        if event["event"] in (Event.BATCH, Event.EPOCH) and event["step"] > 1 and event["images_per_second"] > 0:
            self.seconds_per_test_image = 1 / (3 * event["images_per_second"])

    def scoring_seconds(self) -> float:
        """Predicted seconds to score the test set."""
        return PREDICT_SETUP_SECONDS + self.test_images * self.seconds_per_test_image if self.test_images else 0.0

    def left(self) -> float:
        return self.end - self.clock()

    def training_over(self) -> bool:
        """True once training must stop for the test set to be scored within the limit."""
        return self.left() <= self.scoring_seconds()

    def passed(self) -> bool:
        """True once scoring must stop too (the limit and its grace are over)."""
        return self.left() <= -SCORING_GRACE_SECONDS
