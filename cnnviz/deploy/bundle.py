"""A download: the exported model, a README saying exactly what goes in and comes out, and a short
Python example (``predict.py``) that runs it in that format's runtime, all in one zip.

Class names reach the example only through ``repr()``; the README is plain Markdown.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.deploy.check import ExportCheck
from cnnviz.deploy.export import CALIBRATION_IMAGES, INPUT_NAME, OUTPUT_NAME, export_model
from cnnviz.deploy.formats import ExportFormat, export_format
from cnnviz.errors import InputError
from cnnviz.inspection import input_shape
from cnnviz.text import shape_text

README_NAME = "README.md"
EXAMPLE_NAME = "predict.py"
MAX_CLASS_NAME = 100  # characters of one class name
MAX_NOTE = 500  # characters of the title or the input note

# Per runtime: the import line and the lines that turn `image` into `scores` (one image's outputs).
_RUNS: dict[str, tuple[str, list[str]]] = {
    "keras": (
        "import keras",
        ["model = keras.saving.load_model(MODEL, compile=False)", "scores = model.predict(image, verbose=0)[0]"],
    ),
    "tensorflow": (
        "import tensorflow as tf",
        ["model = tf.saved_model.load(str(MODEL))", "scores = model.serve(tf.constant(image)).numpy()[0]"],
    ),
    "ai-edge-litert": (
        "from ai_edge_litert.interpreter import Interpreter",
        [
            "run = Interpreter(model_path=str(MODEL)).get_signature_runner()",
            f"scores = list(run({INPUT_NAME}=image).values())[0][0]",
        ],
    ),
    "onnxruntime": (
        "import onnxruntime",
        [
            'session = onnxruntime.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])',
            f"scores = session.run(None, {{{INPUT_NAME!r}: image}})[0][0]",
        ],
    ),
}


def bundle(
    model: Any,
    fmt: str,
    class_names: Sequence[str],
    *,
    export_path: str | Path | None = None,
    check: ExportCheck | None = None,
    title: str = "",
    input_note: str = "",
    calibration_images: np.ndarray | None = None,
) -> bytes:
    """The zip of ``model`` in format ``fmt``: the model file, ``README.md`` and ``predict.py``.

    ``export_path`` is an export already made (and checked: pass its ``check`` to quote it in the
    README); without it the model is exported here (``calibration_images`` for ``litert_int8``).
    ``title`` heads the README; ``input_note`` says how pictures were prepared for training (e.g.
    "light digits on a dark background, centred"). Raises :class:`InputError` for class names that
    do not match the model's outputs.
    """
    spec = export_format(fmt)
    names = class_names_for(model, class_names)
    title, input_note = _note(title, "title"), _note(input_note, "input note")
    with tempfile.TemporaryDirectory(prefix="cnnviz-bundle-") as folder:
        path = (
            Path(export_path)
            if export_path
            else export_model(model, spec.key, Path(folder) / spec.file_name, calibration_images=calibration_images)
        )
        readme = readme_text(model, spec.key, names, check=check, title=title, input_note=input_note)
        return _zip(path, spec, readme, example_code(model, spec.key, names))


def example_code(model: Any, fmt: str, class_names: Sequence[str]) -> str:
    """``predict.py``: classify the picture named on the command line with the exported file beside it."""
    spec = export_format(fmt)
    height, width, channels = input_shape(model)
    names = class_names_for(model, class_names)
    import_line, run_lines = _RUNS[spec.runtime]
    return "\n".join(
        [
            f'"""Classify one picture with {spec.file_name}: python {EXAMPLE_NAME} picture.png',
            f'Needs: pip install numpy pillow {" ".join(spec.packages)}"""',
            "",
            "import sys",
            "from pathlib import Path",
            "import numpy as np",
            import_line,
            "from PIL import Image",
            "",
            f"MODEL = Path(__file__).with_name({spec.file_name!r})",
            f"CLASS_NAMES = {list(names)!r}  # the model's outputs, in this order",
            f"HEIGHT, WIDTH, CHANNELS = {height}, {width}, {channels}",
            "",
            "# Grayscale (1 channel) or R, G, B (3), resized to the model's input, pixels 0-255 scaled to 0-1.",
            'picture = Image.open(sys.argv[1]).convert("L" if CHANNELS == 1 else "RGB").resize((WIDTH, HEIGHT))',
            "image = (np.asarray(picture, dtype=np.float32) / 255.0).reshape(1, HEIGHT, WIDTH, CHANNELS)",
            *run_lines,
            "best = int(np.argmax(scores))",
            'print(f"Prediction: {CLASS_NAMES[best]}")',
            'print(f"Score: {scores[best]:.4f}")',
            "",
        ]
    )


