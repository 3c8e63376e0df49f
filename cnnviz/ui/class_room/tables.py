"""The dashboard's tables as rows: the roster and every run (plain functions, the same for the live
table and the tests). Names are plain table text (never Markdown); with names hidden a student is
"Student 7", their number in joining order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cnnviz.options import DATA_CHOICES, OPTIMIZER_TITLES
from cnnviz.text import duration_text
from cnnviz.ui.navigation import find_page

AWAY_SECONDS = 60.0  # a student not seen for this long is "away" (tab closed, laptop asleep)


def shown_name(number: int, name: str, hide: bool) -> str:
    """The name as the dashboard shows it: "Student 7" when names are hidden for the projector."""
    return f"Student {number}" if hide else name


def dataset_title(code: str) -> str:
    """A run's dataset as the Datasets page names it ("MNIST digits" for "mnist"); other names as they are."""
    return DATA_CHOICES.get(code, code)


def page_title(page: str) -> str:
    """A roster page ("convolution") as the navigation names it ("2 · Convolution"); "—" before any."""
    found = find_page(page) if page else None
    return found.title if found is not None else (page or "—")


def seen_text(seconds: float) -> str:
    """How long ago a student was seen: "now", "25 s ago", "away (3 min 05 s)"."""
    if seconds < 5:
        return "now"
    if seconds >= AWAY_SECONDS:
        return f"away ({duration_text(seconds)})"
    return f"{duration_text(seconds)} ago"


def is_away(entry: Any, now: float) -> bool:
    """Not seen for :data:`AWAY_SECONDS`: an open page reports every 10 s, so the tab is gone (and the
    trainings it last reported end with it: a job nobody watches cancels itself)."""
    return now - entry.last_seen >= AWAY_SECONDS


def trainings_now(roster: Sequence[Any], now: float) -> tuple[int, int]:
    """The class's trainings (running, waiting for a worker), counting only students who are not away."""
    present = [entry for entry in roster if not is_away(entry, now)]
    return sum(entry.running for entry in present), sum(entry.queued for entry in present)


def roster_rows(roster: Sequence[Any], now: float, *, hide: bool, groups: bool) -> list[dict[str, Any]]:
    """One row per student (``cnnviz.classroom.RosterEntry``), in joining order."""
    rows = []
    for entry in roster:
        away = is_away(entry, now)
        row = {
            "#": entry.number,
            "student": shown_name(entry.number, entry.name, hide),
            "page": page_title(entry.page),
            "last seen": seen_text(now - entry.last_seen),
            "training": 0 if away else entry.running,
            "queued": 0 if away else entry.queued,
            "runs": entry.runs,
        }
        if groups:
            row["group"] = entry.group or "—"
        rows.append(row)
    return rows


def run_rows(runs: Sequence[Any], now: float, *, hide: bool) -> list[dict[str, Any]]:
    """One row per recorded run (``cnnviz.classroom.ClassRun``): who, what network on which data with
    which settings, how well and how long; newest first."""
    rows = []
    for run in reversed(runs):
        summary, settings = run.summary, run.summary.get("settings") or {}
        optimizer = str(settings.get("optimizer") or "")
        rows.append(
            {
                "student": shown_name(run.number, run.name, hide),
                "run": run.label,
                "test accuracy": run.test_accuracy,
                "parameters": run.params,
                "MACs": summary.get("macs"),
                "layers": summary.get("layers"),
                "dataset": dataset_title(str(summary.get("dataset", ""))),
                "optimizer": OPTIMIZER_TITLES.get(optimizer, optimizer),
                "learning rate": settings.get("learning_rate"),
                "epochs": len((summary.get("history") or {}).get("loss") or []) or settings.get("epochs"),
                "batch": settings.get("batch_size"),
                "training time (s)": round(run.seconds, 1),
                "finished": f"{duration_text(now - run.recorded_at)} ago",
            }
        )
    return rows
