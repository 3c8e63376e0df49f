"""AppTest runs of the "Take it home" page (issue 28): a network menu, checked downloads, the phone's QR code.

The downloads run on a Dask cluster in this process (the page's :func:`cnnviz.ui.downloads.export_service`
is pointed at it); the phone page's models go to a temporary folder (``$CNNVIZ_PHONE_MODELS_DIR``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.architecture import to_keras
from cnnviz.deploy import ExportService
from cnnviz.training import TrainConfig, TrainingRun
from cnnviz.ui import downloads
from cnnviz.ui.take_home.phone import MODELS_DIR_ENV
from tests.conftest import labelled_button, markdown_text, page_path, rerun_until

PREPARE = "Prepare the downloads (5 formats, each checked)"


@pytest.fixture(scope="module")
def service(dask_client) -> ExportService:
    return ExportService(lambda: dask_client)


@pytest.fixture
def page(service, monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setattr(downloads, "export_service", lambda: service)
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "models"))
    return AppTest.from_file(page_path("take_home"), default_timeout=120)


def _downloads(app: AppTest) -> list:
    return [element for element in app.get("download_button") if element.proto.label == "Download"]


def test_a_demo_network_downloads_in_five_checked_formats_and_opens_on_a_phone(page, tmp_path):
    app = page.run()
    assert not app.exception
    assert app.selectbox(key="th_network").value.startswith("Demo: Handwritten digits")
    assert any("Prepare the downloads above first" in info.value for info in app.info)
    labelled_button(app, PREPARE).click().run()
    rerun_until(app, lambda a: len(_downloads(a)) == 5 and any("/app/static/phone/" in code.value for code in a.code))
    assert not app.exception
    text = markdown_text(app)
    for title in ("ONNX (.onnx)", "Keras (.keras)", "TensorFlow SavedModel", "LiteRT (.tflite, float32)"):
        assert f"**{title}**" in text
    assert "LiteRT float32 or int8?" in text and "| Same top class as Keras |" in text
    assert len(re.findall(r"Checked with \S+ on 100 test images", " ".join(c.value for c in app.caption))) == 5
    url = next(code.value for code in app.code if "/app/static/phone/index.html?model=models/" in code.value)
    token = re.search(r"model=models/([A-Za-z0-9_-]{32})/manifest\.json$", url)[1]
    folder = tmp_path / "models" / token
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == "model.onnx" and manifest["centre"] is True
    assert manifest["class_names"] == [str(digit) for digit in range(10)] and manifest["input_shape"] == [28, 28, 1]
    assert (folder / "model.onnx").stat().st_size > 100_000
    app.run()  # shown again: the same published network, renewed, not a second copy
    assert [path.name for path in (tmp_path / "models").iterdir()] == [token]


def _run(test_images: np.ndarray | None) -> TrainingRun:
    stack = [{"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"}]
    labels = None if test_images is None else np.arange(len(test_images)) % 3
    return TrainingRun(
        model=to_keras(stack, (8, 8, 1)),
        history={"loss": [1.0]},
        test_loss=None,
        test_accuracy=None,
        seconds=1.0,
        config=TrainConfig(),
        stack=stack,
        input_shape=(8, 8, 1),
        class_names=["a", "b", "c"],
        test_images=test_images,
        test_labels=labels,
        label="Run 1 · tiny",
    )


def test_a_run_is_offered_first_and_one_without_test_images_says_why(page):
    page.session_state["runs"] = [_run(None)]
    app = page.run()
    assert not app.exception
    assert app.selectbox(key="th_network").value == "Run 1 · tiny"
    assert any("kept no test images" in info.value for info in app.info)
    assert PREPARE not in [button.label for button in app.button]


def test_a_run_exports_from_its_stack_and_weights_without_int8_when_its_data_is_gone(page):
    images = np.random.default_rng(0).integers(0, 256, (9, 8, 8, 1), dtype=np.uint8)
    page.session_state["runs"] = [_run(images)]
    app = page.run()
    labelled_button(app, PREPARE).click().run()
    rerun_until(app, lambda a: len(_downloads(a)) == 4 and any("Not offered" in w.value for w in a.warning))
    warning = next(w.value for w in app.warning if "Not offered" in w.value)
    assert "no training images to choose the 8-bit ranges" in warning
    assert "Checked with onnxruntime on 9 test images" in " ".join(c.value for c in app.caption)


def test_another_page_opens_it_on_its_network(page):
    page.session_state["take_home_network"] = ("demo", "fashion_mnist")
    app = page.run()
    assert app.selectbox(key="th_network").value.startswith("Demo: Clothing")
    assert "take_home_network" not in app.session_state  # read once


def test_a_link_names_a_demo_model(page):
    page.query_params["model"] = "fashion_mnist"
    app = page.run()
    assert not app.exception
    assert app.selectbox(key="th_network").value.startswith("Demo: Clothing")


def test_the_page_is_in_the_navigation():
    from cnnviz.ui.navigation import STEPS

    step = next(step for step in STEPS if step.path == "pages/take_home.py")
    assert step.title == "8 · Take it home" and Path(page_path("take_home")).is_file()
