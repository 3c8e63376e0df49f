"""Write a Keras model in one download format with Keras 3's own exporters, or say plainly why it cannot.

- ``keras``: ``Model.save`` (the native ``.keras`` zip).
- ``saved_model``: ``Model.export(format="tf_saved_model")``, one ``serve`` endpoint.
- ``litert``: ``Model.export(format="litert")`` (TensorFlow's TFLite converter) restricted to the LiteRT
  built-in operations, so the file runs in the plain ``ai-edge-litert`` interpreter and on phones; Keras'
  default would also allow "Flex" TensorFlow operations, which those runtimes do not have.
- ``litert_int8``: the same with full-integer post-training quantisation: weights and activations are
  int8, calibrated on up to :data:`CALIBRATION_IMAGES` training images; input and output stay float32
  (a quantise and a dequantise step inside the file), so it is fed exactly like the float file.
- ``onnx``: ``Model.export(format="onnx")`` (tf2onnx), opset :data:`ONNX_OPSET`, then checked for
  operations ONNX does not define (tf2onnx writes those instead of failing).

Every file takes a float32 ``(batch, H, W, C)`` input called ``image`` in [0, 1]; ONNX's output is
called ``scores``. Exporting is heavy (seconds, TensorFlow): call it from a Dask task, not a page.
TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import logging
import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.deploy.formats import ExportFormat, export_format
from cnnviz.errors import InputError
from cnnviz.inspection import input_shape
from cnnviz.text import n, shape_text

logger = logging.getLogger(__name__)

INPUT_NAME = "image"
OUTPUT_NAME = "scores"
ONNX_OPSET = 17
#: Training images the int8 converter sees to choose each tensor's 8-bit range.
CALIBRATION_IMAGES = 300
#: Larger models are refused before any work (a 200 MB float32 file; the builder's networks are far smaller).
MAX_EXPORT_PARAMETERS = 50_000_000


class CannotHold(InputError):
    """The format cannot hold this model (its converter or runtime lacks an operation); other formats may."""


def export_model(model: Any, fmt: str, path: str | Path, *, calibration_images: np.ndarray | None = None) -> Path:
    """Write ``model`` in format ``fmt`` at ``path`` and return where it went.

    ``path`` is the file (or, for ``saved_model``, the folder) to write; a missing file-name ending
    (``.keras``, ``.tflite``, ``.onnx``) is added, and an existing folder receives the format's own
    file name. ``litert_int8`` needs ``calibration_images``: float32 ``(N, H, W, C)`` model inputs
    in [0, 1], training images rather than test images. Raises :class:`CannotHold` (an
    :class:`InputError`) with a plain message when the format cannot hold the model (e.g. an operation
    its runtime does not have), and :class:`InputError` for missing or malformed calibration images.
    """
    spec = export_format(fmt)
    shape = input_shape(model)
    parameters = int(model.count_params())
    if parameters > MAX_EXPORT_PARAMETERS:
        raise InputError(
            f"This network has {n(parameters)} parameters; downloads are made for up to {n(MAX_EXPORT_PARAMETERS)}."
        )
    calibration = _calibration(calibration_images, shape) if spec.quantised else None
    target = _target(Path(path), spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():  # Keras' tf2onnx patch warns about np.object on NumPy 2
            warnings.simplefilter("ignore", FutureWarning)
            _WRITERS[spec.key](model, target, shape, calibration)
    except _Unsupported as gap:
        _remove(target)
        raise CannotHold(_cannot_hold(spec, model, gap.operations, gap.where)) from None
    except Exception as error:  # the converter refused the model: its own words are for developers
        _remove(target)
        logger.info("%s export failed", spec.key, exc_info=True)
        operations, where = _operations_in(str(error))
        raise CannotHold(_cannot_hold(spec, model, operations, where, str(error))) from None
    return target


class _Unsupported(Exception):
    """A converter wrote operations the format does not define (``where``: the text naming them)."""

    def __init__(self, operations: list[str], where: str):
        super().__init__(", ".join(operations))
        self.operations = operations
        self.where = where


def _target(path: Path, spec: ExportFormat) -> Path:
    if spec.suffix and path.is_dir():
        return path / spec.file_name
    if spec.suffix and path.suffix != spec.suffix:
        return path.with_name(path.name + spec.suffix)
    return path


def _remove(target: Path) -> None:
    if target.is_dir():
        shutil.rmtree(target, ignore_errors=True)
    else:
        target.unlink(missing_ok=True)


def _calibration(images: np.ndarray | None, shape: tuple[int, int, int]) -> np.ndarray:
    """The first :data:`CALIBRATION_IMAGES` of ``images``, checked to be model inputs."""
    if images is None or len(images) == 0:
        raise InputError("The int8 LiteRT file needs some training images to choose its 8-bit ranges; none were given.")
    batch = np.asarray(images[:CALIBRATION_IMAGES], dtype=np.float32)
    if batch.shape[1:] != shape:
        raise InputError(
            f"The calibration images are {shape_text(batch.shape[1:])} but the model takes {shape_text(shape)}."
        )
    if not np.isfinite(batch).all() or batch.min() < 0 or batch.max() > 1:
        raise InputError("The calibration images must hold values in [0, 1], as the model's inputs do.")
    return batch


def _signature(shape: tuple[int, int, int]) -> list:
    import tensorflow as tf

    return [tf.TensorSpec((None, *shape), tf.float32, name=INPUT_NAME)]


def _write_keras(model: Any, target: Path, shape: tuple[int, int, int], calibration: np.ndarray | None) -> None:
    model.save(target)


def _write_saved_model(model: Any, target: Path, shape: tuple[int, int, int], calibration: np.ndarray | None) -> None:
    model.export(target, format="tf_saved_model", input_signature=_signature(shape), verbose=False)


def _write_litert(model: Any, target: Path, shape: tuple[int, int, int], calibration: np.ndarray | None) -> None:
    import tensorflow as tf

    options: dict[str, Any] = {"target_spec": {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]}}
    if calibration is not None:

        def representative() -> Iterator[list[np.ndarray]]:
            for image in calibration:
                yield [image[None]]

        options = {
            "optimizations": [tf.lite.Optimize.DEFAULT],
            "representative_dataset": representative,
            "target_spec": {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]},
            "inference_input_type": tf.float32,
            "inference_output_type": tf.float32,
        }
    model.export(str(target), format="litert", input_signature=_signature(shape), verbose=False, **options)


def _write_onnx(model: Any, target: Path, shape: tuple[int, int, int], calibration: np.ndarray | None) -> None:
    import onnx

    model.export(target, format="onnx", input_signature=_signature(shape), opset_version=ONNX_OPSET, verbose=False)
    graph = onnx.load(target)
    unknown = [node for node in graph.graph.node if not onnx.defs.has(node.op_type, node.domain)]
    if unknown:
        raise _Unsupported(sorted({node.op_type for node in unknown}), " ".join(node.name for node in unknown))
    _rename_output(graph, OUTPUT_NAME)
    onnx.save(graph, target)


def _rename_output(graph: Any, name: str) -> None:
    """Call the graph's single output ``name`` (tf2onnx keeps TensorFlow's "Identity:0")."""
    old = graph.graph.output[0].name
    for node in graph.graph.node:
        node.output[:] = [name if output == old else output for output in node.output]
    graph.graph.output[0].name = name


_WRITERS: dict[str, Callable[[Any, Path, tuple[int, int, int], np.ndarray | None], None]] = {
    "keras": _write_keras,
    "saved_model": _write_saved_model,
    "litert": _write_litert,
    "litert_int8": _write_litert,
    "onnx": _write_onnx,
}


# ------------------------------------------------------------------ why a format cannot hold a model
_SELECT_OPS = re.compile(r"TF Select ops: ([\w, ]+)")
_NOT_BUILTIN = re.compile(r"'tf\.(\w+)' op is neither a custom op nor a flex op")


def _operations_in(message: str) -> tuple[list[str], str]:
    """The TensorFlow operations a LiteRT conversion error names, and its first error line (which locates it)."""
    listed = _SELECT_OPS.search(message)
    operations = (
        [name.strip() for name in listed.group(1).split(",") if name.strip()]
        if listed
        else sorted(set(_NOT_BUILTIN.findall(message)))
    )
    return operations, next((line for line in message.splitlines() if "error:" in line), message)


def _layer_named_in(model: Any, text: str) -> Any | None:
    """The model's layer whose name appears first as a step of an operation path in ``text``.

    TensorFlow names an operation after the layers it sits in ("cnn_explorer_1/conv2d_1_1/Conv2D"),
    adding a "_1"-style suffix when the model was traced more than once.
    """
    found: list[tuple[int, Any]] = []
    for layer in model.layers:
        match = re.search(rf"(?:^|[/\"\s]){re.escape(layer.name)}(?:_\d+)?/", text)
        if match:
            found.append((match.start(), layer))
    return min(found, key=lambda item: item[0])[1] if found else None


def _cannot_hold(spec: ExportFormat, model: Any, operations: list[str], where: str, converter_message: str = "") -> str:
    """The student's message: which layer needs which operation, or the converter's first line."""
    cannot = f"{spec.title} cannot hold this network:"
    others = "Choose another format for this network (Keras and SavedModel hold every layer)."
    layer = _layer_named_in(model, where)
    if operations:
        needs = "operations " + ", ".join(operations) if len(operations) > 1 else f"operation {operations[0]}"
        who = f"layer {layer.name!r} ({type(layer).__name__})" if layer is not None else "this network"
        return f"{cannot} {who} needs the {needs}, which {spec.runtime} cannot run. {others}"
    first_line = next((line.strip() for line in converter_message.splitlines() if line.strip()), "unknown")
    return f"{cannot} the converter stopped with “{first_line[:200]}”. {others}"
