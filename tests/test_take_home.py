"""Taking a network home (issue 28), the library side: the server's export jobs, the phone page's published
models (random names, bounded, expiring, never outside their folder), its address on a phone, and the plain
words for an int8 file LiteRT cannot run.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cnnviz import deploy
from cnnviz.architecture import to_keras
from cnnviz.deploy import ExportRequest, ExportService, ModelSource
from cnnviz.deploy import published as shelf
from cnnviz.deploy.lan import is_loopback, lan_address, phone_url
from cnnviz.deploy.service import NO_CALIBRATION
from cnnviz.errors import InputError
from cnnviz.inspection import load_pretrained

MANIFEST = json.dumps({"model": "model.onnx"})


# ------------------------------------------------------------------ the phone page's published models
def test_a_published_model_gets_a_random_folder_of_its_own(tmp_path):
    first = shelf.publish(b"onnx bytes", MANIFEST, tmp_path)
    second = shelf.publish(b"other bytes", MANIFEST, tmp_path)
    assert first.token != second.token and len(first.token) == 32
    assert set(first.token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert (tmp_path / first.token / "model.onnx").read_bytes() == b"onnx bytes"
    assert json.loads((tmp_path / first.token / "manifest.json").read_text()) == {"model": "model.onnx"}
    assert first.manifest_path == f"{tmp_path.name}/{first.token}/manifest.json"


def test_publishing_refuses_what_it_should_not_write(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="no ONNX file"):
        shelf.publish(b"", MANIFEST, tmp_path)
    with pytest.raises(InputError, match="must name model.onnx"):
        shelf.publish(b"x", json.dumps({"model": "../../app.py"}), tmp_path)
    monkeypatch.setattr(shelf, "MAX_MODEL_BYTES", 10)
    with pytest.raises(InputError, match="takes networks up to 10 bytes"):
        shelf.publish(b"x" * 11, MANIFEST, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_old_models_expire_and_the_total_stays_bounded(tmp_path, monkeypatch):
    start = 1_000_000.0
    old = shelf.publish(b"a" * 100, MANIFEST, tmp_path, now=start)
    os.utime(old.folder, (start, start))
    kept = shelf.publish(b"b" * 100, MANIFEST, tmp_path, now=start + 10)
    os.utime(kept.folder, (start + 10, start + 10))
    later = start + shelf.LIFETIME_SECONDS + 5  # the first one's time is up, not the second's
    assert shelf.clean(tmp_path, now=later) == [old.token]
    assert kept.folder.is_dir()
    renewed = shelf.renew(kept, now=later)
    assert renewed is not None and renewed.expires == later + shelf.LIFETIME_SECONDS
    monkeypatch.setattr(shelf, "MAX_TOTAL_BYTES", 250)  # room for two models of ~120 bytes
    second = shelf.publish(b"c" * 100, MANIFEST, tmp_path, now=later + 1)
    os.utime(second.folder, (later + 1, later + 1))
    third = shelf.publish(b"d" * 100, MANIFEST, tmp_path, now=later + 2)
    assert not kept.folder.exists()  # the oldest made room
    assert second.folder.is_dir() and third.folder.is_dir()
    assert shelf.renew(kept, now=later + 3) is None


def test_cleaning_never_touches_other_folders_or_follows_links(tmp_path):
    mine = tmp_path / "models"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    mine.mkdir()
    (mine / "README.txt").write_text("not a model")
    (mine / "x").mkdir()
    (mine / ("A" * 32)).symlink_to(outside, target_is_directory=True)  # named like a token, but a link
    assert shelf.clean(mine, now=10**12) == []
    assert (outside / "precious.txt").read_text() == "keep"
    assert (mine / "README.txt").exists() and (mine / "x").is_dir()


# ------------------------------------------------------------------ the phone page's address
def test_the_phone_address_swaps_localhost_for_the_lan_address():
    model = "models/abc/manifest.json"
    url, swapped = phone_url("http://localhost:8501/take_home", model, lan="192.168.1.20")
    assert (url, swapped) == (
        "http://192.168.1.20:8501/app/static/phone/index.html?model=models/abc/manifest.json",
        True,
    )
    for local in ("http://127.0.0.1:8501/x", "http://0.0.0.0:8501/x", "http://[::1]:8501/x"):
        assert phone_url(local, model, lan="10.0.0.5")[0].startswith("http://10.0.0.5:8501/app/static/phone/")
    hosted, swapped = phone_url("https://cnn.streamlit.app/take_home?x=1", model, lan="192.168.1.20")
    assert (hosted, swapped) == (
        "https://cnn.streamlit.app/app/static/phone/index.html?model=models/abc/manifest.json",
        False,
    )
    lan, _ = phone_url("http://192.168.1.20:8501/take_home", model, base_path="/cnn/", lan="10.0.0.5")
    assert lan == "http://192.168.1.20:8501/cnn/app/static/phone/index.html?model=models/abc/manifest.json"
    assert phone_url("http://localhost:8501/", model, lan=None) == (
        "http://localhost:8501/app/static/phone/index.html?model=models/abc/manifest.json",
        False,
    )
    assert is_loopback("127.0.0.2") and is_loopback("LOCALHOST") and not is_loopback("example.org")
    found = lan_address()
    assert found is None or not is_loopback(found)


# ------------------------------------------------------------------ the int8 file of a dead network
def test_a_dead_network_gets_a_plain_reason_for_its_int8_file(tmp_path):
    model = to_keras(
        [
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "activation": "relu"},
            {"type": "Flatten"},
            {"type": "Dense", "units": 3, "activation": "softmax"},
        ],
        (28, 28, 1),
    )
    weights = model.get_weights()
    weights[1][:] = -100.0  # every ReLU of the convolution stays at 0: a dead network
    model.set_weights(weights)
    images = np.random.default_rng(0).random((20, 28, 28, 1), dtype=np.float32)
    path = deploy.export_model(model, "litert_int8", tmp_path / "m", calibration_images=images)
    check = deploy.check_export(path, "litert_int8", model, images)
    conv = model.layers[0].name
    assert not check.offered
    assert check.reason.startswith(f"the int8 file cannot run: the layer “{conv}” outputs 0 for every test picture")
    assert "“dead”), so this network gives the same answer for every picture." in check.reason
    assert "the float files are not affected" in check.reason
    assert deploy.check_export(deploy.export_model(model, "litert", tmp_path / "f"), "litert", model, images).offered


def test_an_int8_file_that_fails_for_another_reason_gets_the_runtimes_words(tmp_path):
    model = load_pretrained("mnist")  # alive: no layer is 0 for every picture
    broken = tmp_path / "model.tflite"
    broken.write_bytes(b"not a model")
    images = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    check = deploy.check_export(broken, "litert_int8", model, images)
    assert not check.offered and check.reason.startswith("ai-edge-litert could not run the file (")
    assert "dead" not in check.reason


def test_the_manifest_says_whether_the_page_centres_pictures():
    model = load_pretrained("mnist")
    names = [str(digit) for digit in range(10)]
    assert json.loads(deploy.phone_manifest(model, names, "model.onnx", centre=True))["centre"] is True
    assert json.loads(deploy.phone_manifest(model, names, "model.onnx"))["centre"] is False


# ------------------------------------------------------------------ the server's export jobs
def _request(**changes) -> ExportRequest:
    """The MNIST demo's downloads, checked on 40 test digits, calibrated on 100 training digits."""
    from cnnviz import datasets

    mnist = datasets.load("mnist")
    request = ExportRequest(
        ModelSource(demo="mnist"),
        mnist.class_names,
        mnist.x_test[:40].astype(np.float32) / 255,
        mnist.y_test[:40],
        calibration_images=mnist.x_train[:100].astype(np.float32) / 255,
        stem="digits",
    )
    return dataclasses.replace(request, **changes)


