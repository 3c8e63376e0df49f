"""The benchmark tools' own arithmetic: profile summaries and the before/after report (no timing here)."""

from __future__ import annotations

from bench.profile_pages import browser_profile, server_profile
from bench.run_all import Row, Section

MAIN = (1, 10)


def _event(name: str, ts: int, dur: int, tdur: int, thread=MAIN, **data) -> dict:
    """A complete ("X") trace event; times in microseconds like Chromium's."""
    return {
        "ph": "X",
        "name": name,
        "pid": thread[0],
        "tid": thread[1],
        "ts": ts,
        "dur": dur,
        "tdur": tdur,
        "args": {"data": data},
    }


def test_browser_profile_counts_each_main_thread_events_own_cpu_time_by_kind_and_v8_samples_by_file():
    plotly = "http://127.0.0.1/static/js/plotly.min.js"
    trace = {
        "traceEvents": [
            {"ph": "M", "name": "thread_name", "pid": 1, "tid": 10, "args": {"name": "CrRendererMain"}},
            {"ph": "M", "name": "thread_name", "pid": 1, "tid": 11, "args": {"name": "Compositor"}},
            _event("RunTask", 0, 100_000, 90_000),
            _event("FunctionCall", 10_000, 50_000, 45_000, url="http://127.0.0.1/static/js/react-dom.js"),
            _event("Layout", 20_000, 20_000, 20_000),  # forced inside the script: not the script's own time
            _event("Paint", 70_000, 20_000, 15_000),
            _event("RunTask", 200_000, 10_000, 8_000),
            _event("FunctionCall", 0, 500_000, 500_000, thread=(1, 11)),  # another thread: ignored
            # V8's sampling profile of the main thread: which file's code was running, sample by sample.
            {"ph": "P", "name": "Profile", "id": "0x1", "pid": 1, "tid": 10, "args": {"data": {}}},
            {
                "ph": "P",
                "name": "ProfileChunk",
                "id": "0x1",
                "pid": 1,
                "tid": 10,
                "args": {
                    "data": {
                        "cpuProfile": {
                            "nodes": [
                                {"id": 1, "callFrame": {"functionName": "(root)", "url": ""}},
                                {"id": 2, "callFrame": {"functionName": "drawText", "url": plotly}},
                                {"id": 3, "callFrame": {"functionName": "(idle)", "url": ""}},
                            ],
                            "samples": [2, 2, 3, 2],
                        },
                        "timeDeltas": [1_000, 2_000, 5_000, 1_000],
                    }
                },
            },
        ]
    }
    found = browser_profile(trace, {plotly: "plotly.min.js (Plotly)"})
    assert found.busy_ms == 98  # the two top-level tasks' thread time
    assert found.by_kind == {"scripting": 25, "style and layout": 20, "paint": 15, "other (tasks, messages)": 38}
    assert found.by_script == {"plotly.min.js (Plotly)": 4}  # three samples in Plotly, the idle one left out
    assert found.by_function == {"drawText (plotly.min.js)": 4}


def test_server_profile_shares_the_script_threads_samples_by_innermost_app_frame_and_library():
    script = "run (streamlit/runtime/scriptrunner/exec_code.py:88);<module> (app.py:30);"
    raw = "\n".join(
        [
            f"{script}<module> (/work/x/pages/convolution.py:20);output_section (/work/x/cnnviz/ui/convolution/"
            "sliding.py:125);make (/venv/plotly/graph_objs/_figure.py:60);validate (/venv/_plotly_utils/v.py:9) 30",
            f"{script}<module> (/work/x/pages/convolution.py:20);conv2d (/work/x/cnnviz/ops.py:117) 10",
            "_run_once (asyncio/base_events.py:1900);write (/venv/streamlit/web/server.py:3) 40",
            "run (threading.py:1);loop (/venv/distributed/core.py:5) 20",
        ]
    )
    found = server_profile(raw)
    assert found.seconds == 1.0  # 100 samples at 100 Hz
    assert found.by_thread == {
        "the page's script": 0.4,
        "Streamlit's server (websocket, messages)": 0.4,
        "Dask (training cluster)": 0.2,
    }
    assert found.by_app == {"output_section (cnnviz/ui/convolution/sliding.py)": 0.3, "conv2d (cnnviz/ops.py)": 0.1}
    assert found.by_library == {"Plotly": 0.3, "the app's own code": 0.1}
    assert found.shares(found.by_app, 1) == "output_section (cnnviz/ui/convolution/sliding.py) 75%"


def test_the_report_shows_the_saved_figure_its_ratio_and_load_in_a_before_column():
    section = Section(
        "Convolution",
        "python bench/bench_conv.py",
        [Row("3→16 layer", "2.10 ms", "2.00 ms (tf)", "1.05×", "≤ 1.5×", True), Row("new row", "1 ms")],
        load=(1.0, 2.0),
    )
    before = {"load": [3.0, 4.0], "rows": {"3→16 layer": {"ours": "4.53 ms", "ratio": "1.78×", "load": None}}}
    text = section.markdown(before)
    assert "| measure | before | ours |" in text
    assert "| 3→16 layer | 4.53 ms (1.78×, load 4.0) | 2.10 ms | 2.00 ms (tf) | 1.05× | ≤ 1.5× | ✅ |" in text
    assert "| new row | — | 1 ms |" in text
    assert "before" not in section.markdown()  # no saved run: no column
    assert section.saved()["rows"]["3→16 layer"] == {"ours": "2.10 ms", "ratio": "1.05×", "load": None}


def test_a_partial_run_replaces_its_sections_in_place_and_keeps_the_others():
    from bench.run_all import report

    previous = "\n".join(
        [
            "# CNN Explorer benchmarks",
            "",
            "Generated by `python bench/run_all.py --full` on 2026-11-30 05:47, commit `5f85af5`.",
            "",
            "## Hand-written notes (issue 18)",
            "",
            "| measure | ours | target | met |",
            "| old figure | 9 s | ≤ 1 s | ❌ |",
            "",
            "## Convolution",
            "",
            "| 3→16 layer | 4.53 ms | ≤ 1.5× | ❌ |",
            "",
        ]
    )
    conv = Section("Convolution", "python bench/bench_conv.py", [Row("3→16 layer", "2.1 ms", met=True)], load=(1, 1))
    browsers = Section(
        "Browser load", "python bench/load_test.py --browsers 4 16", [Row("4 browsers", "9 s", met=False)]
    )
    text = report([conv, browsers], "python bench/run_all.py --only conv browser_load", None, previous)
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Hand-written notes (issue 18)",
        "## Convolution",
        "## Browser load",
    ]
    assert "4.53 ms" not in text and "| 3→16 layer | 2.1 ms |" in text and "| old figure | 9 s |" in text
    assert "Generated by `python bench/run_all.py --full` on 2026-11-30 05:47" in text
    assert "Updated by `python bench/run_all.py --only conv browser_load`" in text
    assert "**Targets missed: 2**\n- Hand-written notes (issue 18): old figure\n- Browser load: 4 browsers" in text


def test_the_report_names_the_cpu_of_this_run_and_of_the_before_run():
    from bench.run_all import _cpu, header

    before = {"commit": "5f85af5", "date": "2026-11-30 05:47", "cpu": "Intel Xeon"}
    text = header([], "python bench/run_all.py --only conv", [], before)
    assert f"CPU cores ({_cpu()})" in text and _cpu()
    assert "commit `5f85af5` measured on 2026-11-30 05:47 (Intel Xeon), with the load average then" in text
    assert "(Intel Xeon)" not in header([], "python bench/run_all.py", [], {**before, "cpu": ""})
