"""Train the small demo models shipped in ``cnnviz/pretrained/`` and write their model cards.

A build script, run from the repository root (the app only loads the results, through
:func:`cnnviz.inspection.load_pretrained` and :func:`cnnviz.inspection.pretrained_card`):

    CNNVIZ_DATA_DIR=../shared/datasets python -m scripts.pretrain mnist
    CNNVIZ_DATA_DIR=../shared/datasets python -m scripts.pretrain fashion_mnist
    CNNVIZ_DATA_DIR=../shared/datasets python -m scripts.pretrain neu

``python -m scripts.pretrain neu --renumber`` renumbers a shipped model's classes to the dataset's order
without retraining (:func:`renumber`: the output layer's columns are permuted, nothing else changes).

Each recipe is a small Keras CNN in a few readable lines. It trains on the training split only, with
on-the-fly augmentation (shifts, rotations, zoom, flips, stroke thickness); a validation split carved
from the training images picks the best epoch; the test split is used once, at the end, to score the
model. The result is ``<name>.keras`` (weights and architecture, no optimizer state) and
``<name>.json``, the model card the app shows: data used, recipe, test accuracy, date.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.datasets.dataset import stratified_split
from cnnviz.inspection import PRETRAINED_DIR


@dataclass(frozen=True)
class Augmentation:
    """Random changes applied to every training batch (fractions of the image size, degrees)."""

    rotation_degrees: float = 0.0
    shift: float = 0.0
    zoom: float = 0.0
    flip: str | None = None  # "horizontal", "vertical", "horizontal_and_vertical"
    thickness: float = 0.0  # probability of thicker strokes, and again of thinner ones
    contrast: float = 0.0  # ± fraction of contrast and of brightness (lighting of photographed surfaces)
    fill_mode: str = "constant"


@dataclass(frozen=True)
class Recipe:
    """How one demo model is built and trained."""

    title: str
    build: Callable[[tuple[int, int, int], int], Any]
    epochs: int
    batch_size: int
    learning_rate: float
    augmentation: Augmentation = field(default_factory=Augmentation)
    validation_fraction: float = 0.1
    image_size: int | None = None
    seed: int = 0


def _mnist_net(input_shape: tuple[int, int, int], classes: int):
    """VGG-style 3×3 convolutions in three stages, global average pooling and one softmax layer.

    Global average pooling instead of Flatten + a big Dense layer keeps the model small (a few
    hundred KB) and makes Grad-CAM maps follow the strokes: each class score is then a weighted
    sum of the last feature maps, averaged over positions.
    """
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv3"),
            layers.Conv2D(64, 3, padding="same", activation="relu", name="conv4"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2D(128, 3, padding="same", activation="relu", name="conv5"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dropout(0.3, name="dropout"),
            layers.Dense(classes, activation="softmax", name="output"),
        ],
        name="mnist_demo",
    )


def _fashion_net(input_shape: tuple[int, int, int], classes: int):
    """The MNIST network with batch normalisation after each convolution (textures need it more)."""
    import keras
    from keras import layers

    def conv(filters: int, name: str) -> list:
        return [
            layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name),
            layers.BatchNormalization(name=f"{name}_bn"),
            layers.Activation("relu", name=f"{name}_relu"),
        ]

    return keras.Sequential(
        [
            keras.Input(input_shape),
            *conv(32, "conv1"),
            *conv(32, "conv2"),
            layers.MaxPooling2D(2, name="pool1"),
            *conv(64, "conv3"),
            *conv(64, "conv4"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.4, name="dropout1"),
            layers.Dense(128, activation="relu", name="dense"),
            layers.Dropout(0.4, name="dropout2"),
            layers.Dense(classes, activation="softmax", name="output"),
        ],
        name="fashion_mnist_demo",
    )


def _neu_net(input_shape: tuple[int, int, int], classes: int):
    """Four conv/BN/ReLU/pool blocks on 64×64 steel images, global average pooling, softmax."""
    import keras
    from keras import layers

    blocks = []
    for index, filters in enumerate((32, 64, 128, 128), start=1):
        blocks += [
            layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{index}"),
            layers.BatchNormalization(name=f"conv{index}_bn"),
            layers.Activation("relu", name=f"conv{index}_relu"),
            layers.MaxPooling2D(2, name=f"pool{index}"),
        ]
    return keras.Sequential(
        [
            keras.Input(input_shape),
            *blocks,
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dropout(0.3, name="dropout"),
            layers.Dense(classes, activation="softmax", name="output"),
        ],
        name="neu_demo",
    )


RECIPES: dict[str, Recipe] = {
    "mnist": Recipe(
        title="Handwritten digits (MNIST)",
        build=_mnist_net,
        epochs=60,
        batch_size=64,
        learning_rate=2e-3,
        augmentation=Augmentation(rotation_degrees=12, shift=0.12, zoom=0.15, thickness=0.25),
    ),
    "fashion_mnist": Recipe(
        title="Clothing (Fashion-MNIST)",
        build=_fashion_net,
        epochs=20,
        batch_size=128,
        learning_rate=2e-3,
        augmentation=Augmentation(shift=0.08, flip="horizontal"),
    ),
    "neu": Recipe(
        title="Steel surface defects (NEU)",
        build=_neu_net,
        epochs=80,
        batch_size=32,
        learning_rate=2e-3,
        augmentation=Augmentation(
            rotation_degrees=10,
            shift=0.1,
            zoom=0.1,
            flip="horizontal_and_vertical",
            contrast=0.2,
            fill_mode="reflect",
        ),
        image_size=64,
    ),
}


def _augmenter(augmentation: Augmentation, seed: int):
    """A function ``images -> images`` (float batches in [0, 1]) applying random changes."""
    import keras
    import tensorflow as tf

    steps = []
    if augmentation.flip:
        steps.append(keras.layers.RandomFlip(augmentation.flip, seed=seed))
    if augmentation.rotation_degrees:
        steps.append(
            keras.layers.RandomRotation(
                augmentation.rotation_degrees / 360, fill_mode=augmentation.fill_mode, seed=seed + 1
            )
        )
    if augmentation.zoom:
        steps.append(keras.layers.RandomZoom(augmentation.zoom, fill_mode=augmentation.fill_mode, seed=seed + 2))
    if augmentation.shift:
        steps.append(
            keras.layers.RandomTranslation(
                augmentation.shift, augmentation.shift, fill_mode=augmentation.fill_mode, seed=seed + 3
            )
        )
    if augmentation.contrast:
        steps.append(keras.layers.RandomContrast(augmentation.contrast, value_range=(0, 1), seed=seed + 5))
        steps.append(keras.layers.RandomBrightness(augmentation.contrast, value_range=(0, 1), seed=seed + 6))
    geometry = keras.Sequential(steps) if steps else None
    generator = tf.random.Generator.from_seed(seed + 4)

    def augment(images):
        if geometry is not None:
            images = geometry(images, training=True)
        if augmentation.thickness:
            # Canvas strokes are thinner or thicker than MNIST's pen: grow or shrink some strokes by a pixel.
            draw = generator.uniform([tf.shape(images)[0], 1, 1, 1])
            thicker = tf.nn.max_pool2d(images, 2, 1, "SAME")
            thinner = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
            images = tf.where(draw < augmentation.thickness, thicker, images)
            images = tf.where(draw > 1 - augmentation.thickness, thinner, images)
        return tf.clip_by_value(images, 0.0, 1.0)

    return augment


def train_recipe(name: str, dataset: Any, *, epochs: int | None = None, verbose: int = 2):
    """Train recipe ``name`` on ``dataset`` (a :class:`cnnviz.datasets.Dataset`); return (model, card).

    Only ``x_train``/``y_train`` are used for fitting and model selection; ``x_test``/``y_test`` are
    evaluated once at the end for the card's test accuracy.
    """
    import keras
    import tensorflow as tf

    recipe = RECIPES[name]
    epochs = epochs or recipe.epochs
    keras.utils.set_random_seed(recipe.seed)
    x = dataset.x_train.astype(np.float32) / 255.0
    y = np.asarray(dataset.y_train, dtype=np.int64)
    train_idx, val_idx = stratified_split(y, recipe.seed, test_fraction=recipe.validation_fraction)
    augment = _augmenter(recipe.augmentation, recipe.seed)
    train_data = (
        tf.data.Dataset.from_tensor_slices((x[train_idx], y[train_idx]))
        .shuffle(len(train_idx), seed=recipe.seed, reshuffle_each_iteration=True)
        .batch(recipe.batch_size)
        .map(lambda images, labels: (augment(images), labels))
        .prefetch(2)
    )
    height, width, channels = (int(s) for s in x.shape[1:])
    input_shape = (height, width, channels)
    model = recipe.build(input_shape, len(dataset.class_names))
    steps = epochs * int(np.ceil(len(train_idx) / recipe.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(recipe.learning_rate, steps, alpha=0.02)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    best = keras.callbacks.EarlyStopping(monitor="val_loss", patience=epochs, restore_best_weights=True)
    started = time.perf_counter()
    history = model.fit(
        train_data,
        validation_data=(x[val_idx], y[val_idx]),
        epochs=epochs,
        callbacks=[best],
        verbose=verbose,
        shuffle=False,  # the tf.data pipeline shuffles
    )
    seconds = time.perf_counter() - started
    x_test = dataset.x_test.astype(np.float32) / 255.0
    test_loss, test_accuracy = model.evaluate(x_test, np.asarray(dataset.y_test), verbose=0)
    card = {
        "name": name,
        "title": recipe.title,
        "class_names": list(dataset.class_names),
        "input_shape": list(input_shape),
        "preprocessing": "pixel values / 255 (float32 in [0, 1])",
        "data": {
            "source": str(dataset.source),
            "train_images": int(len(train_idx)),
            "validation_images": int(len(val_idx)),
            "test_images": int(len(dataset.y_test)),
        },
        "recipe": {
            "epochs": epochs,
            "best_epoch": int(best.best_epoch) + 1,
            "batch_size": recipe.batch_size,
            "optimizer": f"Adam, cosine decay from {recipe.learning_rate:g}",
            "loss": "sparse categorical cross-entropy",
            "augmentation": asdict(recipe.augmentation),
            "validation": f"{recipe.validation_fraction:.0%} of every class, carved from train",
            "random_start": recipe.seed,
            "command": f"python -m scripts.pretrain {name}",
        },
        "layers": [
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": list(layer.output.shape[1:]),
                "params": int(layer.count_params()),
            }
            for layer in model.layers
        ],
        "params": int(model.count_params()),
        "test_accuracy": round(float(test_accuracy), 4),
        "test_loss": round(float(test_loss), 4),
        "final_val_accuracy": round(float(history.history["val_accuracy"][-1]), 4),
        "training_seconds": round(seconds),
        "date": datetime.date.today().isoformat(),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
    }
    return model, card


def save(model: Any, card: dict, out_dir: Path = PRETRAINED_DIR) -> Path:
    """Write ``<name>.keras`` without optimizer state (a third of the size) and ``<name>.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    bare = type(model).from_config(model.get_config())  # uncompiled: no optimizer slots in the file
    bare.set_weights(model.get_weights())
    path = out_dir / f"{card['name']}.keras"
    bare.save(path)
    card = {**card, "file_kilobytes": round(path.stat().st_size / 1024)}
    (out_dir / f"{card['name']}.json").write_text(json.dumps(card, indent=2) + "\n")
    return path