def readme_text(
    model: Any,
    fmt: str,
    class_names: Sequence[str],
    *,
    check: ExportCheck | None = None,
    title: str = "",
    input_note: str = "",
) -> str:
    """The download's README: the file, its input (shape, dtype, scaling, channel order), its outputs."""
    spec = export_format(fmt)
    height, width, channels = input_shape(model)
    names = class_names_for(model, class_names)
    colours = (
        "1 channel: grayscale, 0.0 = black, 1.0 = white"
        if channels == 1
        else f"{channels} channels in the order red, green, blue (RGB, not OpenCV's BGR)"
    )
    outputs = (
        "probabilities (softmax): they add up to 1"
        if ends_in_softmax(model)
        else "raw scores (no softmax): the largest one wins"
    )
    lines = [
        f"# {title or 'A CNN Explorer network'}: {spec.title}",
        "",
        f"`{spec.file_name}` is a convolutional network exported from CNN Explorer; `{EXAMPLE_NAME}` runs it.",
        "",
        *([f"Checked before download: {check.summary()}", ""] if check is not None and check.offered else []),
        "## Input",
        "",
        f"- One float32 array of shape `(batch, {height}, {width}, {channels})`: images, height, width, "
        f"channels (channels last, NHWC); e.g. `(1, {height}, {width}, {channels})` for one picture."
        + (f" Its name is `{INPUT_NAME}`." if spec.key != "keras" else ""),
        f"- {colours}.",
        f"- Scaling: pixel values 0–255 divided by 255, so every value is in [0, 1]; pictures resized to "
        f"{shape_text((height, width))} pixels.",
        *([f"- Prepared like the training images: {input_note}."] if input_note else []),
        "",
        "## Output",
        "",
        f"- One float32 array of shape `(batch, {len(names)})`"
        + (f" named `{OUTPUT_NAME}`" if spec.key == "onnx" else "")
        + f": {outputs}.",
        "- Classes, in the order of the outputs:",
        "",
        *[f"  {index}. {name}" for index, name in enumerate(names)],
        "",
        *_int8_lines(spec),
        "## Run it",
        "",
        "```",
        f"pip install numpy pillow {_pins(spec)}",
        f"python {EXAMPLE_NAME} picture.png",
        "```",
        "",
    ]
    return "\n".join(lines)


def _int8_lines(spec: ExportFormat) -> list[str]:
    if not spec.quantised:
        return []
    return [
        "## int8",
        "",
        "Inside the file the weights and the values between layers are 8-bit integers (full-integer "
        f"post-training quantisation, ranges chosen on up to {CALIBRATION_IMAGES} training images): about four "
        "times smaller and faster on phones, with a slightly different answer now and then. Its input and "
        "output stay float32 (it quantises and dequantises inside), so it is fed exactly like the float file.",
        "",
    ]


def _pins(spec: ExportFormat) -> str:
    """The runtime packages at the versions the check used ("onnxruntime==1.31.1")."""
    return " ".join(f"{package}=={_version(package)}" if _version(package) else package for package in spec.packages)


def _version(package: str) -> str:
    # TensorFlow is installed as "tensorflow-cpu" on Linux servers: the same code and version.
    for distribution in (package, f"{package}-cpu"):
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return ""


def class_names_for(model: Any, class_names: Sequence[str]) -> list[str]:
    """``class_names`` as a list, checked to be one short printable name per output of ``model``."""
    shape = tuple(model.outputs[0].shape)
    if len(model.outputs) != 1 or len(shape) != 2 or not shape[1]:
        raise InputError(f"Only networks with one output of class scores can be downloaded; this one gives {shape}.")
    count = int(shape[1])
    names = list(class_names)
    if len(names) != count:
        raise InputError(f"The network has {count} outputs but {len(names)} class names were given.")
    for name in names:
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_CLASS_NAME or not name.isprintable():
            raise InputError(f"Class names must be printable text of 1 to {MAX_CLASS_NAME} characters; got {name!r}.")
    return names


def _note(text: str, what: str) -> str:
    if not isinstance(text, str) or len(text) > MAX_NOTE or not text.isprintable():
        raise InputError(f"The {what} must be one line of printable text of at most {MAX_NOTE} characters.")
    return text.strip()


def ends_in_softmax(model: Any) -> bool:
    """Whether the last layer turns scores into probabilities (a softmax activation or layer)."""
    last = model.layers[-1]
    return type(last).__name__ == "Softmax" or last.get_config().get("activation") == "softmax"


def _zip(path: Path, spec: ExportFormat, readme: str, example: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        files = sorted(item for item in path.rglob("*") if item.is_file()) if path.is_dir() else [path]
        for item in files:
            archive.write(item, str(Path(spec.file_name) / item.relative_to(path)) if path.is_dir() else spec.file_name)
        archive.writestr(README_NAME, readme)
        archive.writestr(EXAMPLE_NAME, example)
    return buffer.getvalue()
