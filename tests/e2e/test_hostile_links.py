"""Issue 25 in real Chromium: the hostile corpus' links (tests/corpus/MANIFEST.json) open their pages, which
bound the work and say why in plain words, never with a traceback; the valid twin is still accepted."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT
from tests.e2e.browser import assert_no_exception, goto

LINKS = json.loads((ROOT / "tests" / "corpus" / "MANIFEST.json").read_text())["links"]
URL_PATHS = {"convolution": "convolution", "training": "training"}


@pytest.mark.parametrize("name", sorted(LINKS))
def test_every_corpus_link_opens_its_page_in_a_browser_with_the_reason(page, app_url, name):
    case = LINKS[name]
    goto(page, app_url, f"{URL_PATHS[case['page']]}?{urlencode(case['query'])}")
    assert_no_exception(page)
    if case["page"] == "convolution":  # the reason is next to the link, in "Copy link to this view"
        page.get_by_role("button", name="Copy link to this view").first.click()
    expect(page.get_by_text(case["shows"], exact=False).first).to_be_visible()
    assert_no_exception(page)
