"""The server-wide cache of datasets and demo models, keyed by names (never by big arrays).

One loaded dataset is shared by every session (its arrays are read-only), so thirty students
opening the Datasets page cost one load; the Inside page's demo models are loaded once the same way.
The datasets kept are bounded by their bytes (:data:`cnnviz.limits.DATASET_CACHE_BYTES`), not by
their number: six Fashion-MNISTs resized to 64×64 would hold 1.6 GB, six MNISTs 330 MB; the least
recently used go first. A dataset is loaded once even when many sessions ask at the same moment
(the others wait for it).

A demo model loads in the server's background thread (:func:`pretrained_loading`), the first time with
TensorFlow's import (~5 s on the 2-core machine), while the page that asked shows its progress
(:func:`get_pretrained`). The Inside page draws everything that needs no network before it asks: started
earlier, the import would hold the GIL and slow that drawing down instead.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st
from cachetools import LRUCache, cached

from cnnviz import datasets, limits

_DATASETS: LRUCache = LRUCache(maxsize=limits.DATASET_CACHE_BYTES.most, getsizeof=lambda dataset: dataset.nbytes)


@cached(_DATASETS, condition=threading.Condition())
def _load_dataset(name: str, image_size: int | None, data_dir: str | None) -> datasets.Dataset:
    return datasets.load(name, data_dir=data_dir, image_size=image_size)


def get_dataset(name: str, image_size: int | None = None) -> datasets.Dataset:
    """``cnnviz.datasets.load(name, image_size=image_size)``, loaded once per server.

    ``$CNNVIZ_DATA_DIR`` is part of the key, so pointing it elsewhere (as tests do) loads afresh.
    Raises :class:`cnnviz.errors.InputError` like ``load`` (errors are not cached), for instance when
    the resized images would pass the memory limit.
    """
    with st.spinner("Loading the dataset…" if image_size is None else f"Preparing {image_size}×{image_size} images…"):
        return _load_dataset(datasets.canonical_name(name), image_size, os.environ.get(datasets.DATA_DIR_ENV) or None)


_MODELS: dict[str, Future] = {}  # demo model name → its load: started once per server, shared by every session
_MODELS_LOCK = threading.Lock()
_MODEL_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnnviz-demo-model")
_PREPARING: set[str] = set()  # demo models whose load prepare_pretrained will start
PREPARE_AFTER_SECONDS = 1.0
# How long a load takes, for the progress bar (the 2-core machine under load): with TensorFlow's import, without.
FIRST_LOAD_SECONDS, LOAD_SECONDS = 8.0, 1.0


def _load_pretrained(name: str):
    from cnnviz import inspection

    return inspection.load_pretrained(name)


def pretrained_loading(name: str) -> Future:
    """The demo model ``name`` ("mnist", "fashion_mnist", "neu") being loaded, once per server, in a
    background thread (TensorFlow is imported there the first time); a load that failed starts again.

    One Keras model is shared by every session; :mod:`cnnviz.inspection` calls it behind its
    ``MODEL_LOCK`` as ``model(x, training=False)``, so concurrent sessions are safe.
    """
    with _MODELS_LOCK:
        loading = _MODELS.get(name)
        if loading is None or (loading.done() and loading.exception() is not None):
            loading = _MODELS[name] = _MODEL_LOADER.submit(_load_pretrained, name)
        return loading


def prepare_pretrained(name: str, *, after: float = PREPARE_AFTER_SECONDS) -> None:
    """Start loading the demo model ``name`` in ``after`` seconds, unless it is loading already: app.py calls it
    on the page before Inside (Training), so the network is ready when the student gets there. The delay lets
    the page that calls it finish drawing first (the import holds the GIL for seconds)."""
    with _MODELS_LOCK:
        if name in _MODELS or name in _PREPARING:
            return
        _PREPARING.add(name)

    def start() -> None:
        pretrained_loading(name)
        _PREPARING.discard(name)

    timer = threading.Timer(after, start)
    timer.daemon = True
    timer.start()


def get_pretrained(name: str):
    """The shipped demo model ``name``, loaded once per server (:func:`pretrained_loading`); while it is
    still loading, a progress bar says so where this is called, and the script waits for it."""
    loading = pretrained_loading(name)
    if not loading.done():
        _wait(loading, with_tensorflow="tensorflow" not in sys.modules)
    return loading.result()


def _wait(loading: Future, *, with_tensorflow: bool) -> None:
    what = "TensorFlow and the demo network (once after the server starts)" if with_tensorflow else "the demo network"
    expected = FIRST_LOAD_SECONDS if with_tensorflow else LOAD_SECONDS
    shown, start = st.empty(), time.monotonic()
    while not loading.done():
        seconds = time.monotonic() - start
        shown.progress(min(0.95, seconds / expected), text=f"Loading {what}… {seconds:.0f} s so far")
        try:
            loading.result(timeout=0.25)
        except TimeoutError:
            continue
        except Exception:  # noqa: BLE001 - the caller's loading.result() raises it where the page handles errors
            break
    shown.empty()
