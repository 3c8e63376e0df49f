"""Take a network home (issue 28): its downloads, each proved to work before it is offered.

A finished run (:func:`from_run`) or a demo model (:func:`from_demo`) becomes an :class:`Exportable`;
:func:`download_area` asks the server's :class:`~cnnviz.deploy.ExportService` (one per server, on the
training cluster) for its five formats on a click, shows the progress while a worker exports and checks
them, then one row per format: its size, what its check found, and its zip (model, README, ``predict.py``)
or, for a format that failed its check, why in plain words. LiteRT's float and int8 files are compared
side by side. :func:`phone_button` opens the "Take it home" page on the same network.

Used by the Training page (a run's results), the Inside page (a demo model or a run) and the
Take-home page.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import streamlit as st

from cnnviz.datasets import load_size
from cnnviz.datasets.examples import CENTRED
from cnnviz.datasets.examples import NAME as MY_CLASSES
from cnnviz.deploy import CALIBRATION_IMAGES, CHECK_IMAGES, FORMATS, ExportRequest, ExportService, ModelSource
from cnnviz.deploy.downloads import Download
from cnnviz.deploy.service import ExportJob, ExportSnapshot
from cnnviz.inspection import pretrained_card
from cnnviz.text import duration_text, format_bytes
from cnnviz.training import TrainingRun
from cnnviz.training.keys import array_digest
from cnnviz.ui import state
from cnnviz.ui.cache import get_dataset, get_pretrained
from cnnviz.ui.training_job import training_service

TAKE_HOME_PAGE = "pages/take_home.py"
POLL_SECONDS = 1.0
MNIST_NOTE = "light strokes on a dark background, cropped to the strokes and centred by centre of mass like MNIST"


@dataclass(frozen=True)
class Exportable:
    """A network the app can export: what to ask the workers for (``request``; None with ``why`` when it
    cannot be), how to get its Keras model here (for the phone page's manifest: only when needed) and how the
    phone page prepares pictures."""

    key: str
    title: str
    model: Callable[[], Any]
    class_names: list[str]
    ref: tuple[str, Any]  # ("run", index into state.runs()) or ("demo", name)
    request: ExportRequest | None = None
    centre: bool = False
    why: str = ""


@st.cache_resource(show_spinner=False)
def export_service() -> ExportService:
    """The server's downloads, made on the training cluster's workers (which start in the background now)."""
    return ExportService(training_service().cluster.client)


def _scaled(images: np.ndarray) -> np.ndarray:
    return np.asarray(images, np.float32) / np.float32(255)


def _stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()[:60] or "cnn_explorer"


def from_run(run: TrainingRun, index: int) -> Exportable:
    """A session run: rebuilt on a worker from its stack and weights, checked on its own test images."""
    weights = list(run.weights) if run.weights is not None else run.model.get_weights()
    identity = hashlib.sha256(json.dumps([run.stack, list(run.input_shape)], default=str).encode())
    key = f"run-{identity.hexdigest()[:16]}-{array_digest(*weights)[:32]}"
    centre = run.dataset == "mnist" or (run.dataset == MY_CLASSES and CENTRED in run.source)
    network = Exportable(
        key,
        run.label or f"Run {index + 1}",
        lambda: run.model,
        [str(name) for name in run.class_names],
        ("run", index),
        centre=centre,
        why="This run kept no test images, so its files cannot be checked before download.",
    )
    if run.test_images is None or run.test_labels is None or not len(run.test_labels):
        return network
    train = getattr(run.train_data, "x_train", None)
    request = ExportRequest(
        ModelSource(stack=tuple(run.stack), input_shape=run.input_shape, weights=tuple(weights)),
        network.class_names,
        _scaled(run.test_images[:CHECK_IMAGES]),
        np.asarray(run.test_labels[:CHECK_IMAGES]),
        calibration_images=_scaled(train[:CALIBRATION_IMAGES]) if train is not None and len(train) else None,
        title=run.label[:100],
        input_note=MNIST_NOTE if centre else "",
        stem=_stem(run.label or f"run {index + 1}"),
    )
    return replace(network, request=request, why="")


def from_demo(name: str) -> Exportable:
    """A demo model: loaded from its shipped file on the worker, checked on its dataset's test images."""
    card = pretrained_card(name)
    test = get_dataset(name, image_size=load_size(name, card["input_shape"][0]))
    request = ExportRequest(
        ModelSource(demo=name),
        card["class_names"],
        _scaled(test.x_test[:CHECK_IMAGES]),
        np.asarray(test.y_test[:CHECK_IMAGES]),
        calibration_images=_scaled(test.x_train[:CALIBRATION_IMAGES]),
        title=card["title"],
        input_note=MNIST_NOTE if name == "mnist" else "",
        stem=f"cnn_explorer_{name}",
    )
    return Exportable(
        f"demo-{name}",
        card["title"],
        lambda: get_pretrained(name),
        card["class_names"],
        ("demo", name),
        request,
        name == "mnist",
    )


def download_area(item: Exportable, *, key: str) -> ExportSnapshot | None:
    """The downloads of ``item``: a button that starts them, their progress, then one row per format."""
    st.markdown(
        "**Take this network with you**, to run it without this app: as a Keras file, a TensorFlow "
        "SavedModel, LiteRT for phones and microcontrollers (float32, and int8: about 4 times smaller) or ONNX. "
        f"Before a file is offered it is loaded in its own runtime and its answers on {CHECK_IMAGES} test images "
        "are compared with Keras'. Each zip holds the model, a README (what goes in, what comes out, the classes "
        "in order) and `predict.py`, a short example that runs it."
    )
    if item.request is None:
        st.info(item.why, icon=":material/info:")
        return None
    service = export_service()
    job = service.job(item.key)
    failed = job is not None and job.snapshot().error
    if failed:
        st.error(f"The downloads could not be made: {failed}", icon=":material/error:")
    if job is None or failed:
        if not st.button(
            "Try again" if failed else "Prepare the downloads (5 formats, each checked)",
            key=f"{key}_prepare",
            icon=":material/download:",
            help="A training worker exports and checks them, in seconds to a minute; they are then kept for "
            "everybody on this server who asks for this network.",
        ):
            return None
        job = service.request(item.key, item.request)
    snapshot = job.snapshot()
    if not snapshot.finished:
        _progress(job, key)
    _rows(snapshot, key)
    _float_and_int8(snapshot)
    return snapshot


def _progress(job: ExportJob, key: str) -> None:
    """A progress bar refreshed every second; the page reruns whenever a format is ready."""
    seen = f"{key}_ready"
    st.session_state[seen] = len(job.snapshot().downloads)

    @st.fragment(run_every=POLL_SECONDS)
    def poll() -> None:
        snapshot = job.snapshot()
        if snapshot.finished or len(snapshot.downloads) != st.session_state.get(seen):
            st.rerun()
        total = len(snapshot.downloads) + len(snapshot.pending)
        working = FORMATS[snapshot.pending[0]].title
        st.progress(
            len(snapshot.downloads) / total,
            text=f"{len(snapshot.downloads)} of {total} formats exported and checked; now {working} "
            f"({duration_text(snapshot.seconds)} so far; a training on the same workers goes first).",
        )

    poll()


def _rows(snapshot: ExportSnapshot, key: str) -> None:
    for fmt, download in snapshot.downloads.items():
        _row(fmt, download, key)


def _row(fmt: str, download: Download, key: str) -> None:
    spec = FORMATS[fmt]
    with st.container(border=True):
        text, button = st.columns([4, 1], vertical_alignment="center")
        size = f" · {format_bytes(download.check.size_bytes)}" if download.check.size_bytes else ""
        text.markdown(f"**{spec.title}**{size}")
        if download.offered:
            text.caption(f":material/verified: {download.check.summary()}")
            button.download_button(
                "Download",
                download.data or b"",
                download.file_name,
                "application/zip",
                key=f"{key}_{fmt}",
                icon=":material/download:",
                on_click="ignore",
                help=f"{download.file_name}: {spec.file_name}, README.md and predict.py (needs {spec.runtime}).",
                width="stretch",
            )
        else:
            text.warning(f"Not offered: {_sentence(download.check.reason)}", icon=":material/block:")


def _sentence(reason: str) -> str:
    return reason[:1].upper() + reason[1:] if reason else "its check failed."


def _float_and_int8(snapshot: ExportSnapshot) -> None:
    """LiteRT float32 beside int8: size, accuracy on the check images, agreement with Keras."""
    plain, small = snapshot.downloads.get("litert"), snapshot.downloads.get("litert_int8")
    if plain is None or small is None or not (plain.offered and small.offered):
        return
    a, b = plain.check, small.check
    images = a.images
    ratio = a.size_bytes / b.size_bytes if b.size_bytes else 0
    rows = [
        ("File size", format_bytes(a.size_bytes), f"{format_bytes(b.size_bytes)} ({ratio:.1f}× smaller)"),
    ]
    if a.export_accuracy is not None and b.export_accuracy is not None:
        change = 100 * (b.export_accuracy - a.export_accuracy)
        rows.append(
            (
                f"Accuracy on the {images} test images",
                f"{a.export_accuracy:.1%}",
                f"{b.export_accuracy:.1%} ({change:+.1f} points)",
            )
        )
    rows.append(("Same top class as Keras", f"{a.agreement:.0%}", f"{b.agreement:.0%}"))
    table = "\n".join(f"| {name} | {left} | {right} |" for name, left, right in rows)
    st.markdown(
        "**LiteRT float32 or int8?** Side by side, checked on the same test images:\n\n"
        "| | float32 | int8 |\n| --- | ---: | ---: |\n" + table
    )


def phone_button(item: Exportable, *, key: str) -> None:
    """ "Run it on your phone": the Take-home page, opened on this network."""
    if st.button(
        "Run it on your phone",
        key=f"{key}_phone",
        icon=":material/smartphone:",
        help="A QR code opens this network in your phone's browser: draw or take a photo, it predicts there.",
    ):
        state.send_to_take_home(item.ref)
        st.switch_page(TAKE_HOME_PAGE)
