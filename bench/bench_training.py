"""Training throughput: `cnnviz.training.train` next to a bare `keras.Model.fit`, same model and data.

Both sides get the same stack (built by `architecture.to_keras` with the same seed), the same
Fashion-MNIST images, batch size, epochs and stratified validation split; they run alternately
(A, B, B, A, ...) so a busy neighbour slows both alike, and the median of the repeats is kept.

- "fit": the wall time of `fit` alone (train()'s `run.seconds`; the bare side timed around `fit`),
  with train()'s progress callback, stop check and the page's job-style progress consumer attached;
- "end to end": all of `train()` (split, scaling to float32, building, fit, scoring the test set)
  against the same steps written out by hand around a bare `fit` + `predict`.

The cost of the training-internals recorder (issue 26) that train() adds: train() with it against train()
without it, alternately, for the quick recipe's size and for tiny epochs (where it records every k-th epoch).

Two more tables choose the defaults and calibrate the time estimate the page shows:
- batch size and input pipeline (NumPy float32 arrays vs a `tf.data` pipeline scaling uint8 batches);
- images/s of several stacks against their multiply-adds, with the constants of
  `cnnviz.training.estimate` fitted to them (least squares on seconds per image).

    python bench/bench_training.py              # ~4 min on an idle 2-core CPU
    python bench/bench_training.py --quick      # fewer images and repeats
    python bench/bench_training.py --internals  # only the internals recorder's cost
    from bench_training import run        # rows as dicts, for bench/run_all.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CNNVIZ_DATA_DIR", str(ROOT.parent / "shared" / "datasets"))

from cnnviz import architecture, datasets  # noqa: E402 - after the environment defaults
from cnnviz.training import TrainConfig, train, validation_indices  # noqa: E402
from cnnviz.training.estimate import SECONDS_PER_IMAGE, TRAIN_MACS_PER_SECOND, epoch_seconds  # noqa: E402

STACK_NAME = "MNIST CNN"  # the course's Conv32-Pool-Conv64-Pool-Dense128 network
CALIBRATION = ("LeNet-5", "MNIST CNN", "Fashion-MNIST CNN", "NEU CNN 64x64 (fast)")


def _subset(images: int) -> datasets.Dataset:
    full = datasets.load("fashion_mnist")
    return datasets.Dataset(
        full.x_train[:images],
        full.y_train[:images],
        full.x_test[:2000],
        full.y_test[:2000],
        list(full.class_names),
        source=f"{images:,} Fashion-MNIST images",
        name="fashion_mnist",
    )


def _bare(stack: list, data: datasets.Dataset, config: TrainConfig) -> tuple[float, float]:
    """A bare `fit` doing what train() does; returns (fit seconds, end-to-end seconds)."""
    import keras

    started = time.perf_counter()
    fit_idx, val_idx = validation_indices(data.y_train, config.validation_split, config.seed)
    x = data.x_train.astype(np.float32) / 255
    keras.utils.set_random_seed(config.seed)
    model = architecture.to_keras(stack, data.image_shape)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    fit_started = time.perf_counter()
    model.fit(
        x[fit_idx],
        data.y_train[fit_idx],
        batch_size=config.batch_size,
        epochs=config.epochs,
        verbose=0,
        shuffle=True,
        validation_data=(x[val_idx], data.y_train[val_idx]),
    )
    fit_seconds = time.perf_counter() - fit_started
    model.predict(data.x_test.astype(np.float32) / 255, batch_size=500, verbose=0)
    return fit_seconds, time.perf_counter() - started


def _ours(stack: list, data: datasets.Dataset, config: TrainConfig) -> tuple[float, float]:
    events: list[dict] = []
    started = time.perf_counter()
    run = train(stack, data, config, on_progress=events.append, should_stop=lambda: False)
    return run.seconds, time.perf_counter() - started


def overhead(images: int, epochs: int, repeats: int, batch_size: int) -> list[dict[str, Any]]:
    """Median fit and end-to-end times of ours vs bare, alternating the order every repeat."""
    data = _subset(images)
    stack = architecture.PRESETS[STACK_NAME][1]
    config = TrainConfig(epochs=epochs, batch_size=batch_size, validation_split=0.1)
    _bare(stack, data, TrainConfig(epochs=1, batch_size=batch_size))  # warm up TensorFlow for both
    times: dict[str, list[tuple[float, float]]] = {"ours": [], "bare": []}
    for repeat in range(repeats):
        order = ("ours", "bare") if repeat % 2 == 0 else ("bare", "ours")
        for side in order:
            times[side].append((_ours if side == "ours" else _bare)(stack, data, config))
    trained = len(validation_indices(data.y_train, config.validation_split, config.seed)[0]) * epochs
    rows = []
    for what, column in (("fit", 0), ("end to end", 1)):
        ours = statistics.median(t[column] for t in times["ours"])
        bare = statistics.median(t[column] for t in times["bare"])
        rows.append(
            {
                "measure": f"{what}: {STACK_NAME}, {images:,} images × {epochs} epochs, batch {batch_size}",
                "ours (img/s)": f"{trained / ours:,.0f}",
                "bare keras (img/s)": f"{trained / bare:,.0f}",
                "ours / bare": f"{bare / ours:.3f}×",
                "repeats": repeats,
            }
        )
    return rows


def internals_cost(images: int, epochs: int, repeats: int) -> list[dict[str, Any]]:
    """Images/s of train() with the internals recorder (as the app trains) and without it, alternately; the
    wall time of ``fit`` includes the recorder's one-off start (tracing its probe)."""
    from cnnviz.training import fit as fit_module

    data = _subset(images)
    stack = architecture.PRESETS[STACK_NAME][1]
    config = TrainConfig(epochs=epochs, batch_size=64, validation_split=0.1)
    recorder = fit_module._internals
    every: list[int] = []

    def once(recording: bool) -> float:
        fit_module._internals = recorder if recording else (lambda *args, **kwargs: None)
        try:
            run = train(stack, data, config)
        finally:
            fit_module._internals = recorder
        if recording:
            every.append(run.internals["every"])
        return run.train_samples * run.epochs_done / run.seconds

    once(False)  # warm up TensorFlow for both sides
    speeds: dict[bool, list[float]] = {True: [], False: []}
    for repeat in range(repeats):
        for side in (True, False) if repeat % 2 == 0 else (False, True):
            speeds[side].append(once(side))
    ours, bare = statistics.median(speeds[True]), statistics.median(speeds[False])
    return [
        {
            "measure": f"internals recorder: {STACK_NAME}, {images:,} images × {epochs} epochs, recorded every "
            f"{'/'.join(str(k) for k in sorted(set(every)))} epoch(s)",
            "ours (img/s)": f"{ours:,.0f}",
            "bare keras (img/s)": f"{bare:,.0f}",
            "against": "train() without the recorder",
            "ours / bare": f"{ours / bare:.3f}×",
            "repeats": repeats,
        }
    ]


