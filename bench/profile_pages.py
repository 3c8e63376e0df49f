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
TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "toplevel",
    "v8",
    "blink",
    "disabled-by-default-v8.cpu_profiler",  # JavaScript samples: self time by script file and function
]
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


# Server threads by what they run (first match on any frame of a stack).
THREADS = [
    ("the page's script", "scriptrunner/"),
    ("Dask (training cluster)", "distributed/"),
    ("Streamlit's server (websocket, messages)", ""),
]


@dataclass
class ServerProfile:
    """py-spy's samples of one visit (seconds of samples): by thread; the script's by app function and library."""

    seconds: float = 0.0
    by_thread: Counter = field(default_factory=Counter)
    by_app: Counter = field(default_factory=Counter)
    by_library: Counter = field(default_factory=Counter)

    def shares(self, counter: Counter, count: int) -> str:
        """The top ``count`` entries as shares of their counter's samples, e.g. "plot (cnnviz/…) 40 %"."""
        total = sum(counter.values()) or 1
        return "; ".join(f"{name} {value / total:.0%}" for name, value in counter.most_common(count))


@dataclass
class BrowserProfile:
    """The tab's main-thread CPU time of one visit (ms): total, by kind; JavaScript self time by file and function."""

    busy_ms: float = 0.0
    by_kind: Counter = field(default_factory=Counter)
    by_script: Counter = field(default_factory=Counter)  # V8's samples: self time of each script file's code
    by_function: Counter = field(default_factory=Counter)


def server_profile(raw: str) -> ServerProfile:
    """Read py-spy's collapsed stacks (``frame;frame;… count`` per line, outermost first).

    Only the script thread's samples are shared out by app function and library: Streamlit's and
    Dask's own threads wait in loops that py-spy may count as active.
    """
    found = ServerProfile()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        seconds = int(count) / RATE_HZ
        found.seconds += seconds
        thread = next(name for name, marker in THREADS if marker in stack)
        found.by_thread[thread] += seconds
        if thread != THREADS[0][0]:
            continue
        frames = stack.split(";")
        app = [i for i, frame in enumerate(frames) if APP_FRAME.search(frame)]
        where = frames[app[-1]] if app else "(Streamlit's script runner)"
        found.by_app[_short(where)] += seconds
        found.by_library[_library(frames[app[-1] + 1 :] if app else frames)] += seconds
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
    return "other Python (standard library …)" if frames else "the app's own code"


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
    _add_samples(events, main, found, scripts)
    return found


def _add_samples(events: list[dict], main: set, found: BrowserProfile, scripts: dict[str, str]) -> None:
    """V8's CPU profile of the main thread (``ProfileChunk`` events): each sample's time to its function's file."""
    profiles = {e["id"] for e in events if e.get("name") == "Profile" and (e.get("pid"), e.get("tid")) in main}
    nodes: dict[tuple, dict] = {}
    for event in events:
        if event.get("name") != "ProfileChunk" or event.get("id") not in profiles:
            continue
        data = event["args"]["data"]
        for node in (data.get("cpuProfile") or {}).get("nodes", []):
            nodes[(event["id"], node["id"])] = node["callFrame"]
        samples = (data.get("cpuProfile") or {}).get("samples", [])
        for sample, delta in zip(samples, data.get("timeDeltas", []), strict=False):
            frame = nodes.get((event["id"], sample))
            if frame is None or frame.get("functionName") in ("(idle)", "(program)", "(root)"):
                continue
            url = frame.get("url", "")
            name = frame.get("functionName") or "(anonymous)"
            found.by_script[scripts.get(url, _file_name(url)) if url else f"({name})"] += delta / 1000
            found.by_function[f"{name} ({_file_name(url)})" if url else name] += delta / 1000


def _close(item: tuple[dict, list[float]], stack: list, found: BrowserProfile, scripts: dict[str, str]) -> None:
    event, children = item
    own_ms = max(event.get("tdur", event["dur"]) - children[0], 0) / 1000
    if stack:
        stack[-1][1][0] += event.get("tdur", event["dur"])
    kind = next((kind for kind, pattern in KINDS if pattern.search(event["name"])), "other (tasks, messages)")
    found.by_kind[kind] += own_ms


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
    """The script files the trace's code ran from (script calls and V8's profile nodes)."""
    urls = set()
    for e in trace.get("traceEvents", []):
        data = (e.get("args") or {}).get("data") or {}
        if e.get("name") in SCRIPT_EVENTS and data.get("url"):
            urls.add(data["url"])
        for node in (data.get("cpuProfile") or {}).get("nodes", []):
            if node["callFrame"].get("url"):
                urls.add(node["callFrame"]["url"])
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


def _ms(counter: Counter, count: int) -> str:
    return "; ".join(f"{name} {value:,.0f} ms" for name, value in counter.most_common(count))


def summary(name: str, kind: str, found: tuple[ServerProfile, BrowserProfile, probe.Visit], load: float) -> str:
    server, browser, visit = found
    return "\n".join(
        [
            f"### {name}: {kind} (load {load:.1f})",
            "",
            f"- drawn: first screen {visit.screen_ms / 1000:.2f} s (last: {visit.screen_last}), "
            f"fully {visit.full_ms / 1000:.2f} s; "
            f"figures {visit.figure_count} ({visit.kinds()})",
            f"- server: {visit.server_cpu_ms:,.0f} ms CPU (/proc); py-spy's samples by thread: "
            f"{server.shares(server.by_thread, 3)}",
            f"  - the script, by app function: {server.shares(server.by_app, 6)}",
            f"  - the script, by library called: {server.shares(server.by_library, 6)}",
            f"- browser main thread: {browser.busy_ms:,.0f} ms CPU",
            f"  - by kind: {'; '.join(f'{k} {v:,.0f} ms' for k, v in browser.by_kind.most_common())}",
            f"  - JavaScript self time by file: {_ms(browser.by_script, 5)}",
            f"  - JavaScript self time by function: {_ms(browser.by_function, 6)}",
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
