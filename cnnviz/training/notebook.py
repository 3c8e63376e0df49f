"""A training run as a Jupyter notebook that reproduces it in plain Keras (no ``cnnviz`` import).

:func:`to_notebook` writes the notebook a learner downloads from the layer builder or from a finished
run: it loads the same data (from ``CNNVIZ_DATA_DIR`` in the folder layout the app reads, else from
``keras.datasets`` or the NEU download), takes the same subset and validation split, rebuilds the
same network (the layer lines of :func:`cnnviz.architecture.model_lines`), trains it with the same
settings and random start, keeps the best validation epoch as the app does, evaluates it, plots the
curves and shows ``model.summary()``. Every value put into the code is validated first and written
with ``repr()``.
"""

from __future__ import annotations

import base64
import inspect
import io
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from cnnviz import architecture
from cnnviz.architecture.export import pretrained_layer_names
from cnnviz.architecture.pretrained import BASE_TITLES, base_weights
from cnnviz.datasets import NATIVE_SIZE, NEU_CLASSES, TITLES, canonical_name, load_size
from cnnviz.datasets.dataset import TEST_FRACTION, stratified_split
from cnnviz.datasets.digits import FASHION_MNIST, MNIST
from cnnviz.datasets.labelled import MAX_DEFAULT_SIDE, NEU_CODES, NEU_SPLIT_ORDER, NEU_WORDS
from cnnviz.errors import InputError
from cnnviz.options import OPTIMIZER_TITLES
from cnnviz.training.adapt import adapt_output
from cnnviz.training.config import PIXEL_ORDER_START, TrainConfig
from cnnviz.training.fit import fgsm_batch

NEU_URL = "http://faculty.neu.edu.cn/songkechen/zh_CN/zdylm/263270/list/index.htm"
CLASS_NAMES = {
    "mnist": list(MNIST.class_names),
    "fashion_mnist": list(FASHION_MNIST.class_names),
    "neu": list(NEU_CLASSES),
}
FOLDERS = {"mnist": list(MNIST.folders), "fashion_mnist": list(FASHION_MNIST.folders), "neu": ["neu"]}
KERAS_LOADERS = {
    "mnist": "keras.datasets.mnist.load_data()",
    "fashion_mnist": "keras.datasets.fashion_mnist.load_data()",
}

# The app's own split, copied into the notebook so it holds no cnnviz import: the same seed, the same images.
_SPLITS = f"TEST_FRACTION = {TEST_FRACTION!r}\n\n\n" + inspect.getsource(stratified_split)

_DIGITS = '''\
def read_idx(path):
    """An IDX file (gzipped or not) as a uint8 array: images (N, 28, 28) or labels (N,)."""
    data = (gzip.open if path.suffix == ".gz" else open)(path, "rb").read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def find_idx(folder, split, kind):
    """train-images-idx3-ubyte.gz, or a subset such as train-5k-images-idx3-ubyte.gz (the full set first)."""
    found = sorted(folder.glob(f"{split}*-{kind}-idx*-ubyte*"), key=lambda p: (p.name.count("-"), p.name))
    return found[0] if found else None


def load_data():
    root = os.environ.get("CNNVIZ_DATA_DIR")
    for name in FOLDERS if root else []:
        folder = Path(root, name)
        files = [find_idx(folder, split, kind) for split in ("train", "t10k") for kind in ("images", "labels")]
        if folder.is_dir() and all(files):
            print("Reading the IDX files in", folder)
            return tuple(read_idx(path) for path in files)
    print("No data folder: Keras downloads the dataset (needs the internet once).")
    (x_train, y_train), (x_test, y_test) = {loader}
    return x_train, y_train, x_test, y_test


x_train, y_train, x_test, y_test = load_data()
order = np.random.default_rng(0).permutation(len(y_train))  # the app shuffles the training set once
x_train, y_train = x_train[order], y_train[order]  # order[i]: where image i stands in the file
'''

