"""A dataset a student collects example by example ("My classes"): preparation, limits, the split, the zip.

The Datasets page, the tests and the zip round trip all go through these functions:

- :func:`prepare_example` turns one image (a drawing, a photo, an upload) into what the network sees;
- :func:`from_examples` turns ``{class name: [images]}`` into a :class:`Dataset` (stratified split);
- :func:`to_zip` writes one folder per class, the layout :func:`~cnnviz.datasets.load_zip` reads, and
  :func:`read_examples_zip` reads such a zip back into ``{class name: [images]}``.

Images are only ever decoded with :func:`cnnviz.images.load_image`: nothing uploaded is executed or unpickled.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

import numpy as np

from cnnviz import limits
from cnnviz.datasets.archive import member_header, open_zip, read_member, screen
from cnnviz.datasets.dataset import Dataset, check_image_size, split_labelled
from cnnviz.errors import InputError
from cnnviz.images import (
    check_decoding_budget,
    encode_png,
    load_image,
    read_header,
    resize,
    to_model_input,
    to_uint8,
)

MIN_CLASSES, MAX_CLASSES = 2, 10
MAX_EXAMPLES_PER_CLASS = 200
MAX_NAME_LENGTH = 40
MAX_UPLOAD_PIXELS = limits.DATASET_IMAGE_PIXELS.most  # one uploaded or photographed image, checked from its header
KEEP_SIDE = 280  # originals are kept at most this large: a whole canvas drawing, enough for any size offered
MAX_KEPT_BYTES = limits.EXAMPLES_BYTES.most  # the kept examples of one session (one set per browser tab)
MAX_PREPARED_SIZE = 128  # side of the prepared images (10 × 200 × 128² bytes = 33 MB at most)
NAME = "my_classes"
DEFAULT_SIZE = 28  # side of the prepared images until the student picks another: MNIST's, like a drawn digit
CENTRED = "drawings centred like MNIST"  # in the source of a centred set: a run trained on it says so


def check_class_name(name: str, existing: Sequence[str] = ()) -> str:
    """``name`` stripped, or :class:`InputError` when it cannot name a class (and a zip folder)."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise InputError("Give the class a name, for example “circle” or “thumbs up”.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InputError(f"A class name can have at most {MAX_NAME_LENGTH} characters; this one has {len(cleaned)}.")
    if any(mark in cleaned for mark in "/\\:") or cleaned.startswith(".") or not cleaned.isprintable():
        raise InputError(f"{cleaned!r} cannot name a class: leave out / \\ : and a leading dot (it becomes a folder).")
    if cleaned.casefold() in {other.casefold() for other in existing}:
        raise InputError(f"There is already a class called {cleaned!r}: choose another name.")
    return cleaned


def keepable(image: np.ndarray) -> np.ndarray:
    """An example as it is kept: ``uint8`` ``(H, W, C)``, shrunk (aspect kept) to a longer side of at most 280."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (1, 3) or image.size == 0:
        raise InputError("An example must be a grayscale or RGB picture with at least one pixel.")
    scale = min(1.0, KEEP_SIDE / max(image.shape[:2]))
    if scale == 1.0:
        return image
    return resize(image, max(1, round(image.shape[0] * scale)), max(1, round(image.shape[1] * scale)))


def check_room(examples: Mapping[str, Sequence[np.ndarray]], image: np.ndarray) -> None:
    """:class:`InputError` if keeping ``image`` too would take the examples past :data:`MAX_KEPT_BYTES`."""
    used = sum(kept.nbytes for images in examples.values() for kept in images)
    if used + image.nbytes > MAX_KEPT_BYTES:
        raise InputError(
            f"Your examples already take {used / 2**20:,.0f} MB, close to the limit of "
            f"{MAX_KEPT_BYTES // 2**20} MB per session: delete some, or use smaller images."
        )


def decode_example(data: bytes) -> np.ndarray:
    """An uploaded or photographed image's bytes → a kept example (see :func:`keepable`), shrunk while decoding."""
    return keepable(load_image(data, max_pixels=MAX_UPLOAD_PIXELS, min_side=KEEP_SIDE))


def check_upload(files: Sequence[bytes]) -> None:
    """:class:`InputError` when the images uploaded together would decode to more pixels than one upload may
    (:data:`cnnviz.limits.UPLOAD_PIXELS`), read from their headers; files that are not images count 0 here
    (decoding them fails on its own, with its message)."""
    headers = []
    for data in files:
        try:
            headers.append(read_header(data))
        except InputError:
            continue
    check_decoding_budget(headers, KEEP_SIDE, f"This upload of {len(files):,} files")


def prepare_example(
    image: np.ndarray, *, image_size: int = DEFAULT_SIZE, grayscale: bool = True, center: bool = False
) -> np.ndarray:
    """What the network sees of one example: ``uint8`` ``(image_size, image_size, 1 or 3)``.

    The same preparation as the built-in data and the Inside page (:func:`cnnviz.images.to_model_input`):
    converted to grayscale (luma) or RGB, resized to ``image_size`` squared; ``center=True`` prepares a
    drawing like the MNIST digits (light strokes on black, cropped, fitted in 20/28 of the side, centred
    by centre of mass).
    """
    size = _check_size(image_size)
    values = to_model_input(image, (size, size, 1 if grayscale else 3), center=center)
    return to_uint8(values)


