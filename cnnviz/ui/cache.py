"""The server-wide cache of datasets and demo models, keyed by names (never by big arrays).

One loaded dataset is shared by every session (its arrays are read-only), so thirty students
opening the Datasets page cost one load; the Inside page's demo models are loaded once the same way.
The datasets kept are bounded by their bytes (:data:`cnnviz.limits.DATASET_CACHE_BYTES`), not by
their number: six Fashion-MNISTs resized to 64×64 would hold 1.6 GB, six MNISTs 330 MB; the least
recently used go first. A dataset is loaded once even when many sessions ask at the same moment
(the others wait for it).
"""

from __future__ import annotations

import os
import threading

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


@st.cache_resource(show_spinner="Loading the demo model…")
def get_pretrained(name: str):
    """The shipped demo model ``name`` ("mnist", "fashion_mnist", "neu"), loaded once per server.

    One Keras model is shared by every session; :mod:`cnnviz.inspection` calls it behind its
    ``MODEL_LOCK`` as ``model(x, training=False)``, so concurrent sessions are safe.
    """
    from cnnviz import inspection

    return inspection.load_pretrained(name)
