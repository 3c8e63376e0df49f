"""``load(name)``: where each dataset comes from, in order, and the plain-words ``source`` that says so.

1. A named data folder (the ``data_dir`` argument, else ``$CNNVIZ_DATA_DIR``) laid out like
   ``../shared/datasets`` (``mnist/``, ``fashion-mnist/``, ``neu/``). If it lacks the dataset, that is
   an :class:`InputError` saying where it looked: a named folder never falls back silently.
2. With no folder named, MNIST and Fashion-MNIST come from system copies (Debian's
   ``/usr/share/datasets``), Keras' download cache, or a fresh download with Keras' URLs (a 3-second
   connection probe first, so an offline classroom does not wait).
3. Failing that, and always for NEU, the small sample shipped in ``cnnviz/data/samples``
   (``Dataset.is_sample``), whose ``source`` says how to get the full data.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from cnnviz.datasets import digits, neu
from cnnviz.datasets.archive import read_zip
from cnnviz.datasets.cache import cached, fingerprint
from cnnviz.datasets.dataset import Dataset, check_image_size, check_resize, resize_all, shuffled, with_channel
from cnnviz.datasets.labelled import Labelled
from cnnviz.errors import InputError

DATA_DIR_ENV = "CNNVIZ_DATA_DIR"
TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "neu": "NEU surface defects"}
NAMES = tuple(TITLES)
#: Side in pixels of each dataset's own square images.
NATIVE_SIZE = {"mnist": 28, "fashion_mnist": 28, "neu": 200}
#: Sides NEU's 200×200 images can be shrunk to for training (smaller trains much faster).
NEU_SIZES = (32, 48, 64, 96, 128, 200)
#: The side NEU is shown and trained at until a student picks another (fast to train on a CPU).
NEU_DEFAULT_SIZE = 64
#: A labelled few of them to browse on the Datasets page (None: the native size, no resizing).
NEU_SIZE_CHOICES = {"32 × 32": 32, "64 × 64 (fast to train)": 64, "128 × 128": 128, "200 × 200 (full size)": None}
#: The label of :data:`NEU_DEFAULT_SIZE` among :data:`NEU_SIZE_CHOICES`.
NEU_DEFAULT_CHOICE = next(label for label, side in NEU_SIZE_CHOICES.items() if side == NEU_DEFAULT_SIZE)
#: The sides the app resizes any dataset to for a network (MNIST's own and NEU's offered sizes); the
#: memory limit (cnnviz.limits.RESIZED_DATASET_BYTES) then rules out the large ones for the large datasets.
OFFERED_SIZES = tuple(sorted({NATIVE_SIZE["mnist"], *NEU_SIZES}))
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "samples"
SAMPLE_FILES = {"mnist": "mnist.npz", "fashion_mnist": "fashion_mnist.npz", "neu": "neu-64.zip"}
_SPECS = {"mnist": digits.MNIST, "fashion_mnist": digits.FASHION_MNIST}
_EXPECTED = {
    "mnist": "the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
    "t10k-labels-idx1-ubyte.gz) or Keras' mnist.npz",
    "fashion_mnist": "the four IDX files (train-images-idx3-ubyte.gz, …, t10k-labels-idx1-ubyte.gz)",
    "neu": "the NEU images (crazing_1.jpg … or Cr_1.bmp …, or one folder per class)",
}
_FULL_DATA = {
    "mnist": "For the full data, connect to the internet (Keras' files are downloaded once) or set "
    "CNNVIZ_DATA_DIR to a folder holding mnist/ (see the README).",
    "fashion_mnist": "For the full data, connect to the internet (Keras' files are downloaded once) or set "
    "CNNVIZ_DATA_DIR to a folder holding fashion-mnist/ (see the README).",
    "neu": "For all NEU images at 200×200, set CNNVIZ_DATA_DIR to a folder holding neu/ (see the README) "
    "or upload a zip of the NEU images on the Datasets page.",
}


def load_size(name: str, side: int) -> int | None:
    """The ``image_size`` to :func:`load` dataset ``name`` with for ``side``×``side`` images (None: its own size)."""
    return None if side == NATIVE_SIZE[canonical_name(name)] else side


def check_offered(name: str, dataset: Dataset, side: int) -> None:
    """:class:`InputError` unless ``dataset`` (loaded at its own size) may be resized to ``side``×``side``
    for a network: ``side`` is one of :data:`OFFERED_SIZES` and the result fits the memory limit.

    Cheap (arithmetic only), so a page checks a choice before anything is resized.
    """
    title = TITLES[canonical_name(name)]
    if side == dataset.image_shape[0]:
        return
    if side not in OFFERED_SIZES:
        sizes = ", ".join(map(str, OFFERED_SIZES[:-1])) + f" or {OFFERED_SIZES[-1]}"
        raise InputError(
            f"{title} can be resized to {sizes} pixels square, not {side}×{side}: "
            "give the network one of these input sizes in the layer builder."
        )
    check_resize(len(dataset.y_train) + len(dataset.y_test), side, title)


def canonical_name(name: str) -> str:
    """``"mnist"``, ``"fashion_mnist"`` or ``"neu"`` for any common spelling ("Fashion-MNIST", "NEU")."""
    key = str(name).strip().lower().replace("-", "_")
    if key not in TITLES:
        raise InputError(f"There is no dataset called {name!r}: choose one of {', '.join(NAMES)}.")
    return key


def load(
    name: str, *, data_dir: str | os.PathLike | None = None, image_size: int | None = None, seed: int = 0
) -> Dataset:
    """Load ``"mnist"``, ``"fashion_mnist"`` or ``"neu"`` as ``uint8`` ``(N, H, W, 1)`` images and int labels.

    ``image_size`` resizes every image to that many pixels squared (``cv2.INTER_AREA``); None keeps
    the native size (28 for MNIST, 200 for NEU, 64 for the NEU sample). ``seed`` fixes the NEU 80/20
    split and the order of the training images. Raises :class:`InputError` when a named data folder
    lacks the dataset, with where it looked and what to do.
    """
    key = canonical_name(name)
    image_size = check_image_size(image_size)
    named = data_dir or os.environ.get(DATA_DIR_ENV)
    if named:
        return _from_folder(key, Path(named).expanduser(), image_size, seed, from_env=not data_dir)
    if key == "neu":
        return _sample(key, image_size, seed, why=f"no data folder is set ({DATA_DIR_ENV})")
    return _from_keras_or_sample(key, image_size, seed)


def _from_folder(key: str, root: Path, image_size: int | None, seed: int, *, from_env: bool) -> Dataset:
    named_by = f" (named by {DATA_DIR_ENV})" if from_env else ""
    if not root.is_dir():
        raise InputError(
            f"The data folder {root}{named_by} does not exist. Point it at the folder that holds mnist/, "
            f"fashion-mnist/ and neu/, or unset it to use the download and the built-in sample."
        )
    if key == "neu":
        dataset, looked = neu.load_from(root, image_size, seed)
    else:
        found, looked = digits.find(_SPECS[key], root)
        dataset = _digits(key, found, f"from {found.location}", image_size, seed) if found else None
    if dataset is None:
        raise InputError(
            f"No {TITLES[key]} in the data folder {root}{named_by}: looked in {', '.join(map(str, looked))}. "
            f"Put {_EXPECTED[key]} there, or point {DATA_DIR_ENV} at another folder, or unset it to use the "
            "download and the built-in sample, or upload a zip on the Datasets page."
        )
    return dataset


def _from_keras_or_sample(key: str, image_size: int | None, seed: int) -> Dataset:
    spec = _SPECS[key]
    for root in [*digits.SYSTEM_ROOTS, *digits.keras_dataset_dirs()]:
        found, _ = digits.find(spec, root)
        if found:
            return _digits(key, found, f"found in {found.location}", image_size, seed)
    folder, why = digits.download(spec)
    found = digits.find(spec, folder)[0] if folder else None
    if found:
        return _digits(key, found, f"downloaded with Keras' URLs to {found.location}", image_size, seed)
    return _sample(
        key, image_size, seed, why=f"no data folder is set and the download failed: {why or 'files missing'}"
    )


def _digits(key: str, found: digits.Found, origin: str, image_size: int | None, seed: int) -> Dataset:
    spec = _SPECS[key]
    arrays = digits.read(found)
    check_resize(len(arrays["y_train"]) + len(arrays["y_test"]), image_size, TITLES[key])
    x_train, y_train = shuffled(arrays["x_train"], arrays["y_train"], seed)
    resized = f" Resized to {image_size}×{image_size} pixels." if image_size and image_size != x_train.shape[1] else ""
    return Dataset(
        x_train=with_channel(resize_all(x_train, image_size)),
        y_train=y_train.astype(np.int64),
        x_test=with_channel(resize_all(arrays["x_test"], image_size)),
        y_test=arrays["y_test"].astype(np.int64),
        class_names=list(spec.class_names),
        source=digits.describe(spec, arrays, found, origin) + resized,
        name=key,
    )


def _sample(key: str, image_size: int | None, seed: int, *, why: str) -> Dataset:
    """The small sample shipped in the package, its ``source`` saying so, why, and how to get more."""
    path = SAMPLE_DIR / SAMPLE_FILES[key]
    if key == "neu":
        found = Labelled.from_arrays(
            cached(
                "neu-sample",
                fingerprint([path], image_size),
                lambda: read_zip(path.read_bytes(), image_size).to_arrays(),
            )
        )
        title = f"{TITLES[key]}, downscaled to 64×64"
        dataset = found.to_dataset(title=title, where=str(path), image_size=image_size, seed=seed)
    else:
        dataset = _digits(key, digits.Found(SAMPLE_DIR, (path,)), "a class-balanced subset", image_size, seed)
    source = f"This is the small offline sample built into CNN Explorer ({why}). {dataset.source} {_FULL_DATA[key]}"
    return replace(dataset, source=source, name=key, is_sample=True)