def _finished(job, timeout: float = 600):
    import time

    deadline = time.monotonic() + timeout
    while not (snapshot := job.snapshot()).finished:
        assert time.monotonic() < deadline, "the export job did not finish"
        time.sleep(0.2)
    return snapshot


def test_a_network_is_exported_once_on_the_cluster_and_shared(dask_client, data_dir):
    service = ExportService(lambda: dask_client)
    job = service.request("demo-mnist", _request(formats=("onnx", "litert_int8")))
    assert service.request("demo-mnist", _request()) is job  # asked again (another student): the same job
    snapshot = _finished(job)
    assert snapshot.error is None and list(snapshot.downloads) == ["onnx", "litert_int8"]
    onnx = snapshot.downloads["onnx"]
    assert onnx.offered and onnx.check.max_difference <= deploy.MAX_FLOAT_DIFFERENCE and onnx.check.images == 40
    with zipfile.ZipFile(io.BytesIO(onnx.data)) as archive:
        assert sorted(archive.namelist()) == ["README.md", "model.onnx", "predict.py"]
    int8 = snapshot.downloads["litert_int8"]
    assert int8.offered and int8.check.agreement >= deploy.MIN_INT8_AGREEMENT
    assert int8.check.export_accuracy is not None and int8.check.keras_accuracy is not None