def from_examples(
    examples: Mapping[str, Sequence[np.ndarray]],
    *,
    image_size: int = DEFAULT_SIZE,
    grayscale: bool = True,
    center: bool = False,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """A :class:`Dataset` of the examples, classes in the given order, split within each class.

    Each example goes through :func:`prepare_example`; ``test_fraction`` of every class (rounded, at
    least one image for a class of five or more) is held out as the test set, with ``seed`` fixing
    which. Raises :class:`InputError` for fewer than 2 or more than 10 classes, a class with fewer
    than 2 or more than 200 examples, or colour (the datasets of this app are grayscale).
    """
    check_examples(examples)
    if not grayscale:
        raise InputError("The networks of this app train on grayscale images: colour examples are turned to gray.")
    if not 0 <= test_fraction < 1:
        raise InputError(f"The test share must be from 0 up to (not including) 1, not {test_fraction!r}.")
    names = list(examples)
    images = [
        prepare_example(image, image_size=image_size, center=center) for name in names for image in examples[name]
    ]
    labels = np.array([k for k, name in enumerate(names) for _ in examples[name]], np.int64)
    counts = ", ".join(f"{len(examples[name])} {name}" for name in names)
    how = CENTRED if center else "images"
    return split_labelled(
        np.stack(images)[..., 0],
        labels,
        names,
        seed=seed,
        test_fraction=test_fraction,
        source=f"My classes: {len(labels)} {how} you collected ({counts}), prepared at {image_size}×{image_size}.",
        name=NAME,
    )


def check_examples(examples: Mapping[str, Sequence[np.ndarray]]) -> None:
    """:class:`InputError` unless there are 2–10 uniquely named classes of 2–200 examples each."""
    names = list(examples)
    if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
        raise InputError(f"A dataset needs {MIN_CLASSES} to {MAX_CLASSES} classes; this one has {len(names)}.")
    for position, name in enumerate(names):
        check_class_name(name, names[:position])
        count = len(examples[name])
        if count < 2:
            raise InputError(
                f"Class {name!r} has {count} example{'s' if count != 1 else ''}: add at least 2 "
                "(about 20 per class train well)."
            )
        if count > MAX_EXAMPLES_PER_CLASS:
            raise InputError(f"Class {name!r} has {count} examples; the limit is {MAX_EXAMPLES_PER_CLASS} per class.")


def to_zip(examples: Mapping[str, Sequence[np.ndarray]]) -> bytes:
    """A zip with one folder per class (``circle/001.png``), the layout ``load_zip`` reads.

    The folders follow the class order, which :func:`read_examples_zip` keeps.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, images in examples.items():
            archive.writestr(f"{name}/", b"")
            for number, image in enumerate(images, start=1):
                archive.writestr(f"{name}/{number:03d}.png", encode_png(keepable(image)))
    return buffer.getvalue()


def read_examples_zip(data: bytes) -> dict[str, list[np.ndarray]]:
    """``{class name: [images]}`` from a zip with one folder per class (the folder's name is the class).

    Classes come in the order their folders first appear; members outside a folder, non-images and
    unsafe paths are left out. Raises :class:`InputError` for a damaged or oversized zip, an
    undecodable image, more than 10 classes or more than 200 images in a class. (A class may hold a
    single image: a shared zip can be a start that students add to.)
    """
    examples: dict[str, list[np.ndarray]] = {}
    with open_zip(data) as archive:
        members = [(info, path, name) for info, path in screen(archive.infolist())[0] if (name := _folder_class(path))]
        headers = []
        for info, path, _ in members:  # every header first: the zip's pixels are budgeted before any is decoded
            try:
                headers.append(member_header(archive, info))
                headers[-1].check(max_pixels=MAX_UPLOAD_PIXELS, subject=str(path))
            except InputError as error:
                raise InputError(f"{path}: {error}") from None
        check_decoding_budget(headers, KEEP_SIDE, "This zip")
        for info, path, name in members:
            if name not in examples and len(examples) == MAX_CLASSES:
                raise InputError(f"This zip holds more than {MAX_CLASSES} class folders; the limit is {MAX_CLASSES}.")
            images = examples.setdefault(name, [])
            if len(images) == MAX_EXAMPLES_PER_CLASS:
                raise InputError(
                    f"Folder {name!r} holds more than {MAX_EXAMPLES_PER_CLASS} images; the limit is "
                    f"{MAX_EXAMPLES_PER_CLASS} per class."
                )
            try:
                image = decode_example(read_member(archive, info))
                check_room(examples, image)
            except InputError as error:
                raise InputError(f"{path}: {error}") from None
            images.append(image)
    if not examples:
        raise InputError(
            "This zip has no images in class folders: put each class in its own folder (circle/1.png, cross/1.png)."
        )
    return examples


def _folder_class(path: PurePosixPath) -> str | None:
    """The class a zip member belongs to: its folder's name, when it is a usable class name."""
    if len(path.parts) < 2:
        return None
    try:
        return check_class_name(path.parent.name)
    except InputError:
        return None


def _check_size(image_size: int) -> int:
    size = check_image_size(image_size)
    if size is None or size > MAX_PREPARED_SIZE:
        raise InputError(f"Examples are prepared at 8 to {MAX_PREPARED_SIZE} pixels square, not {image_size!r}.")
    return size
