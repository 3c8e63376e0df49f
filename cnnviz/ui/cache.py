"""The server-wide cache of datasets and demo models, keyed by names (never by big arrays).

One loaded dataset is shared by every session (its arrays are read-only), so thirty students
opening the Datasets page cost one load; the Inside page's demo models are loaded once the same way.
"""

from __future__ import annotations

import os

import streamlit as st

from cnnviz import datasets

MAX_DATASETS = 6  # e.g. MNIST, Fashion-MNIST and NEU at a few sizes; the least recently used is dropped


@st.cache_resource(max_entries=MAX_DATASETS, show_spinner="Loading the dataset…")
def _load_dataset(name: str, image_size: int | None, data_dir: str | None) -> datasets.Dataset:
    return datasets.load(name, data_dir=data_dir, image_size=image_size)


def get_dataset(name: str, image_size: int | None = None) -> datasets.Dataset:
    """``cnnviz.datasets.load(name, image_size=image_size)``, loaded once per server.

    ``$CNNVIZ_DATA_DIR`` is part of the key, so pointing it elsewhere (as tests do) loads afresh.
    Raises :class:`cnnviz.errors.InputError` like ``load`` (errors are not cached).
    """
    return _load_dataset(datasets.canonical_name(name), image_size, os.environ.get(datasets.DATA_DIR_ENV) or None)


@st.cache_resource(show_spinner="Loading the demo model…")
def get_pretrained(name: str):
    """The shipped demo model ``name`` ("mnist", "fashion_mnist", "neu"), loaded once per server.

    One Keras model is shared by every session; :mod:`cnnviz.inspection` calls it behind its
    ``MODEL_LOCK`` as ``model(x, training=False)``, so concurrent sessions are safe.
    """
    from cnnviz import inspection

    return inspection.load_pretrained(name)
