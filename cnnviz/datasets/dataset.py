"""The :class:`Dataset` container and the array helpers every loader shares (split, resize, shuffle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from cnnviz import limits
from cnnviz.errors import InputError

TEST_FRACTION = 0.2
MIN_IMAGE_SIZE = 8
MAX_IMAGE_SIZE = limits.DATASET_SIDE.most


@dataclass(frozen=True, eq=False)
class Dataset:
    """Labelled grayscale images split into a training and a test set.

    ``x_train``/``x_test`` are ``uint8`` arrays of shape ``(N, H, W, 1)`` (values 0–255),
    ``y_train``/``y_test`` ``int64`` class indices into ``class_names``. ``source`` says in plain
    words where the images came from; ``is_sample`` is True for the small offline sample shipped
    in the package; ``skipped`` counts files that were not used, by reason; ``file_order[i]`` is where
    training image ``i`` stands in its file (MNIST and Fashion-MNIST are shuffled once when loaded; None
    when the images have no file order), so "the first 5,000 training images" of a notebook can be found.
    The arrays are made read-only because one loaded dataset is shared by every session of the app.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: str
    name: str = "custom"
    is_sample: bool = False
    skipped: dict[str, int] = field(default_factory=dict)
    file_order: np.ndarray | None = None

    def __post_init__(self) -> None:
        for x, y in ((self.x_train, self.y_train), (self.x_test, self.y_test)):
            if x.dtype != np.uint8 or x.ndim != 4 or x.shape[3] != 1:
                raise ValueError(f"images must be uint8 (N, H, W, 1), got {x.dtype} {x.shape}")
            if y.shape != (len(x),):
                raise ValueError(f"{len(x)} images but labels of shape {y.shape}")
            if len(y) and not 0 <= y.min() <= y.max() < len(self.class_names):
                raise ValueError("a label is outside the class list")
            x.flags.writeable = False
            y.flags.writeable = False

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, 1)``: the input shape a model for this dataset needs."""
        return tuple(self.x_train.shape[1:])

    @property
    def nbytes(self) -> int:
        """Memory the images take, training and test sets together (one byte per pixel and channel)."""
        return self.x_train.nbytes + self.x_test.nbytes

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def class_counts(self, split: str = "train") -> np.ndarray:
        """Number of images of each class in the ``"train"`` or ``"test"`` set, shape ``(K,)``."""
        labels = self.y_train if split == "train" else self.y_test
        return np.bincount(labels, minlength=self.num_classes)

    def first_images(self, count: int) -> np.ndarray:
        """Indices into the training set of its first ``count`` images in file order (a notebook's
        ``x_train[:count]``), or of its own first ones when the images have no file order."""
        order = np.arange(len(self.y_train)) if self.file_order is None else np.argsort(self.file_order, kind="stable")
        return order[:count]

    def examples(self, per_class: int, seed: int = 0) -> np.ndarray:
        """``uint8`` ``(K, per_class, H, W)``: random training images of each class (white where a class has fewer)."""
        rng = np.random.default_rng(seed)
        tiles = np.full((self.num_classes, per_class, *self.image_shape[:2]), 255, np.uint8)
        for k in range(self.num_classes):
            chosen = rng.permutation(np.flatnonzero(self.y_train == k))[:per_class]
            tiles[k, : len(chosen)] = self.x_train[chosen, :, :, 0]
        return tiles

    @cached_property
    def class_means(self) -> np.ndarray:
        """Mean training image of each class, float32 ``(K, H, W)`` in 0–255 (zeros for an empty class)."""
        means = np.zeros((self.num_classes, *self.image_shape[:2]), np.float32)
        for k in range(self.num_classes):
            members = self.x_train[self.y_train == k, :, :, 0]
            if len(members):
                means[k] = members.mean(axis=0, dtype=np.float32)
        return means

    @cached_property
    def intensity_counts(self) -> np.ndarray:
        """How many training pixels of each class have each value 0–255, int64 ``(K, 256)``."""
        return np.stack(
            [np.bincount(self.x_train[self.y_train == k].ravel(), minlength=256) for k in range(self.num_classes)]
        )


def check_image_size(image_size: int | None) -> int | None:
    """Validate the optional square side length a loader resizes to."""
    if image_size is None:
        return None
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)):
        raise InputError(f"The image size must be a whole number of pixels, not {image_size!r}.")
    if not MIN_IMAGE_SIZE <= image_size <= MAX_IMAGE_SIZE:
        raise InputError(
            f"The image size must be between {MIN_IMAGE_SIZE} and {MAX_IMAGE_SIZE} pixels, not {image_size}."
        )
    return int(image_size)


def resize_gray(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """One ``uint8`` ``(H, W)`` image resized to ``shape`` (rows, cols) with ``cv2.INTER_AREA``."""
    if image.shape[:2] == shape:
        return image
    return cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def resize_cost(count: int, image_size: int) -> int:
    """Bytes ``count`` grayscale images take at ``image_size`` squared: what resizing a dataset allocates."""
    return count * image_size * image_size


def check_resize(count: int, image_size: int | None, title: str = "This dataset") -> None:
    """:class:`InputError` when ``count`` images at ``image_size`` squared would pass
    :data:`cnnviz.limits.RESIZED_DATASET_BYTES`; checked before anything is allocated."""
    if image_size is None:
        return
    cost = resize_cost(count, image_size)
    shown = f"{count:,} images of {image_size}×{image_size} pixels take {limits.RESIZED_DATASET_BYTES.text(cost)}"
    limits.RESIZED_DATASET_BYTES.check(cost, f"{title} at {image_size}×{image_size}", shown=shown)


def resize_all(images: np.ndarray, image_size: int | None) -> np.ndarray:
    """``(N, H, W)`` or ``(N, H, W, 1)`` uint8 images resized to ``image_size`` squared (unchanged if None).

    Raises :class:`InputError` before allocating when the result would pass the memory limit (:func:`check_resize`).
    """
    if image_size is None or images.shape[1:3] == (image_size, image_size):
        return images
    check_resize(len(images), image_size)
    shape = (image_size, image_size)
    out = np.empty((len(images), image_size, image_size, *images.shape[3:]), np.uint8)
    for i, image in enumerate(images):
        out[i] = resize_gray(image.squeeze(-1) if image.ndim == 3 else image, shape).reshape(out.shape[1:])
    return out


def stratified_split(
    labels: np.ndarray, seed: int, test_fraction: float = TEST_FRACTION, class_order: tuple[int, ...] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)``: ``test_fraction`` of every class (rounded) goes to test, both shuffled.

    The same labels and seed always give the same split. A class with a single image stays in training.
    ``class_order`` is the order the classes are drawn in (default: by index); renumbering the classes
    and drawing them in their old order keeps the same split.
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    present = np.unique(labels)
    order = present if class_order is None else [k for k in class_order if k in present]
    for k in order:
        members = rng.permutation(np.flatnonzero(labels == k))
        n_test = int(round(len(members) * test_fraction)) if len(members) > 1 else 0
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def shuffle_order(n: int, seed: int) -> np.ndarray:
    """The random order :func:`shuffled` puts ``n`` images in: ``order[i]`` is the file position of image ``i``."""
    return np.random.default_rng(seed).permutation(n)


def shuffled(x: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` in one seeded random order (training files sorted by class would otherwise
    put a single class into Keras' validation split, which takes the last samples)."""
    order = shuffle_order(len(y), seed)
    return x[order], y[order]


def with_channel(images: np.ndarray) -> np.ndarray:
    """``(N, H, W)`` → ``(N, H, W, 1)`` without copying."""
    return images if images.ndim == 4 else images[..., None]


def split_labelled(
    images: np.ndarray,
    labels: np.ndarray,
    class_names: list[str],
    *,
    seed: int,
    source: str,
    name: str = "custom",
    skipped: dict[str, int] | None = None,
    test_fraction: float = TEST_FRACTION,
    class_order: tuple[int, ...] | None = None,
) -> Dataset:
    """A :class:`Dataset` from one pool of ``(N, H, W)`` images: stratified split (80/20 by default), seeded;
    ``class_order`` as in :func:`stratified_split`."""
    train, test = stratified_split(labels, seed, test_fraction, class_order)
    labels = labels.astype(np.int64)
    split = (
        f" Split {1 - test_fraction:.0%}/{test_fraction:.0%} within each class (random start {seed}): "
        f"{len(train):,} training and {len(test):,} test images."
    )
    return Dataset(
        x_train=with_channel(images[train]),
        y_train=labels[train],
        x_test=with_channel(images[test]),
        y_test=labels[test],
        class_names=list(class_names),
        source=source + split,
        name=name,
        skipped=dict(skipped or {}),
    )
