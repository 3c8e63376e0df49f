"""Helpers for the real-browser tests: open a page, wait for the script to finish, look for tracebacks.

Waiting is by condition, never by a fixed sleep: every tab carries a run tracker (run_tracker.js) that
reads Streamlit's own websocket messages, so :func:`wait_idle` knows when every script run the tab asked
for has finished. Streamlit's "running" marker alone cannot tell: it turns on only once the server has
started the run, so just after a click it still reads "not running".
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import streamlit
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg, ForwardMsgMetadata

from tests.conftest import DATA_PAGES, skip_without_data

DEFAULT_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 1000}
CANVAS = '[data-testid="stBidiComponentIsolated"] canvas.upper-canvas'
PREDICTION = re.compile(r"The network says \S+ \(")
TRACKER_FILE = Path(__file__).with_name("run_tracker.js")


class TrackerOutdated(AssertionError):
    """Streamlit's protocol changed under the run tracker: every browser test would wait until its timeout."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"the e2e run tracker (tests/e2e/run_tracker.js) no longer follows Streamlit {streamlit.__version__}: "
            f"{what}. Update the tracker (and tests/e2e/browser.py) to Streamlit's protocol."
        )


def _field(message, name: str):
    """A field of one of Streamlit's protobuf messages (a descriptor), failing with the tracker's name when gone."""
    field = message.fields_by_name.get(name)
    if field is None:
        raise TrackerOutdated(f"it reads {message.full_name}.{name}, which is gone")
    return field


def tracker_fields() -> dict[str, int]:
    """The protobuf field numbers the tracker decodes, read from Streamlit's own message definitions."""
    run = _field(ForwardMsgMetadata.DESCRIPTOR, "run")
    identity = run.message_type
    if not hasattr(ForwardMsg, "FINISHED_EARLY_FOR_RERUN"):
        raise TrackerOutdated("it skips ForwardMsg.FINISHED_EARLY_FOR_RERUN, which is gone")
    return {
        "rerun": _field(BackMsg.DESCRIPTOR, "rerun_script").number,
        "fragment": _field(ClientState.DESCRIPTOR, "fragment_id").number,
        "auto": _field(ClientState.DESCRIPTOR, "is_auto_rerun").number,
        "metadata": _field(ForwardMsg.DESCRIPTOR, "metadata").number,
        "newSession": _field(ForwardMsg.DESCRIPTOR, "new_session").number,
        "finished": _field(ForwardMsg.DESCRIPTOR, "script_finished").number,
        "early": ForwardMsg.FINISHED_EARLY_FOR_RERUN,
        "run": run.number,
        "runId": _field(identity, "script_run_id").number,
        "runFragments": _field(identity, "fragment_ids").number,
    }


# Installed in every tab before the app's code: follows run requests and finished runs (see the file).
RUN_TRACKER = TRACKER_FILE.read_text().replace("__FIELDS__", json.dumps(tracker_fields()))

#: What SETTLED reads of Streamlit's page: attributes and test ids of its frontend.
PAGE_MARKERS = (
    "data-test-script-state",
    "notRunning",
    "data-stale",
    "stStatusWidgetRunningIcon",
    "stMainBlockContainer",
)
# How long check_run_tracker waits for each thing the tracker should see (the first page load: twice this).
TRACKER_CHECK_MS = 30_000

# The page shows a finished run: a run was asked for since the last wait (when ``rerun``), every asked-for
# run is done, Streamlit reads "not running", no element is faded as stale, the running indicator is gone
# and the page has its title, and its elements have not changed for QUIET_MS (the frontend draws a finished
# run's elements over a few hundred milliseconds). Then the asked-for runs count as waited for.
QUIET_MS = 300
SETTLED = """(rerun) => {
  const runs = window.__cnnvizRuns;
  if (!runs) throw new Error('no run tracker in this tab: open it with tests.e2e.browser.new_page');
  const settled = (!rerun || runs.requests > runs.waited) && runs.pending.length === 0
    && performance.now() - runs.changed > QUIET_MS
    && !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    && !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !!document.querySelector('[data-testid="stMainBlockContainer"] h1');
  if (settled) runs.waited = runs.requests;
  return settled;
}""".replace("QUIET_MS", str(QUIET_MS))


