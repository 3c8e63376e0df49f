"""NEU surface defects (Song & Yan): 200×200 grayscale steel images in six classes, from a folder on disk.

Accepted layouts, anywhere under ``<root>/neu/`` (or another sub-folder whose name starts with "neu"):
NEU-DET file names (``crazing_12.jpg``), NEU-CLS file names (``Cr_12.bmp``), class sub-folders
(``Crazing/12.jpg``), or the course notebook's four ``.npy`` files (``NEU_train_imgs.npy``, ``NEU_train_labels.npy``,
``NEU_test_imgs.npy``, ``NEU_test_labels.npy``), which keep their own train/test split. Every layout numbers
the classes as the course does (:data:`cnnviz.datasets.labelled.NEU_CLASSES`, 0 = scratches).
Decoded arrays are cached on disk (:mod:`cnnviz.datasets.cache`).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import numpy as np

from cnnviz.datasets.cache import Arrays, cached, fingerprint
from cnnviz.datasets.dataset import Dataset, resize_all, shuffled, with_channel
from cnnviz.datasets.labelled import NEU_CLASSES, Labelled, is_image_name, label_and_decode
from cnnviz.errors import InputError
from cnnviz.images import DEFAULT_MAX_PIXELS, LUMA_WEIGHTS

TITLE = "NEU surface defects"
QUARTET = ("x_train", "y_train", "x_test", "y_test")
_LUMA = np.array(LUMA_WEIGHTS, np.float32)


def candidate_folders(root: Path) -> list[Path]:
    """Sub-folders of a data root that may hold NEU: ``neu/`` first, then any other ``neu*`` folder."""
    preferred = root / "neu"
    others = (
        sorted(p for p in root.iterdir() if p.is_dir() and p.name.lower().startswith("neu") and p != preferred)
        if root.is_dir()
        else []
    )
    return [preferred, *others]


def load_from(root: Path, image_size: int | None, seed: int) -> tuple[Dataset | None, list[Path]]:
    """NEU from the first candidate folder of ``root`` that holds images or the ``.npy`` quartet."""
    looked = candidate_folders(root)
    for folder in looked:
        if not folder.is_dir():
            continue
        if files := image_files(folder):
            return load_images(folder, files, image_size, seed), looked
        if quartet := find_quartet(folder):
            return load_quartet(quartet, image_size, seed), looked
    return None, looked


def image_files(folder: Path) -> list[Path]:
    """Every image file under ``folder`` (recursively, hidden files and folders left out), sorted."""
    found = []
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found += [Path(directory, name) for name in names if not name.startswith(".") and is_image_name(name)]
    return sorted(found)


def load_images(folder: Path, files: list[Path], image_size: int | None, seed: int) -> Dataset:
    """Decode (or read from the cache) every image, label it by name or folder, split 80/20 by class."""
    found = _labelled(folder, files, image_size)
    title, where = f"{TITLE} from {folder}", f"The folder {folder}"
    return found.to_dataset(title=title, where=where, image_size=image_size, seed=seed)


def _labelled(folder: Path, files: list[Path], image_size: int | None) -> Labelled:
    """Cached per size; a new size is made from the cached native images, not by decoding again."""

    def build() -> Labelled:
        if image_size is None:
            return _decode_folder(folder, files)
        return _labelled(folder, files, None).resized(image_size)

    return Labelled.from_arrays(cached("neu", fingerprint(files, image_size), lambda: build().to_arrays()))


def _decode_folder(folder: Path, files: list[Path]) -> Labelled:
    paths = [PurePosixPath(path.relative_to(folder).as_posix()) for path in files]
    return label_and_decode(paths, [path.read_bytes for path in files], None, max_pixels=DEFAULT_MAX_PIXELS)


def find_quartet(folder: Path) -> dict[str, Path] | None:
    """The course notebook's four ``.npy`` files in ``folder`` (names with train/test and img(s)/label(s)), or None."""
    found = {}
    for path in folder.glob("*.npy"):
        name = path.stem.lower()
        split = "train" if "train" in name else "test" if "test" in name else None
        kind = "y" if "label" in name else "x" if "im" in name else None
        if split and kind:
            found[f"{kind}_{split}"] = path
    return found if len(found) == 4 else None


def load_quartet(quartet: dict[str, Path], image_size: int | None, seed: int) -> Dataset:
    """The ``.npy`` quartet, its own split kept, training order shuffled with ``seed``."""
    arrays = cached(
        "neu-npy",
        fingerprint([quartet[key] for key in QUARTET], image_size),
        lambda: _read_quartet(quartet, image_size),
    )
    x_train, y_train = shuffled(arrays["x_train"], arrays["y_train"], seed)
    n_classes = int(max(y_train.max(), arrays["y_test"].max())) + 1
    if n_classes > len(NEU_CLASSES):
        raise InputError(f"{quartet['y_train']} has {n_classes} classes; NEU has {len(NEU_CLASSES)}.")
    source = (
        f"{TITLE}: {len(y_train):,} training + {len(arrays['y_test']):,} test images from the .npy files in "
        f"{quartet['x_train'].parent} (their own split; labels 0–5 are "
        f"{', '.join(NEU_CLASSES)}, as in the course), "
        f"{'resized to ' if image_size else ''}{x_train.shape[1]}×{x_train.shape[2]} pixels."
    )
    return Dataset(
        x_train=with_channel(x_train),
        y_train=y_train,
        x_test=with_channel(arrays["x_test"]),
        y_test=arrays["y_test"],
        class_names=list(NEU_CLASSES),
        source=source,
        name="neu",
    )


def _read_quartet(quartet: dict[str, Path], image_size: int | None) -> Arrays:
    try:
        arrays = {key: np.load(path, mmap_mode="r", allow_pickle=False) for key, path in quartet.items()}
    except (OSError, ValueError) as error:
        raise InputError(f"The NEU .npy files in {quartet['x_train'].parent} could not be read ({error}).") from None
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim not in (3, 4) or len(x) != len(y):
            raise InputError(f"{quartet[f'x_{split}']} holds {x.shape} images for {len(y)} labels.")
        arrays[f"x_{split}"] = resize_all(_to_uint8_gray(x), image_size)
        arrays[f"y_{split}"] = np.asarray(y).argmax(axis=1) if y.ndim == 2 else np.asarray(y, np.int64)
    return arrays


def _to_uint8_gray(x: np.ndarray, chunk: int = 256) -> np.ndarray:
    """``(N, H, W[, 1|3])`` images of any dtype (floats in 0–1 or 0–255) → ``uint8`` ``(N, H, W)``, in chunks."""
    scale = 255.0 if np.issubdtype(x.dtype, np.floating) and float(x.max()) <= 1.0 else 1.0
    out = np.empty(x.shape[:3], np.uint8)
    for start in range(0, len(x), chunk):
        part = np.asarray(x[start : start + chunk], np.float32) * scale
        if part.ndim == 4:
            part = part @ _LUMA if part.shape[3] == 3 else part[..., 0]
        out[start : start + chunk] = np.clip(np.rint(part), 0, 255)
    return out
