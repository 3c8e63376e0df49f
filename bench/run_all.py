"""Run every benchmark, print one Markdown report and write it to BENCHMARKS.md at the repository root.

    python bench/run_all.py            # imports, convolution, summarize, datasets, classroom database,
                                       #   explanations, app (~9 min)
    python bench/run_all.py --full     # + training throughput and internals, recipes' time to target,
                                       #   classroom load test, browser load test (4 and 16 Chromium tabs),
                                       #   downloads (export, runtimes, int8, the phone page)
    python bench/run_all.py --only conv app browser_load --save-before bench/before.json
                                       # only these sections, updated in place in BENCHMARKS.md; keep
                                       #   their figures as the "before" of a change (issue 27)

Every figure stands next to a reference measured in the same run (the library it replaces, a bare
read of the same files, a bare Streamlit page, ...) and its target from the issues, with ✅/❌ when the
target can be checked. The load average is recorded before and after each section, and next to
every figure of the app and browser-load sections: figures taken while other programs kept the
cores busy (1-minute load above ``BUSY_LOAD``) are labelled so. Each section's module also runs
alone (``python bench/bench_conv.py`` and so on).

Before/after: ``--save-before FILE`` writes this run's figures as JSON; a later run with
``--before FILE`` (default: ``bench/before.json`` when it exists) shows them in a "before" column
next to its own, matched by section and measure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CNNVIZ_DATA_DIR", str(ROOT.parent / "shared" / "datasets"))

BUSY_LOAD = 2.5  # 1-minute load average above which a 2-core machine was shared with other work
REPORT = ROOT / "BENCHMARKS.md"
BEFORE = ROOT / "bench" / "before.json"
# Issue 5: what each default recipe must reach on this 2-core CPU (test accuracy, seconds or None).
RECIPE_TARGETS = {"fashion_mnist_3min": (0.915, 180.0), "mnist_5k_augmented": (0.98, None), "neu_64": (0.97, None)}


@dataclass(frozen=True)
class Row:
    """One line of a section's table; values are already formatted with their units."""

    measure: str
    ours: str
    reference: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None
    load: float | None = None  # the 1-minute load average when this figure was measured


@dataclass
class Section:
    title: str
    command: str
    rows: list[Row] = field(default_factory=list)
    text: str = ""  # a table the benchmark formats itself (load test)
    load: tuple[float, float] = (0.0, 0.0)
    seconds: float = 0.0
    error: str = ""

    def markdown(self, before: dict | None = None) -> str:
        """The section as Markdown; ``before`` (a saved run's section, see ``--before``) adds a column."""
        busy = " — ⚠️ measured under load" if max(self.load) > BUSY_LOAD else ""
        load = f"load average {self.load[0]:.1f} → {self.load[1]:.1f}{busy}"
        lines = [f"## {self.title}", "", f"`{self.command}` · {self.seconds:.0f} s · {load}", ""]
        if self.error:
            lines.append(f"**Not measured:** {self.error}")
        if self.rows:
            loads = any(r.load is not None for r in self.rows)
            head = ["measure", *(["before"] if before else []), "ours", "reference (same run)", "ours / reference"]
            head += ["target", "met", *(["load"] if loads else [])]
            align = [
                "---",
                *(["---:"] if before else []),
                "---:",
                "---",
                "---:",
                "---",
                ":---:",
                *(["---:"] if loads else []),
            ]
            lines += ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
            for r in self.rows:
                cells = [r.measure, *([_before_cell(before, r.measure)] if before else []), r.ours, r.reference]
                cells += [r.ratio, r.target, _mark(r.met), *([_load(r.load)] if loads else [])]
                lines.append("| " + " | ".join(cells) + " |")
        if self.text:
            lines.append(self.text)
        return "\n".join(lines)

    def saved(self) -> dict:
        """This section's figures for ``--save-before``: by measure, what it showed and its load."""
        return {
            "load": list(self.load),
            "rows": {r.measure: {"ours": r.ours, "ratio": r.ratio, "load": r.load} for r in self.rows},
        }


def _before_cell(before: dict, measure: str) -> str:
    """The saved figure, its ratio and the load average it was measured at (the section's, if not its own)."""
    found = before.get("rows", {}).get(measure)
    if not found:
        return "—"
    load = found["load"] if found["load"] is not None else max(before.get("load") or [0.0])
    details = [part for part in (found["ratio"], f"load {load:.1f}") if part]
    return f"{found['ours']} ({', '.join(details)})"


def _load(load: float | None) -> str:
    return "" if load is None else f"{load:.1f}"


