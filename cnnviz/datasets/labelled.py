"""Folders and zips of image files whose class is in the path: labelling and parallel decoding.

The class of a file comes from, in this order of preference:

1. the name of its folder, when the files sit in at least two folders that are not just a
   train/test split (``cats/1.png``, ``dogs/7.png``), whatever the file names look like: folders
   a person made to sort images name their classes, even if the files are called ``crazing_1.jpg``;
2. a NEU file-name prefix, when most files have one: ``crazing_12.jpg`` (NEU-DET) or ``Cr_12.bmp`` (NEU-CLS);
3. the name of its folder, when the files sit in one folder with bare numbers as names
   (``cats/1.png``: one class, which a dataset then refuses);
4. its file name without the trailing number (``cat_1.png``, ``dog_7.png``).

The rule used is returned with the labels (:data:`BY_FOLDERS`, :data:`BY_NEU_NAMES`, :data:`BY_FILE_NAMES`)
so the page can say how a zip was labelled.

Labels that all name NEU classes (``Cr``, ``pitted_surface``, ``Rolled``, …) become the six plain
NEU class names, so any NEU copy gives the same classes in the same order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import numpy as np

from cnnviz import limits
from cnnviz.datasets.dataset import Dataset, resize_all, resize_gray, split_labelled
from cnnviz.errors import InputError
from cnnviz.images import load_image, to_grayscale
from cnnviz.text import format_bytes

NEU_CLASSES = ("crazing", "inclusion", "patches", "pitted surface", "rolled-in scale", "scratches")
_NEU_CODES = {"cr": 0, "in": 1, "pa": 2, "ps": 3, "rs": 4, "sc": 5}
_NEU_WORDS = ("craz", "inclu", "patch", "pit", "roll", "scratch")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif"})  # what load_image reads
MAX_DEFAULT_SIDE = 256  # without an image size, larger images are shrunk to this longer side
_NUMBERED = re.compile(r"^(.*?)[\s_-]*\d+$")
#: Folder names that split a dataset rather than name a class.
SPLIT_FOLDERS = frozenset({"train", "training", "test", "testing", "val", "valid", "validation", "images", "data"})
BY_FOLDERS = "folder names (one folder per class)"
BY_NEU_NAMES = "NEU file-name prefixes (crazing_1.jpg, Cr_1.bmp, …)"
BY_FILE_NAMES = "file names without their numbers (cat_1.png → cat)"

Progress = Callable[[int, int], None]


def is_image_name(name: str) -> bool:
    """Whether a file name has an image suffix load_image reads (case-insensitive)."""
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def neu_class(label: str) -> int | None:
    """Index into :data:`NEU_CLASSES` of a NEU code or name in any spelling ("PS", "Pitted_surface"), else None."""
    words = label.lower().replace("_", " ").replace("-", " ").strip()
    if words in _NEU_CODES:
        return _NEU_CODES[words]
    return next((i for i, word in enumerate(_NEU_WORDS) if words.startswith(word)), None)


def _prefix(stem: str) -> str | None:
    match = _NUMBERED.match(stem)
    return match[1] if match and match[1] else None


def assign_labels(paths: Sequence[PurePosixPath]) -> tuple[list[int | None], list[str], str]:
    """Class index of each path (None: no class found), the class names, and how classes were read."""
    prefixes = [_prefix(path.stem) for path in paths]
    folders = [path.parent.name or None for path in paths]
    named = {folder for folder in folders if folder}
    neu_prefixed = sum(prefix is not None and neu_class(prefix) is not None for prefix in prefixes)
    if len(named) >= 2 and not {folder.lower() for folder in named} <= SPLIT_FOLDERS:
        raw, how = folders, BY_FOLDERS
    elif paths and neu_prefixed * 2 >= len(paths) and len({neu_class(p) for p in prefixes if p}) >= 2:
        raw, how = [p if p and neu_class(p) is not None else None for p in prefixes], BY_NEU_NAMES
    elif len(named) >= 2 or (not any(prefixes) and any(folders)):
        raw, how = folders, BY_FOLDERS  # one folder of unnumbered files is one class, not none
    else:
        raw, how = prefixes, BY_FILE_NAMES
    names = sorted({label for label in raw if label}, key=_natural_key)
    neu = {name: code for name in names if (code := neu_class(name)) is not None}
    if names and len(neu) == len(names) and len(set(neu.values())) == len(names):
        class_names = [NEU_CLASSES[i] for i in sorted(neu.values())]
        index = {name: class_names.index(NEU_CLASSES[neu[name]]) for name in names}
    else:
        class_names = names
        index = {name: i for i, name in enumerate(names)}
    return [index.get(label) if label else None for label in raw], class_names, how


def _natural_key(text: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def decode_gray(data: bytes, max_pixels: int, min_side: int | None = None) -> np.ndarray:
    """Image bytes → ``uint8`` ``(H, W)`` luma, through :func:`cnnviz.images.load_image` (header checked first;
    shrunk while decoding when ``min_side`` is all the caller needs)."""
    return to_grayscale(load_image(data, max_pixels=max_pixels, min_side=min_side))[:, :, 0]


def default_shape(shape: tuple[int, int]) -> tuple[int, int]:
    """``shape`` shrunk (aspect kept) so its longer side is at most :data:`MAX_DEFAULT_SIDE`."""
    scale = min(1.0, MAX_DEFAULT_SIDE / max(shape))
    return max(1, round(shape[0] * scale)), max(1, round(shape[1] * scale))


def decode_images(
    readers: Sequence[Callable[[], bytes]],
    image_size: int | None,
    *,
    max_pixels: int,
    max_bytes: int | None = None,
    min_side: int | None = None,
    on_progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decode and resize every image, two at a time (Pillow and OpenCV release the GIL).

    Returns ``uint8`` ``(M, H, W)`` for the M images that decoded, and a boolean mask saying which
    readers gave them. Every image is resized to ``image_size`` squared, or without one to the first
    image's size (see :func:`default_shape`). ``min_side``: the side images may be shrunk to while
    decoding (see :func:`cnnviz.images.load_image`). ``InputError`` from a reader (a zip member that
    expands beyond its declared size) aborts everything, and so does a result that would exceed
    ``max_bytes``; an undecodable image is only left out.
    ``on_progress(done, total)`` is called from the calling thread after each image.
    """
    shape = (image_size, image_size) if image_size else None
    images: list[np.ndarray] = []
    decoded: list[bool] = []

    def work(reader: Callable[[], bytes]) -> np.ndarray | None:
        data = reader()
        try:
            image = decode_gray(data, max_pixels, min_side)
        except InputError:
            return None
        return resize_gray(image, shape or default_shape(image.shape))

    def collect(image: np.ndarray | None) -> None:
        nonlocal shape
        if image is not None:
            shape = shape or image.shape
            images.append(resize_gray(image, shape))
        decoded.append(image is not None)
        if on_progress:
            on_progress(len(decoded), len(readers))

    # The first image fixes the size when none is given, so it is decoded before the others.
    index = 0
    while shape is None and index < len(readers):
        collect(work(readers[index]))
        index += 1
    if shape and max_bytes:
        needed = len(readers) * shape[0] * shape[1]
        replace(limits.DATASET_BYTES, most=max_bytes).check(
            needed,
            f"{len(readers):,} images of {shape[0]}×{shape[1]} pixels",
            shown=f"{format_bytes(needed)} of memory",
        )
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        for image in pool.map(work, readers[index:]):
            collect(image)
    stacked = np.stack(images) if images else np.empty((0, *(shape or (1, 1))), np.uint8)
    return stacked, np.array(decoded, bool)


