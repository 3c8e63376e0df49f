"""The phone's runtime, proved in Chromium: the static page of static/phone/ loads the ONNX export of the
MNIST demo model with the vendored onnxruntime-web and predicts what Keras predicts, offline.

The files are served by Streamlit's own static serving under the app's own .streamlit/config.toml,
from a throwaway app folder (``bench_deploy.phone_site``): its ``static/`` holds copies of
``static/ort`` and ``static/phone`` plus the exported model and its manifest, so the repository is
never written to. Every request leaving the app is blocked and recorded: the page needs no internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from bench.bench_app import Server
from bench.bench_deploy import PHONE_PAGE, PHONE_VIEWPORT, phone_site
from tests.e2e.browser import only_this_app

JAVASCRIPT = ("text/javascript", "application/javascript")


@pytest.fixture(scope="module")
def site(tmp_path_factory, data_dir) -> Iterator[tuple[str, Path, np.ndarray]]:  # data_dir: needs MNIST
    """(base URL, folder, Keras' scores for the test digit) of a Streamlit server serving the proof."""
    folder = tmp_path_factory.mktemp("site")
    script, expected = phone_site(folder)
    with Server(script) as server:
        yield server.url, folder, expected


def test_the_phone_page_predicts_keras_class_offline_with_the_vendored_runtime(browser, site):
    url, folder, expected = site
    context = browser.new_context(**PHONE_VIEWPORT)
    page = context.new_page()
    served = {}
    outside = only_this_app(page, url)
    page.on("response", lambda response: served.setdefault(response.url.rsplit("/", 1)[-1], response))
    try:
        page.goto(url + PHONE_PAGE)
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
    context = browser.new_context(**PHONE_VIEWPORT)
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
