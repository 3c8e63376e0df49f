"""AppTest runs of the Datasets page: each dataset, NEU sizes, good and bad zip uploads, offline sample, errors."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import datasets
from cnnviz.datasets import digits
from tests.conftest import run_page
from tests.helpers import zip_of
from tests.svg_reading import pictures

NEU_CLASSES = ["scratches", "rolled-in scale", "pitted surface", "patches", "inclusion", "crazing"]  # the course's


@pytest.fixture
def app() -> AppTest:
    return run_page("data")


def metrics(app: AppTest) -> list[str]:
    return [metric.value for metric in app.metric]


def choose(app: AppTest, label: str) -> AppTest:
    return app.segmented_control(key="data_choice").set_value(label).run()


@pytest.fixture(scope="module")
def neu_zip(data_dir: Path) -> bytes:
    """Five real NEU images per class under NEU-DET names, plus a text file and a ../ member."""
    members = {}
    for prefix in ("crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"):
        for path in sorted((data_dir / "neu").glob(f"{prefix}_*.jpg"))[:5]:
            members[f"NEU/{path.name}"] = path.read_bytes()
    members["NEU/readme.txt"] = b"labels are in the names"
    members["../escape.jpg"] = members["NEU/crazing_1.jpg"]
    return zip_of(members)


def upload(app: AppTest, data: bytes, name: str = "images.zip") -> AppTest:
    choose(app, "Your own zip")
    return app.file_uploader(key="data_upload").set_value((name, data, "application/zip")).run()


def test_the_page_opens_on_mnist_with_its_source_and_figures(app):
    assert not app.exception and not app.error
    assert app.title[0].value.startswith("Datasets")
    assert metrics(app) == ["10", "5,000", "10,000", "28 × 28 × 1"]
    assert any("train-5k" in caption.value for caption in app.caption)
    assert set(pictures(app)) == {"data_counts", "data_pixels", "data_examples", "data_means"}


@pytest.mark.parametrize(
    "label, expected",
    [
        ("Fashion-MNIST clothes", ["10", "60,000", "10,000", "28 × 28 × 1"]),
        ("NEU steel defects", ["6", "1,416", "354", "64 × 64 × 1"]),
    ],
)
def test_each_dataset_can_be_chosen(app, label, expected):
    choose(app, label)
    assert not app.exception and not app.error
    assert metrics(app) == expected


def test_neu_image_size_can_be_changed(app):
    choose(app, "NEU steel defects")
    app.segmented_control(key="data_neu_size").set_value("32 × 32").run()
    assert not app.exception
    assert metrics(app)[3] == "32 × 32 × 1"


def test_other_examples_are_drawn_on_request(app):
    app.button(key="data_shuffle").click().run()
    assert app.session_state["data_examples_seed"] == 1
    assert not app.exception


def test_a_good_zip_is_summarised_and_kept_for_the_training_page(app, neu_zip):
    upload(app, neu_zip)
    assert not app.exception and not app.error
    dataset = app.session_state["uploaded_dataset"]
    assert isinstance(dataset, datasets.Dataset) and dataset.class_names == NEU_CLASSES
    assert "Accepted 30 images in 6 classes" in app.success[0].value
    assert "1 × not an image" in app.warning[0].value and "1 × unsafe path" in app.warning[0].value
    assert metrics(app) == ["6", "24", "6", "200 × 200 × 1"]
    app.selectbox(key="data_upload_size").set_value("64 × 64").run()
    assert metrics(app)[3] == "64 × 64 × 1"
    assert app.session_state["uploaded_dataset"].image_shape == (64, 64, 1)


def test_the_upload_survives_a_visit_to_another_dataset(app, neu_zip):
    upload(app, neu_zip)
    choose(app, "MNIST digits")
    choose(app, "Your own zip")
    assert not app.exception
    assert metrics(app)[0] == "6"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"this is not a zip", "not a zip archive"),
        (zip_of({}), "empty"),
        (zip_of({"notes.txt": b"hello"}), "no PNG, JPEG"),
        (zip_of({"../../etc/passwd.png": b"x", "/abs.png": b"y"}), "unsafe path"),
    ],
    ids=["not a zip", "empty zip", "no images", "only hostile paths"],
)
def test_a_bad_zip_shows_an_error_and_keeps_the_previous_upload(app, neu_zip, data, message):
    upload(app, neu_zip, "good.zip")
    upload(app, data, "bad.zip")
    assert not app.exception
    assert len(app.error) == 1 and message in app.error[0].value and "bad.zip" in app.error[0].value
    assert app.session_state["uploaded_dataset"].num_classes == 6
    assert "Still using your previous upload" in app.success[0].value and "good.zip" in app.success[0].value
    assert metrics(app)[0] == "6"


def test_a_zip_is_decoded_once_not_on_every_rerun(app, neu_zip, monkeypatch):
    upload(app, neu_zip)
    monkeypatch.setattr(datasets, "load_zip", lambda *args, **kwargs: pytest.fail("decoded again"))
    app.toggle(key="data_log_neu").set_value(True).run()
    assert not app.exception and metrics(app)[0] == "6"


def test_a_zip_of_one_class_is_refused(app, neu_zip):
    with zipfile.ZipFile(io.BytesIO(neu_zip)) as archive:
        crazing = {name: archive.read(name) for name in archive.namelist() if "crazing" in name}
    upload(app, zip_of(crazing))
    assert not app.exception
    assert "at least two" in app.error[0].value
    assert "uploaded_dataset" not in app.session_state


def test_offline_without_a_data_folder_the_page_says_it_shows_the_sample(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNVIZ_DATA_DIR")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(digits, "SYSTEM_ROOTS", ())
    monkeypatch.setattr(digits, "keras_dataset_dirs", lambda: [tmp_path / "datasets"])
    monkeypatch.setattr(digits, "reachable", lambda *args, **kwargs: False)
    app = run_page("data")
    assert not app.exception
    assert "small offline sample" in app.info[0].value and "CNNVIZ_DATA_DIR" in app.info[0].value
    assert metrics(app) == ["10", "4,000", "1,000", "28 × 28 × 1"]


def test_a_data_folder_without_the_data_is_an_error_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path))
    app = run_page("data")
    assert not app.exception
    assert str(tmp_path) in app.error[0].value and "looked in" in app.error[0].value