_NEU = '''\
# Class numbers as in the course's NEU notebook: 0 = scratches, …, 5 = crazing (CLASS_NAMES above).
NEU_CODES = {neu_codes}
NEU_WORDS = {neu_words}


def neu_class(path):
    """The class of a NEU image from its file name (crazing_12.jpg, Cr_12.bmp) or its folder; None if neither."""
    for label in (re.sub(r"[\\s_-]*\\d+$", "", path.stem), path.parent.name):
        words = label.lower().replace("_", " ").replace("-", " ").strip()
        if words in NEU_CODES:
            return NEU_CODES[words]
        match = [i for i, word in enumerate(NEU_WORDS) if words.startswith(word)]
        if match:
            return match[0]
    return None


def load_data():
    root = os.environ.get("CNNVIZ_DATA_DIR")
    folder = Path(root or ".", "neu")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".bmp"}
                   and neu_class(p) is not None)
    if not files:
        raise FileNotFoundError(
            f"No NEU images in {folder}. Download the NEU surface defect database ({neu_url}), "
            "put its images (crazing_1.jpg ... or Cr_1.bmp ...) into that folder, or set CNNVIZ_DATA_DIR "
            "to a folder that holds neu/.")
    print(f"Reading {len(files):,} NEU images from {folder}")
    images = np.stack([np.asarray(keras.utils.load_img(p, color_mode="grayscale", target_size=(SIDE, SIDE),
                                                       interpolation="box")) for p in files])
    labels = np.array([neu_class(p) for p in files], np.int64)
    # The app's 80/20 split within each class (its classes drawn in the order of their names).
    train, test = stratified_split(labels, 0, 0.2, {split_order})
    return images[train], labels[train], images[test], labels[test]


x_train, y_train, x_test, y_test = load_data()
order = np.arange(len(y_train))  # NEU's images have no file order: the split's own order
'''


_RESIZE = '''\
def resized(images):
    """uint8 (N, 28, 28) images averaged down (or up) to SIDE × SIDE, as the Training page resizes them."""
    out = keras.ops.image.resize(images[..., None], (SIDE, SIDE), interpolation="area")
    return keras.ops.convert_to_numpy(out)[..., 0].round().astype(np.uint8)


if x_train.shape[1] != SIDE:
    x_train, x_test = resized(x_train), resized(x_test)
'''


def _code(lines: str | Sequence[str]) -> dict[str, Any]:
    text = lines if isinstance(lines, str) else "\n".join(lines)
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": text.rstrip("\n").splitlines(keepends=True),
    }


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n").splitlines(keepends=True)}


def _side(name: str, image_size: int | None) -> int:
    if image_size is None:
        return min(NATIVE_SIZE[name], MAX_DEFAULT_SIDE)
    if isinstance(image_size, bool) or not isinstance(image_size, int) or not 8 <= image_size <= MAX_DEFAULT_SIDE:
        raise InputError(f"The image size must be a whole number from 8 to {MAX_DEFAULT_SIDE}, not {image_size!r}")
    return image_size


def to_notebook(
    stack: Sequence[Mapping[str, Any]], dataset_name: str, config: TrainConfig, *, image_size: int | None = None
) -> str:
    """The notebook (nbformat 4 JSON) that trains ``stack`` on ``dataset_name`` with ``config`` in plain Keras.

    ``image_size`` resizes the images to that many pixels squared, as on the Training page (``None``:
    the native 28 or 200). The output layer is adapted to the classes exactly as :func:`train` does.
    Raises :class:`InputError` for an unknown dataset, an invalid config or a stack that does not fit.
    """
    name = canonical_name(dataset_name)
    config.validate()
    side = _side(name, image_size)
    shape = (side, side, 1)
    architecture.summarize(stack, shape)  # a clear StackError for anything that is not a valid stack
    adapted, notes = adapt_output(stack, shape, len(CLASS_NAMES[name]))
    params = architecture.totals(architecture.summarize(adapted, shape)).params
    cells = [
        *_opening_cells(TITLES[name], params, config.seed),
        _markdown(_SETTINGS_TEXT),
        _code(_settings(config, side, name)),
        _markdown(_data_text(name, TITLES[name])),
        _code(_SPLITS + "\n\n" + _data_code(name)),
        _markdown(_SPLIT_TEXT),
        _code(_split_code(side)),
        _markdown(_network_text(notes)),
        _code(architecture.model_lines(adapted, shape) + ["model.summary()"]),
        *_pretrained_cells(adapted, shape),
        _markdown(_training_text(config)),
        _code(_training_code(config)),
        *_closing_cells(),
    ]
    return _notebook_json(cells)


