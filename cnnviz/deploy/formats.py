"""The one table of download formats: file name, runtime that loads it, what a user installs, how it is checked.

No TensorFlow here: the pages list the formats before anything is exported.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnviz.errors import InputError


@dataclass(frozen=True)
class ExportFormat:
    """One download format.

    ``file_name`` is what the model is called inside the download (a folder for SavedModel);
    ``runtime`` is the PyPI package that loads it, both in our check and in the example script
    (``packages``: what the example needs installed besides NumPy and Pillow); ``quantised`` formats
    are checked on agreeing classes, the others on equal outputs.
    """

    key: str
    title: str
    file_name: str
    runtime: str
    quantised: bool = False

    @property
    def packages(self) -> tuple[str, ...]:
        """The PyPI packages the example script imports for this format (Keras needs its TensorFlow backend)."""
        return ("keras", "tensorflow") if self.runtime == "keras" else (self.runtime,)

    @property
    def suffix(self) -> str:
        """The file-name ending an export of this format must have ("" for the SavedModel folder)."""
        return "." + self.file_name.rsplit(".", 1)[1] if "." in self.file_name else ""


FORMATS: dict[str, ExportFormat] = {
    "keras": ExportFormat("keras", "Keras (.keras)", "model.keras", "keras"),
    "saved_model": ExportFormat("saved_model", "TensorFlow SavedModel", "saved_model", "tensorflow"),
    "litert": ExportFormat("litert", "LiteRT (.tflite, float32)", "model.tflite", "ai-edge-litert"),
    "litert_int8": ExportFormat(
        "litert_int8", "LiteRT (.tflite, int8-quantised)", "model_int8.tflite", "ai-edge-litert", quantised=True
    ),
    "onnx": ExportFormat("onnx", "ONNX (.onnx)", "model.onnx", "onnxruntime"),
}

#: A float format is offered when no output differs from Keras' by more than this (issue 28).
MAX_FLOAT_DIFFERENCE = 1e-4
#: An int8 format is offered when at least this fraction of the check images get Keras' top class.
MIN_INT8_AGREEMENT = 0.98


def export_format(fmt: str) -> ExportFormat:
    """The format called ``fmt``; :class:`InputError` naming the choices for any other word."""
    found = FORMATS.get(fmt) if isinstance(fmt, str) else None
    if found is None:
        raise InputError(f"There is no export format called {fmt!r}; choose one of {', '.join(FORMATS)}.")
    return found
