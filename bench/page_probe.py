"""What a student's browser sees, measured inside the page: when the first screen and the whole page were drawn.

Shared by ``bench/bench_app.py`` (one browser), ``bench/load_test.py --browsers`` (many) and
``bench/profile_pages.py`` (traces). Every tab gets :data:`TRACKER_JS` before the app's own code; it
keeps, on the page's own clock (``performance.now()``: milliseconds since the navigation started):

- ``lastChange``: the last time anything in the main area or the sidebar changed (an element
  added, text or an attribute changed, an image finished loading). Once the script has finished
  and nothing moves any more, that is when the page was **fully drawn**;
- ``screenAt``: the last time what is visible without scrolling changed: which elements
  intersect the viewport, where, how much text they hold and whether their charts and images are
  drawn. That is when the **first screen** was final, even if the script ran on below the fold.

Nothing here sleeps a fixed time: every wait is on a condition, checked on animation frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

CHROMIUM = os.environ.get("CNNVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1400, "height": 1000}

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CONTENT = '[data-testid="stMainBlockContainer"] h1'
QUIET_MS = 400  # no change for this long after the script finished: the page is drawn

# Figures the page shows, by kind: Streamlit's chart elements, images and HTML blocks (the matrix
# tables of cnnviz.plots.matrix_table) in the main area; formulas are counted too but are not figures.
FIGURE_KINDS = {
    "Plotly": '[data-testid="stPlotlyChart"]',
    "images": '[data-testid="stImage"] img, [data-testid="stImageContainer"] img',
    "HTML tables": '[data-testid="stHtml"]',
    "Vega": '[data-testid="stVegaLiteChart"]',
    "other charts": '[data-testid="stDeckGlJsonChart"], [data-testid="stGraphVizChart"]',
}
NOT_FIGURES = {"formulas": '.katex-display, [data-testid="stMarkdown"] .katex:not(.katex-display .katex)'}

TRACKER_JS = """
(() => {
  if (window.__bench) return;
  const state = window.__bench = {
    lastChange: 0, screenAt: 0, screenLast: '', titleAt: null, screen: '', dirty: true, clickAt: null,
  };
  const watched = (node) => {
    const element = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(element && element.closest('[data-testid="stMain"], [data-testid="stSidebar"]'));
  };
  const changed = () => { state.dirty = true; state.lastChange = performance.now(); };
  new MutationObserver((records) => { if (records.some((r) => watched(r.target))) changed(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  document.addEventListener('load', (event) => { if (watched(event.target)) changed(); }, true);
  document.addEventListener('pointerdown', () => { state.clickAt = performance.now(); }, true);
  const drawn = (element) => {
    if (element.querySelector('[data-testid="stSkeleton"]')) return 0;
    const chart = element.querySelector('[data-testid="stPlotlyChart"]');
    if (chart && !chart.querySelector('.main-svg')) return 0;
    return [...element.querySelectorAll('img')].every((image) => image.complete) ? 1 : 0;
  };
  // Which element a change of the first screen was about: where, its kind, the start of its text.
  const describe = (element) => {
    const inner = element.querySelector('[data-testid]:not([data-testid="stElementContainer"])') || element;
    const side = element.closest('[data-testid="stSidebar"]') ? 'sidebar' : 'main';
    return `${side} ${inner.dataset.testid || inner.tagName} "${element.textContent.trim().slice(0, 40)}"`;
  };
  // What the first screen shows: the elements inside the viewport, where, their text size, drawn or not.
  const screen = () => {
    const parts = [];
    for (const element of document.querySelectorAll(
        '[data-testid="stElementContainer"], [data-testid="stMainBlockContainer"] h1')) {
      const box = element.getBoundingClientRect();
      if (box.height === 0 || box.bottom <= 0 || box.top >= innerHeight || box.right <= 0 || box.left >= innerWidth)
        continue;
      parts.push([[Math.round(box.top), Math.round(box.left), Math.round(box.height),
                   element.textContent.length, drawn(element)].join(','), element]);
    }
    return parts;
  };
  const frame = () => {
    if (state.titleAt === null && document.querySelector('[data-testid="stMainBlockContainer"] h1'))
      state.titleAt = performance.now();
    if (state.dirty) {
      state.dirty = false;
      const parts = screen();
      const now = parts.map(([part]) => part).join('|');
      if (now !== state.screen) {
        const before = new Set(state.screen.split('|'));
        const news = parts.find(([part]) => !before.has(part));
        state.screenLast = news ? describe(news[1]) : 'an element left the screen';
        state.screen = now;
        state.screenAt = performance.now();
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""

# Everything is drawn: no skeleton, every chart drawn by Plotly, every image loaded.
DRAWN_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main) return false;
    const charts = [...main.querySelectorAll('[data-testid="stPlotlyChart"]')];
    const images = [...main.querySelectorAll('img')];
    return !main.querySelector('[data-testid="stSkeleton"]') && charts.every(c => c.querySelector('.main-svg'))
        && images.every(i => i.complete);
}"""
SETTLED_JS = f"""() => !!document.querySelector('{IDLE}') && !document.querySelector('[data-stale="true"]')
    && ({DRAWN_JS})() && performance.now() - window.__bench.lastChange > {QUIET_MS}"""
COUNT_JS = """(kinds) => {
    const main = document.querySelector('[data-testid="stMain"]');
    return Object.fromEntries(Object.entries(kinds).map(([kind, css]) => [kind, main.querySelectorAll(css).length]));
}"""


def chart_shown(key: str) -> str:
    """JS: what the Plotly chart of element ``key`` shows (its images and tick labels), or, for a figure drawn as
    a picture (``st.image`` in a container of that key), the pictures once loaded, or an SVG drawn in the page
    (a small feature map); null while not drawn."""
    return f"""() => {{
    const chart = document.querySelector('.st-key-{key}');
    if (!chart) return null;
    const drawn = chart.querySelector('svg[role="img"]');  // a map drawn as an SVG heat map in the page
    if (drawn) return drawn.outerHTML;
    const pictures = [...chart.querySelectorAll('img')];
    if (pictures.length && !chart.querySelector('.main-svg')) {{
        if (!pictures.every(p => p.complete && p.naturalWidth > 0)) return null;
        return pictures.map(p => p.getAttribute('src')).join('|');
    }}
    if (!chart.querySelector('.main-svg')) return null;
    const images = [...chart.querySelectorAll('image')].map(i => i.getAttribute('href'));
    const texts = [...chart.querySelectorAll('.xtick text, .ytick text, .annotation-text')].map(t => t.textContent);
    const shapes = [...chart.querySelectorAll('.shapelayer path')].map(p => p.getAttribute('d'));
    return images.join('') + '|' + texts.join(',') + '|' + shapes.join(',');
}}"""


def text_shown(needle: str) -> str:
    """JS: the text of the first markdown block that contains ``needle``, or null."""
    return f"""() => {{
    const block = [...document.querySelectorAll('[data-testid="stMarkdown"]')]
        .find(b => b.textContent.includes({needle!r}));
    return block ? block.textContent : null;
}}"""


def changed_js(watch: str) -> str:
    """JS: ``(before) =>`` the page's clock once ``watch`` shows something other than ``before``, else false."""
    return (
        f"(before) => {{ const now = ({watch})(); return now !== null && now !== before ? performance.now() : false; }}"
    )


@dataclass(frozen=True)
class Visit:
    """One page load: times on the page's clock (ms since navigation), what it holds, the work behind it."""

    full_ms: float  # the last change before the page settled: fully drawn
    screen_ms: float  # the last change of what the viewport shows: first screen drawn
    screen_last: str  # what that last change was about, e.g. 'sidebar stImage "Your image…"'
    content_ms: float  # the page's title on screen: first content
    figures: dict[str, int]
    server_cpu_ms: float
    browser_busy_ms: float | None  # main-thread task time of the tab, when the browser reports it

    @property
    def figure_count(self) -> int:
        return sum(count for kind, count in self.figures.items() if kind in FIGURE_KINDS)

    def kinds(self) -> str:
        """E.g. "16 Plotly, 1 images, 12 HTML tables; 5 formulas"."""
        counted = ", ".join(f"{n} {kind}" for kind, n in self.figures.items() if n and kind in FIGURE_KINDS)
        extra = ", ".join(f"{n} {kind}" for kind, n in self.figures.items() if n and kind not in FIGURE_KINDS)
        return "; ".join(part for part in (counted or "none", extra) if part)


def new_tab(browser):  # noqa: ANN001, ANN201 - Playwright objects
    """A fresh context (a fresh Streamlit session) with the tracker installed in every document."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(TRACKER_JS)
    page = context.new_page()
    page.set_default_timeout(120_000)
    return page


def wait_settled(page, timeout_ms: int = 180_000) -> None:  # noqa: ANN001
    """The script finished, nothing is stale, everything is drawn and nothing changed for QUIET_MS."""
    page.wait_for_selector(CONTENT, timeout=timeout_ms)
    page.wait_for_function(SETTLED_JS, polling="raf", timeout=timeout_ms)


class TaskClock:
    """The tab's main-thread task time (Chromium's ``Performance.getMetrics`` TaskDuration), in ms."""

    def __init__(self, page) -> None:  # noqa: ANN001
        self.session = page.context.new_cdp_session(page)
        self.session.send("Performance.enable")

    def ms(self) -> float:
        metrics = {m["name"]: m["value"] for m in self.session.send("Performance.getMetrics")["metrics"]}
        return metrics["TaskDuration"] * 1000

    def close(self) -> None:
        self.session.detach()


def visit(page, url: str, server_cpu) -> Visit:  # noqa: ANN001 - server_cpu: () -> CPU seconds of the server
    """Open ``url`` in ``page`` (a new document, a new Streamlit session) and measure it until settled."""
    clock = TaskClock(page)
    cpu_before, busy_before = server_cpu(), clock.ms()
    page.goto(url)
    wait_settled(page)
    busy = clock.ms()
    clock.close()
    full, screen, screen_last, title = page.evaluate(
        "() => [window.__bench.lastChange, window.__bench.screenAt, window.__bench.screenLast, window.__bench.titleAt]"
    )
    return Visit(
        full_ms=full,
        screen_ms=screen,
        screen_last=screen_last,
        content_ms=title,
        figures=page.evaluate(COUNT_JS, {**FIGURE_KINDS, **NOT_FIGURES}),
        server_cpu_ms=1000 * (server_cpu() - cpu_before),
        # A navigation may start a new renderer, whose count starts from zero.
        browser_busy_ms=busy - busy_before if busy >= busy_before else busy,
    )
