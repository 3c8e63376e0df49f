"""Training data: MNIST, Fashion-MNIST and NEU steel defects, from a data folder, Keras, a zip, or a built-in sample.

- :func:`load` ``(name, *, data_dir=None, image_size=None, seed=0)`` for ``"mnist"``, ``"fashion_mnist"``
  and ``"neu"`` (where each comes from: :mod:`cnnviz.datasets.api`);
- :func:`load_zip` ``(data, *, image_size=None, seed=0)`` for a user's zip of labelled images;
- :func:`prepare_example`, :func:`from_examples`, :func:`to_zip`, :func:`read_examples_zip`: a dataset a
  student collects example by example ("My classes", :mod:`cnnviz.datasets.examples`);
- :class:`Dataset`: ``uint8`` ``(N, H, W, 1)`` images, ``int64`` labels, ``class_names``, ``source``.

Nothing here imports TensorFlow or Streamlit.
"""

from cnnviz.datasets.api import (
    DATA_DIR_ENV,
    NAMES,
    NATIVE_SIZE,
    NEU_DEFAULT_CHOICE,
    NEU_DEFAULT_SIZE,
    NEU_SIZE_CHOICES,
    NEU_SIZES,
    OFFERED_SIZES,
    TITLES,
    canonical_name,
    check_offered,
    load,
    load_size,
)
from cnnviz.datasets.archive import load_zip
from cnnviz.datasets.dataset import Dataset, check_resize, resize_cost
from cnnviz.datasets.examples import from_examples, prepare_example, read_examples_zip, to_zip
from cnnviz.datasets.labelled import NEU_CLASSES

__all__ = [
    "DATA_DIR_ENV",
    "NAMES",
    "NATIVE_SIZE",
    "NEU_CLASSES",
    "NEU_DEFAULT_CHOICE",
    "NEU_DEFAULT_SIZE",
    "NEU_SIZE_CHOICES",
    "NEU_SIZES",
    "OFFERED_SIZES",
    "TITLES",
    "Dataset",
    "canonical_name",
    "check_offered",
    "check_resize",
    "from_examples",
    "load",
    "load_size",
    "load_zip",
    "prepare_example",
    "read_examples_zip",
    "resize_cost",
    "to_zip",
]
