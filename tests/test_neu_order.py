"""NEU's class numbers are the course's everywhere a student sees one: 0 = scratches … 5 = crazing.

The course's NEU notebook names its indices ``name = ['scratches', 'rolled-in scale', 'pitted surface',
'patches', 'inclusion', 'crazing']``. Every way NEU reaches the app (NEU-DET and NEU-CLS file names, class
folders, a zip, the notebook's ``.npy`` files), the demo model's outputs and the exported notebook follow it.
"""

from __future__ import annotations

import ast
import io
import json
import re
import zipfile
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
import pytest

from cnnviz import datasets, images, inspection
from cnnviz.datasets.labelled import NEU_CLASSES, NEU_SPLIT_ORDER, assign_labels
from cnnviz.training import TrainConfig
from cnnviz.training.notebook import to_notebook
from tests.conftest import DATA_DIR

#: The course's list, as its NEU notebook prints it (checked against the text itself below when present).
COURSE_ORDER = ["scratches", "rolled-in scale", "pitted surface", "patches", "inclusion", "crazing"]
COURSE_TEXTS = DATA_DIR.parent / "course"  # ../shared/course, beside ../shared/datasets
DET = ["scratches", "rolled-in_scale", "pitted_surface", "patches", "inclusion", "crazing"]  # NEU-DET file prefixes
CLS = ["Sc", "RS", "PS", "Pa", "In", "Cr"]  # NEU-CLS codes
FOLDERS = ["Scratches", "Rolled-in_Scale", "Pitted", "Patches", "Inclusion", "Crazing"]
#: One test-split image of each class (of ``load("neu", image_size=64)``), in the course's order.
KNOWN_TEST_IMAGES = [
    "scratches_3.jpg",
    "rolled-in_scale_3.jpg",
    "pitted_surface_1.jpg",
    "patches_10.jpg",
    "inclusion_12.jpg",
    "crazing_1.jpg",
]
PER_CLASS = 4


def test_the_one_home_of_the_order_is_the_course_list():
    assert list(NEU_CLASSES) == COURSE_ORDER
    assert list(datasets.NEU_CLASSES) == COURSE_ORDER
    assert [NEU_CLASSES[k] for k in NEU_SPLIT_ORDER] == sorted(COURSE_ORDER)  # the split draws by name


def test_the_course_text_lists_the_classes_in_this_order():
    texts = sorted(COURSE_TEXTS.glob("*.txt"))
    if not texts:
        pytest.skip(f"the course texts are not at {COURSE_TEXTS}")
    found = [match for text in texts for match in re.findall(r"^name = (\[.*\])$", text.read_text(), re.MULTILINE)]
    assert found and ast.literal_eval(found[0]) == COURSE_ORDER


@pytest.mark.parametrize(
    ("paths", "how"),
    [
        ([f"{prefix}_{i}.jpg" for prefix in reversed(DET) for i in (1, 2)], "NEU-DET names"),
        ([f"{code}_{i}.bmp" for code in reversed(CLS) for i in (1, 2)], "NEU-CLS names"),
        ([f"NEU/{folder}/{i}.jpg" for folder in reversed(FOLDERS) for i in (1, 2)], "class folders"),
        ([f"train/{folder.lower()}/{folder}_{i}.png" for folder in FOLDERS for i in (1, 2)], "folders named by class"),
    ],
)
def test_every_naming_numbers_the_classes_as_the_course(paths, how):
    labels, names, _ = assign_labels([PurePosixPath(p) for p in paths])
    assert names == COURSE_ORDER, how
    for path, label in zip(paths, labels, strict=True):
        assert label is not None and _course_index(path) == label, (how, path)


def _course_index(path: str) -> int:
    """The course's index of the class a NEU path names (by its file-name prefix or its folder)."""
    text = path.lower().replace("-", "_")
    starts = ("sc_", "scratch", "rs_", "rolled", "ps_", "pitted", "pa_", "patch", "in_", "inclu", "cr_", "craz")
    classes = (0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5)
    for part in reversed(text.split("/")):
        for start, k in zip(starts, classes, strict=True):
            if part.startswith(start):
                return k
    raise AssertionError(path)


@pytest.fixture(scope="module")
def real_files(data_dir: Path) -> dict[int, list[Path]]:
    """A few real NEU-DET files of each class, keyed by the course's index."""
    return {
        k: sorted((data_dir / "neu").glob(f"{prefix}_*.jpg"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))[:PER_CLASS]
        for k, prefix in enumerate(DET)
    }


def _pool(dataset: datasets.Dataset) -> dict[bytes, int]:
    images_ = np.concatenate([dataset.x_train, dataset.x_test])
    labels = np.concatenate([dataset.y_train, dataset.y_test])
    return {image.tobytes(): int(label) for image, label in zip(images_, labels, strict=True)}