def defaults(images: int) -> list[dict[str, Any]]:
    """Images/s of a bare fit for several batch sizes, and NumPy vs tf.data input at batch 64."""
    import keras
    import tensorflow as tf

    data = _subset(images)
    stack = architecture.PRESETS[STACK_NAME][1]
    x = data.x_train.astype(np.float32) / 255

    def speed(batch: int, pipeline: str) -> float:
        keras.utils.set_random_seed(0)
        model = architecture.to_keras(stack, data.image_shape)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        if pipeline == "numpy":
            inputs: dict[str, Any] = {"x": x, "y": data.y_train, "batch_size": batch, "shuffle": True}
        else:
            scale = lambda images, labels: (tf.cast(images, tf.float32) / 255.0, labels)  # noqa: E731
            inputs = {
                "x": tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train))
                .shuffle(len(data.y_train), seed=0)
                .batch(batch)
                .map(scale)
                .prefetch(2)
            }
        model.fit(epochs=1, verbose=0, **inputs)  # traces the graph
        started = time.perf_counter()
        model.fit(epochs=1, verbose=0, **inputs)
        return len(data.y_train) / (time.perf_counter() - started)

    rows = []
    for batch in (32, 64, 128, 256):
        rows.append(
            {
                "measure": f"bare fit, batch {batch}, NumPy float32",
                "ours (img/s)": "",
                "bare keras (img/s)": f"{speed(batch, 'numpy'):,.0f}",
                "ours / bare": "",
                "repeats": 1,
            }
        )
    rows.append(
        {
            "measure": "bare fit, batch 64, tf.data uint8 → float32 map",
            "ours (img/s)": "",
            "bare keras (img/s)": f"{speed(64, 'tf.data'):,.0f}",
            "ours / bare": "",
            "repeats": 1,
        }
    )
    return rows


