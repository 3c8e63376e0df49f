"""Downloads (issue 28): every format is exported, loaded back in its own runtime and compared with Keras.

Two models: the shipped MNIST demo and a small network with BatchNormalization (running statistics
far from 0 and 1) and Dropout (rate 0.5), so an export that ran either in training mode would be far
off. Float formats must agree within 1e-4 on 100 real test digits; the int8 file on the top class of
≥ 98 % of them. The example script of each download is run in a fresh interpreter on a real digit.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from cnnviz import datasets, deploy
from cnnviz.architecture.export import to_keras
from cnnviz.errors import InputError
from cnnviz.inspection import load_pretrained, pretrained_card

FLOAT_FORMATS = [fmt for fmt, spec in deploy.FORMATS.items() if not spec.quantised]
# The model types a runtime lacks an operation for (found by trying every layer type of the builder).
GROUPED_CONV = [
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 3, "activation": "softmax"},
]
DILATED_TRANSPOSED_CONV = [
    {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3, "dilation_rate": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 3, "activation": "softmax"},
]


@pytest.fixture(scope="module")
def digits(data_dir):  # data_dir: skipped without the offline data
    """100 real test digits with labels, and 300 training digits to calibrate the int8 file."""
    mnist = datasets.load("mnist")
    return SimpleNamespace(
        images=mnist.x_test[:100].astype(np.float32) / 255,
        labels=mnist.y_test[:100],
        calibration=mnist.x_train[:300].astype(np.float32) / 255,
        calibration_labels=mnist.y_train[:300],
        class_names=list(mnist.class_names),
        raw=mnist.x_test[:100],
    )


def _batch_norm_model(digits):
    """Conv → BatchNorm → ReLU → MaxPool → Dropout(0.5) → Dense, trained briefly on real digits.

    BatchNorm's momentum 0.5 moves its running statistics well away from their start (0 and 1).
    """
    import keras

    keras.utils.set_random_seed(0)
    model = to_keras(
        [
            {"type": "Conv2D", "filters": 8, "kernel_size": 3, "use_bias": False},
            {"type": "BatchNormalization", "momentum": 0.5},
            {"type": "Activation", "activation": "relu"},
            {"type": "MaxPooling2D", "pool_size": 2},
            {"type": "Dropout", "rate": 0.5},
            {"type": "Flatten"},
            {"type": "Dense", "units": 3, "activation": "softmax"},
        ],
        (28, 28, 1),
        name="batch_norm_dropout",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(digits.calibration, digits.calibration_labels % 3, epochs=2, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def models(digits):
    return {"mnist": load_pretrained("mnist"), "batch_norm": _batch_norm_model(digits)}


@pytest.fixture(scope="module")
def exports(models, digits, tmp_path_factory):
    """Every format of both models, exported once: {(model name, format): path}."""
    folder = tmp_path_factory.mktemp("exports")
    return {
        (name, fmt): deploy.export_model(model, fmt, folder / f"{name}_{fmt}", calibration_images=digits.calibration)
        for name, model in models.items()
        for fmt in deploy.FORMATS
    }


def _keras(model, images) -> np.ndarray:
    return np.asarray(model(images, training=False), dtype=np.float64)


@pytest.mark.parametrize("name", ["mnist", "batch_norm"])
@pytest.mark.parametrize("fmt", FLOAT_FORMATS)
def test_every_float_format_gives_keras_outputs_in_its_own_runtime(name, fmt, models, exports, digits):
    model, path = models[name], exports[name, fmt]
    got = deploy.predict_exported(path, fmt, digits.images)
    expected = _keras(model, digits.images)
    difference = np.abs(got - expected).max()
    assert got.shape == expected.shape == (100, model.outputs[0].shape[-1])
    assert difference <= 1e-4

    check = deploy.check_export(path, fmt, model, digits.images, digits.labels)
    assert check.offered, check.reason
    assert check.max_difference == pytest.approx(difference, abs=1e-9)
    assert check.images == 100 and check.agreement == 1.0
    assert check.keras_accuracy == pytest.approx(np.mean(expected.argmax(1) == digits.labels))
    assert check.size_bytes > 0


def test_dropout_and_batch_norm_really_differ_in_training_mode(models, digits):
    """Guards the test above: an export that kept training-mode behaviour would not pass 1e-4."""
    model = models["batch_norm"]
    mean, variance = model.get_layer("batch_normalization_1").get_weights()[2:]
    assert np.abs(mean).max() > 0.05 and np.abs(variance - 1).max() > 0.05
    training = np.asarray(model(digits.images, training=True), dtype=np.float64)
    assert np.abs(training - _keras(model, digits.images)).max() > 1e-2


@pytest.mark.parametrize("name", ["mnist", "batch_norm"])
def test_the_int8_file_agrees_on_the_top_class_and_reports_the_accuracy_change(name, models, exports, digits):
    model, path = models[name], exports[name, "litert_int8"]
    got = deploy.predict_exported(path, "litert_int8", digits.images)
    expected = _keras(model, digits.images)
    agreement = np.mean(got.argmax(1) == expected.argmax(1))
    assert agreement >= 0.98

    check = deploy.check_export(path, "litert_int8", model, digits.images, digits.labels)
    assert check.offered, check.reason
    assert check.agreement == pytest.approx(agreement)
    assert check.export_accuracy == pytest.approx(np.mean(got.argmax(1) == digits.labels))
    assert check.accuracy_change == pytest.approx(check.export_accuracy - check.keras_accuracy)
    assert "same top class as Keras" in check.summary() and "accuracy" in check.summary()


def test_the_int8_file_holds_int8_tensors_behind_float_input_and_output(exports):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(exports["mnist", "litert_int8"]))
    assert interpreter.get_input_details()[0]["dtype"] == np.float32
    assert interpreter.get_output_details()[0]["dtype"] == np.float32
    kinds = {detail["dtype"] for detail in interpreter.get_tensor_details()}
    assert np.int8 in kinds
    float_size = exports["mnist", "litert"].stat().st_size
    assert exports["mnist", "litert_int8"].stat().st_size < 0.35 * float_size  # 32-bit → 8-bit weights


def test_each_file_is_what_its_format_says(exports):
    import onnx

    assert zipfile.is_zipfile(exports["mnist", "keras"])
    assert (exports["mnist", "saved_model"] / "saved_model.pb").is_file()
    assert exports["mnist", "litert"].read_bytes()[4:8] == b"TFL3"
    graph = onnx.load(exports["mnist", "onnx"])
    onnx.checker.check_model(graph)
    assert [item.name for item in graph.graph.input] == [deploy.INPUT_NAME]
    assert [item.name for item in graph.graph.output] == [deploy.OUTPUT_NAME]
    assert {node.op_type for node in graph.graph.node} >= {"Conv", "MaxPool", "Softmax"}


def test_a_missing_suffix_is_added_and_a_folder_receives_the_formats_file_name(models, tmp_path):
    assert deploy.export_model(models["batch_norm"], "onnx", tmp_path / "mine") == tmp_path / "mine.onnx"
    assert deploy.export_model(models["batch_norm"], "litert", tmp_path) == tmp_path / "model.tflite"
    assert (tmp_path / "mine.onnx").is_file() and (tmp_path / "model.tflite").is_file()


# ------------------------------------------------------------------ formats that cannot hold a model
@pytest.mark.parametrize(
    ("stack", "fmt", "layer", "operation"),
    [
        (GROUPED_CONV, "onnx", "'conv2d_1' (Conv2D)", "StatefulPartitionedCall"),
        (DILATED_TRANSPOSED_CONV, "litert", "'conv2d_transpose_1' (Conv2DTranspose)", "Conv2DBackpropInput"),
        (DILATED_TRANSPOSED_CONV, "litert_int8", "'conv2d_transpose_1' (Conv2DTranspose)", "Conv2DBackpropInput"),
    ],
)
def test_a_format_that_cannot_hold_a_layer_says_which_and_leaves_no_file(stack, fmt, layer, operation, tmp_path):
    model = to_keras(stack, (8, 8, 2))
    calibration = np.random.default_rng(0).random((20, 8, 8, 2), dtype=np.float32)
    with pytest.raises(deploy.CannotHold) as raised:
        deploy.export_model(model, fmt, tmp_path / "model", calibration_images=calibration)
    message = str(raised.value)
    assert isinstance(raised.value, InputError)
    assert message.startswith(f"{deploy.FORMATS[fmt].title} cannot hold this network: layer {layer}")
    assert operation in message and "Choose another format" in message
    assert "\n" not in message and len(message) < 400
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("stack", "fmt"), [(GROUPED_CONV, "litert"), (DILATED_TRANSPOSED_CONV, "onnx")])
def test_the_same_networks_still_go_to_the_other_formats(stack, fmt, tmp_path):
    model = to_keras(stack, (8, 8, 2))
    images = np.random.default_rng(1).random((10, 8, 8, 2), dtype=np.float32)
    for each in (fmt, "keras", "saved_model"):
        check = deploy.check_export(deploy.export_model(model, each, tmp_path / each), each, model, images)
        assert check.offered and check.max_difference <= 1e-4, (each, check.reason)


def test_a_format_that_cannot_hold_the_model_is_not_offered_with_the_reason(digits):
    model = to_keras([{"type": "Conv2D", "filters": 2, "kernel_size": 3}, *GROUPED_CONV], (28, 28, 1))
    download = deploy.prepare_download(model, "onnx", ["a", "b", "c"], digits.images)
    assert not download.offered and download.data is None
    assert download.check.reason.startswith("ONNX (.onnx) cannot hold this network: layer 'conv2d_2' (Conv2D)")
    assert download.check.summary() == f"Not offered: {download.check.reason}"


# ------------------------------------------------------------------ a check that fails
def _shifted(model, amount: float):
    """A copy of ``model`` whose output biases are moved by ``amount``: the export no longer matches it."""
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    kernel, bias = copy.layers[-1].get_weights()
    copy.layers[-1].set_weights([kernel, bias + amount])
    return copy


def test_a_float_export_that_differs_from_keras_is_not_offered(models, exports, digits):
    changed = _shifted(models["mnist"], np.linspace(0, 0.05, 10, dtype=np.float32))
    check = deploy.check_export(exports["mnist", "onnx"], "onnx", changed, digits.images)
    assert not check.offered
    assert check.reason.startswith("its outputs differ from Keras' by up to")
    assert check.max_difference > 1e-4


def test_an_int8_file_that_picks_other_classes_is_not_offered(models, exports, digits):
    changed = _shifted(models["mnist"], np.where(np.arange(10) == 3, 20.0, 0.0).astype(np.float32))  # "3" always wins
    check = deploy.check_export(exports["mnist", "litert_int8"], "litert_int8", changed, digits.images)
    assert not check.offered and check.agreement < 0.98
    assert "top class on only" in check.reason


def test_a_file_its_runtime_cannot_load_is_not_offered(models, digits, tmp_path):
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not a model")
    check = deploy.check_export(broken, "onnx", models["mnist"], digits.images)
    assert not check.offered and check.reason.startswith("onnxruntime could not run the file (")


# ------------------------------------------------------------------ README and example
def _unzipped(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    return folder


def _run_example(folder: Path, picture: Path) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "predict.py", str(picture)], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("fmt", list(deploy.FORMATS))
def test_each_downloads_example_prints_keras_prediction(fmt, models, exports, digits, tmp_path):
    model = models["mnist"]
    data = deploy.bundle(model, fmt, digits.class_names, export_path=exports["mnist", fmt])
    folder = _unzipped(data, tmp_path / "download")
    assert {"README.md", "predict.py"} <= {item.name for item in folder.iterdir()}
    assert len((folder / "predict.py").read_text().splitlines()) <= 22
    picture = tmp_path / "digit.png"
    cv2.imwrite(str(picture), digits.raw[0])
    keras_class = digits.class_names[int(_keras(model, digits.images[:1]).argmax())]
    assert _run_example(folder, picture).splitlines()[0] == f"Prediction: {keras_class}"


def test_class_names_reach_the_example_as_python_literals(models, exports, digits, tmp_path):
    names = ["cat's", 'say "hi"', "back\\slash"]
    model = models["batch_norm"]
    folder = _unzipped(deploy.bundle(model, "onnx", names, export_path=exports["batch_norm", "onnx"]), tmp_path)
    picture = tmp_path / "digit.png"
    cv2.imwrite(str(picture), digits.raw[1])
    expected = names[int(_keras(model, digits.images[1:2]).argmax())]
    assert _run_example(folder, picture).splitlines()[0] == f"Prediction: {expected}"


def test_a_bundle_made_without_an_export_exports_itself_and_holds_the_saved_model_folder(models):
    data = deploy.bundle(models["batch_norm"], "saved_model", ["a", "b", "c"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert "saved_model/saved_model.pb" in names and "README.md" in names and "predict.py" in names


def test_the_readme_names_input_shape_scaling_channels_and_the_classes_in_order():
    model = load_pretrained("fashion_mnist")
    names = pretrained_card("fashion_mnist")["class_names"]
    readme = deploy.readme_text(model, "onnx", names, title="Clothing", input_note="light clothes on black")
    assert readme.startswith("# Clothing: ONNX (.onnx)")
    for phrase in (
        "float32 array of shape `(batch, 28, 28, 1)`",
        "channels last, NHWC",
        "grayscale, 0.0 = black, 1.0 = white",
        "divided by 255, so every value is in [0, 1]",
        "Its name is `image`",
        "Prepared like the training images: light clothes on black.",
        "shape `(batch, 10)` named `scores`: probabilities (softmax)",
        "pip install numpy pillow onnxruntime==",
    ):
        assert phrase in readme, phrase
    listed = [line.strip() for line in readme.splitlines() if line.startswith("  ") and ". " in line]
    assert listed == [f"{index}. {name}" for index, name in enumerate(names)]
    assert "## int8" not in readme


def test_the_readme_of_an_rgb_int8_model_without_softmax_says_so():
    model = to_keras([{"type": "Flatten"}, {"type": "Dense", "units": 2}], (4, 4, 3))
    readme = deploy.readme_text(model, "litert_int8", ["no", "yes"])
    assert "`(batch, 4, 4, 3)`" in readme and "red, green, blue (RGB, not OpenCV's BGR)" in readme
    assert "raw scores (no softmax)" in readme and "## int8" in readme and "stay float32" in readme
    assert "pip install numpy pillow ai-edge-litert==" in readme


def test_the_readme_quotes_the_check(models, exports, digits):
    check = deploy.check_export(exports["mnist", "litert"], "litert", models["mnist"], digits.images)
    readme = deploy.readme_text(models["mnist"], "litert", digits.class_names, check=check)
    assert f"Checked before download: {check.summary()}" in readme
    assert "Checked with ai-edge-litert on 100 test images" in check.summary()


# ------------------------------------------------------------------ bad requests
def test_bad_requests_get_plain_messages(models, digits, tmp_path):
    model = models["mnist"]
    cases = [
        (lambda: deploy.export_model(model, "pickle", tmp_path / "m"), "no export format called 'pickle'"),
        (lambda: deploy.export_model(model, "litert_int8", tmp_path / "m"), "needs some training images"),
        (
            lambda: deploy.export_model(model, "litert_int8", tmp_path / "m", calibration_images=digits.images * 255),
            "values in [0, 1]",
        ),
        (lambda: deploy.bundle(model, "onnx", ["a", "b"]), "10 outputs but 2 class names"),
        (lambda: deploy.bundle(model, "onnx", [str(i) for i in range(9)] + ["new\nline"]), "printable text"),
        (lambda: deploy.check_export(tmp_path, "onnx", model, digits.images[:, :20]), "must be N×28×28×1"),
        (lambda: deploy.check_export(tmp_path, "onnx", model, np.zeros((1001, 28, 28, 1))), "1 to 1,000 images"),
        (lambda: deploy.prepare_download(model, "onnx", digits.class_names, digits.images, stem="../x"), "name"),
    ]
    for call, words in cases:
        with pytest.raises(InputError) as raised:
            call()
        assert words in str(raised.value)
        assert not isinstance(raised.value, deploy.CannotHold)


def test_a_model_over_the_size_bound_is_refused_before_any_work(models, tmp_path, monkeypatch):
    monkeypatch.setattr("cnnviz.deploy.export.MAX_EXPORT_PARAMETERS", 1000)
    with pytest.raises(InputError, match="140,138 parameters; downloads are made for up to 1,000"):
        deploy.export_model(models["mnist"], "onnx", tmp_path / "m")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ as a Dask task on a worker process
def test_prepare_downloads_runs_on_a_dask_worker_and_returns_plain_checked_zips(models, digits):
    from cnnviz.training.cluster import TrainingCluster

    cluster = TrainingCluster(workers=1).start()
    try:
        future = cluster.client().submit(
            deploy.prepare_downloads,
            models["mnist"],
            digits.class_names,
            digits.images,
            digits.labels,
            calibration_images=digits.calibration,
            formats=["onnx", "litert_int8"],
            title="Digits",
            pure=False,
        )
        onnx_download, int8_download = future.result(timeout=300)
    finally:
        cluster.close()
    assert onnx_download.file_name == "cnn_explorer_onnx.zip" and onnx_download.check.max_difference <= 1e-4
    assert int8_download.offered and int8_download.check.agreement >= 0.98
    with zipfile.ZipFile(io.BytesIO(int8_download.data)) as archive:
        assert sorted(archive.namelist()) == ["README.md", "model_int8.tflite", "predict.py"]
        assert archive.read("README.md").decode().startswith("# Digits: LiteRT (.tflite, int8-quantised)")
