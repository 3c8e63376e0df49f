"""The Training page in real Chromium: a training's live chart moves, it keeps going while the student
visits another page, Stop ends it; a confusion-matrix click shows that cell's images, the model
downloads as a zip, and "Inside" opens an image with this model on the inside page."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, choose_segment, open_page, train_button, wait_idle

PROGRESS = "() => document.querySelector('[data-testid=stProgress]')?.innerText || ''"
# Points of the live loss line: the first trace of the live chart (the only chart while training).
LIVE_POINTS = """() => {
  const plot = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
  return plot && plot.data && plot.data.length ? plot.data[0].x.length : 0;
}"""
CELL_CHOICE = "Click a cell above, or choose one here, to see its images"


@pytest.fixture
def training_page(page, app_url):
    open_page(page, app_url, "training")
    return page


def test_live_chart_moves_during_the_epoch_and_stop_ends_the_run(training_page):
    page = training_page
    page.get_by_role("slider", name="Epochs").press("End")  # 60 epochs of the quick digits recipe: long enough
    wait_idle(page)
    train_button(page).click()
    page.wait_for_function(f"() => ({LIVE_POINTS})() >= 2", timeout=240_000)  # the first live points
    first = page.evaluate(LIVE_POINTS)
    page.wait_for_function(f"() => ({LIVE_POINTS})() >= {first + 2}", timeout=240_000)  # the chart updates
    progress = page.evaluate(PROGRESS)
    assert "/60 · batch" in progress and "images/s" in progress and "left" in progress
    # Away to another page and back: the training is still going, the live panel comes back.
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True).click()
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("6 · Training", exact=True).click()
    wait_idle(page)
    expect(page.locator('[data-testid="stProgress"]')).to_contain_text("/60 · batch", timeout=30_000)
    page.get_by_role("button", name=re.compile(r"^Stop\b")).click()  # its name ends with the shortcut, Esc
    page.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
    wait_idle(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="Stopped by you after batch").first).to_be_visible()
    expect(page.locator('[data-testid="stProgress"]')).to_have_count(0)
    assert_no_exception(page)


def test_clicking_a_confusion_cell_shows_its_images(training_page):
    page = training_page
    train_button(page).click()  # the quick digits recipe
    page.wait_for_selector('[data-testid="stMetric"]', timeout=240_000)
    wait_idle(page)
    choose_segment(page, "Confusion matrix")
    choice = page.get_by_role("combobox", name=CELL_CHOICE)
    before = choice.input_value()
    plot = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first
    box = plot.bounding_box()
    for true, predicted in ((4, 9), (7, 2), (3, 5)):  # cells that hold mistakes after any decent training
        page.mouse.click(box["x"] + box["width"] * (predicted + 0.5) / 10, box["y"] + box["height"] * (true + 0.5) / 10)
        try:
            expect(choice).not_to_have_value(before, timeout=10_000)  # the click's rerun picked that cell
            break
        except AssertionError:  # a cell without mistakes: the choice stays, try the next one
            wait_idle(page, rerun=False)
    expect(choice).not_to_have_value(before)
    expect(choice).to_have_value(re.compile(rf"^{true} predicted as {predicted}"))
    expect(page.get_by_role("button", name="Inside", exact=True).first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the model (.zip)").click()
    path = download.value.path()
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["epoch_weights.npz", "model.keras", "run.json", "test_predictions.npz"]
        assert json.loads(archive.read("run.json"))["config"]["max_train_samples"] == 3000
    # "Inside" hands that test image and this model to the inside page.
    page.get_by_role("button", name="Inside", exact=True).first.click()
    wait_idle(page)
    expect(page.locator("h1").filter(has_text="Inside the network")).to_be_visible()
    expect(page.get_by_role("radio", name="The example from the training page")).to_be_checked()
    expect(page.get_by_role("combobox", name="Model")).to_have_value(re.compile(r"^Run 1 · "))
    assert_no_exception(page)
