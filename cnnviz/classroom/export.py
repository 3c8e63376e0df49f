"""The class's results: every run with its student (plot, overlay of curves), the CSV report, the zip of runs."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeGuard

from sqlalchemy import select

from cnnviz.classroom.base import ClassroomBase, guarded
from cnnviz.classroom.errors import ClassroomError
from cnnviz.classroom.models import ClassRoom, Run, Student
from cnnviz.classroom.presence import group_label
from cnnviz.classroom.records import ClassRun
from cnnviz.training.keys import KEY_PREFIX

CSV_COLUMNS = (
    "student",
    "group",
    "run",
    "dataset",
    "architecture",
    "layers",
    "params",
    "macs",
    "test_accuracy",
    "seconds",
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "recorded_at_utc",
    "run_key",
)
RUN_FILES = ("run.json", "arrays.npz")  # a run store entry (cnnviz/training/store.py)
DEFAULT_ZIP_MB = 200
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(…)``) prefixed with ``'``; other values as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(run: ClassRun, student: str) -> list[Any]:
    """One CSV row for ``run`` (``student``: the name, or "Student 7" when names are hidden)."""
    summary, settings = run.summary, run.summary.get("settings") or {}
    values = [
        student,
        run.group or "",
        run.label,
        summary.get("dataset", ""),
        summary.get("architecture", ""),
        summary.get("layers", ""),
        run.params,
        summary.get("macs", ""),
        "" if run.test_accuracy is None else run.test_accuracy,
        round(run.seconds, 3),
        settings.get("epochs", ""),
        settings.get("batch_size", ""),
        settings.get("optimizer", ""),
        settings.get("learning_rate", ""),
        datetime.fromtimestamp(run.recorded_at, timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        summary.get("key", ""),
    ]
    return [spreadsheet_safe(value) for value in values]


def is_run_key(key: object) -> TypeGuard[str]:
    """Whether ``key`` has the run store's form (so it names a folder inside the store, nothing else)."""
    return isinstance(key, str) and key.startswith(KEY_PREFIX) and key[len(KEY_PREFIX) :].isalnum()


def _report(runs: list[ClassRun], hide_names: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for run in runs:
        writer.writerow(csv_row(run, f"Student {run.number}" if hide_names else run.name))
    return out.getvalue()


def _keys(runs: list[ClassRun]) -> list[str]:
    return list(dict.fromkeys(key for key in (run.summary.get("key") for run in runs) if is_run_key(key)))


class Export(ClassroomBase):
    @guarded
    def class_runs(self, teacher_key: str) -> list[ClassRun]:
        """Every recorded run of the class with its student and group, oldest first: the class's
        accuracy-against-parameters plot (see :func:`pareto_front`) and the groups' overlaid curves."""
        with self._read() as connection:
            cls = self._class_row(connection, teacher_key, ClassRoom.group_labels)
            rows = connection.execute(
                select(
                    Run.id,
                    Run.student_id,
                    Student.name,
                    Student.group_index,
                    Run.label,
                    Run.params,
                    Run.test_accuracy,
                    Run.seconds,
                    Run.recorded_at,
                    Run.summary,
                )
                .join(Student, Student.id == Run.student_id)
                .where(Run.class_id == cls.id)
                .order_by(Run.id)
            ).all()
            joined = connection.scalars(select(Student.id).where(Student.class_id == cls.id).order_by(Student.id))
            numbers = {student_id: number for number, student_id in enumerate(joined, start=1)}
        return [
            ClassRun(
                run_id=row.id,
                student_id=row.student_id,
                number=numbers[row.student_id],
                name=row.name,
                group=group_label(cls.group_labels, row.group_index),
                label=row.label,
                params=row.params,
                test_accuracy=row.test_accuracy,
                seconds=row.seconds,
                recorded_at=row.recorded_at,
                summary=row.summary,
            )
            for row in rows
        ]

    def export_csv(self, teacher_key: str, *, hide_names: bool = False) -> str:
        """The class report: one row per run (:data:`CSV_COLUMNS`); ``hide_names`` writes "Student N"."""
        return _report(self.class_runs(teacher_key), hide_names)

    def run_keys(self, teacher_key: str) -> list[str]:
        """The run store keys of the class's runs (each once, oldest first): what the zip holds."""
        return _keys(self.class_runs(teacher_key))

    def export_zip(
        self,
        teacher_key: str,
        store_dir: str | Path,
        *,
        hide_names: bool = False,
        max_bytes: int = DEFAULT_ZIP_MB << 20,
    ) -> bytes:
        """A zip of the class report (``class.csv``) and each run's files from the run store folder
        (``runs/<key>/run.json`` + ``arrays.npz``; runs the store has dropped are left out).
        :class:`ClassroomError` before reading anything if the files exceed ``max_bytes``."""
        runs = self.class_runs(teacher_key)
        report = _report(runs, hide_names)
        files = [
            path
            for key in _keys(runs)
            for path in (Path(store_dir) / key / name for name in RUN_FILES)
            if path.is_file()
        ]
        total = sum(path.stat().st_size for path in files)
        if total > max_bytes:
            raise ClassroomError(
                f"The class's runs take {total / 2**20:.0f} MB, more than a download may hold "
                f"({max_bytes / 2**20:.0f} MB): download the CSV report instead"
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("class.csv", report)
            for path in files:
                archive.write(path, f"runs/{path.parent.name}/{path.name}")
        return buffer.getvalue()
