"""Issue 26's sections in real Chromium: "Why this answer?" with its sanity check, "What does a filter look
for?", the class map (a click on a point shows its image), "Fool the network" (the ε slider flips the
answer) and the Training page's internals of a run trained on the server's Dask worker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import assert_no_exception, choose_segment, open_page, train_button, wait_idle

RHO = re.compile(r"^ρ = [+-]\d\.\d\d$")  # under each map of the randomised network
WORK_TIMEOUT_MS = 240_000  # background work (a feature visualisation, 2,000 images' features) on a busy machine
# The page coordinates of the first point of the class map's first trace (Plotly's own axes convert it), the
# map scrolled into view first.
FIRST_POINT = """() => {
  const plot = [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]
    .find(p => p.data && p.data.some(t => t.name && t.name.startsWith('mistakes')));
  if (!plot) return null;
  plot.scrollIntoView({block: 'center'});
  // _fullData: the arrays decoded (plot.data keeps plotly.py's base64 "bdata" form)
  const layout = plot._fullLayout, box = plot.getBoundingClientRect(), trace = plot._fullData[0];
  return {x: box.left + layout._size.l + layout.xaxis.l2p(trace.x[0]),
          y: box.top + layout._size.t + layout.yaxis.l2p(trace.y[0]), image: trace.customdata[0]};
}"""


def open_tab(page, app_url: str, name: str) -> None:
    open_page(page, app_url, "inside")
    page.get_by_role("tab", name=re.compile(name)).click()  # reruns the page: only the open tab runs
    wait_idle(page, timeout_ms=WORK_TIMEOUT_MS)  # its background work may keep the server busy meanwhile
    assert_no_exception(page)


def test_why_draws_five_maps_and_the_sanity_check_compares_them(page, app_url):
    open_tab(page, app_url, "Why this answer")
    panel = page.locator('[role="tabpanel"]:visible')
    expect(panel.get_by_text("Completeness check of integrated gradients")).to_be_visible()
    expect(panel.locator("[data-testid=stPlotlyChart]")).to_have_count(5)  # one map per method
    page.get_by_role("button", name=re.compile("Sanity check: randomise the network")).click()
    wait_idle(page)
    correlations = panel.locator("[data-testid=stMarkdownContainer]", has_text=RHO)
    expect(correlations).to_have_count(5)
    expect(panel.get_by_text(re.compile("Follow the weights|Barely changed")).first).to_be_visible()
    before = correlations.all_inner_texts()
    page.get_by_role("slider", name="Randomise from the top layer down to").press("End")  # every layer random
    wait_idle(page)
    expect(panel.get_by_text("top 6 randomised")).to_be_visible()
    assert correlations.all_inner_texts() != before
    assert_no_exception(page)


def test_a_filter_shows_its_picture_its_test_images_and_its_kernel(page, app_url):
    open_tab(page, app_url, "What does a filter look for")
    panel = page.locator('[role="tabpanel"]:visible')
    expect(panel.get_by_text(re.compile(r"^Made to excite it: mean output")).first).to_be_visible(
        timeout=WORK_TIMEOUT_MS
    )
    expect(panel.get_by_role("img", name=re.compile("The picture made to excite conv5")).first).to_be_visible()
    expect(panel.get_by_text(re.compile(r"^Most exciting of 1,000 test images")).first).to_be_visible(
        timeout=WORK_TIMEOUT_MS
    )
    expect(panel.get_by_text(re.compile("kernel slices, one per input channel")).first).to_be_visible()
    assert_no_exception(page)


def test_clicking_a_point_of_the_class_map_shows_its_image(page, app_url):
    open_tab(page, app_url, "The class map")
    panel = page.locator('[role="tabpanel"]:visible')
    expect(panel.get_by_text("Neighbours of the same class")).to_be_visible(timeout=WORK_TIMEOUT_MS)
    page.wait_for_function(f"() => ({FIRST_POINT})() !== null")
    point = page.evaluate(FIRST_POINT)
    page.mouse.click(point["x"], point["y"])
    wait_idle(page)
    expect(panel.get_by_text(re.compile(rf"^Test image {point['image']}: true \*?\*?\S+"))).to_be_visible()
    panel.get_by_text("Thumbnails", exact=True).click()
    wait_idle(page)
    expect(panel.get_by_text(re.compile("the first 1,000 drawn as thumbnails"))).to_be_visible()
    assert_no_exception(page)


def test_a_stronger_attack_fools_the_network_and_the_curve_is_drawn(page, app_url):
    open_tab(page, app_url, "Fool the network")
    panel = page.locator('[role="tabpanel"]:visible')
    expect(panel.get_by_text(re.compile(r"^Still 7 at ε = 0\.1"))).to_be_visible()
    page.get_by_role("slider", name=re.compile("Attack strength ε")).press("End")  # ε = 0.3
    wait_idle(page)
    expect(panel.get_by_text(re.compile(r"Fooled\. A change of at most 0\.3 per pixel"))).to_be_visible()
    expect(panel.get_by_text(re.compile(r"right on clean images, .* at ε = 0\.25"))).to_be_visible(
        timeout=WORK_TIMEOUT_MS
    )
    assert_no_exception(page)


@pytest.mark.timeout(900)
def test_the_training_page_shows_what_the_worker_recorded_inside_the_network(page, app_url):
    open_page(page, app_url, "training?network=recipe&recipe=quick_mnist&epochs=2&images=500")
    train_button(page).click()  # not the course's "▶ Train the …"
    page.wait_for_selector('[data-testid="stMetric"]', timeout=600_000)
    wait_idle(page)
    choose_segment(page, "Inside the training")
    expect(page.get_by_text(re.compile(r"Why did training stall\?.*Showing epoch 2\.")).first).to_be_visible()
    for title in ("weights", "gradients", "‖ΔW‖ / ‖W‖ (log scale)", "dead channels"):  # the charts' own text
        expect(page.locator("[data-testid=stPlotlyChart]").get_by_text(title, exact=True).first).to_be_visible()
    # The slider's name also holds its help; "^Epoch(?!s)" is not the settings' "Epochs".
    page.get_by_role("slider", name=re.compile(r"^Epoch(?!s)")).press("Home")  # the random start
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Showing epoch 0 \(the random start\)")).first).to_be_visible()
    assert_no_exception(page)
