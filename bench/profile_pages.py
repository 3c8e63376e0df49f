"""Where each page's time goes: the server's Python (py-spy) and the browser's main thread (Chromium trace).

Run: ``python bench/profile_pages.py [--pages convolution learning] [--out DIR] [--app-root DIR]``.
For every page (home and ``STEPS``) it opens the page twice in Chromium on one fresh server: a
first visit and a warm one. During each visit it

- reads the server's CPU time (/proc) and samples it with ``py-spy record`` (100 Hz, active
  threads only) to share that time out: by the innermost frame of the app (``pages/``, ``cnnviz/``)
  and by the library that frame called into (Plotly, Streamlit, NumPy, TensorFlow, imports …);
- records a Chromium performance trace (``devtools.timeline``) and adds up the tab's main-thread
  CPU time (each event's thread time, so other programs on the cores do not inflate it) by kind
  (scripting, style and layout, paint, garbage collection) and scripting by script file, each file
  named by the libraries it holds (Plotly, KaTeX, React …).

It prints a Markdown summary per page (the findings in bench/README.md come from it) and keeps the
raw profiles (py-spy's collapsed stacks, the JSON traces) in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

if __package__:  # imported as bench.profile_pages (the tests)
    from bench import bench_app
    from bench import page_probe as probe
else:  # run as a script from bench/, like every benchmark here
    import bench_app
    import page_probe as probe

PAGES, Server = bench_app.PAGES, bench_app.Server

RATE_HZ = 100
TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel", "v8", "blink"]
# The main thread's work by kind: trace event names (first matching pattern) → the kind DevTools files them under.
KINDS = [
    ("garbage collection", re.compile(r"GC|Gc")),
    ("style and layout", re.compile(r"Layout|Style|ShapeText|SvgText|InlineNode|Intersection|ResizeObserver")),
    ("paint", re.compile(r"Paint|Layerize|Commit|UpdateLayer|Raster|Decode|Image|Composit")),
    ("HTML and parsing", re.compile(r"Parse")),
    (
        "scripting",
        re.compile(
            r"FunctionCall|EvaluateScript|v8\.|V8\.|TimerFire|AnimationFrame|EventDispatch|Microtask|"
            r"IdleCallback|XHR|callFunction|Compile"
        ),
    ),
]
SCRIPT_EVENTS = {"FunctionCall", "EvaluateScript", "v8.compile", "v8.compileModule", "TimerFire", "FireAnimationFrame"}
# Script files are named by the libraries they contain (checked in the file the server sends).
LIBRARIES = {
    "Plotly": "plotly",
    "KaTeX": "katex",
    "React": "react-dom",
    "Streamlit": "streamlit",
    "Arrow": "apache-arrow",
    "Vega": "vega",
}
# Server frames by the library their file belongs to (first match).
SERVER_LIBRARIES = [
    ("TensorFlow/Keras", ("tensorflow/", "keras/", "tf_keras/")),
    ("imports", ("<frozen importlib", "importlib/")),
    ("Plotly", ("plotly/", "_plotly_utils/")),
    ("Streamlit", ("streamlit/",)),
    ("protobuf", ("google/protobuf",)),
    ("NumPy", ("numpy/",)),
    ("OpenCV", ("cv2/",)),
    ("pandas/Arrow", ("pandas/", "pyarrow/")),
    ("PIL", ("PIL/",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("Dask", ("distributed/", "dask/")),
]
APP_FRAME = re.compile(r"\((?:.*/)?(?:cnnviz|pages)/[^:]*\.py:\d+\)|\(app\.py:\d+\)")


@dataclass
class ServerProfile:
    """py-spy's samples of one visit (seconds of samples), by app function and by library."""

    seconds: float = 0.0
    by_app: Counter = field(default_factory=Counter)
    by_library: Counter = field(default_factory=Counter)

    def shares(self, counter: Counter, count: int) -> str:
        """The top ``count`` entries as shares of all samples, e.g. "plot (cnnviz/…) 40 %"."""
        return "; ".join(f"{name} {value / self.seconds:.0%}" for name, value in counter.most_common(count))


@dataclass
class BrowserProfile:
    """The tab's main-thread time of one visit (ms): total, by kind, scripting by script file."""

    busy_ms: float = 0.0
    by_kind: Counter = field(default_factory=Counter)
    by_script: Counter = field(default_factory=Counter)


def server_profile(raw: str) -> ServerProfile:
    """Read py-spy's collapsed stacks (``frame;frame;… count`` per line, outermost first)."""
    found = ServerProfile()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        found.seconds += samples / RATE_HZ
        frames = stack.split(";")
        app = [i for i, frame in enumerate(frames) if APP_FRAME.search(frame)]
        where = frames[app[-1]] if app else "(Streamlit itself: websocket, session, serialisation)"
        found.by_app[_short(where)] += samples / RATE_HZ
        below = frames[app[-1] + 1 :] if app else frames
        found.by_library[_library(below)] += samples / RATE_HZ
    return found


def _short(frame: str) -> str:
    """``draw (cnnviz/ui/x.py:12)`` without the line number and the site-packages prefix."""
    return re.sub(r":\d+\)$", ")", re.sub(r"\(.*?/(cnnviz|pages)/", r"(\1/", frame))


def _library(frames: list[str]) -> str:
    """The first library the app's code called into (innermost app frame → its callees)."""
    for frame in frames:
        for name, markers in SERVER_LIBRARIES:
            if any(marker in frame for marker in markers):
                return name
    return "Python (the app's own code)" if frames else "the app's own code"