@dataclass(frozen=True)
class Labelled:
    """Decoded images ``uint8`` ``(N, H, W)`` with class indices, before the train/test split."""

    images: np.ndarray
    labels: np.ndarray  # int64 (N,)
    class_names: list[str]
    how: str  # the rule that labelled the files: BY_FOLDERS, BY_NEU_NAMES or BY_FILE_NAMES
    skipped: dict[str, int]  # files left out, by reason

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays for the on-disk cache (no pickling needed to read them back)."""
        return {
            "images": self.images,
            "labels": self.labels,
            "class_names": np.array(self.class_names, dtype=str),
            "how": np.array(self.how),
            "skip_reasons": np.array(list(self.skipped), dtype=str),
            "skip_counts": np.array(list(self.skipped.values()), np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Labelled:
        return cls(
            images=arrays["images"],
            labels=arrays["labels"],
            class_names=[str(name) for name in arrays["class_names"]],
            how=str(arrays["how"]),
            skipped={str(r): int(c) for r, c in zip(arrays["skip_reasons"], arrays["skip_counts"], strict=True)},
        )

    def resized(self, image_size: int) -> Labelled:
        """The same images resized to ``image_size`` squared (InputError past the memory limit, before resizing)."""
        return replace(self, images=resize_all(self.images, image_size))

    def to_dataset(self, *, title: str, where: str, image_size: int | None, seed: int) -> Dataset:
        """Split 80/20 within each class into a :class:`Dataset` whose ``source`` starts with ``title``.

        Raises :class:`InputError` (naming ``where``) unless the images fall into at least two classes.
        """
        present = len(np.unique(self.labels))
        if present < 2:
            raise InputError(
                f"{where} holds usable images of {present} class{'es' if present != 1 else ''}; "
                "a classifier needs at least two. Put each class in its own folder (cats/1.png, dogs/1.png) "
                "or name the files by class (crazing_1.jpg, scratches_1.jpg)."
            )
        size = f"{self.images.shape[1]}×{self.images.shape[2]} pixels"
        source = (
            f"{title}: {len(self.labels):,} images of {len(self.class_names)} classes labelled by their {self.how}, "
            f"{'resized to ' if image_size else ''}{size}."
        )
        return split_labelled(
            self.images,
            self.labels,
            self.class_names,
            seed=seed,
            source=source,
            name="neu" if tuple(self.class_names) == NEU_CLASSES else "custom",
            skipped=self.skipped,
        )


def label_and_decode(
    paths: Sequence[PurePosixPath],
    readers: Sequence[Callable[[], bytes]],
    image_size: int | None,
    *,
    max_pixels: int,
    max_bytes: int | None = None,
    min_side: int | None = None,
    on_progress: Progress | None = None,
) -> Labelled:
    """Label image files by their paths (see the module doc), then decode the labelled ones."""
    labels, class_names, how = assign_labels(paths)
    kept = [i for i, label in enumerate(labels) if label is not None]
    images, decoded = decode_images(
        [readers[i] for i in kept],
        image_size,
        max_pixels=max_pixels,
        max_bytes=max_bytes,
        min_side=min_side,
        on_progress=on_progress,
    )
    skipped = {"no class in the name or folder": len(paths) - len(kept), "could not be decoded": int((~decoded).sum())}
    return Labelled(
        images=images,
        labels=np.array([labels[i] for i in kept], np.int64)[decoded],
        class_names=class_names,
        how=how,
        skipped={reason: count for reason, count in skipped.items() if count},
    )
