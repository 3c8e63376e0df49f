"""Downloads (issue 28): export time and size per format, the largest |difference| from Keras per runtime on
the 10,000 MNIST test digits, the int8 file's accuracy change, and the phone page in Chromium.

Models: the shipped MNIST demo and the ``quick_mnist`` recipe's network trained here as the Training page
would (3 epochs on 3,000 digits, about 20 s). Each format is exported once per model (``export_model``),
checked as the download list will (``check_export`` on 100 test digits), then run on all 10,000 test
digits in its own runtime. The phone page (static/phone/) runs the demo's ONNX export with the vendored
onnxruntime-web at 390×844, served by Streamlit's static serving with the app's own config.

    python bench/bench_deploy.py               # both models and the phone page (~3 min on 2 cores)
    python bench/bench_deploy.py --no-recipe   # the demo model only
    from bench_deploy import run, phone        # rows as dicts, for a collected report
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from cnnviz import datasets, deploy
from cnnviz.inspection import load_pretrained
from cnnviz.recipes import RECIPES

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_MANIFEST = ROOT / "static" / "ort" / "VERSION.json"  # the vendored onnxruntime-web's files and sizes
PHONE_VIEWPORT = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PHONE_PICTURES = 5  # pictures chosen one after the other on the phone page; the median time is reported


def models(recipe: bool) -> dict[str, Any]:
    """The models measured, by label."""
    chosen = {"MNIST demo": load_pretrained("mnist")}
    if recipe:
        from cnnviz.training.fit import train

        quick = RECIPES["quick_mnist"]
        chosen["recipe quick_mnist"] = train(quick.stack, datasets.load("mnist"), quick.config).model
    return chosen


def _seconds(function, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``function(*args, **kwargs)`` and the seconds it took."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def run(recipe: bool = True) -> list[dict[str, Any]]:
    """One row per model and format: export s, size, check s, 10k-image comparison with Keras."""
    mnist = datasets.load("mnist")
    test = mnist.x_test.astype(np.float32) / 255
    calibration = mnist.x_train[: deploy.CALIBRATION_IMAGES].astype(np.float32) / 255
    rows = []
    for label, model in models(recipe).items():
        keras_scores = np.concatenate(
            [np.asarray(model(test[i : i + 500], training=False)) for i in range(0, 10_000, 500)]
        )
        keras_accuracy = float(np.mean(keras_scores.argmax(1) == mnist.y_test))
        with tempfile.TemporaryDirectory(prefix="bench-deploy-") as folder:
            for fmt, spec in deploy.FORMATS.items():
                target = Path(folder) / spec.file_name
                path, export_s = _seconds(deploy.export_model, model, fmt, target, calibration_images=calibration)
                check, check_s = _seconds(deploy.check_export, path, fmt, model, test[:100], mnist.y_test[:100])
                scores, predict_s = _seconds(deploy.predict_exported, path, fmt, test)
                accuracy = float(np.mean(scores.argmax(1) == mnist.y_test))
                rows.append(
                    {
                        "model": label,
                        "format": fmt,
                        "runtime": spec.runtime,
                        "export_s": round(export_s, 2),
                        "size_bytes": check.size_bytes,
                        "check_100_s": round(check_s, 2),
                        "offered": check.offered,
                        "max_difference_10k": float(np.abs(scores - keras_scores).max()),
                        "same_class_10k": float(np.mean(scores.argmax(1) == keras_scores.argmax(1))),
                        "accuracy_10k": accuracy,
                        "keras_accuracy_10k": keras_accuracy,
                        "predict_10k_s": round(predict_s, 2),
                    }
                )
    return rows


def phone_site(folder: Path) -> tuple[Path, np.ndarray]:
    """A throwaway app folder whose static/ holds the phone page, its runtime, the MNIST demo's ONNX export
    and manifest (static/models/mnist.*) and a test digit (digit.png); returns the app script and Keras'
    scores for the digit. Served with ``bench_app.Server(script)`` from the project folder, so the app's
    own .streamlit/config.toml (static serving on) applies."""
    static = folder / "static"
    for part in ("ort", "phone"):
        shutil.copytree(ROOT / "static" / part, static / part)
    (static / "models").mkdir()
    model = load_pretrained("mnist")
    mnist = datasets.load("mnist")
    deploy.export_model(model, "onnx", static / "models" / "mnist.onnx")
    manifest = deploy.phone_manifest(model, mnist.class_names, "mnist.onnx", title="Digits")
    (static / "models" / "mnist.json").write_text(manifest)
    cv2.imwrite(str(folder / "digit.png"), mnist.x_test[0])
    script = folder / "app.py"
    script.write_text("import streamlit as st\n\nst.write('The phone page is under /app/static/phone/.')\n")
    return script, np.asarray(model(mnist.x_test[:1].astype(np.float32) / 255, training=False))[0]


PHONE_PAGE = "/app/static/phone/index.html?model=../models/mnist.json"


def phone() -> dict[str, Any]:
    """The phone page at 390×844 in Chromium: runtime transfer size, network load time, prediction time."""
    from bench_app import Server  # this folder's convention: benchmarks run as scripts from bench/
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-phone-") as folder:
        script, expected = phone_site(Path(folder))
        with Server(script) as server, sync_playwright() as playwright:
            wasm = f"{server.url}/app/static/ort/ort-wasm-simd-threaded.wasm"
            request = urllib.request.Request(wasm, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request) as answer:
                transferred = len(answer.read())
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            page = browser.new_context(**PHONE_VIEWPORT).new_page()
            page.goto(server.url + PHONE_PAGE)
            page.wait_for_function("window.cnnvizPhone && window.cnnvizPhone.network", timeout=120_000)
            load_ms = page.evaluate("window.cnnvizPhone.loadMs")
            times = []
            for _ in range(PHONE_PICTURES):
                page.evaluate("window.cnnvizPhone.last = null")
                page.set_input_files("#picture", [])
                page.set_input_files("#picture", str(Path(folder) / "digit.png"))
                page.wait_for_function("window.cnnvizPhone.last", timeout=60_000)
                times.append(page.evaluate("window.cnnvizPhone.predictMs"))
            scores = np.array(page.evaluate("window.cnnvizPhone.last.scores"))
            browser.close()
    return {
        "runtime_bytes": sum(item["bytes"] for item in json.loads(RUNTIME_MANIFEST.read_text())["files"].values()),
        "wasm_gzip_bytes": transferred,
        "load_ms": round(load_ms),
        "first_predict_ms": round(times[0], 1),
        "predict_ms_median": round(statistics.median(times[1:]), 1),
        "max_difference": float(np.abs(scores - expected).max()),
        "same_class": int(scores.argmax()) == int(expected.argmax()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-recipe", action="store_true", help="measure the demo model only")
    parser.add_argument("--no-phone", action="store_true", help="skip the phone page in Chromium")
    args = parser.parse_args(argv)
    columns = "model | format | export | size | check (100) | offered | max abs diff (10k) | same class"
    print(f"| {columns} | accuracy (Keras) | 10k predictions |")
    print("| --- | --- | ---: | ---: | ---: | :---: | ---: | ---: | --- | ---: |")
    for row in run(recipe=not args.no_recipe):
        print(
            f"| {row['model']} | {row['format']} ({row['runtime']}) | {row['export_s']:.2f} s | "
            f"{row['size_bytes'] / 1024:,.0f} KB | {row['check_100_s']:.2f} s | {'yes' if row['offered'] else 'no'} | "
            f"{row['max_difference_10k']:.1e} | {row['same_class_10k']:.2%} | "
            f"{row['accuracy_10k']:.2%} ({row['keras_accuracy_10k']:.2%}) | {row['predict_10k_s']:.2f} s |",
            flush=True,
        )
    if not args.no_phone:
        found = phone()
        print(
            f"\nPhone page (Chromium 390×844): runtime {found['runtime_bytes'] / 1e6:.2f} MB on disk, wasm "
            f"{found['wasm_gzip_bytes'] / 1e6:.2f} MB gzipped on the wire; network loaded in {found['load_ms']} ms; "
            f"first prediction {found['first_predict_ms']} ms, then {found['predict_ms_median']} ms (median of "
            f"{PHONE_PICTURES - 1}); max |difference| from Keras {found['max_difference']:.1e}, "
            f"same class: {found['same_class']}"
        )


if __name__ == "__main__":
    main()