def calibration(images: int) -> list[dict[str, Any]]:
    """Measured training images/s of several presets vs the page's estimate; fitted estimate constants."""
    import keras

    measured = []
    for name in CALIBRATION:
        shape, stack = architecture.PRESETS[name]
        name_of_data = "neu" if shape[0] == 64 else "fashion_mnist"
        data = datasets.load(name_of_data, image_size=shape[0] if shape[0] != 28 else None)
        count = min(images, len(data.y_train)) if shape[0] != 64 else min(images // 4, len(data.y_train))
        x = data.x_train[:count].astype(np.float32) / 255
        keras.utils.set_random_seed(0)
        model = architecture.to_keras(stack, shape)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x[:640], data.y_train[:640], batch_size=64, epochs=1, verbose=0)
        started = time.perf_counter()
        model.fit(x, data.y_train[:count], batch_size=64, epochs=1, verbose=0)
        per_image = (time.perf_counter() - started) / count
        macs = architecture.totals(architecture.summarize(stack, shape)).macs
        measured.append((name, macs, per_image))
    # seconds per image = 3 × MACs / speed + fixed  →  least squares for (1 / speed, fixed)
    design = np.array([[3 * macs, 1.0] for _, macs, _ in measured])
    (inverse_speed, fixed), *_ = np.linalg.lstsq(design, np.array([p for *_, p in measured]), rcond=None)
    rows = [
        {
            "measure": f"estimate check: {name} ({macs / 1e6:.1f} M MACs)",
            "ours (img/s)": "",
            "bare keras (img/s)": f"{1 / per_image:,.0f}",
            "ours / bare": f"estimate {1 / epoch_seconds(macs, 1):,.0f} img/s",
            "repeats": 1,
        }
        for name, macs, per_image in measured
    ]
    rows.append(
        {
            "measure": "fitted estimate constants",
            "ours (img/s)": "",
            "bare keras (img/s)": f"{1 / inverse_speed / 1e9:.1f} G training MACs/s, {fixed * 1e6:.0f} µs/image"
            if inverse_speed > 0
            else "fit failed (noisy machine)",
            "ours / bare": f"in use: {TRAIN_MACS_PER_SECOND / 1e9:.0f} G, {SECONDS_PER_IMAGE * 1e6:.0f} µs",
            "repeats": 1,
        }
    )
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Every table's rows (for bench/run_all.py)."""
    images, repeats = (6000, 3) if quick else (12000, 5)
    load = os.getloadavg()[0]
    rows = overhead(images, epochs=2, repeats=repeats, batch_size=64)
    rows += internals_cost(3000, epochs=3, repeats=repeats) + internals_cost(500, epochs=10, repeats=repeats)
    rows += defaults(images)
    rows += calibration(images)
    rows.append(
        {
            "measure": "1-minute load average before → after",
            "ours (img/s)": "",
            "bare keras (img/s)": "",
            "ours / bare": f"{load:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
            "repeats": "",
        }
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="6,000 images and 3 repeats")
    parser.add_argument("--internals", action="store_true", help="only the internals recorder's cost")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    rows = (
        internals_cost(3000, epochs=3, repeats=repeats) + internals_cost(500, epochs=10, repeats=repeats)
        if args.internals
        else run(quick=args.quick)
    )
    keys = list(rows[0])
    widths = [max(len(str(k)), *(len(str(r[k])) for r in rows)) for k in keys]
    print("  ".join(str(k).ljust(w) for k, w in zip(keys, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row[k]).ljust(w) for k, w in zip(keys, widths, strict=True)), flush=True)


if __name__ == "__main__":
    main()