def _mark(met: bool | None) -> str:
    return "" if met is None else ("✅" if met else "❌")


def _ratio_target_met(ratio: float, target: str) -> bool | None:
    """Check a target written as "≤ 3×" against a ratio; None for anything else ("-")."""
    found = re.fullmatch(r"[≤<]\s*([\d.]+)×", target.strip())
    return None if not found else ratio <= float(found[1])


# ---- sections: each adapter calls one benchmark module and turns its rows into Rows ----------------


def imports_section() -> Section:
    import bench_imports

    rows = bench_imports.measure()
    ours, floor, tensorflow = rows
    reference = f"{floor.seconds:.2f} s ({floor.modules.split(' (')[0]}); {tensorflow.seconds:.2f} s (tensorflow)"
    return Section(
        "Imports: the maths of the light pages",
        "python bench/bench_imports.py",
        [
            Row(
                f"`import {ours.modules}` (fresh interpreter)",
                f"{ours.seconds:.2f} s",
                reference,
                f"{ours.seconds / floor.seconds:.2f}× numpy+cv2",
                "< 1 s",
                ours.seconds < 1,
            ),
            Row("…imports TensorFlow or Keras", ", ".join(ours.heavy) or "no", "", "", "no", not ours.heavy),
        ],
    )


def conv_section() -> Section:
    import bench_conv

    rows = [
        Row(
            f"{r.case}",
            f"{r.ours_ms:.2f} ms",
            f"{r.reference_ms:.2f} ms ({r.reference})",
            f"{r.ratio:.2f}×",
            r.target,
            _ratio_target_met(r.ratio, r.target),
        )
        for r in bench_conv.benchmark()
    ]
    return Section("Convolution: `cnnviz.ops.conv2d`", "python bench/bench_conv.py", rows)


def summarize_section() -> Section:
    import bench_summarize

    rows = [
        Row(
            f"`summarize`, {r['layers']}-layer stack on 224×224×3",
            f"{r['summarize_ms']:.3f} ms",
            f"{r['keras_build_ms']:.1f} ms (Keras: build the same model)",
            f"{r['summarize_ms'] / r['keras_build_ms']:.4f}×",
            "≪ 20 ms",
            r["summarize_ms"] < 20,
        )
        for r in bench_summarize.run()
    ]
    return Section("Layer builder: `summarize`", "python bench/bench_summarize.py", rows)


def datasets_section() -> Section:
    import bench_datasets

    rows = []
    for r in bench_datasets.run():
        reference = f"{r['bare_reference_s']:.3f} s (bare read)" if r["bare_reference_s"] is not None else ""
        rows.append(
            Row(
                f"load {r['dataset']}: first / from the disk cache",
                f"{r['first_s']:.3f} s / {r['cached_s']:.3f} s",
                reference,
                f"{r['cached_s'] / r['bare_reference_s']:.2f}× (disk cache)" if reference else "",
            )
        )
    return Section(
        "Datasets: `cnnviz.datasets.load`",
        "python bench/bench_datasets.py",
        rows,
        text="\nIn the app a loaded dataset is then shared by every session (`st.cache_resource`, keyed by "
        "name and size), so only the first visitor pays even the disk-cache time.",
    )


def app_section(trainings: int) -> Section:
    import bench_app

    rows = []
    for m in bench_app.measure(trainings=trainings):
        ratio = "" if m.ratio is None else f"{m.ratio:.2f}×"
        rows.append(Row(m.name, m.text, m.reference_text, ratio, m.target, m.met, m.load))
    return Section(
        "The app in Chromium: speed and server memory",
        f"python bench/bench_app.py --trainings {trainings}",
        rows,
    )


def training_section() -> Section:
    import bench_training

    rows = []
    for r in bench_training.run():
        compared = bool(r["ours (img/s)"])  # train() vs bare fit; the other rows size the defaults and estimate
        ratio = float(r["ours / bare"].rstrip("×")) if compared else None
        rows.append(
            Row(
                r["measure"],
                f"{r['ours (img/s)']} img/s" if compared else "",
                f"{r['bare keras (img/s)']}" + (f" img/s ({r.get('against', 'bare `keras.fit`')})" if compared else ""),
                r["ours / bare"],
                "≥ 0.95×" if compared else "",
                ratio >= 0.95 if compared else None,
            )
        )
    return Section(
        "Training throughput: `cnnviz.training.train` vs bare `keras.fit`", "python bench/bench_training.py", rows
    )