def browser_profile(trace: dict, scripts: dict[str, str]) -> BrowserProfile:
    """Main-thread CPU time of the page's renderer from a Chromium trace: exclusive time per event name.

    Each complete event's thread time (``tdur``, CPU time) is used where the trace has it, its wall
    time (``dur``) otherwise; nesting (a layout forced inside a script) is resolved on wall times.
    """
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    found = BrowserProfile()
    per_thread = defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in main and "dur" in e:
            per_thread[(e["pid"], e["tid"])].append(e)
    for thread_events in per_thread.values():
        thread_events.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack: list[tuple[dict, list[float]]] = []  # (event, [time taken by children])
        for event in thread_events:
            while stack and stack[-1][0]["ts"] + stack[-1][0]["dur"] <= event["ts"]:
                _close(stack.pop(), stack, found, scripts)
            if not stack:
                found.busy_ms += event.get("tdur", event["dur"]) / 1000
            stack.append((event, [0.0]))
        while stack:
            _close(stack.pop(), stack, found, scripts)
    return found


def _close(item: tuple[dict, list[float]], stack: list, found: BrowserProfile, scripts: dict[str, str]) -> None:
    event, children = item
    own_ms = max(event.get("tdur", event["dur"]) - children[0], 0) / 1000
    if stack:
        stack[-1][1][0] += event.get("tdur", event["dur"])
    kind = next((kind for kind, pattern in KINDS if pattern.search(event["name"])), "other (tasks, messages)")
    found.by_kind[kind] += own_ms
    if event["name"] in SCRIPT_EVENTS:
        url = (event.get("args", {}).get("data") or {}).get("url") or (event.get("args", {}).get("data") or {}).get(
            "scriptName", ""
        )
        found.by_script[scripts.get(url, _file_name(url))] += own_ms


def _file_name(url: str) -> str:
    return url.rsplit("/", 1)[-1] or "(inline or unknown script)"


def name_scripts(urls: set[str]) -> dict[str, str]:
    """Each script URL → "file (Plotly, React)": which libraries its text mentions."""
    named = {}
    for url in urls:
        if not url.startswith("http"):
            continue
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                text = response.read().decode("utf-8", "replace").lower()
        except OSError:
            continue
        held = [name for name, marker in LIBRARIES.items() if marker in text]
        named[url] = f"{_file_name(url)} ({', '.join(held)})" if held else _file_name(url)
    return named


def _script_urls(trace: dict) -> set[str]:
    urls = set()
    for e in trace.get("traceEvents", []):
        data = (e.get("args") or {}).get("data") or {}
        if e.get("name") in SCRIPT_EVENTS and data.get("url"):
            urls.add(data["url"])
    return urls


def profile_visit(
    browser, page, server: Server, url: str, out: Path, label: str
) -> tuple[ServerProfile, BrowserProfile, probe.Visit]:  # noqa: ANN001, E501
    """One visit under both profilers; keeps the raw files as ``out/label.*``."""
    raw = out / f"{label}.pyspy.txt"
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(server.process.pid),
            "--rate",
            str(RATE_HZ),
            "--format",
            "raw",
            "--output",
            str(raw),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # py-spy attaches
    browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
    visit = probe.visit(page, url, bench_app._server_cpu(server))
    trace = json.loads(browser.stop_tracing())
    spy.send_signal(signal.SIGINT)
    spy.wait(timeout=60)
    (out / f"{label}.trace.json").write_text(json.dumps(trace))
    scripts = name_scripts(_script_urls(trace))
    server_found = server_profile(raw.read_text()) if raw.exists() else ServerProfile()
    return server_found, browser_profile(trace, scripts), visit


def summary(name: str, kind: str, found: tuple[ServerProfile, BrowserProfile, probe.Visit], load: float) -> str:
    server, browser, visit = found
    return "\n".join(
        [
            f"### {name}: {kind} (load {load:.1f})",
            "",
            f"- drawn: first screen {visit.screen_ms / 1000:.2f} s, fully {visit.full_ms / 1000:.2f} s; "
            f"figures {visit.figure_count} ({visit.kinds()})",
            f"- server: {visit.server_cpu_ms:,.0f} ms CPU (/proc), shared out by py-spy's samples:",
            f"  - by app function: {server.shares(server.by_app, 6)}",
            f"  - by library called: {server.shares(server.by_library, 6)}",
            f"- browser main thread: {browser.busy_ms:,.0f} ms CPU",
            f"  - by kind: {'; '.join(f'{k} {v:,.0f} ms' for k, v in browser.by_kind.most_common())}",
            f"  - scripting by file: {'; '.join(f'{k} {v:,.0f} ms' for k, v in browser.by_script.most_common(4))}",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", help="only these pages (home is 'home')")
    parser.add_argument("--out", type=Path, help="where to keep the raw profiles (default: a new temporary folder)")
    parser.add_argument("--app-root", type=Path, help="profile the app.py of this folder (e.g. a checkout of main)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.app_root:
        bench_app.APP_ROOT = args.app_root.resolve()
    out = args.out or Path(tempfile.mkdtemp(prefix="cnnviz-profiles-"))
    out.mkdir(parents=True, exist_ok=True)
    pages = [(name, path) for name, path in PAGES if not args.pages or name in args.pages]
    with sync_playwright() as playwright, Server() as server:
        browser = playwright.chromium.launch(executable_path=probe.CHROMIUM, args=probe.CHROMIUM_ARGS)
        page = probe.new_tab(browser)
        for kind in ("first visit", "warm visit"):
            for name, path in pages:
                bench_app.log(f"profiling {name}: {kind}")
                found = profile_visit(browser, page, server, f"{server.url}/{path}", out, f"{name}-{kind.split()[0]}")
                print(summary(name, kind, found, bench_app.load_average()), flush=True)
        browser.close()
    print(f"Raw profiles: {out}")


if __name__ == "__main__":
    main()
