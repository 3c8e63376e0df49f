"""Take it home, in Chromium (issue 28): the app exports the MNIST demo on its training workers, offers the
checked ONNX zip for download, and its QR code's page runs that file on a phone-sized touch screen.

The phone is a 390×844 context with touch (``has_touch=True, is_mobile=True``): a "1" is drawn with real
touch events (Chrome DevTools' ``Input.dispatchTouchEvent``), the page predicts it with the vendored
onnxruntime-web, and its scores equal Keras' on the very input the page prepared. Every request leaving the
app is blocked and recorded: the phone needs no internet. A second visit starts its runtime from the copy
the page kept on the device.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from cnnviz.inspection import load_pretrained
from tests.e2e.browser import new_page, only_this_app, wait_idle

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
MODELS = Path(__file__).resolve().parents[2] / "static" / "phone" / "models"
EXPORT_TIMEOUT_MS = 600_000  # the training workers start on the first request: minutes on a loaded 2-core box


def _touch_stroke(page, points: list[tuple[float, float]]) -> None:
    """A finger drawn through canvas-relative ``points`` on #drawing, as real touch input."""
    box = page.locator("#drawing").bounding_box()
    cdp = page.context.new_cdp_session(page)
    at = [{"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]} for x, y in points]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at[0]]})
    for point in at[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


@pytest.mark.timeout(1200)
def test_a_demo_network_downloads_as_onnx_and_runs_on_a_phone(browser, app_url, tmp_path):
    page = new_page(browser)
    published = None
    try:
        page.goto(f"{app_url}/take_home")
        wait_idle(page, rerun=False)
        expect(page.get_by_role("heading", name="Take it home")).to_be_visible()
        page.get_by_role("button", name="Prepare the downloads").click()
        any_download = page.get_by_role("button", name="Download", exact=True)  # not "Prepare the downloads"
        # The innermost block holding both the ONNX title and a Download button: the ONNX row's bordered container.
        blocks = page.locator('[data-testid="stVerticalBlock"]')
        onnx_row = blocks.filter(has_text="ONNX (.onnx)").filter(has=any_download).last
        download_button = onnx_row.get_by_role("button", name="Download", exact=True)
        failed = page.get_by_text("The downloads could not be made")
        expect(download_button.or_(failed)).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
        assert not failed.is_visible(), page.locator('[data-testid="stAlert"]').first.inner_text()
        expect(onnx_row).to_contain_text("Checked with onnxruntime on 100 test images")
        # Each format that gets ready reruns the page, which replaces the download buttons' files: click once all are.
        expect(page.get_by_text("formats exported and checked")).to_have_count(0, timeout=EXPORT_TIMEOUT_MS)
        wait_idle(page, rerun=False)
        with page.expect_download() as event:
            download_button.click()
        archive = zipfile.ZipFile(io.BytesIO(Path(event.value.path()).read_bytes()))
        assert sorted(archive.namelist()) == ["README.md", "model.onnx", "predict.py"]
        assert "Classes, in the order of the outputs" in archive.read("README.md").decode()

        link = page.get_by_role("link", name="Open the phone page on this computer")
        expect(link).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
        expect(page.get_by_role("img", name="QR code of")).to_be_visible()
        address = link.get_attribute("href")
        assert address.startswith(f"{app_url}/app/static/phone/index.html?model=models/")
        published = MODELS / parse_qs(urlsplit(address).query)["model"][0].split("/")[1]
        assert (published / "model.onnx").read_bytes() == archive.read("model.onnx")  # the checked file itself
    finally:
        page.context.close()

    phone = browser.new_context(**PHONE)
    tab = phone.new_page()
    outside = only_this_app(tab, app_url)
    try:
        tab.goto(address)
        expect(tab.locator("#status")).to_have_text(
            "Ready: the network runs on this device (input 28×28×1).", timeout=180_000
        )
        assert tab.locator("#status").get_attribute("data-runtime") == "the app"
        expect(tab.locator("h1")).to_have_text("Handwritten digits (MNIST)")
        _touch_stroke(tab, [(0.5, 0.15 + 0.05 * step) for step in range(15)])  # a vertical stroke: a one
        expect(tab.locator("#prediction")).to_have_text("Prediction: 1")
        scores = np.array(tab.evaluate("window.cnnvizPhone.last.scores"))
        fed = np.array(tab.evaluate("window.cnnvizPhone.input"), np.float32).reshape(1, 28, 28, 1)
        timing = tab.evaluate("({load: window.cnnvizPhone.loadMs, predict: window.cnnvizPhone.predictMs})")
        assert fed.max() == 1.0 and fed.sum() > 10  # the stroke, centred and scaled like an MNIST digit
        expected = np.asarray(load_pretrained("mnist")(fed, training=False))[0]
        assert np.abs(scores - expected).max() <= 1e-4
        expect(tab.locator("#top li").first).to_contain_text("1: ")

        tab.reload()  # the next visit: the runtime comes from the copy kept on the phone
        expect(tab.locator("#status")).to_have_text(
            "Ready: the network runs on this device (input 28×28×1).", timeout=180_000
        )
        assert tab.locator("#status").get_attribute("data-runtime") == "this device"
        reload_ms = tab.evaluate("window.cnnvizPhone.loadMs")
    finally:
        phone.close()
        if published is not None:
            shutil.rmtree(published, ignore_errors=True)
    assert outside == []
    print(
        f"phone page (390×844, touch): network loaded in {timing['load']:.0f} ms (runtime from the app), "
        f"{reload_ms:.0f} ms on the next visit (runtime kept on the device); one prediction {timing['predict']:.0f} ms"
    )
