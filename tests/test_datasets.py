"""cnnviz.datasets on the real offline data: MNIST, Fashion-MNIST, NEU in every layout, zips, fallbacks."""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import shutil
import socket
import stat
import threading
import zipfile
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from cnnviz import datasets, limits
from cnnviz.datasets import archive, digits, labelled
from cnnviz.datasets.api import SAMPLE_DIR
from cnnviz.datasets.labelled import BY_FILE_NAMES, BY_FOLDERS, BY_NEU_NAMES
from cnnviz.errors import InputError

MNIST_FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # the official test set
FASHION_FIRST_TEST_LABELS = [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
# Keras docs
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"] + [
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
NEU_CLASSES = ["crazing", "inclusion", "patches", "pitted surface", "rolled-in scale", "scratches"]
NEU_PREFIXES = ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"]
NEU_CLS_CODES = ["Cr", "In", "Pa", "PS", "RS", "Sc"]
NPY_ORDER = ("scratches", "rolled-in scale", "pitted surface", "patches", "inclusion", "crazing")
PER_CLASS = 10  # images per class in the temporary NEU layouts


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No data folder, no system copy, an empty Keras cache and no network."""
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(digits, "SYSTEM_ROOTS", ())
    monkeypatch.setattr(digits, "keras_dataset_dirs", lambda: [tmp_path / "keras" / "datasets"])
    monkeypatch.setattr(digits, "reachable", lambda url, timeout=0: False)


def raw_idx(path: Path) -> np.ndarray:
    """An independent IDX reader for checking: header of 4 + 4·ndim bytes, then the data."""
    data = gzip.decompress(path.read_bytes())
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data[4 + 4 * ndim :], np.uint8).reshape(shape)


def neu_files(data_dir: Path, per_class: int = PER_CLASS) -> dict[int, list[Path]]:
    """The first ``per_class`` real NEU files of each class (by number)."""
    folder = data_dir / "neu"
    out = {}
    for k, prefix in enumerate(NEU_PREFIXES):
        names = sorted(folder.glob(f"{prefix}_*.jpg"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
        out[k] = names[:per_class]
    return out


def gray(path: Path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


def matches(image: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Indices of the images in ``pool`` equal to ``image`` within ±1 (decoders may round differently)."""
    pool = pool.reshape(len(pool), -1)
    near = np.flatnonzero(np.abs(pool.mean(axis=1) - image.mean()) <= 1)
    return near[[np.abs(pool[i].astype(int) - image.ravel()).max() <= 1 for i in near]]


def as_set(images: np.ndarray) -> set[bytes]:
    return {image.tobytes() for image in images}


def all_images(dataset: datasets.Dataset) -> np.ndarray:
    return np.concatenate([dataset.x_train, dataset.x_test])


def all_labels(dataset: datasets.Dataset) -> np.ndarray:
    return np.concatenate([dataset.y_train, dataset.y_test])


def check_contract(dataset: datasets.Dataset) -> None:
    for x, y in ((dataset.x_train, dataset.y_train), (dataset.x_test, dataset.y_test)):
        assert x.dtype == np.uint8 and x.ndim == 4 and x.shape[3] == 1
        assert np.issubdtype(y.dtype, np.integer) and y.shape == (len(x),)
        assert y.min() >= 0 and y.max() < len(dataset.class_names)
    assert isinstance(dataset.source, str) and dataset.source


# ---------------------------------------------------------------------------------------- MNIST / Fashion


@pytest.fixture(scope="module")
def mnist(data_dir: Path) -> datasets.Dataset:
    return datasets.load("mnist", data_dir=data_dir)


def test_mnist_from_the_offline_folder_has_the_real_test_set_and_5k_training_subset(mnist, data_dir):
    check_contract(mnist)
    assert mnist.x_train.shape == (5000, 28, 28, 1)
    assert mnist.x_test.shape == (10000, 28, 28, 1)
    assert mnist.y_test[:10].tolist() == MNIST_FIRST_TEST_LABELS
    assert mnist.class_counts("test").tolist() == MNIST_TEST_COUNTS
    assert mnist.class_counts("train").tolist() == [500] * 10
    assert mnist.class_names == [str(d) for d in range(10)]
    assert np.array_equal(mnist.x_test[..., 0], raw_idx(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz"))
    assert "train-5k" in mnist.source and str(data_dir / "mnist") in mnist.source
    assert not mnist.is_sample


def test_mnist_training_order_is_shuffled_by_seed(mnist, data_dir):
    raw_images = raw_idx(data_dir / "mnist" / "train-5k-images-idx3-ubyte.gz")
    raw_labels = raw_idx(data_dir / "mnist" / "train-5k-labels-idx1-ubyte.gz")
    assert raw_labels[:500].tolist() == [0] * 500  # the file is sorted by class ...
    assert len(set(mnist.y_train[:100].tolist())) == 10  # ... the loaded training set is not
    assert as_set(mnist.x_train) == as_set(raw_images)
    again = datasets.load("mnist", data_dir=data_dir)
    other = datasets.load("mnist", data_dir=data_dir, seed=1)
    assert np.array_equal(again.x_train, mnist.x_train) and np.array_equal(again.y_train, mnist.y_train)
    assert not np.array_equal(other.y_train, mnist.y_train)
    for seeded in (mnist, other):  # every image keeps its own label
        order = {image.tobytes(): label for image, label in zip(raw_images, raw_labels, strict=True)}
        assert all(
            order[x.tobytes()] == y for x, y in zip(seeded.x_train[:200, ..., 0], seeded.y_train[:200], strict=True)
        )


def test_fashion_mnist_is_complete_with_its_class_names(data_dir):
    fashion = datasets.load("fashion_mnist", data_dir=data_dir)
    check_contract(fashion)
    assert fashion.x_train.shape == (60000, 28, 28, 1)
    assert fashion.x_test.shape == (10000, 28, 28, 1)
    assert fashion.class_counts("train").tolist() == [6000] * 10
    assert fashion.class_counts("test").tolist() == [1000] * 10
    assert fashion.y_test[:10].tolist() == FASHION_FIRST_TEST_LABELS
    assert fashion.class_names == FASHION_CLASSES
    assert "60,000 training" in fashion.source


def test_mnist_resizes_with_area_averaging(data_dir, mnist):
    small = datasets.load("mnist", data_dir=data_dir, image_size=14)
    assert small.x_test.shape == (10000, 14, 14, 1)
    expected = cv2.resize(mnist.x_test[0, ..., 0], (14, 14), interpolation=cv2.INTER_AREA)
    assert np.array_equal(small.x_test[0, ..., 0], expected)
    assert "Resized to 14×14" in small.source


@pytest.fixture(scope="module")
def mnist_variants(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MNIST's files written as the four standard names (uncompressed), and as a Keras mnist.npz."""
    root = tmp_path_factory.mktemp("mnist-variants")
    source = data_dir / "mnist"
    (root / "idx" / "mnist").mkdir(parents=True)
    renames = {
        "train-5k-images-idx3-ubyte.gz": "train-images-idx3-ubyte",
        "train-5k-labels-idx1-ubyte.gz": "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte.gz": "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte.gz": "t10k-labels-idx1-ubyte",
    }
    for old, new in renames.items():
        (root / "idx" / "mnist" / new).write_bytes(gzip.decompress((source / old).read_bytes()))
    (root / "npz").mkdir()
    np.savez_compressed(
        root / "npz" / "mnist.npz",
        x_train=raw_idx(source / "train-5k-images-idx3-ubyte.gz")[:300],
        y_train=raw_idx(source / "train-5k-labels-idx1-ubyte.gz")[:300],
        x_test=raw_idx(source / "t10k-images-idx3-ubyte.gz")[:100],
        y_test=raw_idx(source / "t10k-labels-idx1-ubyte.gz")[:100],
    )
    return root


def test_mnist_reads_the_four_standard_uncompressed_idx_files(mnist_variants, mnist):
    standard = datasets.load("mnist", data_dir=mnist_variants / "idx")
    assert standard.x_train.shape == (5000, 28, 28, 1)
    assert np.array_equal(standard.x_test, mnist.x_test)
    assert "subset" not in standard.source and "IDX" in standard.source


def test_mnist_reads_a_keras_npz(mnist_variants, mnist):
    keras_style = datasets.load("mnist", data_dir=mnist_variants / "npz")
    assert keras_style.x_train.shape == (300, 28, 28, 1)
    assert np.array_equal(keras_style.x_test, mnist.x_test[:100])
    assert "mnist.npz" in keras_style.source


def test_the_full_training_set_is_preferred_to_a_subset(mnist_variants, tmp_path, data_dir):
    folder = tmp_path / "mnist"
    shutil.copytree(mnist_variants / "idx" / "mnist", folder)
    shutil.copy(data_dir / "mnist" / "train-5k-images-idx3-ubyte.gz", folder)
    shutil.copy(data_dir / "mnist" / "train-5k-labels-idx1-ubyte.gz", folder)
    dataset = datasets.load("mnist", data_dir=tmp_path)
    assert "subset" not in dataset.source


def test_a_damaged_idx_file_is_an_input_error(tmp_path, data_dir):
    folder = tmp_path / "mnist"
    shutil.copytree(data_dir / "mnist", folder)
    (folder / "t10k-images-idx3-ubyte.gz").chmod(0o644)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x03" + b"\0" * 40))
    with pytest.raises(InputError, match="truncated or damaged"):
        datasets.load("mnist", data_dir=tmp_path)


# ---------------------------------------------------------------------------------------- NEU


@pytest.fixture(scope="module")
def neu(data_dir: Path) -> datasets.Dataset:
    return datasets.load("neu", data_dir=data_dir)


def test_neu_from_the_offline_folder(neu, data_dir):
    check_contract(neu)
    files = sorted((data_dir / "neu").glob("*.jpg"))
    per_class = [sum(f.name.startswith(prefix + "_") for f in files) for prefix in NEU_PREFIXES]
    assert neu.class_names == NEU_CLASSES
    assert neu.x_train.shape[1:] == neu.x_test.shape[1:] == (200, 200, 1)
    assert len(neu.y_train) + len(neu.y_test) == len(files) == 1770
    # Stratified: each class gives round(20 %) of its images to the test set.
    assert neu.class_counts("test").tolist() == [round(0.2 * n) for n in per_class]
    assert (neu.class_counts("train") + neu.class_counts("test")).tolist() == per_class
    assert not as_set(neu.x_train) & as_set(neu.x_test)
    assert "1,770 images" in neu.source and str(data_dir / "neu") in neu.source


def test_neu_split_is_reproducible_for_a_seed_and_changes_with_it(neu, data_dir):
    again = datasets.load("neu", data_dir=data_dir)
    other = datasets.load("neu", data_dir=data_dir, seed=7)
    assert np.array_equal(again.x_test, neu.x_test) and np.array_equal(again.y_train, neu.y_train)
    assert other.class_counts("test").tolist() == neu.class_counts("test").tolist()
    assert as_set(other.x_test) != as_set(neu.x_test)
    assert as_set(all_images(other)) == as_set(all_images(neu))


def test_neu_images_are_the_decoded_files_with_their_labels(neu, data_dir):
    pool = all_images(neu)
    for k, paths in neu_files(data_dir, per_class=3).items():
        for path in paths:
            found = matches(gray(path), pool)
            assert len(found) == 1, path
            assert all_labels(neu)[found[0]] == k


@pytest.fixture(scope="module")
def neu_layouts(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same 60 real NEU images in three layouts: NEU-DET names, NEU-CLS .bmp names, class folders."""
    root = tmp_path_factory.mktemp("neu-layouts")
    folders = {name: root / name / "neu" for name in ("det", "cls", "folders")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    kaggle_names = ["Crazing", "Inclusion", "Patches", "Pitted", "Rolled", "Scratches"]
    for k, paths in neu_files(data_dir).items():
        (folders["folders"] / "train" / kaggle_names[k]).mkdir(parents=True)
        for number, path in enumerate(paths, start=1):
            shutil.copy(path, folders["det"] / path.name)
            cv2.imwrite(str(folders["cls"] / f"{NEU_CLS_CODES[k]}_{number}.bmp"), gray(path))
            shutil.copy(path, folders["folders"] / "train" / kaggle_names[k] / f"{number}.jpg")
    (folders["det"] / "readme.txt").write_text("not an image")
    return {name: folder.parent for name, folder in folders.items()}


@pytest.mark.parametrize("layout", ["det", "cls", "folders"])
def test_neu_accepts_every_layout(neu_layouts, layout, data_dir):
    dataset = datasets.load("neu", data_dir=neu_layouts[layout])
    check_contract(dataset)
    assert dataset.class_names == NEU_CLASSES
    assert dataset.class_counts("train").tolist() == [8] * 6
    assert dataset.class_counts("test").tolist() == [2] * 6
    # The pixels are the decoded files' (±1 for the decoder's rounding), each with the right label.
    pool, labels = all_images(dataset), all_labels(dataset)
    for k, paths in neu_files(data_dir).items():
        for path in paths:
            found = matches(gray(path), pool)
            assert len(found) == 1 and labels[found[0]] == k, path


def test_neu_layouts_give_the_same_split(neu_layouts):
    det = datasets.load("neu", data_dir=neu_layouts["det"], seed=3)
    folders = datasets.load("neu", data_dir=neu_layouts["folders"], seed=3)
    assert np.array_equal(det.y_test, folders.y_test)
    assert as_set(all_images(det)) == as_set(all_images(folders))


def test_neu_resizes_to_the_requested_size(neu_layouts):
    native = datasets.load("neu", data_dir=neu_layouts["det"])
    small = datasets.load("neu", data_dir=neu_layouts["det"], image_size=64)
    assert small.x_train.shape[1:] == (64, 64, 1)
    expected = cv2.resize(native.x_test[0, ..., 0], (64, 64), interpolation=cv2.INTER_AREA)
    assert np.array_equal(small.x_test[0, ..., 0], expected)
    assert "resized to 64×64" in small.source


def test_load_size_resizes_only_away_from_the_native_size(neu_layouts, mnist):
    """``load_size`` asks ``load`` for the side wanted, and for nothing (no resizing) at the data's own side."""
    native = datasets.load("neu", data_dir=neu_layouts["det"], image_size=datasets.load_size("neu", 200))
    assert native.image_shape == (200, 200, 1) and "resized" not in native.source
    assert datasets.load_size("neu", 200) is None and datasets.load_size("Fashion-MNIST", 28) is None
    assert mnist.image_shape[0] == datasets.NATIVE_SIZE["mnist"] and datasets.load_size("mnist", 28) is None
    small = datasets.load("neu", data_dir=neu_layouts["det"], image_size=datasets.load_size("neu", 64))
    assert small.image_shape == (64, 64, 1)


def test_the_default_neu_choice_is_the_default_neu_size():
    assert datasets.NEU_SIZE_CHOICES[datasets.NEU_DEFAULT_CHOICE] == datasets.NEU_DEFAULT_SIZE


def test_neu_second_load_reads_the_cache_instead_of_decoding(neu_layouts, tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    decoded = []
    original = labelled.decode_gray
    monkeypatch.setattr(labelled, "decode_gray", lambda *args: decoded.append(1) or original(*args))
    first = datasets.load("neu", data_dir=neu_layouts["cls"])
    assert len(decoded) == 60 and list((tmp_path / "cache").glob("neu-*.npz"))
    second = datasets.load("neu", data_dir=neu_layouts["cls"])
    smaller = datasets.load("neu", data_dir=neu_layouts["cls"], image_size=32)  # resized from the cached images
    assert len(decoded) == 60
    assert np.array_equal(first.x_train, second.x_train)
    assert smaller.x_train.shape[1:] == (32, 32, 1)


def test_neu_cache_is_invalidated_when_a_file_changes(neu_layouts, tmp_path):
    folder = tmp_path / "neu"
    shutil.copytree(neu_layouts["cls"] / "neu", folder)
    before = datasets.load("neu", data_dir=tmp_path)
    cv2.imwrite(str(folder / "Cr_1.bmp"), np.full((200, 200), 7, np.uint8))
    os.utime(folder / "Cr_1.bmp", ns=(1, 1))
    after = datasets.load("neu", data_dir=tmp_path)
    assert as_set(all_images(after)) != as_set(all_images(before))
    assert np.full((200, 200, 1), 7, np.uint8).tobytes() in as_set(all_images(after))


def test_an_unwritable_cache_only_costs_time(neu_layouts, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(blocker / "cache"))
    dataset = datasets.load("neu", data_dir=neu_layouts["det"])
    assert len(all_labels(dataset)) == 60


def test_neu_reads_the_npy_quartet_in_the_notebooks_class_order(data_dir, tmp_path):
    folder = tmp_path / "neu"
    folder.mkdir()
    files = neu_files(data_dir, per_class=5)
    pictures = np.stack([gray(p) for k in range(6) for p in files[k]])
    truth = np.repeat(np.arange(6), 5)  # index into NEU_CLASSES (file-name order: crazing first)
    # The notebook numbers the classes the other way round: 0 = scratches … 5 = crazing.
    labels = np.array([NPY_ORDER.index(NEU_CLASSES[k]) for k in truth])
    train, test = np.arange(30) % 5 != 0, np.arange(30) % 5 == 0
    rgb_float = np.repeat(pictures[..., None], 3, axis=3).astype(np.float32) / 255.0
    np.save(folder / "NEU_train_imgs.npy", rgb_float[train])
    np.save(folder / "NEU_train_labels.npy", np.eye(6, dtype=np.float32)[labels[train]])  # one-hot
    np.save(folder / "NEU_test_imgs.npy", pictures[test][..., None])
    np.save(folder / "NEU_test_labels.npy", labels[test])
    dataset = datasets.load("neu", data_dir=tmp_path, image_size=100)
    check_contract(dataset)
    assert tuple(dataset.class_names) == NPY_ORDER
    assert [dataset.class_names[y] for y in dataset.y_test] == [NEU_CLASSES[k] for k in truth[test]]
    assert dataset.x_train.shape == (24, 100, 100, 1) and dataset.x_test.shape == (6, 100, 100, 1)
    assert dataset.y_test.tolist() == labels[test].tolist()
    assert sorted(dataset.y_train.tolist()) == sorted(labels[train].tolist())
    expected = cv2.resize(pictures[test][0], (100, 100), interpolation=cv2.INTER_AREA)
    assert np.abs(dataset.x_test[0, ..., 0].astype(int) - expected).max() <= 1
    assert ".npy" in dataset.source and "scratches" in dataset.source


# ---------------------------------------------------------------------------------------- missing data


def test_a_named_folder_without_the_dataset_is_an_input_error_without_network(tmp_path, monkeypatch):
    monkeypatch.setattr(digits, "reachable", lambda *a, **k: pytest.fail("a named folder must not go online"))
    for name in datasets.NAMES:
        with pytest.raises(InputError) as error:
            datasets.load(name, data_dir=tmp_path)
        message = str(error.value)
        assert str(tmp_path) in message and "looked in" in message and "CNNVIZ_DATA_DIR" in message


def test_the_environment_folder_counts_as_named(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(digits, "reachable", lambda *a, **k: pytest.fail("a named folder must not go online"))
    with pytest.raises(InputError, match="named by CNNVIZ_DATA_DIR"):
        datasets.load("fashion_mnist")
    with pytest.raises(InputError, match="does not exist"):
        datasets.load("mnist", data_dir=tmp_path / "nowhere")


@pytest.mark.parametrize("bad, message", [("cifar10", "no dataset called"), (None, "no dataset called")])
def test_an_unknown_dataset_name_is_an_input_error(bad, message):
    with pytest.raises(InputError, match=message):
        datasets.load(bad)


@pytest.mark.parametrize("size", [0, 4, 10_000, 2.5, "64", True])
def test_a_bad_image_size_is_an_input_error(size, data_dir):
    with pytest.raises(InputError, match="image size"):
        datasets.load("neu", data_dir=data_dir, image_size=size)


# ---------------------------------------------------------------------------------------- the built-in sample


def test_offline_without_a_folder_falls_back_to_the_embedded_sample(offline):
    mnist = datasets.load("mnist")
    fashion = datasets.load("fashion_mnist")
    neu = datasets.load("neu")
    for dataset in (mnist, fashion, neu):
        check_contract(dataset)
        assert dataset.is_sample
        assert "sample" in dataset.source and "CNNVIZ_DATA_DIR" in dataset.source
    assert mnist.x_train.shape == (4000, 28, 28, 1) and mnist.x_test.shape == (1000, 28, 28, 1)
    assert mnist.y_test[:10].tolist() == MNIST_FIRST_TEST_LABELS
    assert mnist.class_counts("train").tolist() == [400] * 10
    assert fashion.y_test[:10].tolist() == FASHION_FIRST_TEST_LABELS and fashion.class_names == FASHION_CLASSES
    assert neu.class_names == NEU_CLASSES and neu.image_shape == (64, 64, 1)
    assert len(all_labels(neu)) == 1770
    assert "download failed" in mnist.source and "no data folder" in neu.source


def test_the_embedded_sample_is_small_and_documented():
    files = list(SAMPLE_DIR.iterdir())
    assert sum(f.stat().st_size for f in files) < 8 * 2**20
    notes = (SAMPLE_DIR.parent / "SAMPLES.md").read_text()
    for words in ("CC BY-SA 3.0", "MIT", "Song", "build_dataset_sample.py"):
        assert words in notes


def test_sample_images_are_real_mnist_images(offline, data_dir):
    sample = datasets.load("mnist")
    real_test = raw_idx(data_dir / "mnist" / "t10k-images-idx3-ubyte.gz")
    assert np.array_equal(sample.x_test[..., 0], real_test[:1000])
    assert as_set(sample.x_train) <= as_set(raw_idx(data_dir / "mnist" / "train-5k-images-idx3-ubyte.gz"))


def test_the_network_probe_fails_fast_and_succeeds_on_a_listening_port():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: connections are refused at once
        assert not digits.reachable(f"http://127.0.0.1:{port}/", timeout=2)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        assert digits.reachable(f"http://127.0.0.1:{listening.getsockname()[1]}/", timeout=2)


@pytest.fixture
def file_server(tmp_path: Path):
    """A loopback HTTP server over a temporary folder, standing in for Keras' download server."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www"))
    handler.log_message = lambda *args: None
    (tmp_path / "www").mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path / "www", f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_without_a_folder_fashion_mnist_is_downloaded_into_keras_cache(
    offline, file_server, data_dir, tmp_path, monkeypatch
):
    www, url = file_server
    for name in os.listdir(data_dir / "fashion-mnist"):
        shutil.copy(data_dir / "fashion-mnist" / name, www / name)
    monkeypatch.setattr(digits, "KERAS_URL", url)
    monkeypatch.setattr(digits, "reachable", lambda *a, **k: True)
    fashion = datasets.load("fashion_mnist")
    assert not fashion.is_sample and "downloaded" in fashion.source
    assert fashion.x_train.shape == (60000, 28, 28, 1)
    assert fashion.y_test[:10].tolist() == FASHION_FIRST_TEST_LABELS
    cached = tmp_path / "keras" / "datasets" / "fashion-mnist"
    assert sorted(os.listdir(cached)) == sorted(os.listdir(data_dir / "fashion-mnist"))
    shutil.rmtree(www)  # the second load needs no server: Keras' cache is read
    assert "found in" in datasets.load("fashion_mnist").source


def test_a_download_with_a_wrong_checksum_is_discarded(offline, file_server, tmp_path, monkeypatch):
    www, url = file_server
    shutil.copy(SAMPLE_DIR / "mnist.npz", www / "mnist.npz")  # not Keras' file: the SHA-256 differs
    monkeypatch.setattr(digits, "KERAS_URL", url)
    monkeypatch.setattr(digits, "reachable", lambda *a, **k: True)
    mnist = datasets.load("mnist")
    assert mnist.is_sample and "checksum" in mnist.source
    assert not list((tmp_path / "keras" / "datasets").glob("*.npz"))


def test_debian_fashion_mnist_is_used_when_no_folder_is_named(offline, data_dir, tmp_path, monkeypatch):
    system = tmp_path / "usr-share-datasets"
    shutil.copytree(data_dir / "fashion-mnist", system / "fashion-mnist")
    monkeypatch.setattr(digits, "SYSTEM_ROOTS", (system,))
    fashion = datasets.load("fashion_mnist")
    assert not fashion.is_sample and str(system / "fashion-mnist") in fashion.source


# ---------------------------------------------------------------------------------------- zips


def zip_bytes(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def png(image: np.ndarray) -> bytes:
    return cv2.imencode(".png", image)[1].tobytes()


@pytest.fixture(scope="module")
def neu_members(data_dir: Path) -> dict[str, bytes]:
    return {f"NEU-DET/IMAGES/{p.name}": p.read_bytes() for paths in neu_files(data_dir).values() for p in paths}


def test_a_neu_zip_with_hostile_members_keeps_only_the_safe_images(neu_members, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hostile = {
        "../crazing_900.jpg": neu_members["NEU-DET/IMAGES/crazing_1.jpg"],
        "/etc/crazing_901.jpg": neu_members["NEU-DET/IMAGES/crazing_1.jpg"],
        "C:/windows/crazing_902.jpg": neu_members["NEU-DET/IMAGES/crazing_1.jpg"],
        "NEU-DET/ANNOTATIONS/crazing_1.xml": b"<annotation/>",
        "__MACOSX/NEU-DET/IMAGES/._crazing_1.jpg": b"\0\5\26\7",
        "NEU-DET/IMAGES/scratches_999.jpg": b"not a jpeg at all",
    }
    data = zip_bytes({**neu_members, **hostile}, links=("NEU-DET/IMAGES/crazing_903.jpg",))
    progress = []
    dataset = datasets.load_zip(data, on_progress=lambda done, total: progress.append((done, total)))
    check_contract(dataset)
    assert dataset.class_names == NEU_CLASSES and dataset.name == "neu"
    assert len(all_labels(dataset)) == 60 and dataset.class_counts("test").tolist() == [2] * 6
    assert dataset.skipped == {
        "unsafe path (../ or absolute)": 3,
        "link": 1,
        "hidden or system file": 1,
        "not an image": 1,
        "could not be decoded": 1,
    }
    assert progress[-1] == (60, 60) and len(progress) == 60  # the bad JPEG is left out from its header
    assert os.listdir(tmp_path) == [] and not (tmp_path.parent / "crazing_900.jpg").exists()


def test_a_zip_of_class_folders_makes_a_custom_dataset(tmp_path):
    rng = np.random.default_rng(0)
    members = {}
    for name, level in (("dark", 40), ("light", 210)):
        for i in range(6):
            members[f"shapes/{name}/{i}.png"] = png(np.clip(rng.normal(level, 10, (30, 20)), 0, 255).astype(np.uint8))
    members["shapes/light/big.png"] = png(np.full((60, 40, 3), 200, np.uint8))  # another size, in colour
    dataset = datasets.load_zip(zip_bytes(members), seed=4)
    check_contract(dataset)
    assert dataset.class_names == ["dark", "light"] and dataset.name == "custom"
    assert dataset.image_shape == (30, 20, 1)  # the first image's size
    assert dataset.class_counts("train").tolist() == [5, 6] and dataset.class_counts("test").tolist() == [1, 1]
    means = [all_images(dataset)[all_labels(dataset) == k].mean() for k in range(2)]
    assert means[0] < 80 < 150 < means[1]
    resized = datasets.load_zip(zip_bytes(members), image_size=16)
    assert resized.image_shape == (16, 16, 1)
    assert dataset.nbytes == 13 * 30 * 20 and resized.nbytes == 13 * 16 * 16  # one byte per pixel, both splits


def test_a_zip_of_numbered_files_takes_classes_from_the_names():
    members = {f"{name}_{i}.png": png(np.full((8, 8), 9 * i, np.uint8)) for name in ("cat", "dog") for i in range(5)}
    dataset = datasets.load_zip(zip_bytes(members))
    assert dataset.class_names == ["cat", "dog"] and BY_FILE_NAMES in dataset.source


def test_class_folders_win_over_file_names_that_look_like_neu_names():
    """cats/crazing_1.png is a cat: the person who made the folders named the classes."""
    members = {
        f"{animal}/{defect}_{i}.png": png(np.full((8, 8), 9 * i, np.uint8))
        for animal, defects in (("cats", ("crazing", "patches")), ("dogs", ("scratches", "inclusion")))
        for defect in defects
        for i in range(3)
    }
    dataset = datasets.load_zip(zip_bytes(members))
    assert dataset.class_names == ["cats", "dogs"] and dataset.name == "custom"
    assert f"labelled by their {BY_FOLDERS}" in dataset.source


def test_train_and_test_folders_are_a_split_not_classes(neu_members):
    members = {
        f"{split}/{name.rsplit('/', 1)[1]}": data
        for k, (name, data) in enumerate(neu_members.items())
        for split in (("train", "test")[k % 2],)
    }
    dataset = datasets.load_zip(zip_bytes(members))
    assert dataset.class_names == NEU_CLASSES and f"labelled by their {BY_NEU_NAMES}" in dataset.source


def test_big_images_are_shrunk_without_an_image_size():
    members = {f"{name}/{i}.png": png(np.full((600, 300), 100, np.uint8)) for name in ("a", "b") for i in range(2)}
    assert datasets.load_zip(zip_bytes(members)).image_shape == (256, 128, 1)


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size a zip declares for ``name`` in its local and central headers."""
    raw = bytearray(data)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := raw.find(signature, start)) != -1:
            if raw[start + name_at : start + name_at + len(encoded)] == encoded:
                raw[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    return bytes(raw)


def test_a_zip_bomb_declaring_a_huge_size_is_refused(neu_members):
    data = zip_bytes({**neu_members, "bomb.png": b"\0" * 1000})
    with pytest.raises(InputError, match="This zip, unpacked, is too big: 3.75 GiB; the most allowed is 1 GiB"):
        datasets.load_zip(declare_size(data, "bomb.png", 0xF000_0000))


def test_a_member_expanding_beyond_its_declared_size_is_never_expanded(neu_members, monkeypatch):
    reads = []
    original = archive.read_member
    monkeypatch.setattr(archive, "read_member", lambda zf, info: reads.append(info.file_size) or original(zf, info))
    data = zip_bytes({**neu_members, "crazing_999.png": b"\0" * 20_000_000})  # 20 MB of zeros, ~20 kB zipped
    dataset = datasets.load_zip(declare_size(data, "crazing_999.png", 1000))
    assert dataset.skipped == {"could not be decoded": 1}
    assert len(all_labels(dataset)) == 60


def test_over_the_member_limit_is_refused(neu_members, monkeypatch):
    monkeypatch.setattr(limits, "ZIP_FILES", replace(limits.ZIP_FILES, most=50))
    with pytest.raises(InputError, match="This zip is too big: 60 files; the most allowed is 50 files"):
        datasets.load_zip(zip_bytes(neu_members))


def test_over_the_memory_budget_is_refused(neu_members, monkeypatch):
    monkeypatch.setattr(limits, "DATASET_BYTES", replace(limits.DATASET_BYTES, most=100_000))
    with pytest.raises(InputError, match="586 KiB of memory; the most allowed is 97.7 KiB. Choose a smaller"):
        datasets.load_zip(zip_bytes(neu_members), image_size=100)


def test_an_oversized_upload_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "UPLOAD_BYTES", replace(limits.UPLOAD_BYTES, most=100))
    with pytest.raises(InputError, match="This zip is too big: 202 bytes; the most allowed is 100 bytes"):
        datasets.load_zip(b"PK" + b"\0" * 200)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (zip_bytes({}), "empty"),
        (os.urandom(5000), "not a zip archive"),
        (b"PK\x03\x04" + os.urandom(300), "not a zip archive"),
        (zip_bytes({"notes.txt": b"hello", "a/b.csv": b"1,2"}), "no PNG, JPEG"),
        (zip_bytes({"../../x.png": b"x"}), "unsafe path"),
    ],
    ids=["no bytes", "no members", "random bytes", "corrupt", "no images", "only unsafe"],
)
def test_empty_or_corrupt_zips_are_input_errors(data, message):
    with pytest.raises(InputError, match=message):
        datasets.load_zip(data)


def test_a_zip_of_one_class_is_refused(neu_members):
    crazing = {name: data for name, data in neu_members.items() if "crazing" in name}
    with pytest.raises(InputError, match="at least two"):
        datasets.load_zip(zip_bytes(crazing))


def test_one_folder_of_numbered_files_is_one_class_not_none():
    members = {f"cats/{index}.png": png(np.full((8, 8), index * 20, np.uint8)) for index in range(4)}
    with pytest.raises(InputError, match="usable images of 1 class;"):
        datasets.load_zip(zip_bytes(members))


def test_an_image_bomb_is_refused_from_its_header(neu_members):
    header_only = bytearray(png(np.zeros((8, 8), np.uint8)))
    header_only[16:24] = (50_000).to_bytes(4, "big") * 2  # IHDR width and height
    members = {**neu_members, "crazing_998.png": bytes(header_only)}
    dataset = datasets.load_zip(zip_bytes(members))
    assert dataset.skipped == {"could not be decoded": 1}


def test_dataset_arrays_are_read_only_and_statistics_are_right(neu_members):
    dataset = datasets.load_zip(zip_bytes(neu_members), image_size=32)
    with pytest.raises(ValueError):
        dataset.x_train[0, 0, 0, 0] = 1
    members = dataset.x_train[dataset.y_train == 2, ..., 0]
    assert np.allclose(dataset.class_means[2], members.mean(axis=0), atol=1e-3)
    assert dataset.intensity_counts.shape == (6, 256)
    assert dataset.intensity_counts[2].sum() == members.size
    assert dataset.intensity_counts[2, 17] == (members == 17).sum()