def _explain_rows(rows: list[dict]) -> list[Row]:
    return [Row(r["measure"], r["ours"], r["reference"], r["ratio"], r["target"], r["met"]) for r in rows]


def explain_section() -> Section:
    import bench_explain

    return Section(
        "Explanations on the demo MNIST model: speed and how far to trust them (issue 26)",
        "python bench/bench_explain.py",
        _explain_rows(bench_explain.run()),
    )


def internals_section() -> Section:
    import bench_explain

    return Section(
        "Training internals: the callback's cost in training throughput (issue 26)",
        "python bench/bench_explain.py",
        _explain_rows(bench_explain.internals_overhead()),
    )


def recipes_section() -> Section:
    """Train each default recipe once (seed 0) with scripts/measure_recipes.py and check its target."""
    rows = []
    for name, (accuracy, seconds) in RECIPE_TARGETS.items():
        result = _measure_recipe(name)
        target = f"≥ {accuracy:.1%}" + (f" in ≤ {seconds:.0f} s" if seconds else "")
        met = result["test_accuracy"] >= accuracy and (seconds is None or result["fit_seconds"] <= seconds)
        rows.append(
            Row(
                f"recipe `{name}`: test accuracy, training time",
                f"{result['test_accuracy']:.2%} in {result['fit_seconds']:.0f} s "
                f"({result['epochs']} epochs, {result['images_per_second']:,} img/s)",
                f"load {result['load_before']:.1f} → {result['load_after']:.1f}",
                "",
                target,
                met,
            )
        )
    return Section("Default recipes: accuracy and time to reach it", "python scripts/measure_recipes.py", rows)


def _measure_recipe(name: str) -> dict:
    output = subprocess.run(
        [sys.executable, "scripts/measure_recipes.py", name], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[len("RESULT ") :])


def deploy_section() -> Section:
    """Issue 28: each download format of the MNIST models, compared with Keras on 10k digits; the phone page."""
    import bench_deploy

    rows = []
    for r in bench_deploy.run():
        quantised = r["format"] == "litert_int8"
        rows.append(
            Row(
                f"{r['model']} → `{r['format']}` ({r['runtime']}): export time, size",
                f"{r['export_s']:.2f} s, {r['size_bytes'] / 1024:,.0f} KB",
                f"10k test digits: max abs difference {r['max_difference_10k']:.1e}, same class "
                f"{r['same_class_10k']:.2%}, accuracy {r['accuracy_10k']:.2%} (Keras {r['keras_accuracy_10k']:.2%})",
                "",
                "same class ≥ 98 %" if quantised else "max abs difference ≤ 1e-4",
                r["same_class_10k"] >= 0.98 if quantised else r["max_difference_10k"] <= 1e-4,
            )
        )
    found = bench_deploy.phone()
    rows.append(
        Row(
            "phone page, Chromium 390×844: network loaded / one prediction (median)",
            f"{found['load_ms']:,} ms / {found['predict_ms_median']} ms",
            f"runtime {found['runtime_bytes'] / 1e6:.1f} MB ({found['wasm_gzip_bytes'] / 1e6:.1f} MB gzipped); "
            f"max abs difference from Keras {found['max_difference']:.1e}",
            "",
            "same class as Keras",
            found["same_class"],
        )
    )
    return Section("Downloads: export, runtimes, int8, the phone page (issue 28)", "python bench/bench_deploy.py", rows)


def load_section() -> Section:
    import load_test

    return Section(
        "Classroom load: 8 and 16 sessions with a training running (issue 9)",
        "python bench/load_test.py --sessions 8 16 --rounds 2 --training",
        text=load_test.format_table(load_test.measure((8, 16))),
    )


def class_app_section() -> Section:
    import bench_classroom_app

    return Section(
        "The class on one server: 30 students join, train and browse; the teacher's dashboard (issue 24)",
        "python bench/bench_classroom_app.py",
        text=bench_classroom_app.format_report(bench_classroom_app.measure()),
    )


