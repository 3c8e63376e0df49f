"""cnnviz.inspection against Keras/TensorFlow themselves: layer outputs, probabilities, Grad-CAM, receptive fields."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from cnnviz import datasets, inspection
from cnnviz.errors import InputError
from tests.helpers import gradient_support

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
layers = keras.layers


@pytest.fixture(scope="module")
def small_model():
    """A small untrained CNN touching every kind of layer the app builds."""
    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((20, 20, 1)),
            layers.Conv2D(4, 3, padding="same", activation="relu", name="conv1"),
            layers.BatchNormalization(name="bn"),
            layers.MaxPooling2D(2, name="pool"),
            layers.ZeroPadding2D(1, name="pad"),
            layers.Conv2D(6, 3, strides=2, name="conv2"),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.5, name="drop"),
            layers.Dense(5, activation="softmax", name="out"),
        ]
    )


@pytest.fixture(scope="module")
def mnist_model():
    return inspection.load_pretrained("mnist")


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).random((20, 20, 1), dtype=np.float32)


def test_activations_have_one_output_per_layer_with_its_shape(small_model, image):
    outputs = inspection.activations(small_model, image)
    assert [name for name, _ in outputs] == [layer.name for layer in small_model.layers]
    for (_, values), layer in zip(outputs, small_model.layers, strict=True):
        assert values.shape == tuple(layer.output.shape[1:])


def test_activations_are_the_values_keras_computes(small_model, image):
    outputs = dict(inspection.activations(small_model, image))
    kernel, bias = small_model.get_layer("conv1").get_weights()
    conv = tf.nn.relu(tf.nn.conv2d(image[None], kernel, 1, "SAME") + bias).numpy()[0]
    np.testing.assert_allclose(outputs["conv1"], conv, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outputs["out"], small_model.predict(image[None], verbose=0)[0], rtol=1e-5)


def test_predict_gives_probabilities(small_model, image):
    probabilities = inspection.predict(small_model, image)
    assert probabilities.shape == (5,)
    assert probabilities.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(probabilities, small_model.predict(image[None], verbose=0)[0], rtol=1e-5)


def test_predict_turns_logits_into_probabilities(image):
    logits_model = keras.Sequential([keras.Input((20, 20, 1)), layers.Flatten(), layers.Dense(3)])
    logits = logits_model.predict(image[None], verbose=0)[0]
    np.testing.assert_allclose(inspection.predict(logits_model, image), tf.nn.softmax(logits).numpy(), rtol=1e-5)


def test_a_wrongly_shaped_image_is_refused(small_model):
    with pytest.raises(InputError, match="20×20×1"):
        inspection.predict(small_model, np.zeros((28, 28, 1)))


def test_grad_cam_is_a_unit_range_map_at_the_input_size(small_model, image):
    heat = inspection.grad_cam(small_model, image, class_index=2)
    assert heat.shape == (20, 20) and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() <= 1
    with pytest.raises(InputError):
        inspection.grad_cam(small_model, image, class_index=5)


@pytest.mark.usefixtures("data_dir")
def test_grad_cam_looks_at_the_digit_not_the_border(mnist_model):
    """On real test digits, the heat sits on and around the strokes, not spread out or on the frame."""
    test_digits = datasets.load("mnist").x_test[:30]
    enrichment, frame_ratio = [], []
    for digit in test_digits:
        image = digit.astype(np.float32) / 255
        heat = inspection.grad_cam(mnist_model, image)
        assert heat.shape == (28, 28) and heat.max() == pytest.approx(1.0)
        near_ink = ndimage.distance_transform_edt(image[:, :, 0] <= 0.5) <= 2
        frame = np.ones((28, 28), bool)
        frame[3:-3, 3:-3] = False
        enrichment.append(heat[near_ink].sum() / heat.sum() / near_ink.mean())  # 1 = spread evenly
        frame_ratio.append(heat[near_ink].mean() / max(heat[frame].mean(), 1e-6))
    assert min(enrichment) > 1.0
    assert np.mean(enrichment) > 1.6
    assert np.median(frame_ratio) > 3


def test_grad_cam_uses_the_last_convolution_and_its_activation():
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            layers.Conv2D(2, 3, name="c1"),
            layers.Conv2D(2, 3, use_bias=False, name="c2"),
            layers.BatchNormalization(name="c2_bn"),
            layers.Activation("relu", name="c2_relu"),
            layers.MaxPooling2D(name="p"),
            layers.Flatten(),
            layers.Dense(2, activation="softmax"),
        ]
    )
    assert inspection.grad_cam_layer(model) == "c2_relu"


def test_first_layer_filters_are_the_conv_kernels(small_model):
    kernel = inspection.conv_filters(small_model)
    np.testing.assert_array_equal(kernel, small_model.get_layer("conv1").get_weights()[0])
    images = inspection.filter_images(kernel)
    assert images.shape == (4, 3, 3)
    np.testing.assert_array_equal(images[2], kernel[:, :, 0, 2])
    deeper = inspection.conv_filters(small_model, "conv2")
    assert deeper.shape == (3, 3, 4, 6)
    np.testing.assert_array_equal(inspection.filter_slices(deeper, 5)[1], deeper[:, :, 1, 5])
    assert inspection.conv_layer_names(small_model) == ["conv1", "conv2"]
    with pytest.raises(InputError):
        inspection.conv_filters(small_model, "pool")


class Preset:
    def __init__(self, matrix):
        self.matrix = np.asarray(matrix, dtype=float)


def test_a_learned_filter_is_matched_to_the_hand_made_kernel_it_resembles():
    presets = {
        "box blur": Preset(np.full((3, 3), 1 / 9)),
        "vertical edges": Preset([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        "horizontal edges": Preset([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
        "big blur": Preset(np.full((5, 5), 1 / 25)),
    }
    noise = np.random.default_rng(3).normal(0, 0.05, (3, 3))
    match = inspection.closest_kernel(-0.3 * presets["vertical edges"].matrix + noise, presets)
    assert match.name == "vertical edges" and match.inverted and match.similarity < -0.9
    assert inspection.closest_kernel(np.full((3, 3), 0.2) + noise, presets).name == "box blur"
    assert inspection.closest_kernel(np.ones((7, 7)), presets) is None


def test_receptive_fields_match_the_pixels_that_move_a_unit():
    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((23, 21, 2)),
            layers.Conv2D(3, 3, padding="same", name="c1"),
            layers.AveragePooling2D(2, name="p1"),
            layers.ZeroPadding2D(((1, 0), (2, 1)), name="zp"),
            layers.Conv2D(3, (3, 2), strides=2, padding="same", dilation_rate=1, name="c2"),
            layers.Activation("tanh", name="act"),
            layers.Conv2D(2, 3, dilation_rate=2, padding="same", name="c3"),
            layers.Flatten(name="flat"),
            layers.Dense(2, name="dense"),
        ]
    )
    for layer_name in ("c1", "p1", "zp", "c2", "act", "c3"):
        rows, cols = model.get_layer(layer_name).output.shape[1:3]
        for row, col in {(0, 0), (rows // 2, cols // 2), (rows - 1, cols - 1), (1, cols - 2)}:
            expected = gradient_support(model, layer_name, row, col)
            if expected is None:  # a unit of pure zero padding
                with pytest.raises(InputError, match="padding"):
                    inspection.receptive_field(model, layer_name, row, col)
            else:
                assert inspection.receptive_field(model, layer_name, row, col) == expected, (layer_name, row, col)
    assert inspection.receptive_field(model, "dense", 0, 0) == (0, 0, 22, 20)
    with pytest.raises(InputError):
        inspection.receptive_field(model, "c1", 23, 0)


def test_sessions_sharing_one_model_get_the_same_answers_from_threads(small_model):
    """Many Streamlit sessions call one cached model at once: results match one-at-a-time calls."""
    from concurrent.futures import ThreadPoolExecutor

    images = np.random.default_rng(7).random((12, 20, 20, 1), dtype=np.float32)
    expected = [(inspection.predict(small_model, x), inspection.grad_cam(small_model, x)) for x in images]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda x: (inspection.predict(small_model, x), inspection.grad_cam(small_model, x)), images)
        )
    for (probabilities, heat), (want_probabilities, want_heat) in zip(results, expected, strict=True):
        np.testing.assert_allclose(probabilities, want_probabilities, rtol=1e-6)
        np.testing.assert_allclose(heat, want_heat, rtol=1e-5, atol=1e-6)
