"""Plain helpers that several test modules share: independent references and test inputs.

(Fixtures, the session environment and the AppTest helpers are in tests/conftest.py.)
"""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np


def tf_same_pads(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow's documented SAME padding for one axis."""
    reach = d * (k - 1) + 1
    total = max((math.ceil(n / s) - 1) * s + reach - n, 0)
    return total // 2, total - total // 2


def random_case(seed: int, *, max_side: int = 24, max_kernel: int = 6):
    """A seeded random convolution case: the generator, image height and width, kernel size and channels."""
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(1, max_side, 2))
    kh, kw = (int(v) for v in rng.integers(1, max_kernel, 2))
    channels = int(rng.integers(1, 6))
    return rng, height, width, kh, kw, channels


def gradient_support(model, layer_name: str, row: int, col: int) -> tuple[int, int, int, int] | None:
    """Input pixels whose change moves unit (row, col, 0) of the layer: measured with TensorFlow."""
    import keras
    import tensorflow as tf

    probe = keras.Model(model.inputs, model.get_layer(layer_name).output)
    x = tf.constant(np.random.default_rng(5).random((1, *model.inputs[0].shape[1:]), dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = probe(x)[0, row, col, 0]
    rows, cols = np.nonzero(np.abs(tape.gradient(unit, x).numpy()[0]).sum(axis=-1))
    return (rows.min(), cols.min(), rows.max(), cols.max()) if rows.size else None


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip archive of ``members`` (name: contents), in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