_SETTINGS_TEXT = """
## 1 · The settings

Every number CNN Explorer's Training page used. The *random start* fixes the shuffle, the subset, the
validation split and the initial weights, so the run repeats.
"""
_SPLIT_TEXT = """
## 3 · Training and validation images

The app trains on a random subset when asked (the same share of every class), and holds out a share
of every class for validation: images the network never trains on, to watch it over-fit. Pixels are
scaled from 0–255 to 0–1.
"""


def _opening_cells(title: str, params: int, seed: int) -> list[dict[str, Any]]:
    """The title, what the notebook does, and the imports with the random start."""
    return [
        _markdown(f"""
# A CNN on {title}, as trained in CNN Explorer

This notebook repeats a training run of CNN Explorer in plain Keras: the same data, the same network
({params:,} parameters), the same settings and the same random start. Run the cells from top to bottom
(*Run All*). It needs `pip install keras tensorflow numpy plotly`.
"""),
        _code(
            [
                "import gzip",
                "import os",
                "import re",
                "from pathlib import Path",
                "",
                "import keras",
                "import numpy as np",
                "from keras import layers",
                "",
                f"keras.utils.set_random_seed({seed!r})",
                'print("Keras", keras.__version__)',
            ]
        ),
    ]


def _closing_cells() -> list[dict[str, Any]]:
    """The test-set evaluation and the learning curves."""
    return [
        _markdown("""
## 6 · Evaluate on the test set

Images that played no part in training or in choosing the epoch.
"""),
        _code(
            [
                "# fit_model is model itself, or model behind augmentation layers that are off outside training",
                "test_loss, test_accuracy = fit_model.evaluate(x_test, targets(y_test), batch_size=500, verbose=0)",
                'print(f"Test accuracy: {test_accuracy:.4f}   test loss: {test_loss:.4f}")',
            ]
        ),
        _markdown("""
## 7 · The learning curves

Training (solid) against validation (dashed): when the validation loss turns up while the training loss
keeps falling, the network has started to memorise its training images.
"""),
        _code(_PLOT),
    ]


def _notebook_json(cells: list[dict[str, Any]]) -> str:
    """The cells as an nbformat 4.5 notebook (each cell with its id), JSON text."""
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1) + "\n"


def _settings(config: TrainConfig, side: int, name: str) -> list[str]:
    return [
        f"EPOCHS = {config.epochs!r}",
        f"BATCH_SIZE = {config.batch_size!r}",
        f"OPTIMIZER = {config.optimizer!r}  # adam, sgd or rmsprop",
        f"LEARNING_RATE = {config.learning_rate!r}",
        f"COSINE_DECAY = {config.cosine_decay!r}  # lower the rate along a cosine to 2 % by the last epoch",
        f"VALIDATION_SPLIT = {config.validation_split!r}  # share of every class held out",
        f"EARLY_STOPPING_PATIENCE = {config.early_stopping_patience!r}  # None = train every epoch",
        f"MAX_TRAIN_SAMPLES = {config.max_train_samples!r}  # None = every training image",
        f"KEEP_BEST = {config.keep_best!r}  # end with the weights of the lowest validation loss (a checkpoint)",
        f"VALIDATION_FIRST = {config.validation_first!r}  # None, or hold out the first images of the files instead",
        f"LOSS = {config.loss!r}  # categorical_crossentropy takes one-hot labels",
        f"SHUFFLE_PIXELS = {config.shuffle_pixels!r}  # put every image's pixels in one fixed random order",
        f"ADVERSARIAL_EPSILON = {config.adversarial_epsilon!r}  # > 0: also train on FGSM copies of this strength",
        f"RANDOM_START = {config.seed!r}",
        f"SIDE = {side!r}  # images are SIDE × SIDE pixels, one channel",
        f"CLASS_NAMES = {CLASS_NAMES[name]!r}",
        f"FOLDERS = {FOLDERS[name]!r}  # where the data folder may hold the files",
    ]


