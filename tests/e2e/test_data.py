"""The Datasets page in real Chromium: figures for each dataset, and good and bad zip uploads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, choose_segment, open_page, wait_idle

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
METRIC_VALUE = '[data-testid="stMetricValue"]'
LOAD_TIMEOUT_MS = 120_000  # a cold cache decodes NEU's 1,800 images before the page can show them


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


def expect_metrics(page, values: list[str]) -> None:
    """Wait until the four metrics show ``values`` ("" leaves one unchecked): a cold cache decodes first."""
    metrics = page.locator(METRIC_VALUE)
    expect(metrics).to_have_count(4, timeout=LOAD_TIMEOUT_MS)
    for index, value in enumerate(values):
        if value:
            expect(metrics.nth(index)).to_have_text(value, timeout=LOAD_TIMEOUT_MS)


def test_every_dataset_shows_its_numbers_and_four_pictures(data_page):
    page = data_page
    expect(page.locator("h1").first).to_contain_text("Datasets")
    expect_metrics(page, ["10", "5,000", "10,000", "28 × 28 × 1"])
    for key in ("data_counts", "data_pixels", "data_examples", "data_means"):  # SVG pictures, no Plotly
        expect(page.locator(f".st-key-{key} img")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(0)
    choose_segment(page, "Fashion-MNIST clothes")
    expect_metrics(page, ["", "60,000", "", ""])
    assert_no_exception(page)
    choose_segment(page, "NEU steel defects")
    expect_metrics(page, ["6", "1,416", "354", "64 × 64 × 1"])
    assert_no_exception(page)
    choose_segment(page, "32 × 32")
    expect_metrics(page, ["", "", "", "32 × 32 × 1"])
    expect(page.get_by_text("Mean image of each class")).to_have_count(1, timeout=LOAD_TIMEOUT_MS)
    assert_no_exception(page)


def test_uploading_good_and_bad_zips(data_page, neu_zip):
    page = data_page
    choose_segment(page, "Your own zip")
    upload(page, "defects.zip", neu_zip)
    expect(page.get_by_text("Accepted 30 images in 6 classes")).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="1 × not an image")).to_have_count(1)
    expect_metrics(page, ["6", "24", "6", "200 × 200 × 1"])
    expect(page.get_by_text("labelled by their NEU file-name prefixes")).to_be_visible()  # which rule labelled it
    upload(page, "bad.zip", b"nope")
    expect(page.get_by_text("bad.zip: This file is not a zip archive")).to_be_visible()
    wait_idle(page)
    assert_no_exception(page)
    expect(page.get_by_text("Still using your previous upload")).to_have_count(1)