def browser_load_section() -> Section:
    """Issue 27: 4 and 16 Chromium tabs on one server; each p95 next to one browser alone (same run)."""
    import load_test

    levels = load_test.measure_browsers((4, 16))
    alone = {row.name: row for level in levels if level.baseline for row in level.rows}
    rows = []
    for level in levels:
        for r in level.rows:
            reference = alone.get(r.name) if not level.baseline else None
            rows.append(
                Row(
                    f"{level.name} · {r.name}: p50 / p95 / worst ({r.runs} runs)",
                    f"{r.p50:.2f} / {r.p95:.2f} / {r.worst:.2f} s",
                    f"p95 {reference.p95:.2f} s (1 browser alone)" if reference else "",
                    f"{r.p95 / reference.p95:.2f}×" if reference else "",
                    r.target,
                    None if r.target_s is None else r.p95 < r.target_s,
                    level.load_average,
                )
            )
        rows.append(
            Row(
                f"{level.name}: failures, server peak RSS, server CPU",
                f"{len(level.failures)} failures, {level.peak_rss_mb:,.0f} MB, {level.cores_busy:.2f} cores",
                "",
                "",
                "0 failures",
                not level.failures,
                level.load_average,
            )
        )
    failures = [f"- {level.name}: {failure}" for level in levels for failure in level.failures[:10]]
    return Section(
        "Browser load: 4 and 16 Chromium tabs on one server (issue 27)",
        "python bench/load_test.py --browsers 4 16 --rounds 2",
        rows,
        text="\n".join(["", *failures]) if failures else "",
    )


def classroom_db_section() -> Section:
    import bench_classroom

    targets = {"touch (presence)": 10.0, "pending_view": 10.0, "student (class state)": 10.0}
    rows = []
    for backend, measured in bench_classroom.measure().items():
        for r in measured:
            light = r["call"] in targets
            rows.append(
                Row(
                    f"{backend}: `{r['call']}`",
                    f"{r['median_ms']:.2f} ms (p95 {r['p95_ms']:.1f} ms), CPU {r['cpu_ms']:.2f} ms",
                    f"{r['statements']} SQL statement(s)",
                    "",
                    "median ≤ 10 ms" if light else ("CPU ≤ 100 ms" if r["call"].startswith("dashboard") else "-"),
                    r["median_ms"] <= 10
                    if light
                    else (r["cpu_ms"] <= 100 if r["call"].startswith("dashboard") else None),
                )
            )
    return Section("Classroom database: 30 students × 10 runs", "python bench/bench_classroom.py", rows)


QUICK = {
    "imports": ("Imports", "python bench/bench_imports.py", imports_section),
    "conv": ("Convolution", "python bench/bench_conv.py", conv_section),
    "summarize": ("Layer builder", "python bench/bench_summarize.py", summarize_section),
    "datasets": ("Datasets", "python bench/bench_datasets.py", datasets_section),
    "explain": ("Explanations", "python bench/bench_explain.py", explain_section),
    "classroom_db": ("Classroom database", "python bench/bench_classroom.py", classroom_db_section),
    "app": None,  # needs the --trainings argument: built in main()
}
SLOW = {
    "training": ("Training throughput", "python bench/bench_training.py", training_section),
    "internals": ("Training internals", "python bench/bench_explain.py", internals_section),
    "recipes": ("Recipes", "python scripts/measure_recipes.py", recipes_section),
    "load": ("Classroom load", "python bench/load_test.py", load_section),
    "class": ("The class on one server", "python bench/bench_classroom_app.py", class_app_section),
    "browser_load": ("Browser load", "python bench/load_test.py --browsers 4 16", browser_load_section),
    "deploy": ("Downloads", "python bench/bench_deploy.py", deploy_section),
}


# ---- the run --------------------------------------------------------------------------------------


def run_section(title: str, command: str, build: Callable[[], Section]) -> Section:
    """Run one benchmark, timing it and noting the load average; a failure is reported, not raised."""
    print(f"… {title}", file=sys.stderr, flush=True)
    load_before, start = os.getloadavg()[0], time.perf_counter()
    try:
        section = build()
    except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
        section = Section(title, command, error=f"{type(error).__name__}: {error}")
    section.seconds = time.perf_counter() - start
    section.load = (load_before, os.getloadavg()[0])
    print(section.markdown() + "\n", flush=True)
    return section


def _cpu() -> str:
    """The processor's model (``/proc/cpuinfo`` on Linux): speed ratios differ between CPUs (issue 27's
    convolution: oneDNN's kernels in TensorFlow, OpenBLAS's in NumPy)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or platform.machine()


def _commit() -> str:
    """The measured code's commit (``git rev-parse``), or ``CNNVIZ_BENCH_COMMIT`` outside a repository."""
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return found.stdout.strip() or os.environ.get("CNNVIZ_BENCH_COMMIT", "unknown")


