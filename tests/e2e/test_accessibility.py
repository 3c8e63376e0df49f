"""Accessibility in real Chromium: axe-core (WCAG 2.1 A/AA rules) on every page, in normal and
presentation mode, with no serious or critical violation; every figure and image has a text alternative.

axe-core comes from npm (`npm ci` in the project folder installs the version pinned in package.json;
scripts/test.py runs it). Without it (no Node.js) the audit is skipped, saying why.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cnnviz.ui.convolution import OPEN_KEYS
from cnnviz.ui.navigation import STEPS
from cnnviz.ui.pixels import OPEN_KEYS as PIXELS_OPEN_KEYS
from tests import prerequisites
from tests.conftest import unavailable
from tests.e2e.browser import assert_no_exception, goto, open_sections_by_key

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
PAGES = ["", *(step.url_path for step in STEPS)]
ON_DEMAND = {"convolution": OPEN_KEYS.values(), "pixels": PIXELS_OPEN_KEYS.values()}  # drawn once opened

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    missing = prerequisites.axe_core_missing()
    if missing:
        unavailable(missing)
    return prerequisites.AXE.read_text()


def audit(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    return page.evaluate(RUN_AXE, WCAG_TAGS)


@pytest.mark.parametrize("mode", ["normal", "presentation"])
@pytest.mark.parametrize("url_path", PAGES)
def test_no_serious_or_critical_accessibility_violations(page, app_url, axe_source, url_path, mode):
    goto(page, app_url, url_path + ("?present=1" if mode == "presentation" else ""))
    assert_no_exception(page)
    if mode == "presentation":
        expect(page.get_by_role("switch", name="Presentation mode")).to_be_checked()
    violations = audit(page, axe_source)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(f"{v['impact']} {v['id']}: {v['help']} at {v['where']}" for v in blocking)


@pytest.mark.parametrize("url_path", PAGES)
def test_every_figure_and_image_has_a_text_alternative(page, app_url, url_path):
    goto(page, app_url, url_path)
    open_sections_by_key(page, ON_DEMAND.get(url_path, ()))  # every figure, not only the first screen's
    figures = page.locator('[data-testid="stPlotlyChart"]')
    for index in range(figures.count()):
        label = figures.nth(index).get_attribute("aria-label") or ""
        assert len(label) > 10, f"figure {index} on /{url_path} has no description: {label!r}"
    images = page.locator('[data-testid="stImage"] img')
    for index in range(images.count()):
        assert (images.nth(index).get_attribute("alt") or "").strip(), f"image {index} on /{url_path} has no alt"


def test_presentation_mode_is_remembered_in_the_link_and_enlarges_the_type(page, app_url):
    goto(page, app_url, "convolution")
    size = 'getComputedStyle(document.querySelector("[data-testid=stMainBlockContainer] p")).fontSize'
    normal = float(page.evaluate(size).removesuffix("px"))
    page.locator('[data-testid="stSidebar"]').get_by_text("Presentation mode").click()
    page.wait_for_url("**present=1**")
    page.wait_for_function(f"parseFloat({size}) > {normal}")
    feature_map = page.locator('.st-key-conv_map svg[role="img"]')  # an SVG heat map, described for readers
    assert "heat map" in (feature_map.get_attribute("aria-label") or "")


def test_presentation_mode_enlarges_the_row_and_column_numbers_of_a_pixel_table(page, app_url):
    """The numbered tables' row and column numbers are 11 px on a laptop; on the projector they grow too
    (their inline size would otherwise win over the projector's style)."""
    size = 'parseFloat(getComputedStyle(document.querySelector("th[scope=col]")).fontSize)'
    goto(page, app_url, "pixels")
    assert page.evaluate(size) == 11
    goto(page, app_url, "pixels?present=1")
    assert page.evaluate(size) >= 16
