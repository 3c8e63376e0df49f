"""The most one training may cost on a training worker, checked on the web server before it is queued.

A network's parameters, its multiply-adds per image and the memory of its layer outputs come from the
architecture summary (the numbers the Layer builder shows, after the output layer is fitted to the
data); the worker's memory is estimated from them and the data (:func:`training_cost`). A training over
a ceiling is refused with a message saying what is too big and what is allowed, before any worker
spends a second on it (:func:`check_training_cost`). The course's networks stay within the ceilings;
VGG-16 (134 M parameters) does not, nor MobileNet's batch of 64 at 224×224. The NEU notebook's network at
200×200 needs about 4.5 GiB of worker memory: offered where workers have it, refused (with the message)
on a 2.7 GB host, where it would otherwise take the server down.

The ceilings themselves are :data:`cnnviz.limits.TRAINING_PARAMS`, :data:`~cnnviz.limits.TRAINING_MACS`
and :data:`~cnnviz.limits.TRAINING_BATCH_ACTIVATIONS`, with every other bound on a request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnnviz import limits
from cnnviz.limits import Limit, MiB

#: A worker's resident memory with TensorFlow loaded, before a training (measured: 390-450 MiB).
WORKER_BASE_BYTES = 450 * MiB
#: Memory per value of a batch's layer outputs while training: the outputs kept for backpropagation, the
#: gradients flowing back and TensorFlow's work buffers. Measured (peak resident memory of ``fit``, less the
#: memory before it): 6.1× for the NEU notebook's network at 200×200, batch 50 (3.3 GiB for 549 MiB of outputs).
ACTIVATION_COPIES = 6
#: What a ``fit`` holds whatever the network (traced graphs, allocator pools): measured 150-200 MiB on small ones.
FIT_OVERHEAD_BYTES = 160 * MiB
#: Weights, their gradients and the optimizer's two moments (Adam), per parameter, in float32.
PARAMETER_COPIES = 4
EPOCH_COPIES_BYTES = 48 * MiB  # the epoch scrubber's weight copies, per run (cnnviz.training.snapshots)


@dataclass(frozen=True)
class TrainingCost:
    """What a training asks of a worker: per image, per batch, and the estimated peak memory."""

    params: int
    macs: int  # forward multiply-adds per image
    activation_bytes: int  # layer outputs of one image, float32
    batch_size: int
    memory_bytes: int  # estimated peak resident memory of the worker while it trains

    @property
    def batch_activation_bytes(self) -> int:
        return self.activation_bytes * self.batch_size


def training_cost(stack: Sequence[Mapping[str, Any]], dataset: Any, config: Any) -> TrainingCost:
    """The cost of training ``stack`` on ``dataset`` with ``config`` (a TrainConfig), from the summary.

    Raises :class:`InputError` (naming the layer) for a stack that does not fit the data.
    """
    from cnnviz import architecture
    from cnnviz.training.adapt import adapt_output

    shape = tuple(int(s) for s in dataset.x_train.shape[1:])
    adapted, _ = adapt_output(stack, shape, len(dataset.class_names))
    totals = architecture.totals(architecture.summarize(adapted, shape))
    pixels = math.prod(shape)
    used = config.train_count(len(dataset.y_train))
    data = dataset.x_train.nbytes + dataset.x_test.nbytes + 4 * pixels * (used + len(dataset.y_test))
    weights = 4 * totals.params * (PARAMETER_COPIES + 1) + min(EPOCH_COPIES_BYTES, 4 * totals.params * config.epochs)
    activations = ACTIVATION_COPIES * totals.activation_bytes * config.batch_size
    return TrainingCost(
        params=totals.params,
        macs=totals.macs,
        activation_bytes=totals.activation_bytes,
        batch_size=config.batch_size,
        memory_bytes=WORKER_BASE_BYTES + FIT_OVERHEAD_BYTES + data + weights + activations,
    )


def check_training_cost(cost: TrainingCost, worker_memory: int | None = None) -> None:
    """Raise :class:`InputError` if ``cost`` passes a ceiling, or (when known) the workers' memory limit."""
    limits.TRAINING_PARAMS.check(cost.params, "This network")
    limits.TRAINING_MACS.check(cost.macs, "This network")
    limits.TRAINING_BATCH_ACTIVATIONS.check(
        cost.batch_activation_bytes, f"One batch of {cost.batch_size} images through this network"
    )
    if worker_memory:
        Limit(
            "memory a training may use on a training worker",
            worker_memory,
            "bytes",
            hint="Use fewer training images, a smaller batch or a smaller network.",
        ).check(
            cost.memory_bytes,
            "The memory this training needs on a training computer (the images as numbers, the network's "
            "weights and a batch's layer outputs)",
        )