def header(sections: list[Section], command: str, missed: list[str], before: dict | None = None, kept: str = "") -> str:
    """The report's head: how and when it was made (``kept``: the previous report's line, when only some
    sections were run), the before column's origin, the load warning, every missed target of the report."""
    busiest = max((max(s.load) for s in sections), default=0.0)
    made = (
        f"`{command}` on {datetime.now():%Y-%m-%d %H:%M}, commit `{_commit()}`, {os.cpu_count()} CPU cores "
        f"({_cpu()}), Python {platform.python_version()}, {platform.machine()}"
    )
    lines = ["# CNN Explorer benchmarks", ""]
    if kept:
        lines += [kept, "", f"Updated by {made}: {', '.join(s.title for s in sections)}."]
    else:
        lines.append(f"Generated by {made}.")
    lines += [
        "",
        "Each figure stands next to a reference measured in the same run; ✅/❌ say whether its target is met.",
    ]
    if before:
        lines += [
            "",
            f"The **before** column holds the figures of commit `{before['commit']}` measured on {before['date']}"
            + (f" ({before['cpu']})" if before.get("cpu") else "")
            + ", with the load average then; compare ratios to the same-run references rather than absolute "
            "times when the loads differ.",
        ]
    if busiest > BUSY_LOAD:
        lines += [
            "",
            f"⚠️ **Measured under load**: the 1-minute load average reached {busiest:.1f} on "
            f"{os.cpu_count()} cores (sections marked below); absolute times are inflated.",
        ]
    lines += [
        "",
        f"**Targets missed: {len(missed)}**" + "".join(f"\n- {f}" for f in missed)
        if missed
        else "**Every checked target is met.**",
    ]
    return "\n".join(lines)


def report(sections: list[Section], command: str, before: dict | None, previous: str | None) -> str:
    """The whole report. With ``previous`` (an earlier report, when only some sections ran) its other
    sections, hand-written ones included, are kept in place and the ones run now replace theirs."""
    saved = (before or {}).get("sections", {})
    fresh = {s.title: s.markdown(saved.get(s.title) if before else None) for s in sections}
    kept_line, bodies = "", list(fresh.values())
    if previous:
        head, *old = re.split(r"(?m)^(?=## )", previous)
        kept_line = next((line for line in head.splitlines() if line.startswith("Generated by")), "")
        titles = [body.splitlines()[0][3:] for body in old]
        bodies = [fresh.get(title, body.rstrip("\n")) for title, body in zip(titles, old, strict=True)]
        bodies += [body for title, body in fresh.items() if title not in titles]
    return header(sections, command, _missed(bodies), before, kept_line) + "\n\n" + "\n\n".join(bodies) + "\n"


def _missed(bodies: list[str]) -> list[str]:
    """ "Section: measure" for every table row marked ❌ in the sections' Markdown."""
    return [
        f"{body.splitlines()[0][3:]}: {line.split('|')[1].strip()}"
        for body in bodies
        for line in body.splitlines()
        if line.startswith("|") and "❌" in line
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--full",
        action="store_true",
        help="also training throughput, the recipes' time to target, the classroom load test and the downloads "
        "(tens of minutes)",
    )
    parser.add_argument("--trainings", type=int, default=5, help="quick trainings in a row in the app benchmark")
    parser.add_argument("--only", nargs="+", choices=[*QUICK, *SLOW], help="run only these sections")
    parser.add_argument("--output", type=Path, default=REPORT, help="where to write the report (default: %(default)s)")
    parser.add_argument(
        "--before", type=Path, default=BEFORE, help="a saved run shown as the 'before' column (default: %(default)s)"
    )
    parser.add_argument("--save-before", type=Path, help="also save this run's figures here, as a later 'before'")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers we started on `kill`
    steps = {**QUICK, "app": ("App", "python bench/bench_app.py", lambda: app_section(args.trainings)), **SLOW}
    names = args.only or [*QUICK, *(SLOW if args.full else ())]
    sections = [run_section(*steps[name]) for name in names]
    before = json.loads(args.before.read_text()) if args.before and args.before.is_file() else None
    previous = args.output.read_text() if args.only and args.output.is_file() else None
    command = (
        "python bench/run_all.py"
        + (" --full" if args.full else "")
        + (f" --only {' '.join(names)}" if args.only else "")
    )
    args.output.write_text(report(sections, command, before, previous))
    if args.save_before:
        run = {"commit": _commit(), "date": f"{datetime.now():%Y-%m-%d %H:%M}", "cores": os.cpu_count(), "cpu": _cpu()}
        run["sections"] = {s.title: s.saved() for s in sections}
        args.save_before.write_text(json.dumps(run, indent=1, ensure_ascii=False) + "\n")
    print(f"\nWritten to {args.output}")


if __name__ == "__main__":
    main()
