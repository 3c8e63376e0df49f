"""MNIST and Fashion-MNIST: 28×28 grayscale images from IDX files, Keras ``.npz`` files, or Keras' download.

Both datasets come in the same forms, so one set of functions serves both, driven by a :class:`Spec`:

- a folder (``<root>/mnist/``, ``<root>/fashion-mnist/``) with the four IDX files
  (``train-images-idx3-ubyte.gz`` …, gzipped or not) or a training subset such as
  ``train-5k-images-idx3-ubyte.gz``, or a Keras-style ``.npz`` (``x_train``, ``y_train``, ``x_test``, ``y_test``);
- Keras' own cache (``~/.keras/datasets/mnist.npz``, ``~/.keras/datasets/fashion-mnist/``), which
  :func:`download` fills from Keras' URLs without importing TensorFlow.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import numpy as np

from cnnviz.datasets.cache import Arrays, cached, fingerprint
from cnnviz.errors import InputError

KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
PROBE_TIMEOUT = 3.0  # seconds to reach the download server before giving up
DOWNLOAD_TIMEOUT = 30.0  # seconds any one network read may stall
SYSTEM_ROOTS = (Path("/usr/share/datasets"),)  # Debian's dataset-fashion-mnist installs here
KEYS = ("x_train", "y_train", "x_test", "y_test")
_IDX_IMAGES = re.compile(r"^(train|t10k)(?:-(\w+))?-images-idx3-ubyte(\.gz)?$")


@dataclass(frozen=True)
class Spec:
    """What differs between MNIST and Fashion-MNIST: names, folders, files and licence."""

    name: str
    title: str
    class_names: tuple[str, ...]
    folders: tuple[str, ...]  # sub-folder names of a data root
    npz_names: tuple[str, ...]  # .npz files looked for in the root and in those sub-folders
    downloads: tuple[str, ...]  # Keras' files, relative to its datasets folder
    sha256: tuple[tuple[str, str], ...] = ()


MNIST = Spec(
    name="mnist",
    title="MNIST",
    class_names=tuple(str(digit) for digit in range(10)),
    folders=("mnist", "MNIST"),
    npz_names=("mnist.npz",),
    downloads=("mnist.npz",),
    sha256=(("mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),),
)
FASHION_MNIST = Spec(
    name="fashion_mnist",
    title="Fashion-MNIST",
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    folders=("fashion-mnist", "fashion_mnist", "Fashion-MNIST"),
    npz_names=("fashion-mnist.npz", "fashion_mnist.npz"),
    downloads=tuple(
        f"fashion-mnist/{split}-{kind}-idx{dims}-ubyte.gz"
        for split in ("train", "t10k")
        for kind, dims in (("images", 3), ("labels", 1))
    ),
)


@dataclass(frozen=True)
class Found:
    """The files of one dataset found on disk: an ``.npz``, or IDX images and labels per split."""

    folder: Path
    files: tuple[Path, ...]  # npz: (file,); idx: (train images, train labels, test images, test labels)
    train_subset: str = ""  # e.g. "5k" for train-5k-images-idx3-ubyte.gz

    @property
    def kind(self) -> str:
        return "npz" if len(self.files) == 1 else "IDX"

    @property
    def location(self) -> str:
        """The .npz file, or the folder of the IDX files, for messages."""
        return str(self.files[0]) if self.kind == "npz" else f"{self.folder} (IDX files)"


def find(spec: Spec, root: Path) -> tuple[Found | None, list[Path]]:
    """Look for the dataset in ``root`` and its sub-folders; returns what was found and where it looked."""
    looked = [root / folder for folder in spec.folders]
    for folder in [*looked, root]:
        for npz in spec.npz_names:
            if (folder / npz).is_file():
                return Found(folder, (folder / npz,)), looked
        if folder != root and folder.is_dir() and (found := _find_idx(folder)):
            return found, looked
    return None, looked


def _find_idx(folder: Path) -> Found | None:
    """The IDX files in ``folder``; a full training set is preferred to a subset like ``train-5k-``."""
    images = {}
    for path in folder.iterdir():
        match = _IDX_IMAGES.match(path.name)
        labels = path.with_name(path.name.replace("-images-idx3-", "-labels-idx1-"))
        if match and labels.is_file():
            images[(match[1], match[2] or "")] = (path, labels)
    tests = [key for key in images if key[0] == "t10k"]
    trains = sorted((key for key in images if key[0] == "train"), key=lambda key: key[1] != "")
    if not tests or not trains:
        return None
    test_key = ("t10k", "") if ("t10k", "") in images else tests[0]
    return Found(folder, (*images[trains[0]], *images[test_key]), train_subset=trains[0][1])


def read(found: Found) -> Arrays:
    """The four arrays (``uint8`` images ``(N, 28, 28)``, labels ``(N,)``), cached on disk after the first read."""
    return cached("digits", fingerprint(found.files), lambda: _read_uncached(found))


def _read_uncached(found: Found) -> Arrays:
    if found.kind == "npz":
        try:
            with np.load(found.files[0], allow_pickle=False) as stored:
                arrays = {key: stored[key] for key in KEYS}
        except (OSError, ValueError, KeyError) as error:
            raise InputError(
                f"{found.files[0]} is not a Keras dataset file with {', '.join(KEYS)} ({error})."
            ) from None
    else:
        arrays = dict(zip(KEYS, (read_idx(path) for path in found.files), strict=True))
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or y.shape != (len(x),) or x.dtype != np.uint8:
            raise InputError(f"The {split} files in {found.folder} do not match: {x.shape} images, {y.shape} labels.")
    return arrays


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (LeCun's MNIST format, optionally gzipped) as a ``uint8`` array of its declared shape."""
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise InputError(f"{path} could not be read ({error}). Download it again.") from None
    if len(data) < 4 or data[:3] != b"\0\0\x08":
        raise InputError(f"{path} is not an IDX file of bytes (it should start with 00 00 08).")
    dims = data[3]
    shape = tuple(int(n) for n in np.frombuffer(data, ">u4", dims, 4))
    start = 4 + 4 * dims
    if len(data) - start != int(np.prod(shape)):
        raise InputError(f"{path} is truncated or damaged: its header promises shape {shape}.")
    return np.frombuffer(data, np.uint8, offset=start).reshape(shape)