def _data_text(name: str, title: str) -> str:
    where = (
        "the four IDX files (`train-images-idx3-ubyte.gz` …, or a subset such as `train-5k-…`) in "
        f"`$CNNVIZ_DATA_DIR/{FOLDERS[name][0]}/`; without that folder Keras downloads them once"
        if name != "neu"
        else "the images in `$CNNVIZ_DATA_DIR/neu/` (`crazing_1.jpg` …, `Cr_1.bmp` … or one sub-folder per "
        f"class); the NEU database is not in Keras, download it from [Northeastern University]({NEU_URL})"
    )
    return f"""
## 2 · Load {title}

The same folder layout CNN Explorer reads, so this works offline in a classroom: {where}.
"""


def _data_code(name: str) -> str:
    if name == "neu":
        values = {
            "neu_url": NEU_URL,
            "neu_codes": repr(NEU_CODES),
            "neu_words": repr(NEU_WORDS),
            "split_order": repr(NEU_SPLIT_ORDER),
        }
        code = _NEU
        for name, value in values.items():
            code = code.replace("{" + name + "}", value)
        return code
    code = _DIGITS.replace("{loader}", KERAS_LOADERS[name])
    return code + _RESIZE


def _split_code(side: int) -> list[str]:
    return [
        "labels = np.asarray(y_train)",
        "chosen = np.random.default_rng(RANDOM_START).permutation(len(labels))",
        "if MAX_TRAIN_SAMPLES is not None and MAX_TRAIN_SAMPLES < len(labels):",
        "    _, picked = stratified_split(labels, RANDOM_START, MAX_TRAIN_SAMPLES / len(labels))",
        "    chosen = picked if len(picked) else chosen[:MAX_TRAIN_SAMPLES]",
        "if VALIDATION_FIRST:  # the first images of the files, as the Fashion-MNIST notebook's x_train[:5000]",
        "    first = order[chosen] < VALIDATION_FIRST",
        "    fit_part, val_part = np.flatnonzero(~first), np.flatnonzero(first)",
        "elif VALIDATION_SPLIT:",
        "    fit_part, val_part = stratified_split(labels[chosen], RANDOM_START + 1, VALIDATION_SPLIT)",
        "else:",
        "    fit_part, val_part = np.random.default_rng(RANDOM_START).permutation(len(chosen)), []",
        "",
        "def scaled(images):",
        '    return images.astype("float32")[..., None] / 255',
        "",
        "x_fit, y_fit = scaled(x_train[chosen[fit_part]]), labels[chosen[fit_part]].astype(np.int64)",
        "validation = None",
        "if len(val_part):",
        "    validation = (scaled(x_train[chosen[val_part]]), labels[chosen[val_part]].astype(np.int64))",
        "x_test, y_test = scaled(x_test), np.asarray(y_test, np.int64)",
        "if SHUFFLE_PIXELS:  # one fixed order for every image: the same pixels, their neighbours gone",
        f"    pixel_order = np.random.default_rng({PIXEL_ORDER_START!r}).permutation(SIDE * SIDE)",
        "    def shuffle(x):",
        "        return x.reshape(len(x), SIDE * SIDE, 1)[:, pixel_order].reshape(x.shape)",
        "    x_fit, x_test = shuffle(x_fit), shuffle(x_test)",
        "    if validation is not None:",
        "        validation = (shuffle(validation[0]), validation[1])",
        'print(f"{len(y_fit):,} training, {len(val_part):,} validation and {len(y_test):,} test images "',
        f'      "of {side}×{side} pixels")',
    ]


def _network_text(notes: list[str]) -> str:
    adapted = "".join(f"\n- {note}" for note in notes)
    changed = " The app changed the stack for this:\n" if notes else ""
    return f"""
## 4 · The network

Each line is one layer, with the shape of its output for one image. The last layer has one unit per
class and a softmax, so the network outputs class probabilities.{changed}{adapted}
"""


