"""The "My classes" library: preparing examples, the split, the limits, the zip round trip, the augmentation preview."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from cnnviz import datasets
from cnnviz.augment import augment_preview
from cnnviz.datasets import examples as my
from cnnviz.errors import InputError
from cnnviz.images import encode_png, to_model_input
from cnnviz.shapes import draw_shape, example_set
from tests.helpers import zip_of


def _set(per_class: dict[str, int], seed: int = 0) -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return {
        name: [rng.integers(0, 256, (40 + i, 30, 3), dtype=np.uint8) for i in range(n)] for name, n in per_class.items()
    }


def test_prepare_example_is_what_the_inside_page_feeds_the_network() -> None:
    drawing = draw_shape("circle", np.random.default_rng(1))
    for center in (False, True):
        prepared = datasets.prepare_example(drawing, image_size=32, center=center)
        assert prepared.dtype == np.uint8 and prepared.shape == (32, 32, 1)
        expected = np.round(to_model_input(drawing, (32, 32, 1), center=center) * 255)
        np.testing.assert_array_equal(prepared, expected)
    # Centring fits the strokes into 20 of 28 pixels: the rows and columns around them stay black.
    centred = datasets.prepare_example(drawing, center=True)[:, :, 0]
    rows, cols = np.nonzero(centred > 25)
    assert rows.max() - rows.min() <= 20 and cols.max() - cols.min() <= 20
    photo = np.random.default_rng(2).integers(0, 256, (50, 60, 3), dtype=np.uint8)
    assert datasets.prepare_example(photo, grayscale=False, image_size=16).shape == (16, 16, 3)


def test_from_examples_keeps_class_order_and_splits_every_class() -> None:
    examples = _set({"zebra": 10, "apple": 5, "mango": 20})
    dataset = datasets.from_examples(examples, image_size=24, seed=3)
    assert dataset.class_names == ["zebra", "apple", "mango"]
    assert dataset.image_shape == (24, 24, 1) and dataset.name == "my_classes"
    np.testing.assert_array_equal(dataset.class_counts("test"), [2, 1, 4])
    np.testing.assert_array_equal(dataset.class_counts("train"), [8, 4, 16])
    # Every image is its example prepared: the set of test images of "apple" are prepared apples.
    apples = {datasets.prepare_example(image, image_size=24).tobytes() for image in examples["apple"]}
    assert {image.tobytes() for image in dataset.x_test[dataset.y_test == 1]} <= apples
    again = datasets.from_examples(examples, image_size=24, seed=3)
    np.testing.assert_array_equal(again.x_test, dataset.x_test)
    assert not np.array_equal(datasets.from_examples(examples, image_size=24, seed=4).y_train, dataset.y_train)


@pytest.mark.parametrize(
    ("examples", "message"),
    [
        (_set({"only": 5}), "2 to 10 classes"),
        (_set({f"c{i}": 2 for i in range(11)}), "2 to 10 classes"),
        (_set({"a": 5, "b": 1}), "add at least 2"),
        (_set({"a": 5, "b": 201}), "limit is 200"),
        (_set({"a": 3, "A": 3}), "already a class"),
        (_set({"a/b": 3, "c": 3}), "cannot name a class"),
        (_set({"   ": 3, "c": 3}), "Give the class a name"),
    ],
)
def test_from_examples_refuses_what_cannot_train(examples, message: str) -> None:
    with pytest.raises(InputError, match=message):
        datasets.from_examples(examples)


def test_bad_settings_are_input_errors() -> None:
    examples = _set({"a": 3, "b": 3})
    with pytest.raises(InputError, match="8 to 128"):
        datasets.from_examples(examples, image_size=400)
    with pytest.raises(InputError, match="grayscale"):
        datasets.from_examples(examples, grayscale=False)
    with pytest.raises(InputError, match="test share"):
        datasets.from_examples(examples, test_fraction=1.0)
    with pytest.raises(InputError, match="grayscale or RGB"):
        my.keepable(np.zeros((4, 4, 2), np.uint8))


def test_zip_round_trip_keeps_classes_order_and_pixels() -> None:
    examples = {
        "zebra": [np.full((20, 30, 1), v, np.uint8) for v in (10, 200)],
        "apple": [np.random.default_rng(0).integers(0, 256, (300, 150, 3), dtype=np.uint8)] * 3,
    }
    data = datasets.to_zip(examples)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "zebra/001.png" in names and "apple/003.png" in names
    back = datasets.read_examples_zip(data)
    assert list(back) == ["zebra", "apple"]
    np.testing.assert_array_equal(back["zebra"][1], examples["zebra"][1])
    assert back["apple"][0].shape == (280, 140, 3)  # kept at most 280 pixels (the canvas) on the longer side
    np.testing.assert_array_equal(back["apple"][0], my.keepable(examples["apple"][0]))
    # The zip upload of the Datasets page reads the same layout.
    uploaded = datasets.load_zip(data)
    assert uploaded.class_names == ["apple", "zebra"] and len(uploaded.y_train) + len(uploaded.y_test) == 5


def test_read_examples_zip_skips_unsafe_members_and_refuses_bad_content() -> None:
    png = encode_png(np.zeros((8, 8, 1), np.uint8))
    back = datasets.read_examples_zip(
        zip_of(
            {"a/1.png": png, "../b/1.png": png, "loose.png": png, "b/x.txt": b"x", "b/2.png": png, ".hidden/1.png": png}
        )
    )
    assert {name: len(images) for name, images in back.items()} == {"a": 1, "b": 1}
    with pytest.raises(InputError, match="not a zip"):
        datasets.read_examples_zip(b"PK not really")
    with pytest.raises(InputError, match="no images in class folders"):
        datasets.read_examples_zip(zip_of({"loose.png": png}))
    with pytest.raises(InputError, match="a/1.png: This file is not an image"):
        datasets.read_examples_zip(zip_of({"a/1.png": b"\x89PNG but no"}))
    with pytest.raises(InputError, match="more than 10 class folders"):
        datasets.read_examples_zip(zip_of({f"c{i}/1.png": png for i in range(11)}))


def test_a_session_keeps_at_most_64_mb_of_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(my, "MAX_KEPT_BYTES", 3 * 80 * 80)
    png = encode_png(np.zeros((80, 80, 1), np.uint8))
    assert len(datasets.read_examples_zip(zip_of({f"a/{i}.png": png for i in range(3)}))["a"]) == 3
    with pytest.raises(InputError, match="a/3.png: Your examples already take 0 MB, close to the limit"):
        datasets.read_examples_zip(zip_of({f"a/{i}.png": png for i in range(4)}))


def test_augment_preview_moves_the_strokes_within_the_ranges() -> None:
    image = datasets.prepare_example(draw_shape("cross", np.random.default_rng(0)), center=True)
    np.testing.assert_array_equal(augment_preview(image, (), count=2), np.stack([image, image]))
    shifted = augment_preview(
        image, [{"type": "RandomTranslation", "height_factor": (0.2, 0.2), "width_factor": (0.0, 0.0)}], count=1
    )[0]
    # A fixed shift of 20 % of 28 rows (5.6) moves the centre of mass down by about that much.
    rows = np.arange(28)[:, None]
    moved = (rows * shifted[:, :, 0]).sum() / shifted.sum() - (rows * image[:, :, 0]).sum() / image.sum()
    assert 4.5 < moved < 6.5
    turned = augment_preview(image, [{"type": "RandomRotation", "factor": (0.25, 0.25)}], count=1)[0]
    np.testing.assert_allclose(turned[:, :, 0].astype(float), np.rot90(image[:, :, 0], 1).astype(float), atol=90)
    varied = augment_preview(image, [{"type": "RandomZoom", "height_factor": 0.3}], count=4, seed=1)
    assert len({v.tobytes() for v in varied}) == 4


def test_example_set_is_repeatable_and_prepares() -> None:
    first, second = example_set(("circle", "square"), 3, seed=5), example_set(("circle", "square"), 3, seed=5)
    assert list(first) == ["circle", "square"]
    np.testing.assert_array_equal(first["square"][2], second["square"][2])
    assert first["circle"][0].shape == (280, 280, 1) and first["circle"][0].max() == 255
