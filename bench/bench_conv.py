"""Speed of ``cnnviz.ops.conv2d`` next to the libraries it stands in for, measured in the same run.

Run: ``python bench/bench_conv.py``; ``benchmark()`` returns the rows for a combined report. Each
time is the best over 15 rounds of the mean of repeated calls (milliseconds), ours and the
reference alternating round by round, so a busy machine slows both sides of a row alike. The
ratio is ours / reference: below 1 means we are faster. Targets (issue 3): photo filter ≤ 3× a
bare ``cv2.filter2D`` and ≥ 10× faster than ``scipy.signal.convolve2d``; 3→16 layer ≤ 1.5× eager
``tf.nn.conv2d``. Rows with target "-" are for information (strided cases).
"""

from __future__ import annotations

import os
import timeit
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from cnnviz.ops import conv2d

SIZE = 512


@dataclass(frozen=True)
class Row:
    case: str
    ours_ms: float
    reference: str
    reference_ms: float
    target: str

    @property
    def ratio(self) -> float:
        """Our time divided by the reference's (below 1: we are faster)."""
        return self.ours_ms / self.reference_ms


def compare_ms(
    ours: Callable[[], object], reference: Callable[[], object], *, rounds: int = 15, budget_s: float = 0.05
) -> tuple[float, float]:
    """Best mean times (ms) of ``ours`` and ``reference``, timed in alternating rounds.

    Alternating means that a load spike from another process hits both sides alike.
    """
    numbers = []
    for call in (ours, reference):
        call()
        numbers.append(max(1, int(budget_s / max(timeit.timeit(call, number=1), 1e-6))))
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for side, (call, number) in enumerate(zip((ours, reference), numbers, strict=True)):
            best[side] = min(best[side], timeit.timeit(call, number=number) / number * 1e3)
    return best[0], best[1]


def benchmark(rounds: int = 15) -> list[Row]:
    """Measure every case; returns the rows (times in milliseconds)."""
    import tensorflow as tf
    from scipy.signal import convolve2d

    rng = np.random.default_rng(0)
    image = rng.random((SIZE, SIZE, 3), dtype=np.float32)
    blur = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float32) / 16
    wide = cv2.getGaussianKernel(7, 0, cv2.CV_32F) @ cv2.getGaussianKernel(7, 0, cv2.CV_32F).T
    layer = rng.standard_normal((3, 3, 3, 16)).astype(np.float32)
    batch = tf.constant(image[None])
    layer_tf = tf.constant(layer)

    def filter2d() -> np.ndarray:
        return cv2.filter2D(image, -1, blur, borderType=cv2.BORDER_CONSTANT)

    def scipy_per_channel() -> np.ndarray:
        return np.stack([convolve2d(image[:, :, c], blur[::-1, ::-1], mode="same") for c in range(3)], axis=2)

    photo = f"3×3 photo filter, {SIZE}×{SIZE} RGB, 'same'"
    strided = f"3×3 photo filter, {SIZE}×{SIZE} RGB, stride 2"
    wide_strided = f"7×7 photo filter, {SIZE}×{SIZE} RGB, stride 2"
    layer_case = f"3→16 layer 3×3, {SIZE}×{SIZE}×3, 'same'"
    layer_strided = f"3→16 layer 3×3, {SIZE}×{SIZE}×3, stride 2"
    cases = [
        (photo, lambda: conv2d(image, blur, padding="same"), "cv2.filter2D", filter2d, "≤ 3×"),
        (photo, lambda: conv2d(image, blur, padding="same"), "scipy.signal.convolve2d", scipy_per_channel, "≤ 0.1×"),
        (
            strided,
            lambda: conv2d(image, blur, stride=2, padding="same"),
            "cv2.filter2D full size, then every 2nd",
            lambda: filter2d()[::2, ::2].copy(),
            "-",
        ),
        (
            wide_strided,
            lambda: conv2d(image, wide, stride=2, padding="same"),
            "cv2.filter2D full size, then every 2nd",
            lambda: cv2.filter2D(image, -1, wide, borderType=cv2.BORDER_CONSTANT)[::2, ::2].copy(),
            "-",
        ),
        (
            layer_case,
            lambda: conv2d(image, layer, padding="same"),
            "tf.nn.conv2d (eager)",
            lambda: tf.nn.conv2d(batch, layer_tf, 1, "SAME").numpy(),
            "≤ 1.5×",
        ),
        (
            layer_strided,
            lambda: conv2d(image, layer, stride=2, padding="same"),
            "tf.nn.conv2d (eager)",
            lambda: tf.nn.conv2d(batch, layer_tf, 2, "SAME").numpy(),
            "-",
        ),
    ]
    rows = []
    for case, ours, name, reference, target in cases:
        ours_ms, reference_ms = compare_ms(ours, reference, rounds=rounds)
        rows.append(Row(case, ours_ms, name, reference_ms, target))
    return rows


def format_table(rows: list[Row]) -> str:
    """A Markdown table of the rows."""
    lines = [
        "| case | ours (ms) | reference | reference (ms) | ours / reference | target |",
        "|---|---:|---|---:|---:|---|",
    ]
    lines += [
        f"| {row.case} | {row.ours_ms:.2f} | {row.reference} | {row.reference_ms:.2f} | {row.ratio:.2f}× | "
        f"{row.target} |"
        for row in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(f"cv2 threads: {cv2.getNumThreads()}, CPUs: {os.cpu_count()}")
    print(format_table(benchmark()))