def describe(spec: Spec, arrays: Arrays, found: Found, origin: str) -> str:
    """Plain words for ``Dataset.source``: "MNIST: 5,000 training (…) + 10,000 test images, <origin>."."""
    n_train, n_test = len(arrays["y_train"]), len(arrays["y_test"])
    subset = f" (the train-{found.train_subset}- subset of the full training set)" if found.train_subset else ""
    return f"{spec.title}: {n_train:,} training{subset} + {n_test:,} test images, {origin}."


def keras_dataset_dirs() -> list[Path]:
    """Where Keras keeps downloaded datasets: ``$KERAS_HOME/datasets`` (default ``~/.keras``), else ``/tmp/.keras``."""
    home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    return [home / "datasets", Path(tempfile.gettempdir()) / ".keras" / "datasets"]


def reachable(url: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to ``url``'s host opens within ``timeout`` seconds, name lookup included.

    Runs in a daemon thread because a hanging DNS lookup ignores socket timeouts.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    finished = threading.Event()
    opened: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((parts.hostname, port), timeout=timeout).close()
            opened.append(True)
        except OSError:
            pass
        finally:
            finished.set()

    threading.Thread(target=probe, daemon=True).start()
    finished.wait(timeout + 0.5)
    return bool(opened)


def download(spec: Spec, base_url: str | None = None) -> tuple[Path | None, str]:
    """Fetch Keras' files for ``spec`` (from ``base_url``, default Keras' own server) into Keras' cache.

    Returns (cache folder, "") or (None, why not).
    """
    base_url = base_url or KERAS_URL
    if not reachable(base_url):
        return None, f"no connection to {urlsplit(base_url).hostname}"
    hashes = dict(spec.sha256)
    reason = "no writable Keras cache folder"
    for root in keras_dataset_dirs():
        try:
            for relative in spec.downloads:
                target = root / relative
                if not target.is_file():
                    _fetch(base_url + target.name, target, hashes.get(target.name))
            return root, ""
        except OSError as error:
            reason = str(error)
    return None, reason


def _fetch(url: str, target: Path, sha256: str | None) -> None:
    """Download ``url`` to ``target`` through a temporary file, checking its SHA-256 when known."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream, urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            shutil.copyfileobj(response, stream)
        if sha256 and _sha256(Path(temporary)) != sha256:
            raise OSError(f"{url} arrived damaged (checksum mismatch)")
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
