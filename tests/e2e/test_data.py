"""The Datasets page in real Chromium: figures for each dataset, and good and bad zip uploads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.e2e.browser import assert_no_exception, choose_segment, open_page, wait_idle

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'


@pytest.fixture
def data_page(page, app_url):
    open_page(page, app_url, "data")
    return page


@pytest.fixture(scope="module")
def neu_zip(data_dir: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for prefix in ("crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"):
            for path in sorted((data_dir / "neu").glob(f"{prefix}_*.jpg"))[:5]:
                archive.write(path, f"defects/{path.name}")
        archive.writestr("defects/notes.txt", "not an image")
    return buffer.getvalue()


def upload(page, name: str, data: bytes) -> None:
    page.set_input_files(UPLOAD_INPUT, files=[{"name": name, "mimeType": "application/zip", "buffer": data}])


def metric_values(page) -> list[str]:
    return [text.strip() for text in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]


def test_every_dataset_shows_its_numbers_and_four_figures(data_page):
    page = data_page
    assert "Datasets" in page.locator("h1").first.inner_text()
    assert metric_values(page) == ["10", "5,000", "10,000", "28 × 28 × 1"]
    page.locator('[data-testid="stPlotlyChart"]').nth(3).wait_for()
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 4
    choose_segment(page, "Fashion-MNIST clothes")
    assert_no_exception(page)
    assert metric_values(page)[1] == "60,000"
    choose_segment(page, "NEU steel defects")
    assert_no_exception(page)
    assert metric_values(page) == ["6", "1,416", "354", "64 × 64 × 1"]
    choose_segment(page, "32 × 32")
    assert metric_values(page)[3] == "32 × 32 × 1"
    assert page.get_by_text("Mean image of each class").count() == 1


def test_uploading_good_and_bad_zips(data_page, neu_zip):
    page = data_page
    choose_segment(page, "Your own zip")
    upload(page, "defects.zip", neu_zip)
    page.get_by_text("Accepted 30 images in 6 classes").wait_for(timeout=30_000)
    wait_idle(page)
    assert_no_exception(page)
    assert "1 × not an image" in page.locator('[data-testid="stAlert"]').all_inner_texts()[1]
    assert metric_values(page) == ["6", "24", "6", "200 × 200 × 1"]
    upload(page, "bad.zip", b"nope")
    page.get_by_text("bad.zip: This file is not a zip archive").wait_for(timeout=30_000)
    wait_idle(page)
    assert_no_exception(page)
    assert page.get_by_text("Still using your previous upload").count() == 1
