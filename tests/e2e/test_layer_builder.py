"""The Layer builder in real Chromium: live numbers, an invalid layer and its fix, add/remove, import, export."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from cnnviz.architecture import PRESETS, to_json
from tests.e2e.browser import assert_no_exception, goto, wait_idle

PATH = "layer_builder"


def layer_box(page, title_start: str):
    return page.locator('[data-testid="stExpander"]').filter(has_text=title_start).first


def open_layer(page, title_start: str) -> None:
    """Open a layer's form: a closed layer's form is not drawn, opening it reruns the page with it."""
    layer_box(page, title_start).locator("summary").click()
    wait_idle(page)
    expect(layer_box(page, title_start).get_by_label("Kernel rows", exact=True)).to_be_visible()


def shows(page, text: str) -> None:
    """Wait until ``text`` is on the page (a rerun may still be on its way under load)."""
    expect(page.get_by_text(text).first).to_be_visible()


def set_number(page, scope, label: str, value: int) -> None:
    field = scope.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    wait_idle(page)


def test_page_shows_the_mnist_model_with_keras_numbers(page, app_url):
    goto(page, app_url, PATH)
    assert_no_exception(page)
    expect(page.get_by_text("Layers (7)")).to_have_count(1)
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("225,034")
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(1)  # mounts after the script ends
    diagram = page.locator('svg[role="img"][aria-label^="The stack as boxes"]')
    expect(diagram.locator("rect")).to_have_count(8)  # the input and 7 layers, drawn without Plotly
    expect(page.locator(".st-key-builder_why_chart img")).to_be_attached()
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(0)


def test_an_invalid_kernel_is_highlighted_and_fixed_live(page, app_url):
    goto(page, app_url, PATH)
    open_layer(page, "3 · Conv2D")
    box = layer_box(page, "3 · Conv2D")
    set_number(page, box, "Kernel rows", 15)
    message = "Layer 3 (Conv2D): the 13×13 input is smaller than the 15×3 kernel"
    shows(page, message)
    assert_no_exception(page)
    expect(page.locator('[data-testid="stExpander"]').filter(has_text="⚠ 3 · Conv2D")).to_have_count(1)
    box = layer_box(page, "3 · Conv2D")
    set_number(page, box, "Kernel rows", 3)
    shows(page, "Activations per image")  # the totals are back
    expect(page.get_by_text(message)).to_have_count(0)
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("225,034")


def test_a_kernel_size_above_the_maximum_is_put_back_and_explained(page, app_url):
    """The box used to keep showing "40" while the stack silently kept 3×3."""
    goto(page, app_url, PATH)
    open_layer(page, "1 · Conv2D")
    set_number(page, layer_box(page, "1 · Conv2D"), "Kernel rows", 40)
    box = layer_box(page, "1 · Conv2D")
    expect(box.get_by_text("Kernel rows: 40 is more than the maximum 15, so 3 was kept.")).to_be_visible()
    expect(box.get_by_label("Kernel rows", exact=True)).to_have_value("3")
    assert_no_exception(page)


def test_add_then_remove_a_layer(page, app_url):
    goto(page, app_url, PATH)
    page.get_by_role("button", name="Add layer").click()
    wait_idle(page)
    shows(page, "Layers (8)")
    shows(page, "Layer 8 (Conv2D): its input is the flat vector (10,)")
    page.locator('[class*="st-key-layer"][class*="_remove"] button:visible').last.click()  # the last layer's
    wait_idle(page)
    shows(page, "Layers (7)")
    expect(page.get_by_text("This stack is invalid")).to_have_count(0)
    assert_no_exception(page)


def test_import_pasted_json_and_download_runnable_code(page, app_url):
    goto(page, app_url, PATH)
    shape, stack = PRESETS["LeNet-5"]
    page.get_by_label("…or paste its JSON").fill(to_json(stack, shape))
    page.get_by_role("button", name="Load pasted JSON").click()
    wait_idle(page)
    shows(page, "Imported 8 layers on a 32×32×1 input")
    expect(page.locator('[data-testid="stMetricValue"]').first).to_have_text("61,706")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Keras code (.py)").click()
    code = Path(download.value.path()).read_text(encoding="utf-8")
    compile(code, "model.py", "exec")
    assert "layers.AveragePooling2D(pool_size=2)" in code and "keras.Input(shape=(32, 32, 1))" in code
    assert_no_exception(page)
