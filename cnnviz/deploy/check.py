"""Prove an export before it is offered: load it back in its own runtime and compare with Keras.

Float formats must give every output within :data:`~cnnviz.deploy.formats.MAX_FLOAT_DIFFERENCE` of
Keras'; the int8 file must give Keras' top class on at least
:data:`~cnnviz.deploy.formats.MIN_INT8_AGREEMENT` of the images (its accuracy, and Keras', are
reported beside it when labels are given). A format that fails is reported with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.deploy.formats import MAX_FLOAT_DIFFERENCE, MIN_INT8_AGREEMENT, export_format
from cnnviz.deploy.runtimes import BATCH_SIZE, predict_exported
from cnnviz.errors import InputError
from cnnviz.inspection import input_shape
from cnnviz.text import n, shape_text

logger = logging.getLogger(__name__)

#: Test images a page checks each export on (issue 28).
CHECK_IMAGES = 100
#: A check is refused above this many images before any work (the benchmark calls the runtimes directly).
MAX_CHECK_IMAGES = 1000


@dataclass(frozen=True)
class ExportCheck:
    """What the check of one export found. ``offered`` is False with a ``reason`` when it failed.

    ``max_difference`` is the largest |export − Keras| over every output of every image;
    ``agreement`` the fraction of images whose top class equals Keras'; the accuracies are the
    fraction of correct top classes (None without labels). Sizes are in bytes.
    """

    fmt: str
    offered: bool
    reason: str = ""
    images: int = 0
    size_bytes: int = 0
    max_difference: float | None = None
    agreement: float | None = None
    keras_accuracy: float | None = None
    export_accuracy: float | None = None

    @property
    def accuracy_change(self) -> float | None:
        """Export accuracy minus Keras accuracy (negative: the export is worse), or None without labels."""
        if self.keras_accuracy is None or self.export_accuracy is None:
            return None
        return self.export_accuracy - self.keras_accuracy

    def summary(self) -> str:
        """One sentence for the download list: what was compared and how close it came, or why not offered."""
        if not self.offered:
            return f"Not offered: {self.reason}"
        spec = export_format(self.fmt)
        checked = f"Checked with {spec.runtime} on {n(self.images)} test images: "
        if spec.quantised:
            text = f"{checked}the same top class as Keras on {self.agreement:.0%} of them"
        else:
            largest = f"{self.max_difference:.1e} (at most {MAX_FLOAT_DIFFERENCE:g})"
            text = f"{checked}the largest difference from Keras is {largest}"
        if self.accuracy_change is not None:
            text += f"; accuracy {self.export_accuracy:.1%} (Keras {self.keras_accuracy:.1%})"
        return text + "."


def check_export(
    path: str | Path, fmt: str, model: Any, images: np.ndarray, labels: np.ndarray | None = None
) -> ExportCheck:
    """Load the export at ``path`` in its runtime and compare it with ``model`` on ``images``.

    ``images`` are float32 ``(N, H, W, C)`` model inputs in [0, 1] (test images, at most
    :data:`MAX_CHECK_IMAGES`); ``labels``, if given, their true classes. A runtime that cannot load
    or run the file makes the check fail with its reason; it never raises for that.
    """
    spec = export_format(fmt)
    batch = _check_images(images, input_shape(model))
    size = _size(Path(path))
    expected = _keras_outputs(model, batch)
    try:
        got = predict_exported(path, spec.key, batch)
    except Exception as error:  # the runtime refused our own file: the format is not offered
        logger.info("%s could not run %s", spec.runtime, path, exc_info=True)
        return ExportCheck(
            spec.key,
            False,
            _runtime_failure(spec.runtime, spec.quantised, error, model, batch, expected),
            len(batch),
            size,
        )
    if got.shape != expected.shape:
        reason = f"{spec.runtime} gave outputs of shape {got.shape}, Keras {expected.shape}."
        return ExportCheck(spec.key, False, reason, len(batch), size)
    difference = float(np.abs(got.astype(np.float64) - expected).max())
    agreement = float(np.mean(got.argmax(axis=1) == expected.argmax(axis=1)))
    accuracies = (None, None) if labels is None else _accuracies(labels, expected, got)
    reason = _failure(spec.quantised, difference, agreement)
    return ExportCheck(spec.key, not reason, reason, len(batch), size, difference, agreement, *accuracies)


def _runtime_failure(
    runtime: str, quantised: bool, error: Exception, model: Any, batch: np.ndarray, expected: np.ndarray
) -> str:
    """Why the runtime could not run the file, in plain words; the runtime's own first line otherwise.

    An int8 file is explained when a layer really outputs 0 for every check image (its ReLUs "dead"):
    8-bit numbers then have no range to work with, and LiteRT refuses the file.
    """
    first_line = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    silent = _silent_layer(model, batch) if quantised else None
    if silent is None:
        return f"{runtime} could not run the file ({first_line[:200]})."
    same = bool(np.ptp(expected, axis=0).max() < 1e-6)
    return (
        f"the int8 file cannot run: the layer “{silent}” outputs 0 for every test picture (its ReLUs are all "
        "switched off: “dead”)"
        + (", so this network gives the same answer for every picture" if same else "")
        + ". That leaves the 8-bit numbers no range to work with. Train the network again (a smaller learning "
        f"rate often helps); the float files are not affected. ({runtime} said: {first_line[:120]})"
    )


def _silent_layer(model: Any, batch: np.ndarray) -> str | None:
    """The first of ``model``'s layers whose output is 0 for every image of ``batch``, or None."""
    import keras

    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    try:
        probe = keras.Model(model.inputs, [layer.output for layer in layers])
    except (AttributeError, ValueError):  # a model without a graph of layers: nothing to point at
        return None
    largest = [0.0] * len(layers)
    for start in range(0, len(batch), BATCH_SIZE):
        outputs = probe(batch[start : start + BATCH_SIZE], training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        largest = [max(top, float(np.abs(np.asarray(out)).max())) for top, out in zip(largest, outputs, strict=True)]
    return next((layer.name for layer, top in zip(layers, largest, strict=True) if top == 0.0), None)


def _check_images(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    batch = np.asarray(images, dtype=np.float32)
    if batch.ndim != 4 or batch.shape[1:] != shape:
        raise InputError(f"The check images must be N×{shape_text(shape)}; got {shape_text(batch.shape)}.")
    if not 1 <= len(batch) <= MAX_CHECK_IMAGES:
        raise InputError(f"An export is checked on 1 to {n(MAX_CHECK_IMAGES)} images; got {n(len(batch))}.")
    return batch


def _keras_outputs(model: Any, batch: np.ndarray) -> np.ndarray:
    """Keras' own outputs in inference mode, in the runtimes' batch size."""
    chunks = [model(batch[start : start + BATCH_SIZE], training=False) for start in range(0, len(batch), BATCH_SIZE)]
    return np.concatenate([np.asarray(chunk, dtype=np.float64) for chunk in chunks])


def _accuracies(labels: np.ndarray, expected: np.ndarray, got: np.ndarray) -> tuple[float, float]:
    truth = np.asarray(labels).reshape(-1)
    if truth.shape != (len(expected),):
        raise InputError(f"{n(len(expected))} check images but {n(truth.size)} labels.")
    return float(np.mean(expected.argmax(axis=1) == truth)), float(np.mean(got.argmax(axis=1) == truth))


def _failure(quantised: bool, difference: float, agreement: float) -> str:
    """Why the comparison fails ("" when it passes)."""
    if quantised and agreement < MIN_INT8_AGREEMENT:
        return (
            f"the int8 file gave Keras' top class on only {agreement:.0%} of the test images "
            f"(at least {MIN_INT8_AGREEMENT:.0%} needed)."
        )
    if not quantised and not difference <= MAX_FLOAT_DIFFERENCE:
        return f"its outputs differ from Keras' by up to {difference:.1e} (at most {MAX_FLOAT_DIFFERENCE:g} allowed)."
    return ""


def _size(path: Path) -> int:
    """Bytes of the file, or of every file in the folder."""
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size if path.exists() else 0
