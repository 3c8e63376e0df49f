"""Training and the Inside tools on stacks with the layers beyond VGG: residual blocks (a functional
Keras model), depthwise/separable convolutions and ReLU6. Small: 600 MNIST digits
(tests/conftest.py's ``small``), 1 epoch."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz import architecture, inspection
from cnnviz.errors import InputError
from cnnviz.training import TrainConfig, load_run, save_run, train
from tests.helpers import gradient_support

keras = pytest.importorskip("keras")

RESNET = "Small ResNet (28×28)"
MOBILE = [
    {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": False},
    {"type": "BatchNormalization"},
    {"type": "ReLU", "max_value": 6.0},
    {"type": "DepthwiseConv2D", "kernel_size": 3, "padding": "same", "use_bias": False},
    {"type": "SeparableConv2D", "filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"},
    {"type": "ReLU", "max_value": 6.0},
    {"type": "GlobalAveragePooling2D"},
    {"type": "Dense", "units": 10, "activation": "softmax"},
]


@pytest.fixture(scope="module")
def resnet_run(small):
    _, stack = architecture.PRESETS[RESNET]
    return train(stack, small, TrainConfig(epochs=1, batch_size=32))


def test_the_small_resnet_trains_and_inside_shows_its_blocks(resnet_run, small, tmp_path):
    model = resnet_run.model
    assert not isinstance(model, keras.Sequential)
    assert 0 <= resnet_run.test_accuracy <= 1 and np.isfinite(resnet_run.history["loss"][0])
    image = small.x_test[0].astype("float32") / 255
    outputs = dict(inspection.activations(model, image))
    shape, stack = architecture.PRESETS[RESNET]
    for summary in architecture.summarize(stack, shape):
        assert outputs[summary.name].shape == summary.output_shape  # a block's output is its own entry
    assert inspection.grad_cam_layer(model) == "residual_2"
    heat = inspection.grad_cam(model, image)
    assert heat.shape == (28, 28) and heat.min() >= 0 and heat.max() <= 1
    np.testing.assert_allclose(inspection.predict(model, image), model.predict(image[None], verbose=0)[0], rtol=1e-5)
    save_run(resnet_run, tmp_path / "run")
    again = load_run(tmp_path / "run")
    np.testing.assert_allclose(inspection.predict(again.model, image), inspection.predict(model, image), rtol=1e-5)


def test_a_mobilenet_style_stack_trains_and_grad_cam_watches_its_separable_convolution(small):
    run = train(MOBILE, small, TrainConfig(epochs=1, batch_size=32))
    assert inspection.grad_cam_layer(run.model) == "re_lu_2"  # the separable convolution and its ReLU6
    assert inspection.grad_cam(run.model, small.x_test[1].astype("float32") / 255).shape == (28, 28)


def test_receptive_field_through_residual_blocks_is_the_gradient_footprint():
    keras.utils.set_random_seed(4)
    conv = {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "same"}
    stack = [
        conv,
        {"type": "Residual", "layers": [conv, conv]},
        {"type": "Residual", "layers": [{**conv, "strides": 2}, conv], "shortcut": "projection"},
    ]
    model = architecture.to_keras(stack, (21, 19, 1))
    for name, rows, cols in (("residual_1", 21, 19), ("residual_2", 11, 10)):
        for row, col in {(0, 0), (rows // 2, cols // 2), (rows - 1, cols - 1)}:
            assert inspection.receptive_field(model, name, row, col) == gradient_support(model, name, row, col)


def test_inside_refuses_what_it_cannot_explain_with_a_message():
    shape, stack = architecture.PRESETS["Convolutional autoencoder (28×28)"]
    model = architecture.to_keras(stack, shape)
    image = np.zeros((28, 28, 1), np.float32)
    assert [name for name, _ in inspection.activations(model, image)][-1] == "conv2d_3"
    with pytest.raises(InputError, match="classifier"):
        inspection.grad_cam(model, image)
    with pytest.raises(InputError, match="transposed convolution"):
        inspection.receptive_field(model, "conv2d_3", 0, 0)