def _check_labels(dataset: datasets.Dataset, real_files: dict[int, list[Path]], size: int) -> None:
    """Every real file is in ``dataset`` (its nearest image, whichever way the loader decoded and shrank it)
    with its course index."""
    assert dataset.class_names == COURSE_ORDER and dataset.name == "neu"
    images_ = np.concatenate([dataset.x_train, dataset.x_test])[..., 0].astype(np.float32)
    labels = np.concatenate([dataset.y_train, dataset.y_test])
    for k, paths in real_files.items():
        for path in paths:
            gray = cv2.resize(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (size, size), interpolation=cv2.INTER_AREA)
            distance = np.abs(images_ - gray.astype(np.float32)).mean(axis=(1, 2))
            nearest = int(np.argmin(distance))
            # JPEG draft decoding of a zip shrinks differently (about 4 levels); other images differ by tens
            assert distance[nearest] < 10 and labels[nearest] == k, (path, distance[nearest], labels[nearest])


def _close(image: bytes, gray: np.ndarray) -> bool:
    return int(np.abs(np.frombuffer(image, np.uint8).astype(int) - gray.ravel()).max()) <= 1


@pytest.mark.parametrize("layout", ["det", "cls", "folders", "zip", "npy"])
def test_every_data_source_gives_the_course_index(layout, real_files, tmp_path):
    root = tmp_path / "data"
    folder = root / "neu"
    folder.mkdir(parents=True)
    for k, paths in real_files.items():
        for number, path in enumerate(paths, start=1):
            gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if layout == "det":
                (folder / path.name).write_bytes(path.read_bytes())
            elif layout == "cls":
                cv2.imwrite(str(folder / f"{CLS[k]}_{number}.bmp"), gray)
            elif layout == "folders":
                (folder / FOLDERS[k]).mkdir(exist_ok=True)
                (folder / FOLDERS[k] / f"{number}.jpg").write_bytes(path.read_bytes())
    if layout == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for paths in real_files.values():
                for path in paths:
                    archive.writestr(f"NEU-DET/IMAGES/{path.name}", path.read_bytes())
        dataset = datasets.load_zip(buffer.getvalue(), image_size=48)
    elif layout == "npy":
        pictures = np.stack([cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for k in range(6) for p in real_files[k]])
        labels = np.repeat(np.arange(6), PER_CLASS)  # the notebook's own labels, 0 = scratches
        test = np.arange(len(labels)) % PER_CLASS == 0
        for split, chosen in (("train", ~test), ("test", test)):
            np.save(folder / f"NEU_{split}_imgs.npy", pictures[chosen])
            np.save(folder / f"NEU_{split}_labels.npy", labels[chosen])
        dataset = datasets.load("neu", data_dir=root, image_size=48)
    else:
        dataset = datasets.load("neu", data_dir=root, image_size=48)
    _check_labels(dataset, real_files, 48)


def test_the_demo_model_predicts_each_known_test_image_as_its_course_index(data_dir):
    model = inspection.load_pretrained("neu")
    card = inspection.pretrained_card("neu")
    assert card["class_names"] == COURSE_ORDER
    test_pool = _pool(datasets.load("neu", image_size=64))  # train and test: checked to be test images below
    split = datasets.load("neu", image_size=64)
    tests = {image.tobytes() for image in split.x_test}
    for k, name in enumerate(KNOWN_TEST_IMAGES):
        picture = images.load_image((data_dir / "neu" / name).read_bytes())
        gray = cv2.resize(images.to_grayscale(picture)[:, :, 0], (64, 64), interpolation=cv2.INTER_AREA)
        assert any(_close(image, gray) for image in tests), f"{name} is not a test image"
        assert [label for image, label in test_pool.items() if _close(image, gray)] == [k]
        probabilities = inspection.predict(model, images.to_model_input(picture, (64, 64, 1)))
        assert int(np.argmax(probabilities)) == k, (name, probabilities)


def test_the_exported_notebook_numbers_neu_as_the_course():
    notebook = json.loads(to_notebook([{"type": "Flatten"}], "neu", TrainConfig(epochs=1), image_size=32))
    code = "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    assert f"CLASS_NAMES = {COURSE_ORDER!r}" in code
    namespace: dict = {"re": re, "np": np}
    start = code.index("NEU_CODES = ")
    exec(code[start : code.index("def load_data", start)], namespace)  # noqa: S102 - our own generated code
    for path in ("scratches_3.jpg", "Cr_7.bmp", "NEU/Pitted/4.jpg", "rolled-in_scale_1.jpg", "Pa_2.bmp"):
        assert namespace["neu_class"](Path(path)) == _course_index(path)
