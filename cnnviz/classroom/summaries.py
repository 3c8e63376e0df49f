"""A run's summary as the class stores it: plain JSON values, checked and bounded.

:func:`run_summary` makes one from a :class:`~cnnviz.training.TrainingRun` (what the Training page
records for a student in a class); :func:`checked_summary` is what :meth:`Classroom.record_run`
accepts. Known keys (only the first four are required):

``label`` (str), ``params`` (int), ``test_accuracy`` (0–1 or None), ``seconds`` (float),
``macs`` (int), ``layers`` (int), ``architecture`` (the link's stack text, ``"conv-32-k.3 maxpool …"``),
``dataset`` (str), ``settings`` (the training config as a dict), ``key`` (the run store's key: it
opens the run and puts it in the zip), ``history`` (per-epoch curves: ``loss``, ``accuracy``,
``val_loss``, ``val_accuracy``), ``stack``, ``input_shape``, ``test_loss``, ``stopped``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from cnnviz.classroom.errors import ClassroomError
from cnnviz.classroom.models import LABEL_CHARS, RUN_KEY_CHARS

MAX_SUMMARY_BYTES = 256 * 1024  # a summary with 50 epochs of four curves is ~5 KB


def _plain(value: Any) -> Any:
    """``value`` with NumPy scalars/arrays made plain and non-finite floats (a diverged loss) as None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def checked_summary(summary: Mapping[str, Any]) -> dict[str, Any]:
    """``summary`` as stored: JSON-ready, with ``label``, ``params``, ``test_accuracy`` and ``seconds``
    of the right kinds; :class:`ValueError` (a bug in the caller) or :class:`ClassroomError` (too big)."""
    if not isinstance(summary, Mapping):
        raise ValueError("a run summary is a dict")
    plain = _plain(summary)
    missing = {"label", "params", "test_accuracy", "seconds"} - plain.keys()
    if missing:
        raise ValueError(f"a run summary needs {sorted(missing)}")
    label, params, accuracy, seconds = (plain[k] for k in ("label", "params", "test_accuracy", "seconds"))
    if not isinstance(label, str) or not 0 < len(label) <= LABEL_CHARS:
        raise ValueError(f"a run's label is text of 1 to {LABEL_CHARS} characters")
    if isinstance(params, bool) or not isinstance(params, int) or params < 0:
        raise ValueError("a run's params is a whole number ≥ 0")
    if accuracy is not None and (isinstance(accuracy, bool) or not isinstance(accuracy, (int, float))):
        raise ValueError("a run's test_accuracy is a number or None")
    if accuracy is not None and not 0 <= accuracy <= 1:
        raise ValueError("a run's test_accuracy is between 0 and 1")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError("a run's seconds is a number ≥ 0")
    key = plain.get("key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= RUN_KEY_CHARS):
        raise ValueError(f"a run's key is text of 1 to {RUN_KEY_CHARS} characters")
    try:
        size = len(json.dumps(plain, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"a run summary holds plain values only: {error}") from None
    if size > MAX_SUMMARY_BYTES:
        raise ClassroomError(f"This run's record is too large to share with the class ({size:,} bytes)")
    return plain


def run_summary(run: Any, key: str | None = None) -> dict[str, Any]:
    """The summary of a finished :class:`~cnnviz.training.TrainingRun` (``key``: its run store key)."""
    from cnnviz.architecture import summarize, totals
    from cnnviz.links import write_stack

    sums = totals(summarize(run.stack, run.input_shape))
    summary = {
        "label": (run.label or "Run")[:LABEL_CHARS],
        "params": sums.params,
        "macs": sums.macs,
        "layers": len(run.stack),
        "architecture": write_stack(run.stack),
        "dataset": run.dataset,
        "settings": run.config.to_dict(),
        "test_accuracy": run.test_accuracy,
        "test_loss": run.test_loss,
        "seconds": run.seconds,
        "history": {name: list(values) for name, values in run.history.items()},
        "stack": run.stack,
        "input_shape": list(run.input_shape),
        "stopped": run.stopped,
    }
    if key is not None:
        summary["key"] = key
    return checked_summary(summary)
