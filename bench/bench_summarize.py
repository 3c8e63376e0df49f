"""How long the layer builder's live table takes: `summarize` on 8- and 32-layer stacks.

The page reruns `summarize` on every widget change, so it must stay far below a frame of
interaction (issue 4 asks for well under 20 ms at 32 layers). The reference, measured in the
same run, is what Keras needs to infer the same shapes and parameter counts: building the
model with `to_keras` (TensorFlow's import time excluded).

    python bench/bench_summarize.py            # prints the table
    from bench_summarize import run      # rows as dicts, for a collected report
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from cnnviz.architecture import summarize, to_keras

INPUT_SHAPE = (224, 224, 3)
_BLOCK = [
    {"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
    {"type": "BatchNormalization"},
    {"type": "Activation", "activation": "relu"},
    {"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
]
_HEAD = [
    {"type": "GlobalAveragePooling2D"},
    {"type": "Dense", "units": 128, "activation": "relu"},
    {"type": "Dropout", "rate": 0.5},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]


def stack_of(layers: int) -> list[dict[str, Any]]:
    """A valid VGG-like stack of exactly ``layers`` layers (≥ 5) on a 224×224×3 input."""
    body = [dict(_BLOCK[i % len(_BLOCK)]) for i in range(layers - len(_HEAD))]
    return body + [dict(layer) for layer in _HEAD]


def _median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def run(sizes: tuple[int, ...] = (8, 32), repeats: int = 300, keras_repeats: int = 5) -> list[dict[str, Any]]:
    """One row per stack size: median milliseconds of `summarize` and of building the Keras model."""
    rows = []
    for size in sizes:
        stack = stack_of(size)
        assert len(summarize(stack, INPUT_SHAPE)) == size
        to_keras(stack, INPUT_SHAPE)  # warm-up: TensorFlow import and first-call tracing
        summarize_ms = _median_ms(lambda stack=stack: summarize(stack, INPUT_SHAPE), repeats)
        keras_ms = _median_ms(lambda stack=stack: to_keras(stack, INPUT_SHAPE).count_params(), keras_repeats)
        rows.append(
            {
                "benchmark": "summarize",
                "layers": size,
                "summarize_ms": round(summarize_ms, 3),
                "keras_build_ms": round(keras_ms, 1),
                "keras_over_summarize": round(keras_ms / summarize_ms),
            }
        )
    return rows


def main() -> None:
    rows = run()
    print(f"{'layers':>6} {'summarize (ms, median)':>24} {'Keras build (ms, median)':>26} {'ratio':>7}")
    for row in rows:
        print(
            f"{row['layers']:>6} {row['summarize_ms']:>24.3f} {row['keras_build_ms']:>26.1f} "
            f"{row['keras_over_summarize']:>6}×"
        )


if __name__ == "__main__":
    main()
