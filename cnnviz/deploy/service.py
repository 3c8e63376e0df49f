"""The server's downloads: each network's formats made once, on the training cluster, and shared.

:class:`ExportService` is one per server. :meth:`~ExportService.request` returns the
:class:`ExportJob` of a network (by a key naming its weights: the same network asked for twice, by
one student or thirty, is exported once); a job submits one Dask task per format
(:func:`~cnnviz.deploy.downloads.prepare_from_source`: export, check on the test images, bundle),
ONNX first because the phone page needs it, and keeps each result as it arrives. The web process
never exports: it waits in the job's thread, and a page polls :meth:`ExportJob.snapshot`.

Bounded: at most :data:`cnnviz.limits.EXPORTS_RUNNING` networks are exported at once (a new one is
refused until one ends, so downloads never crowd out the class's trainings on the workers); at most
:data:`MAX_KEPT` networks' zips are kept (the least recently asked for is dropped and made again if asked
for again); every request's cost is bounded by ``export_model``'s parameter
limit and ``check_export``'s image limit. Nothing here imports Streamlit.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cnnviz import limits
from cnnviz.deploy.check import ExportCheck
from cnnviz.deploy.downloads import Download, ModelSource, prepare_from_source
from cnnviz.deploy.formats import FORMATS, export_format
from cnnviz.errors import InputError

logger = logging.getLogger(__name__)

#: Networks whose downloads stay in memory (a few MB each).
MAX_KEPT = 8
#: The phone page needs ONNX: it is made first.
ORDER = ("onnx", "keras", "saved_model", "litert", "litert_int8")
NO_CALIBRATION = (
    "there are no training images to choose the 8-bit ranges from (this network's training data is not in "
    "this session any more). The float files are not affected."
)


@dataclass(frozen=True)
class ExportRequest:
    """Everything one network's downloads need: how to rebuild it, its classes, the check and calibration images."""

    source: ModelSource
    class_names: Sequence[str]
    check_images: np.ndarray
    check_labels: np.ndarray | None = None
    calibration_images: np.ndarray | None = None
    title: str = ""
    input_note: str = ""
    stem: str = "cnn_explorer"
    formats: Sequence[str] = ORDER


@dataclass(frozen=True)
class ExportSnapshot:
    """A job at one moment: the finished formats' downloads (in :data:`ORDER`), those still on their way."""

    downloads: dict[str, Download]
    pending: tuple[str, ...]
    error: str | None = None
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return not self.pending or self.error is not None


@dataclass
class ExportJob:
    """One network's downloads, made in a daemon thread that submits one Dask task per format."""

    request: ExportRequest
    client: Callable[[], Any]
    downloads: dict[str, Download] = field(default_factory=dict)
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> ExportJob:
        threading.Thread(target=self._run, name="cnnviz-export", daemon=True).start()
        return self

    def snapshot(self) -> ExportSnapshot:
        with self._lock:
            downloads = {fmt: self.downloads[fmt] for fmt in self.request.formats if fmt in self.downloads}
            pending = tuple(fmt for fmt in self.request.formats if fmt not in downloads)
            seconds = (self.ended or time.monotonic()) - self.started
            return ExportSnapshot(downloads, pending, self.error, seconds)

    def _keep(self, fmt: str, download: Download) -> None:
        with self._lock:
            self.downloads[fmt] = download

    def _run(self) -> None:
        request = self.request
        try:
            client = self.client()
            futures = {}
            for fmt in request.formats:
                spec = export_format(fmt)
                if spec.quantised and request.calibration_images is None:
                    self._keep(fmt, _refused(fmt, request.stem, NO_CALIBRATION))
                    continue
                futures[fmt] = client.submit(
                    prepare_from_source,
                    request.source,
                    fmt,
                    list(request.class_names),
                    request.check_images,
                    request.check_labels,
                    calibration_images=request.calibration_images if spec.quantised else None,
                    title=request.title,
                    input_note=request.input_note,
                    stem=request.stem,
                    key=f"cnnviz-export-{fmt}-{uuid.uuid4().hex[:12]}",
                    pure=False,
                )
            for fmt, future in futures.items():
                self._keep(fmt, _outcome(fmt, request.stem, future))
        except Exception as error:  # noqa: BLE001 - the page says it; the operator gets the traceback
            logger.warning("Downloads of %s could not be made", request.title or request.stem, exc_info=True)
            with self._lock:
                self.error = str(error) if isinstance(error, (InputError, RuntimeError)) else type(error).__name__
        finally:
            with self._lock:
                self.ended = time.monotonic()


def _outcome(fmt: str, stem: str, future: Any) -> Download:
    """The task's download; an error in the task becomes a format not offered, with the error's words."""
    try:
        return future.result()
    except InputError as error:
        return _refused(fmt, stem, str(error))
    except Exception as error:  # noqa: BLE001 - one format failing leaves the others offered
        logger.warning("The %s export failed on the worker", fmt, exc_info=True)
        return _refused(fmt, stem, f"the export failed on the server ({type(error).__name__}: {error}).")
    finally:
        future.release()


def _refused(fmt: str, stem: str, reason: str) -> Download:
    return Download(ExportCheck(fmt, False, reason), f"{stem}_{fmt}.zip", None)


class ExportService:
    """The server's export jobs by network key (see the module docstring); thread-safe."""

    def __init__(self, client: Callable[[], Any], *, max_kept: int = MAX_KEPT) -> None:
        self.client = client
        self.max_kept = max_kept
        self._jobs: OrderedDict[str, ExportJob] = OrderedDict()
        self._running: list[ExportJob] = []  # jobs not ended, kept or not
        self._lock = threading.Lock()

    def job(self, key: str) -> ExportJob | None:
        """The job of network ``key`` if it was asked for and is still kept."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                self._jobs.move_to_end(key)
            return job

    def request(self, key: str, request: ExportRequest) -> ExportJob:
        """The job of network ``key``: the one running or kept, else a new one started now."""
        unknown = [fmt for fmt in request.formats if fmt not in FORMATS]
        if unknown:
            raise InputError(f"Unknown download formats: {', '.join(unknown)}.")
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.snapshot().error is None:
                self._jobs.move_to_end(key)
                return job
            self._running = [running for running in self._running if running.ended is None]
            shown = f"{len(self._running):,} networks' downloads under way"
            limits.EXPORTS_RUNNING.check(len(self._running) + 1, "The server", shown=shown)
            job = self._jobs[key] = ExportJob(request, self.client).start()
            self._running.append(job)
            while len(self._jobs) > self.max_kept:
                self._jobs.popitem(last=False)
            return job
