"""Run an exported file in the runtime a user of that format would use: onnxruntime for ONNX, the
``ai-edge-litert`` interpreter for LiteRT, ``tf.saved_model.load`` for SavedModel and
``keras.saving.load_model`` for ``.keras``. Only our own exports are loaded here, never an upload.

The runtimes are imported inside the functions: each is large and only a check or a benchmark needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from cnnviz.deploy.formats import export_format

#: Images per runtime call: bounds the memory one call takes whatever the number of images.
BATCH_SIZE = 100

Runner = Callable[[np.ndarray], np.ndarray]


def predict_exported(path: str | Path, fmt: str, images: np.ndarray) -> np.ndarray:
    """The exported model's outputs for float32 ``(N, H, W, C)`` ``images``, computed by its own runtime."""
    run = _RUNNERS[export_format(fmt).key](Path(path))
    batch = np.asarray(images, dtype=np.float32)
    return np.concatenate([run(batch[start : start + BATCH_SIZE]) for start in range(0, len(batch), BATCH_SIZE)])


def _keras_runner(path: Path) -> Runner:
    import keras

    model = keras.saving.load_model(path, compile=False)
    return lambda batch: np.asarray(model(batch, training=False))


def _saved_model_runner(path: Path) -> Runner:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    return lambda batch: loaded.serve(tf.constant(batch)).numpy()


def _litert_runner(path: Path) -> Runner:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path), num_threads=1)
    source = interpreter.get_input_details()[0]["index"]
    result = interpreter.get_output_details()[0]["index"]

    def run(batch: np.ndarray) -> np.ndarray:
        interpreter.resize_tensor_input(source, batch.shape)
        interpreter.allocate_tensors()
        interpreter.set_tensor(source, batch)
        interpreter.invoke()
        return interpreter.get_tensor(result).copy()

    return run


def _onnx_runner(path: Path) -> Runner:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # the machine's cores are shared with the web server and trainings
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {name: batch})[0]


_RUNNERS: dict[str, Callable[[Path], Runner]] = {
    "keras": _keras_runner,
    "saved_model": _saved_model_runner,
    "litert": _litert_runner,
    "litert_int8": _litert_runner,
    "onnx": _onnx_runner,
}
