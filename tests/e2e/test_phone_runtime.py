"""The phone's runtime, proved in Chromium: the static page of static/phone/ loads the ONNX export of the
MNIST demo model with the vendored onnxruntime-web and predicts what Keras predicts, offline.

The files are served by Streamlit's own static serving (``server.enableStaticServing``), as the app
serves them, from a throwaway app folder: its ``static/`` holds copies of ``static/ort`` and
``static/phone`` plus the exported model and its manifest, so the repository is never written to.
Every request leaving 127.0.0.1 is blocked and recorded: the page must not need the internet.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from cnnviz import datasets, deploy
from cnnviz.inspection import load_pretrained
from tests.e2e.conftest import ROOT, SERVER_START_TIMEOUT, _free_port

JAVASCRIPT = ("text/javascript", "application/javascript")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir) -> Iterator[tuple[str, Path, np.ndarray]]:
    """(base URL, folder, Keras' probabilities for the test digit) of a Streamlit server serving the proof."""
    folder = tmp_path_factory.mktemp("site")
    static = folder / "static"
    shutil.copytree(ROOT / "static" / "ort", static / "ort")
    shutil.copytree(ROOT / "static" / "phone", static / "phone")
    (static / "models").mkdir()
    model = load_pretrained("mnist")
    mnist = datasets.load("mnist")
    deploy.export_model(model, "onnx", static / "models" / "mnist.onnx")
    manifest = deploy.phone_manifest(model, mnist.class_names, "mnist.onnx", title="Digits")
    (static / "models" / "mnist.json").write_text(manifest)
    cv2.imwrite(str(folder / "digit.png"), mnist.x_test[0])
    expected = np.asarray(model(mnist.x_test[:1].astype(np.float32) / 255, training=False))[0]
    (folder / "app.py").write_text("import streamlit as st\n\nst.write('The proof is under /app/static/.')\n")

    port = _free_port()
    log = open(folder / "streamlit.log", "w")  # noqa: SIM115 - lives as long as the server
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.enableStaticServing", "true"]
    command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    server = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the proof server did not start; see {log.name}")
        time.sleep(0.2)
    yield url, folder, expected
    server.terminate()
    server.wait(timeout=10)
    log.close()


def test_the_phone_page_predicts_keras_class_offline_with_the_vendored_runtime(browser, site):
    url, folder, expected = site
    context = browser.new_context(**PHONE)
    page = context.new_page()
    outside, served = [], {}

    def only_this_app(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_app)
    page.on("response", lambda response: served.setdefault(response.url.rsplit("/", 1)[-1], response))
    try:
        page.goto(f"{url}/app/static/phone/index.html?model=../models/mnist.json")
        expect(page.locator("#status")).to_have_text(
            "Ready: the network runs on this device (input 28×28×1).", timeout=120_000
        )
        expect(page.locator("h1")).to_have_text("Digits")
        page.set_input_files("#picture", str(folder / "digit.png"))
        expect(page.locator("#prediction")).to_have_text(f"Prediction: {int(expected.argmax())}")
        scores = np.array(page.evaluate("window.cnnvizPhone.last.scores"))
        timing = page.evaluate("({load: window.cnnvizPhone.loadMs, predict: window.cnnvizPhone.predictMs})")
    finally:
        context.close()
    assert np.abs(scores - expected).max() <= 1e-4
    assert outside == []
    assert served["ort-wasm-simd-threaded.wasm"].headers["content-type"] == "application/wasm"
    # Served with nosniff, so a wrong type would stop the browser; either JavaScript type works.
    assert served["ort.wasm.bundle.min.mjs"].headers["content-type"].split(";")[0] in JAVASCRIPT
    assert timing["load"] > 0 and timing["predict"] > 0
    print(f"phone page (390×844): network loaded in {timing['load']:.0f} ms, one prediction {timing['predict']:.0f} ms")


def test_the_page_refuses_a_network_from_another_origin(browser, site):
    url, _, _ = site
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    try:
        page.goto(f"{url}/app/static/phone/index.html?model=https://example.org/evil.json")
        expect(page.locator("#status")).to_have_text(
            "The network could not start: The network must come from this app."
        )
        expect(page.locator("#picture")).to_be_disabled()
    finally:
        context.close()