def _pretrained_cells(stack: Sequence[Mapping[str, Any]], shape: tuple[int, int, int]) -> list[dict[str, Any]]:
    """For each Pretrained entry: the demo network's weights, written into the notebook, copied into its layers.

    The weights travel inside the notebook (float32 arrays in an ``.npz``, base64 text: about 0.75 MB
    for the MNIST base, 0.35 MB for Fashion-MNIST's) so it runs offline without CNN Explorer.
    """
    cells = []
    for model, entry, pairs in pretrained_layer_names(stack, shape):
        names = tuple(ours for ours, _ in pairs)
        text, count = _weights_text(model, names)
        cells += [
            _markdown(f"""
### The reused part's weights

`{entry}` is the convolutional part of CNN Explorer's {BASE_TITLES[model]} demo network. Its weights,
as that network learned them, are written below (float32 arrays in an `.npz` file, as base64 text) and
copied into its layers, so this notebook needs nothing but Keras.
"""),
            _code(
                [
                    "import base64",
                    "import io",
                    "",
                    f"WEIGHTS = {text!r}",
                    "arrays = np.load(io.BytesIO(base64.b64decode(WEIGHTS)))",
                    f"for name in {list(names)!r}:",
                    "    layer = model.get_layer(name)",
                    '    layer.set_weights([arrays[f"{name}/{index}"] for index in range(len(layer.weights))])',
                    f'print("Weights of the reused layers set:", {count!r}, "arrays")',
                ]
            ),
        ]
    return cells


@lru_cache(maxsize=4)
def _weights_text(model: str, names: tuple[str, ...]) -> tuple[str, int]:
    """The base's weights as base64 text of an ``.npz`` (arrays ``<layer name>/<index>``), and their count."""
    arrays = {
        f"{ours}/{index}": weight
        for ours, weights in zip(names, base_weights(model), strict=True)
        for index, weight in enumerate(weights)
    }
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), len(arrays)


def _training_text(config: TrainConfig) -> str:
    optimizer = OPTIMIZER_TITLES[config.optimizer]
    loss = (
        "categorical cross-entropy on one-hot labels"
        if config.loss == "categorical_crossentropy"
        else ("sparse categorical cross-entropy on the class numbers")
    )
    parts = [
        f"{config.epochs} epoch{'s' if config.epochs != 1 else ''} of batches of {config.batch_size} images, "
        f"{optimizer} minimising the {loss}"
    ]
    if config.augmentation:
        parts.append("training batches pass through random augmentation layers first (not validation or test)")
    if config.keep_best:
        parts.append(
            "after every epoch the weights with the lowest validation loss so far are kept "
            "(the checkpoint), and the model ends with them"
        )
    if config.early_stopping_patience:
        parts.append(
            f"training stops when the validation loss has not improved for {config.early_stopping_patience} "
            "epochs, and the model goes back to its best epoch"
        )
    if config.adversarial_epsilon:
        parts.append(
            "every batch is trained on together with its FGSM copy (adversarial training, Goodfellow et al. "
            "2015): each pixel moved by ε in the direction that raises the loss fastest"
        )
    text = "; ".join(parts)
    return "\n## 5 · Train\n\n" + text[0].upper() + text[1:] + ".\n"


