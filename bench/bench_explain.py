"""Explanations (issue 26) on the demo MNIST model: speed, and the figures that say how far to trust them.

Speed: the median of several calls after one warm-up call (which traces the compiled functions; its
time is given too), next to the same computation written plainly (an eager ``tf.GradientTape`` around
the Keras model, one batch) where there is one.

Figures, on MNIST test images:
- integrated gradients' completeness error (|Σ attributions − (p(x) − p(baseline))| / |p(x) − p(baseline)|)
  at 64 steps, for each baseline;
- the sanity check: Spearman's ρ (of absolute values) between each map of the trained network and the
  same map of the network randomised from the top layer down to each layer (Adebayo et al. 2018);
- neighbour purity (10 nearest neighbours of the same class) of the t-SNE and PCA class maps;
- the accuracy under FGSM as ε grows;
- the training-internals callback's cost: images/s of a bare ``fit`` with and without it, alternately.

    python bench/bench_explain.py              # ~4 min on an idle 2-core CPU
    python bench/bench_explain.py --quick      # fewer images and repeats
    python bench/bench_explain.py --map        # only the class map's rows (~1 min on an idle 2-core CPU)
    from bench_explain import run, internals_overhead   # rows as dicts, for bench/run_all.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CNNVIZ_DATA_DIR", str(ROOT.parent / "shared" / "datasets"))

from cnnviz import architecture, datasets, explain, inspection  # noqa: E402 - after the environment defaults
from cnnviz.explain.tasks import ModelSource, image_features  # noqa: E402
from cnnviz.training.internals import internals_recorder, probe_batch  # noqa: E402

EPSILONS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
MAP_METHODS = ("gradient", "gradient × input", "SmoothGrad", "integrated gradients", "occlusion", "Grad-CAM")


def _timed(call: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """(first call's seconds, median seconds of ``repeats`` more calls)."""
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return first, statistics.median(times) if times else first


def _plain_gradient(model: Any, images: np.ndarray, class_index: int) -> np.ndarray:
    """The reference: an eager GradientTape around the Keras model, as a tutorial writes it."""
    import tensorflow as tf

    x = tf.constant(images)
    with tf.GradientTape() as tape:
        tape.watch(x)
        probability = model(x, training=False)[:, class_index]
    return tape.gradient(probability, x).numpy()


def _row(measure: str, seconds: float, first: float, target: float | None, reference: str = "", ref_s: float = 0):
    return {
        "measure": measure,
        "ours": f"{seconds * 1e3:,.0f} ms (first call {first * 1e3:,.0f} ms)",
        "reference": reference and f"{ref_s * 1e3:,.0f} ms ({reference})",
        "ratio": f"{seconds / ref_s:.2f}×" if ref_s else "",
        "target": f"≤ {target * 1e3:,.0f} ms" if target else "",
        "met": None if target is None else seconds <= target,
    }


def speed(model: Any, images: np.ndarray, repeats: int) -> list[dict[str, Any]]:
    """Median times of every function on the demo MNIST model."""
    image = images[0]
    c = int(np.argmax(model.predict(image[None], verbose=0)))
    steps = 64 * [image]
    rows = []
    for method, label in (("gradient", "gradient"), ("gradient_x_input", "gradient × input")):
        first, ours = _timed(lambda m=method: explain.saliency(model, image, method=m), repeats)
        _, plain = _timed(lambda: _plain_gradient(model, image[None], c), repeats)
        rows.append(_row(f"saliency: {label}", ours, first, 0.030, "eager GradientTape, 1 image", plain))
    first, ours = _timed(lambda: explain.saliency(model, image, method="smoothgrad", samples=25), repeats)
    _, plain = _timed(lambda: _plain_gradient(model, np.stack(25 * [image]), c), repeats)
    rows.append(_row("SmoothGrad, 25 copies", ours, first, 0.300, "eager GradientTape, batch of 25", plain))
    first, ours = _timed(lambda: explain.integrated_gradients(model, image, steps=64), repeats)
    _, plain = _timed(lambda: _plain_gradient(model, np.stack(steps), c), repeats)
    rows.append(_row("integrated gradients, 64 steps", ours, first, 0.300, "eager GradientTape, batch of 64", plain))
    first, ours = _timed(lambda: explain.occlusion(model, image), repeats)
    positions = 13 * 13
    _, plain = _timed(lambda: model.predict(np.stack(positions * [image]), verbose=0), repeats)
    rows.append(_row("occlusion, 4×4 patch, stride 2 (169 images)", ours, first, 0.500, "model.predict, 169", plain))
    first, ours = _timed(lambda: explain.fgsm(model, image, c, 0.1), repeats)
    _, plain = _timed(lambda: _plain_gradient(model, image[None], c), repeats)
    rows.append(_row("FGSM, one image", ours, first, 0.030, "eager GradientTape, 1 image", plain))
    first, ours = _timed(lambda: explain.feature_visualization(model, "conv5", 3, steps=256), 1)
    rows.append(_row("feature visualisation, conv5, 256 steps", ours, first, 5.0))
    return rows


def map_speed(model: Any, batch: np.ndarray, repeats: int) -> list[dict[str, Any]]:
    """The class map's PCA (with and without computing the features) and its background work's features."""
    rows = []
    first, ours = _timed(lambda: explain.embed(model, batch, method="pca"), repeats)
    features = explain.features(model, batch)
    _, reduce_only = _timed(lambda: explain.reduce(features, method="pca"), repeats)
    rows.append(
        _row(f"class map: PCA of {len(batch):,} images", ours, first, 1.0, "the PCA alone, features given", reduce_only)
    )
    net, source = explain.network(model), ModelSource.of_demo("mnist")
    first, ours = _timed(lambda: image_features(source, batch), repeats)
    _, two_passes = _timed(lambda: (explain.features(model, batch), net.probabilities(batch)), repeats)
    rows.append(
        _row(
            f"class map: features and answers of {len(batch):,} images in one pass (the page's background work)",
            ours,
            first,
            None,
            "two passes: features, then probabilities",
            two_passes,
        )
    )
    return rows


def completeness(model: Any, images: np.ndarray) -> list[dict[str, Any]]:
    """IG's completeness error per baseline: median and worst over the images (64 steps)."""
    rows = []
    for kind in explain.BASELINES:
        errors = []
        for image in images:
            baseline = explain.make_baseline(image, kind, seed=0)
            attributions = explain.integrated_gradients(model, image, baseline=baseline, steps=64)
            check = explain.completeness(model, image, attributions, baseline=baseline)
            if abs(check.probability_change) >= 0.05:  # nothing to attribute when the baseline is as sure
                errors.append(check.relative_error)
        rows.append(
            {
                "measure": f"integrated gradients' completeness error, 64 steps, {kind} baseline",
                "ours": f"median {statistics.median(errors):.2%}, worst {max(errors):.2%} ({len(errors)} images)",
                "reference": "",
                "ratio": "",
                "target": "≤ 5 %",
                "met": max(errors) <= 0.05,
            }
        )
    return rows


def _maps(model: Any, image: np.ndarray, class_index: int) -> dict[str, np.ndarray]:
    return {
        "gradient": explain.saliency(model, image, class_index),
        "gradient × input": explain.saliency(model, image, class_index, method="gradient_x_input"),
        "SmoothGrad": explain.saliency(model, image, class_index, method="smoothgrad"),
        "integrated gradients": explain.integrated_gradients(model, image, class_index).sum(axis=-1),
        "occlusion": explain.occlusion(model, image, class_index),
        "Grad-CAM": inspection.grad_cam(model, image, class_index),
    }


def sanity(model: Any, images: np.ndarray) -> list[dict[str, Any]]:
    """Mean Spearman ρ (absolute values) between each map and its twin after each cascade step."""
    classes = model.predict(images, verbose=0).argmax(axis=1)
    trained = [_maps(model, image, int(c)) for image, c in zip(images, classes, strict=True)]
    rows = []
    for layer in explain.cascade_layers(model):
        scrambled = explain.randomized(model, from_layer=layer, seed=0)
        twins = [_maps(scrambled, image, int(c)) for image, c in zip(images, classes, strict=True)]
        rho = {
            method: statistics.mean(
                explain.rank_correlation(a[method], b[method]) for a, b in zip(trained, twins, strict=True)
            )
            for method in MAP_METHODS
        }
        rows.append(
            {
                "measure": f"sanity check: Spearman ρ after randomising from {layer} up ({len(images)} images)",
                "ours": " · ".join(f"{method} {value:.2f}" for method, value in rho.items()),
                "reference": "",
                "ratio": "",
                "target": "",
                "met": None,
            }
        )
    return rows


def class_map(model: Any, images: np.ndarray, labels: np.ndarray) -> list[dict[str, Any]]:
    """The t-SNE map's time (one run) and the neighbour purity of the t-SNE and PCA maps."""
    started = time.perf_counter()
    tsne = explain.embed(model, images, method="tsne")
    seconds = time.perf_counter() - started
    purity = {
        "tsne": explain.neighbour_purity(tsne, labels),
        "pca": explain.neighbour_purity(explain.embed(model, images, method="pca"), labels),
    }
    pixels = explain.neighbour_purity(explain.reduce(images.reshape(len(images), -1), method="tsne"), labels)
    return [
        _row(f"class map: t-SNE of {len(images):,} images (one run)", seconds, seconds, 30.0),
        {
            "measure": f"class map: neighbour purity (10 nearest), {len(images):,} test images",
            "ours": f"t-SNE {purity['tsne']:.1%} · PCA {purity['pca']:.1%}",
            "reference": f"{pixels:.1%} (t-SNE of the raw pixels)",
            "ratio": "",
            "target": "",
            "met": None,
        },
    ]


def attack(model: Any, images: np.ndarray, labels: np.ndarray) -> list[dict[str, Any]]:
    started = time.perf_counter()
    accuracy = explain.fgsm_accuracy(model, images, labels, EPSILONS)
    seconds = time.perf_counter() - started
    curve = " · ".join(f"ε {epsilon:g}: {value:.1%}" for epsilon, value in zip(EPSILONS, accuracy, strict=True))
    return [
        {
            "measure": f"accuracy under FGSM, {len(images):,} test images ({seconds:.1f} s for the curve)",
            "ours": curve,
            "reference": "",
            "ratio": "",
            "target": "falls as ε grows",
            "met": bool(np.all(np.diff(accuracy) <= 0) and accuracy[-1] < accuracy[0]),
        }
    ]


def _timed_hooks(recorder: Any, spent: list[float]) -> Any:
    """``recorder`` with the time spent in its hooks added to ``spent[0]``."""

    def timing(method: Callable) -> Callable:
        def timed(*args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            method(*args, **kwargs)
            spent[0] += time.perf_counter() - started

        return timed

    for name in ("on_train_begin", "on_train_batch_begin", "on_epoch_end"):
        setattr(recorder, name, timing(getattr(recorder, name)))
    return recorder


def internals_overhead(
    images: int = 3000, epochs: int = 3, repeats: int = 5, long_images: int = 15_000
) -> list[dict[str, Any]]:
    """The internals callback's cost on a bare ``fit`` of the course's MNIST CNN: images/s with and without
    it (alternately), and the share of the fit's time spent inside its hooks (steadier under load), for
    the quick recipe's size and, once, for ``long_images`` images (where the per-epoch cost dominates)."""
    import keras

    data = datasets.load("mnist")
    x_all, y_all = data.x_train.astype(np.float32) / 255, data.y_train.astype(np.int64)
    x, y = x_all[:images], y_all[:images]
    shape, stack = architecture.PRESETS["MNIST CNN"]
    probe = probe_batch(x, y)
    shares: list[float] = []

    def fit(with_recorder: bool, x: np.ndarray = x, y: np.ndarray = y) -> float:
        keras.utils.set_random_seed(0)
        model = architecture.to_keras(stack, shape)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        spent = [0.0]
        callbacks = [_timed_hooks(internals_recorder(model, *probe), spent)] if with_recorder else []
        started = time.perf_counter()
        model.fit(x, y, batch_size=64, epochs=epochs, verbose=0, callbacks=callbacks)
        seconds = time.perf_counter() - started
        if with_recorder:
            shares.append(spent[0] / seconds)
        return len(x) * epochs / seconds

    fit(False)  # warm up TensorFlow for both sides
    speeds: dict[bool, list[float]] = {True: [], False: []}
    for repeat in range(repeats):
        for side in (True, False) if repeat % 2 == 0 else (False, True):
            speeds[side].append(fit(side))
    ours, bare = statistics.median(speeds[True]), statistics.median(speeds[False])
    setting = f"MNIST CNN, {images:,} images × {epochs} epochs, batch 64, {repeats} runs each"
    share, quick_shares = statistics.median(shares), list(shares)
    fit(True, x_all[:long_images], y_all[:long_images])
    return [
        {
            "measure": f"training-internals callback: throughput, {setting}",
            "ours": f"{ours:,.0f} img/s",
            "reference": f"{bare:,.0f} img/s (bare `fit`)",
            "ratio": f"{ours / bare:.3f}×",
            "target": "≥ 0.95×",
            "met": ours / bare >= 0.95,
        },
        {
            "measure": f"training-internals callback: share of the fit's time spent in its hooks, {images:,} images",
            "ours": f"{share:.1%} (median)",
            "reference": f"{min(quick_shares):.1%} to {max(quick_shares):.1%} over the runs",
            "ratio": "",
            "target": "≤ 5 %",
            "met": share <= 0.05,
        },
        {
            "measure": f"training-internals callback: share of the fit's time in its hooks, {long_images:,} images",
            "ours": f"{shares[-1]:.1%} (one run)",
            "reference": "",
            "ratio": "",
            "target": "≤ 5 %",
            "met": shares[-1] <= 0.05,
        },
    ]


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Every row but the callback's overhead (see :func:`internals_overhead`)."""
    model = inspection.load_pretrained("mnist")
    data = datasets.load("mnist")
    images, labels = data.x_test.astype(np.float32) / 255, data.y_test.astype(np.int64)
    count = 500 if quick else 2000
    return (
        speed(model, images, repeats=3 if quick else 7)
        + map_speed(model, images[:count], repeats=3 if quick else 7)
        + completeness(model, images[: 5 if quick else 20])
        + sanity(model, images[: 2 if quick else 5])
        + class_map(model, images[:count], labels[:count])
        + attack(model, images[:count], labels[:count])
    )


def class_map_rows(count: int = 2000) -> list[dict[str, Any]]:
    """Only the class map's rows: its speed (PCA, the features, t-SNE) and the neighbour purity."""
    model = inspection.load_pretrained("mnist")
    data = datasets.load("mnist")
    images, labels = data.x_test[:count].astype(np.float32) / 255, data.y_test[:count].astype(np.int64)
    return map_speed(model, images, repeats=5) + class_map(model, images, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and repeats")
    parser.add_argument("--map", action="store_true", help="only the class map's rows (2,000 images)")
    args = parser.parse_args()
    rows = class_map_rows() if args.map else run(args.quick) + internals_overhead(repeats=1 if args.quick else 5)
    for row in rows:
        mark = "" if row["met"] is None else (" ✅" if row["met"] else " ❌")
        reference = f" | {row['reference']} {row['ratio']}" if row["reference"] else ""
        print(f"{row['measure']}: {row['ours']}{reference} | target {row['target'] or '-'}{mark}")


if __name__ == "__main__":
    main()