def new_page(browser, **context_options):
    """A tab in a fresh browser context (a fresh Streamlit session) with the run tracker installed.

    Close it with ``page.context.close()``.
    """
    context = browser.new_context(**({"viewport": VIEWPORT} | context_options))
    context.add_init_script(RUN_TRACKER)
    page = context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return page


def wait_idle(page, *, rerun: bool = True, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until the script run the last action asked for has finished and the page shows its result.

    The browser sends that request a little after the action (a click's rerun some tens of milliseconds
    later, the drawing canvas' stroke after a pause), so with ``rerun`` this first waits for a request
    made since the previous wait; ``rerun=False`` only lets any run in progress finish.
    """
    try:
        page.wait_for_function(SETTLED, arg=rerun, timeout=timeout_ms)
    except PlaywrightTimeout as error:
        state = page.evaluate("JSON.stringify(window.__cnnvizRuns)")
        focused = page.evaluate("document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : ''")
        raise PlaywrightTimeout(f"{error.message}\nrun tracker: {state}\nfocused element: {focused}") from None


# How long press_shortcut waits for a key press's rerun request, and how often it presses.
SHORTCUT_WAIT_MS = 3_000
SHORTCUT_PRESSES = 3


def press_shortcut(page, key: str) -> None:
    """Press a button's keyboard shortcut and wait for the run it asks for.

    Streamlit binds a button's shortcut in an effect after the button is drawn; on a loaded machine the page
    can look settled a moment before that, and a press then does nothing (no rerun request leaves the tab).
    Only such a press is repeated: a press that sent its request is never pressed again.
    """
    before = page.evaluate("() => window.__cnnvizRuns.requests")
    for _ in range(SHORTCUT_PRESSES):
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"() => window.__cnnvizRuns.requests > {before}", timeout=SHORTCUT_WAIT_MS)
            break
        except PlaywrightTimeout:
            continue
    wait_idle(page)


FIRST_SCREEN_SIGNAL = '[class*="_first_screen"]'  # cnnviz.ui.first_screen's signal, by its key


def wait_for_whole_page(page) -> None:
    """Wait for a freshly opened page's runs: the first, and, on a page that draws its first screen first
    (cnnviz.ui.first_screen), the run the browser's signal asks for, which draws the rest and drops the signal."""
    wait_idle(page)
    page.wait_for_function(f"() => !document.querySelector('{FIRST_SCREEN_SIGNAL}')")
    wait_idle(page, rerun=False)


def goto(page, app_url: str, url_path: str = "") -> None:
    """Open a page by its url path ("" is home) and wait until its script has finished.

    Skips the test when the page reads the offline datasets and their folder is absent.
    """
    if url_path.split("?")[0] in DATA_PAGES:
        skip_without_data()
    page.goto(f"{app_url}/{url_path}")
    wait_for_whole_page(page)
    # app.py's navigation ran (not Streamlit's legacy pages/ mode): its "Home" entry is in the sidebar.
    expect(page.locator('[data-testid="stSidebarNav"]').get_by_text("Home", exact=True)).to_be_visible()


def open_page(page, app_url: str, url_path: str) -> None:
    """Open a page the way a student does (home first, then the page) and check it shows no traceback."""
    goto(page, app_url)
    goto(page, app_url, url_path)
    assert_no_exception(page)


def assert_no_exception(page) -> None:
    """Fail if the page shows a Streamlit exception box (a traceback), with the traceback as the message."""
    exceptions = page.locator('[data-testid="stException"]')
    try:
        expect(exceptions).to_have_count(0)
    except AssertionError:
        raise AssertionError(exceptions.first.inner_text()) from None


def open_section(page, label: str) -> None:
    """Open a section drawn on demand (cnnviz.ui.on_demand): click its expander, wait for its content's run."""
    page.get_by_text(label, exact=True).click()
    wait_idle(page)


def open_sections_by_key(page, keys) -> None:  # noqa: ANN001
    """Open every section drawn on demand whose expander has one of ``keys`` (e.g. cnnviz.ui.convolution.OPEN_KEYS)."""
    for key in keys:
        page.locator(f".st-key-{key} summary").click()
        wait_idle(page)


def choose_segment(page, label: str) -> None:
    """Click one option of an st.segmented_control (rendered as radio buttons) and wait for the rerun."""
    page.get_by_role("radio", name=label, exact=True).first.click()
    wait_idle(page)


def draw_stroke(page, points: list[tuple[float, float]]) -> None:
    """Drag the mouse through canvas-relative points on the drawing canvas, then wait for the app's run."""
    canvas = page.locator(CANVAS).first
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
    page.mouse.up()
    wait_idle(page)  # for the run the stroke asks for: the canvas sends it after a pause


def expect_prediction(page, label: str) -> None:
    """Wait until the page names ``label`` as the network's answer."""
    expect(page.get_by_text(PREDICTION).first).to_contain_text(f"The network says {label} (")


def _tracker_sees(page, condition: str, failure: str, timeout_ms: int = TRACKER_CHECK_MS) -> None:
    """Wait until ``condition`` (JavaScript over ``runs``, the tracker's state) holds, else name what broke."""
    check = f"() => {{ const runs = window.__cnnvizRuns; return !!runs && ({condition}); }}"
    try:
        page.wait_for_function(check, timeout=timeout_ms)
    except PlaywrightTimeout:
        state = page.evaluate("() => JSON.stringify(window.__cnnvizRuns ?? null)")
        raise TrackerOutdated(f"{failure} (its state: {state})") from None


def check_run_tracker(browser, app_url: str) -> None:
    """Check, step by step, that the run tracker follows the home page's first run and one rerun.

    Raises :class:`TrackerOutdated` naming the step that broke, within seconds, where a broken tracker
    would otherwise make every browser test wait for its full timeout.
    """
    fields = tracker_fields()
    page = new_page(browser)
    try:
        page.goto(app_url)
        _tracker_sees(page, "runs.received > 0", "it saw no websocket message from the server", 2 * TRACKER_CHECK_MS)
        _tracker_sees(
            page,
            "Object.keys(runs.starts).length > 0",
            f"it saw no run start (ForwardMsg field {fields['newSession']})",
        )
        _tracker_sees(page, "runs.finished > 0", f"it saw no finished run (ForwardMsg field {fields['finished']})")
        try:
            page.wait_for_function(SETTLED, arg=False, timeout=TRACKER_CHECK_MS)
        except PlaywrightTimeout:
            raise TrackerOutdated(f"the page never looked finished to wait_idle (it reads {PAGE_MARKERS})") from None
        before = page.evaluate("() => window.__cnnvizRuns.requests")
        page.keyboard.press("r")  # Streamlit's own shortcut: rerun the script
        asked = f"pressing R sent no rerun it could see (BackMsg field {fields['rerun']})"
        _tracker_sees(page, f"runs.requests > {before}", asked)
        _tracker_sees(page, "runs.pending.length === 0", "the rerun it saw never finished: run ids no longer match")
        try:
            wait_idle(page, timeout_ms=TRACKER_CHECK_MS)
        except PlaywrightTimeout:
            raise TrackerOutdated("wait_idle did not return after a rerun the tracker saw finish") from None
    finally:
        page.context.close()


def only_this_app(page, base_url: str) -> list[str]:
    """Block every request of ``page`` that leaves ``base_url``; the list of those blocked, filled as they come."""
    outside: list[str] = []

    def route(request_route) -> None:
        if request_route.request.url.startswith(base_url):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return outside


def train_button(page):
    """The Training page's main "▶ Train" button (not the course experiments' "▶ Train the …" buttons)."""
    return page.get_by_role("button", name=re.compile(r"^▶ Train(\s+Shortcut\b.*)?$"))
