"""Export, check and bundle in one call per format: the unit of work a page hands to a Dask worker.

Arguments and results are picklable (a Keras 3 model pickles as its ``.keras`` bytes; the result is
plain data and zip bytes), so ``client.submit(prepare_downloads, model, ...)`` runs it on a worker
and the web process only receives the zips that passed their check. The pages send a
:class:`ModelSource` instead of a model (:func:`prepare_from_source`): a demo model by name, which the
worker loads from the shipped file, or a stack and its weights, which it rebuilds; never a file a user sent.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.deploy.bundle import bundle, class_names_for
from cnnviz.deploy.check import ExportCheck, check_export
from cnnviz.deploy.export import CannotHold, export_model
from cnnviz.deploy.formats import FORMATS, export_format
from cnnviz.errors import InputError

_STEM = re.compile(r"[A-Za-z0-9_-]{1,60}")


@dataclass(frozen=True)
class Download:
    """One format's outcome: its check, and the zip to offer (None when the check failed)."""

    check: ExportCheck
    file_name: str
    data: bytes | None

    @property
    def offered(self) -> bool:
        return self.data is not None


def prepare_download(
    model: Any,
    fmt: str,
    class_names: Sequence[str],
    check_images: np.ndarray,
    check_labels: np.ndarray | None = None,
    *,
    calibration_images: np.ndarray | None = None,
    title: str = "",
    input_note: str = "",
    stem: str = "cnn_explorer",
) -> Download:
    """Export ``model`` as ``fmt``, check it on ``check_images`` (test images) and zip it if it passed.

    A format that cannot hold the model, or whose check fails, comes back not offered with the
    reason in ``check.reason``; bad arguments (images of the wrong shape, class names that do not
    match) raise :class:`InputError`. ``stem`` names the zip (``cnn_explorer_onnx.zip``).
    """
    spec = export_format(fmt)
    if not isinstance(stem, str) or not _STEM.fullmatch(stem):
        raise InputError("A download's name may use 1 to 60 letters, digits, '-' and '_'.")
    file_name = f"{stem}_{spec.key}.zip"
    names = class_names_for(model, class_names)  # before the heavy work
    with tempfile.TemporaryDirectory(prefix="cnnviz-export-") as folder:
        try:
            path = export_model(model, spec.key, Path(folder) / spec.file_name, calibration_images=calibration_images)
        except CannotHold as error:
            return Download(ExportCheck(spec.key, False, str(error)), file_name, None)
        check = check_export(path, spec.key, model, check_images, check_labels)
        if not check.offered:
            return Download(check, file_name, None)
        data = bundle(model, spec.key, names, export_path=path, check=check, title=title, input_note=input_note)
    return Download(check, file_name, data)


@dataclass(frozen=True)
class ModelSource:
    """How a worker rebuilds the network to export: ``demo`` names a shipped demo model; otherwise ``stack``,
    ``input_shape`` and ``weights`` (a finished run's) rebuild it with :func:`cnnviz.architecture.to_keras`."""

    demo: str = ""
    stack: tuple[Any, ...] = ()
    input_shape: tuple[int, int, int] = (0, 0, 0)
    weights: tuple[np.ndarray, ...] = ()

    def build(self) -> Any:
        """The Keras model (imports TensorFlow): the demo model's file, or the stack with the run's weights."""
        if self.demo:
            from cnnviz.inspection import load_pretrained

            return load_pretrained(self.demo)
        from cnnviz.architecture import to_keras

        model = to_keras(list(self.stack), self.input_shape)
        model.set_weights(list(self.weights))
        return model


def prepare_from_source(
    source: ModelSource, fmt: str, class_names: Sequence[str], *args: Any, **kwargs: Any
) -> Download:
    """:func:`prepare_download` of the network ``source`` rebuilds (the task a page submits per format)."""
    return prepare_download(source.build(), fmt, class_names, *args, **kwargs)


def prepare_downloads(
    model: Any,
    class_names: Sequence[str],
    check_images: np.ndarray,
    check_labels: np.ndarray | None = None,
    *,
    calibration_images: np.ndarray | None = None,
    formats: Sequence[str] = tuple(FORMATS),
    title: str = "",
    input_note: str = "",
    stem: str = "cnn_explorer",
) -> list[Download]:
    """:func:`prepare_download` for each of ``formats`` in turn (all five by default)."""
    return [
        prepare_download(
            model,
            fmt,
            class_names,
            check_images,
            check_labels,
            calibration_images=calibration_images,
            title=title,
            input_note=input_note,
            stem=stem,
        )
        for fmt in formats
    ]
