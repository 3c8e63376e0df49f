"""bench/page_probe.py's in-page tracker on a hand-made page: what counts as the first screen and as drawn.

No Streamlit server: a static page with Streamlit's test ids, whose script adds elements on timers.
Only the order of events is asserted (a later change cannot be timed earlier), never a speed.
"""

from __future__ import annotations

from bench import page_probe as probe

PAGE = """
<div data-testid="stSidebar" style="position:fixed;left:0;top:0;width:100px"></div>
<div data-testid="stMain" style="margin-left:120px">
  <div data-testid="stMainBlockContainer"><h1>Title</h1><div id="blocks"></div></div>
</div>
<script>
  const add = (text, height) => {
    const block = document.createElement('div');
    block.dataset.testid = 'stElementContainer';
    block.style.height = height + 'px';
    block.textContent = text;
    document.getElementById('blocks').appendChild(block);
  };
  setTimeout(() => add('first screen', 100), 150);
  setTimeout(() => add('tall block', 3000), 300);
  setTimeout(() => { window.belowAt = performance.now(); add('below the fold', 100); }, 700);
</script>
"""


def test_the_first_screen_is_final_before_a_change_below_the_fold_and_the_page_after_it(browser):
    tab = probe.new_tab(browser)
    try:
        tab.set_content(PAGE)
        tab.wait_for_function("() => window.belowAt && performance.now() - window.__bench.lastChange > 300")
        state = tab.evaluate("() => ({...window.__bench, belowAt: window.belowAt})")
    finally:
        tab.context.close()
    assert state["titleAt"] is not None
    # The tall block pushed the last one out of view: its arrival changed the page, not the first screen.
    assert state["screenAt"] < state["belowAt"] <= state["lastChange"]
    assert state["screenLast"].startswith("main ") and '"tall block"' in state["screenLast"]
    assert "first screen" not in state["screen"]  # the signature holds positions and text sizes, not text
    assert state["screen"].count("|") == 2  # title, "first screen", the tall block: three visible elements


PICTURE = (
    "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSI0IiBoZWlnaHQ9IjQiLz4="
)


def test_a_figure_drawn_as_a_picture_counts_as_shown_once_its_picture_has_loaded(browser):
    """The convolution page's feature map and window are pictures in a keyed container, not Plotly charts."""
    tab = probe.new_tab(browser)
    try:
        tab.set_content('<div class="st-key-conv_map"><img alt="map"></div>')
        shown = probe.chart_shown("conv_map")
        assert tab.evaluate(shown) is None  # no picture loaded yet: not drawn
        tab.evaluate(f"() => document.querySelector('.st-key-conv_map img').src = {PICTURE!r}")
        tab.wait_for_function(probe.changed_js(shown), arg=None)
        assert tab.evaluate(shown) == PICTURE
    finally:
        tab.context.close()