def renumber(model: Any, old_names: list[str], new_names: list[str]) -> Any:
    """``model`` with its classes numbered as ``new_names``: the last Dense layer's kernel columns and bias
    entries permuted, so output ``j`` is the old output of class ``new_names[j]`` (exactly: no retraining)."""
    if sorted(old_names) != sorted(new_names):
        raise ValueError(f"{new_names} are not the classes {old_names} in another order")
    head = next(layer for layer in reversed(model.layers) if type(layer).__name__ == "Dense")
    order = [old_names.index(name) for name in new_names]
    kernel, bias = head.get_weights()
    head.set_weights([kernel[:, order], bias[order]])
    return model


def renumber_shipped(name: str, class_names: list[str], out_dir: Path = PRETRAINED_DIR) -> Path:
    """Rewrite the shipped model ``name`` and its card with its classes numbered as ``class_names``."""
    from cnnviz.inspection import load_pretrained, pretrained_card

    card = pretrained_card(name)
    model = renumber(load_pretrained(name), card["class_names"], class_names)
    return save(model, {**card, "class_names": list(class_names)}, out_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=sorted(RECIPES))
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe (quick trials)")
    parser.add_argument("--out", type=Path, default=PRETRAINED_DIR)
    parser.add_argument("--renumber", action="store_true", help="renumber the shipped model's classes, no training")
    args = parser.parse_args(argv)

    from dataclasses import replace

    from cnnviz import datasets

    recipe = RECIPES[args.name]
    if args.renumber:
        names = datasets.NEU_CLASSES if args.name == "neu" else datasets.load(args.name).class_names
        print(f"renumbered: wrote {renumber_shipped(args.name, list(names), args.out)}")
        return
    dataset = datasets.load(args.name, image_size=recipe.image_size, seed=recipe.seed)
    data_dir = os.environ.get(datasets.DATA_DIR_ENV)
    if data_dir:  # the card names the folder as the variable, not as this machine's path
        dataset = replace(dataset, source=dataset.source.replace(str(Path(data_dir)), f"${datasets.DATA_DIR_ENV}"))
    print(f"{args.name}: {len(dataset.y_train)} train / {len(dataset.y_test)} test from {dataset.source}")
    model, card = train_recipe(args.name, dataset, epochs=args.epochs)
    path = save(model, card, args.out)
    print(f"test accuracy {card['test_accuracy']:.4f}; wrote {path} ({path.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