def test_without_training_images_the_int8_file_is_not_offered_and_says_why(dask_client, data_dir):
    stack = [{"type": "Flatten"}, {"type": "Dense", "units": 10, "activation": "softmax"}]
    model = to_keras(stack, (28, 28, 1))
    source = ModelSource(stack=tuple(stack), input_shape=(28, 28, 1), weights=tuple(model.get_weights()))
    service = ExportService(lambda: dask_client, max_kept=1)
    job = service.request("run-a", _request(source=source, formats=("keras", "litert_int8"), calibration_images=None))
    snapshot = _finished(job)
    assert snapshot.downloads["keras"].offered
    assert not snapshot.downloads["litert_int8"].offered
    assert snapshot.downloads["litert_int8"].check.reason == NO_CALIBRATION
    service.request("demo-other", _request(formats=("keras",)))
    assert service.job("run-a") is None  # one network kept: the older one was let go


def test_a_cluster_that_cannot_be_reached_is_reported_not_raised():
    def unreachable():
        raise RuntimeError("Could not start or reach the training workers: no worker arrived")

    snapshot = _finished(ExportService(unreachable).request("x", _request()), timeout=30)
    assert snapshot.finished and "no worker arrived" in snapshot.error
    with pytest.raises(InputError, match="Unknown download formats: zip"):
        ExportService(unreachable).request("y", _request(formats=("zip",)))


def test_downloads_made_at_once_are_bounded_so_they_never_crowd_out_the_trainings():
    """Issue 25: a student asking for the downloads of every run and demo cannot fill the training workers
    with export tasks; the next network is refused with a plain message until one is ready."""
    import threading

    from cnnviz import limits

    gate = threading.Event()

    def slow_cluster():
        gate.wait(120)
        raise RuntimeError("Could not start or reach the training workers")

    service = ExportService(slow_cluster, max_kept=2)  # running jobs count even once no longer kept
    jobs = [service.request(f"run-{index}", _request()) for index in range(limits.EXPORTS_RUNNING.most)]
    with pytest.raises(InputError, match=r"^The server is busy: 4 networks' downloads under way; the most allowed"):
        service.request("run-more", _request())
    assert service.job("run-more") is None  # nothing started for it
    gate.set()
    for job in jobs:
        assert _finished(job, timeout=60).error
    assert service.request("run-more", _request()) is not None  # room again once they ended


def test_models_dir_is_under_the_apps_static_folder_by_default(monkeypatch):
    from cnnviz.ui.take_home.phone import MODELS_DIR_ENV, STATIC_DIR, models_dir

    monkeypatch.delenv(MODELS_DIR_ENV, raising=False)
    assert models_dir() == STATIC_DIR / "phone" / "models"
    assert (STATIC_DIR / "phone" / "index.html").is_file() and (STATIC_DIR.parent / "app.py").is_file()
    monkeypatch.setenv(MODELS_DIR_ENV, "/tmp/elsewhere")
    assert models_dir() == Path("/tmp/elsewhere")
