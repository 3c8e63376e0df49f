"""The epoch scrubber's data: a copy of the weights before training (epoch 0) and after every epoch.

:func:`weight_recorder` makes the Keras callback :func:`cnnviz.training.train` adds to ``fit``. It
keeps plain NumPy arrays (so a finished run travels as plain data), stops keeping more once a run's
copies reach :data:`BUDGET_BYTES` (a huge stack keeps its first epochs only, and the page says so),
and, when ``keep_best`` is asked for, ends training with the weights of the epoch with the lowest
validation loss, as ``ModelCheckpoint(save_best_only=True)`` does in the course notebooks.
:func:`model_at` gives a model with the weights of a chosen epoch.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np

BUDGET_BYTES = 48 * 2**20  # per run: ~60 epochs of the ~200k-parameter demo networks

_EPOCH_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> its one clone for old epochs
_LOCK = threading.Lock()


def _weights_bytes(weights: list[np.ndarray]) -> int:
    return sum(w.nbytes for w in weights)


def weight_recorder(model: Any, *, keep_best: bool, budget_bytes: int = BUDGET_BYTES) -> Any:
    """A Keras callback recording ``model``'s weights at the start and after each epoch (``.weights``).

    ``model`` is the network itself (not an augmentation wrapper). After ``fit``, ``.final_epoch`` is
    the recorded epoch the model's weights equal (None if that epoch was beyond the budget) and
    ``.capped`` says whether the budget stopped the recording early; ``.result(epochs_done)`` gives all three.
    """
    import keras

    class WeightRecorder(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.weights: list[list[np.ndarray]] = []
            self.capped = False
            self.final_epoch: int | None = None
            self._best: tuple[float, list[np.ndarray]] | None = None

        def _keep(self) -> None:
            # A weight that did not change (a frozen layer) shares the previous copy instead of taking new memory.
            previous = self.weights[-1] if self.weights else [None] * len(model.weights)
            current = [
                old if old is not None and np.array_equal(old, w) else np.array(w)
                for old, w in zip(previous, model.get_weights(), strict=True)
            ]
            if _weights_bytes(current) * (len(self.weights) + 1) > budget_bytes:
                self.capped = True
            else:
                self.weights.append(current)

        def on_train_begin(self, logs: dict | None = None) -> None:
            self._keep()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if not self.capped:
                self._keep()
            loss = (logs or {}).get("val_loss")
            if keep_best and loss is not None and (self._best is None or float(loss) < self._best[0]):
                self._best = (float(loss), [np.array(w) for w in model.get_weights()])

        def on_train_end(self, logs: dict | None = None) -> None:
            if keep_best and self._best is not None:
                model.set_weights(self._best[1])
            final = model.get_weights()
            self.final_epoch = next(
                (
                    epoch
                    for epoch in range(len(self.weights) - 1, -1, -1)
                    if all(np.array_equal(a, b) for a, b in zip(self.weights[epoch], final, strict=True))
                ),
                None,
            )

        def result(self, epochs_done: int) -> dict[str, Any]:
            """:class:`TrainingRun` fields: epoch 0 and the complete epochs (not a half epoch the user stopped),
            the epoch the final model is, and whether the budget cut the recording short."""
            final = self.final_epoch if self.final_epoch is not None and self.final_epoch <= epochs_done else None
            return {
                "epoch_weights": self.weights[: epochs_done + 1],
                "final_epoch": final,
                "weights_capped": self.capped,
            }

    return WeightRecorder()


def model_at(run: Any, epoch: int) -> Any:
    """``run.model``, or (for an earlier epoch) one clone per run set to that epoch's weights."""
    if epoch == run.final_epoch:
        return run.model
    weights = run.weights_at(epoch)
    import keras

    from cnnviz.inspection import MODEL_LOCK

    with _LOCK:
        clone = _EPOCH_MODELS.get(run)
        if clone is None:
            clone = _EPOCH_MODELS[run] = keras.models.clone_model(run.model)
    with MODEL_LOCK:
        clone.set_weights(weights)
    return clone