def _training_code(config: TrainConfig) -> list[str]:
    lines = [
        "steps = -(-len(y_fit) // BATCH_SIZE)",
        "rate = LEARNING_RATE",
        "if COSINE_DECAY:",
        "    rate = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=EPOCHS * steps, alpha=0.02)",
        'optimizers = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,',
        '              "rmsprop": keras.optimizers.RMSprop}',
        "",
        "fit_model = model",
        "",
        "def targets(labels):",
        '    """Class numbers, or one-hot rows for categorical cross-entropy (keras.utils.to_categorical)."""',
        '    if LOSS == "categorical_crossentropy":',
        "        return keras.utils.to_categorical(labels, len(CLASS_NAMES))",
        "    return labels",
        "",
    ]
    if config.augmentation:
        layers = [{k: v for k, v in spec.items() if k != "type"} for spec in config.augmentation]
        lines += [
            "# Augmentation layers act on training batches only; fit_model shares model's weights.",
            "inputs = keras.Input((SIDE, SIDE, 1))",
            "x = inputs",
            *(
                f"x = layers.{spec['type']}(seed=RANDOM_START + {position}, **{kwargs!r})(x)"
                for position, (spec, kwargs) in enumerate(zip(config.augmentation, layers, strict=True), start=1)
            ),
            "fit_model = keras.Model(inputs, model(x))",
        ]
    if config.adversarial_epsilon:
        lines += _ADVERSARIAL.splitlines()
    lines += [
        "fit_model.compile(optimizer=optimizers[OPTIMIZER](learning_rate=rate),",
        '                  loss=LOSS, metrics=["accuracy"])',
        "fit_validation = None if validation is None else (validation[0], targets(validation[1]))",
        "callbacks = []",
        "if KEEP_BEST and validation is not None:  # the checkpoint: keep the best validation epoch's weights",
        '    callbacks.append(keras.callbacks.ModelCheckpoint("best.weights.h5", monitor="val_loss",',
        "                                                     save_best_only=True, save_weights_only=True))",
        "if EARLY_STOPPING_PATIENCE and validation is not None:",
        '    callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=EARLY_STOPPING_PATIENCE,',
        "                                                   restore_best_weights=True))",
        "history = fit_model.fit(x_fit, targets(y_fit), batch_size=BATCH_SIZE, epochs=EPOCHS, shuffle=True,",
        "                        validation_data=fit_validation, callbacks=callbacks, verbose=2).history",
        "if validation is not None and (KEEP_BEST or EARLY_STOPPING_PATIENCE):",
        "    if KEEP_BEST:",
        '        fit_model.load_weights("best.weights.h5")  # model shares these weights',
        '    best = int(np.argmin(history["val_loss"])) + 1',
        "    print(f\"The model keeps epoch {best} of {len(history['loss'])}, the lowest validation loss.\")",
    ]
    return lines


# The app's own adversarial step (cnnviz.training.fit.fgsm_batch), copied so the notebook holds no cnnviz import.
_ADVERSARIAL = (
    "\n# Adversarial training: the FGSM copy of every batch is trained on too (validation and test stay clean).\n"
    + "import tensorflow as tf\n\n\n"
    + inspect.getsource(fgsm_batch)
    + """

class FgsmTraining(keras.Model):
    \"\"\"Trains on every batch and on its FGSM copy; shares fit_model's weights.\"\"\"

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def call(self, x, training=False):
        return self.inner(x, training=training)

    def train_step(self, data):
        return super().train_step(fgsm_batch(self.inner, data[0], data[1], ADVERSARIAL_EPSILON))


fit_model = FgsmTraining(fit_model)
"""
)

_PLOT = """\
import plotly.graph_objects as go
from plotly.subplots import make_subplots

figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"))
epochs = list(range(1, len(history["loss"]) + 1))
for column, metric in enumerate(("loss", "accuracy"), start=1):
    figure.add_trace(go.Scatter(x=epochs, y=history[metric], name=f"training {metric}"), row=1, col=column)
    if f"val_{metric}" in history:
        figure.add_trace(go.Scatter(x=epochs, y=history[f"val_{metric}"], name=f"validation {metric}",
                                    line={"dash": "dash"}), row=1, col=column)
figure.update_xaxes(title_text="epoch")
figure.show()
"""


def notebook_dataset(input_shape: Sequence[int], dataset: str | None = None) -> tuple[str, int | None] | None:
    """``(dataset name, image_size)`` a notebook can train an input of this shape on, or None (colour input,
    a non-square or too large image, an uploaded dataset). ``dataset`` is the run's own dataset, if any;
    without one, small sides (≤ 32) are MNIST and larger ones NEU."""
    height, width, channels = (int(v) for v in input_shape)
    if channels != 1 or height != width or not 8 <= height <= MAX_DEFAULT_SIDE:
        return None
    name = dataset or ("mnist" if height <= 32 else "neu")
    if name not in NATIVE_SIZE:
        return None
    return name, load_size(name, height)
