"""cnnviz.explain against references computed here, independently: plain GradientTape gradients of the
model's own output, a brute-force occlusion loop, integrated gradients' completeness, scikit-learn's PCA,
FGSM's bound and direction, the original model untouched by randomisation; plus behaviour that must hold
on the demo MNIST model (feature visualisation beats the test images; accuracy falls as ε grows).

Tolerances, never exact equality between TensorFlow computations: oneDNN may order sums differently.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref

import numpy as np
import pytest
from scipy import ndimage

from cnnviz import datasets, explain, inspection
from cnnviz.errors import InputError
from cnnviz.explain import classifier
from cnnviz.explain.embedding import features_and_probabilities
from tests.conftest import ROOT

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
layers = keras.layers


# ---- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny():
    """A small untrained RGB CNN ending in Dense(softmax): not saturated, so gradients are large."""
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            layers.Conv2D(6, 3, padding="same", activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Conv2D(8, 3, activation="relu", name="conv2"),
            layers.Flatten(name="flatten"),
            layers.Dense(16, activation="relu", name="hidden"),
            layers.Dense(4, activation="softmax", name="out"),
        ]
    )


@pytest.fixture(scope="module")
def tiny_image():
    return np.random.default_rng(0).random((12, 12, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def mnist_model():
    return inspection.load_pretrained("mnist")


@pytest.fixture(scope="module")
def mnist_test(data_dir):
    data = datasets.load("mnist")
    return data.x_test[:1000].astype(np.float32) / 255, data.y_test[:1000].astype(np.int64)


def tape_gradient(model, image, class_index, transform=None):
    """∂p_c/∂x for one image, written plainly from the model's own output (softmax applied by `transform`)."""
    x = tf.constant(image[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        output = model(x, training=False)
        probability = (transform(output) if transform else output)[0, class_index]
    return tape.gradient(probability, x).numpy()[0]


def predicted(model, image):
    return int(np.argmax(model(image[None], training=False)[0]))


# ---- gradient maps -------------------------------------------------------------------------------


def test_gradient_map_is_the_tape_gradient_of_the_class_probability(tiny, tiny_image):
    for class_index in (0, 3):
        reference = np.abs(tape_gradient(tiny, tiny_image, class_index)).max(axis=-1)
        ours = explain.saliency(tiny, tiny_image, class_index)
        assert ours.shape == (12, 12)
        np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-7 * np.abs(reference).max())


def test_no_class_means_the_predicted_class(tiny, tiny_image):
    reference = np.abs(tape_gradient(tiny, tiny_image, predicted(tiny, tiny_image))).max(axis=-1)
    np.testing.assert_allclose(explain.saliency(tiny, tiny_image), reference, rtol=1e-4, atol=1e-9)


def test_gradient_times_input_sums_the_channels_signed(tiny, tiny_image):
    gradient = tape_gradient(tiny, tiny_image, 1)
    ours = explain.saliency(tiny, tiny_image, 1, method="gradient_x_input")
    np.testing.assert_allclose(ours, (gradient * tiny_image).sum(axis=-1), rtol=1e-4, atol=1e-8)
    assert ours.min() < 0 < ours.max()


def test_smoothgrad_averages_the_gradients_of_the_documented_noisy_copies(tiny, tiny_image):
    noise = np.random.default_rng(5).normal(0, 0.2, (6, 12, 12, 3)).astype(np.float32)
    mean = np.mean([tape_gradient(tiny, tiny_image + n, 2) for n in noise], axis=0)
    ours = explain.saliency(tiny, tiny_image, 2, method="smoothgrad", samples=6, noise=0.2, seed=5)
    np.testing.assert_allclose(ours, np.abs(mean).max(axis=-1), rtol=1e-3, atol=1e-8)
    other_start = explain.saliency(tiny, tiny_image, 2, method="smoothgrad", samples=6, noise=0.2, seed=6)
    assert not np.allclose(ours, other_start)
    without_noise = explain.saliency(tiny, tiny_image, 2, method="smoothgrad", samples=3, noise=0.0)
    np.testing.assert_allclose(without_noise, explain.saliency(tiny, tiny_image, 2), rtol=1e-4, atol=1e-9)


def test_a_model_giving_logits_is_explained_through_its_softmax(tiny_image):
    keras.utils.set_random_seed(4)
    logits_model = keras.Sequential([keras.Input((12, 12, 3)), layers.Flatten(), layers.Dense(3)])
    reference = tape_gradient(logits_model, tiny_image, 1, transform=tf.nn.softmax)
    np.testing.assert_allclose(
        explain.saliency(logits_model, tiny_image, 1), np.abs(reference).max(axis=-1), rtol=1e-4, atol=1e-9
    )


def test_a_functional_model_with_a_softmax_layer_is_explained_too(tiny_image):
    keras.utils.set_random_seed(6)
    inputs = keras.Input((12, 12, 3))
    hidden = layers.Conv2D(4, 3, activation="relu")(inputs)
    scores = layers.Dense(3)(layers.GlobalAveragePooling2D()(hidden))
    model = keras.Model(inputs, layers.Softmax()(scores))
    reference = tape_gradient(model, tiny_image, 2)
    np.testing.assert_allclose(
        explain.saliency(model, tiny_image, 2), np.abs(reference).max(axis=-1), rtol=1e-4, atol=1e-9
    )


# ---- integrated gradients ------------------------------------------------------------------------


def test_integrated_gradients_is_the_midpoint_path_integral(tiny, tiny_image):
    baseline = np.full_like(tiny_image, 0.3)
    steps = 8
    gradients = [tape_gradient(tiny, baseline + (k + 0.5) / steps * (tiny_image - baseline), 0) for k in range(steps)]
    reference = (tiny_image - baseline) * np.mean(gradients, axis=0)
    ours = explain.integrated_gradients(tiny, tiny_image, 0, baseline=baseline, steps=steps)
    assert ours.shape == tiny_image.shape
    np.testing.assert_allclose(ours, reference, rtol=1e-3, atol=1e-7)


@pytest.mark.parametrize("kind", explain.BASELINES)
def test_integrated_gradients_are_complete_within_5_percent_at_64_steps(mnist_model, mnist_test, kind):
    images, _ = mnist_test
    for image in images[:4]:
        baseline = explain.make_baseline(image, kind, seed=1)
        attributions = explain.integrated_gradients(mnist_model, image, baseline=baseline, steps=64)
        probabilities = mnist_model.predict(np.stack([image, baseline]), verbose=0)
        c = int(np.argmax(probabilities[0]))
        change = probabilities[0, c] - probabilities[1, c]
        if abs(change) < 0.05:
            continue  # the baseline is as sure as the image: nothing to attribute
        assert abs(attributions.sum() - change) <= 0.05 * abs(change)
        check = explain.completeness(mnist_model, image, attributions, baseline=baseline)
        assert check.probability == pytest.approx(probabilities[0, c], abs=1e-5)
        assert check.baseline_probability == pytest.approx(probabilities[1, c], abs=1e-5)
        assert check.attribution_sum == pytest.approx(float(attributions.sum()), rel=1e-6)
        assert check.relative_error <= 0.05


def test_baselines(tiny_image):
    np.testing.assert_array_equal(explain.make_baseline(tiny_image), 0)
    blurred = explain.make_baseline(tiny_image, "blurred")
    reference = ndimage.gaussian_filter(tiny_image, sigma=(1.2, 1.2, 0), mode="reflect", truncate=4)
    np.testing.assert_allclose(blurred, reference, atol=2e-3)
    noise = explain.make_baseline(tiny_image, "noise", seed=2)
    assert noise.shape == tiny_image.shape and noise.min() >= 0 and noise.max() <= 1
    np.testing.assert_array_equal(noise, explain.make_baseline(tiny_image, "noise", seed=2))
    with pytest.raises(InputError, match="baseline"):
        explain.make_baseline(tiny_image, "grey")


# ---- occlusion -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("patch", "stride", "fill"), [(4, 2, 0.0), (5, 3, 0.5), (12, 1, 1.0)])
def test_occlusion_is_the_brute_force_mean_drop_over_covering_patches(tiny, tiny_image, patch, stride, fill):
    clean = tiny(tiny_image[None], training=False).numpy()[0, 1]
    starts = sorted({*range(0, 12 - patch + 1, stride), 12 - patch})
    total, count = np.zeros((12, 12)), np.zeros((12, 12))
    for row in starts:
        for col in starts:
            occluded = tiny_image.copy()
            occluded[row : row + patch, col : col + patch] = fill
            drop = clean - tiny(occluded[None], training=False).numpy()[0, 1]
            total[row : row + patch, col : col + patch] += drop
            count[row : row + patch, col : col + patch] += 1
    assert count.min() >= 1  # every pixel is covered
    ours = explain.occlusion(tiny, tiny_image, 1, patch=patch, stride=stride, fill=fill)
    np.testing.assert_allclose(ours, total / count, atol=1e-6)


def test_occlusion_finds_the_digit_on_the_demo_model(mnist_model, mnist_test):
    images, _ = mnist_test
    image = images[0]
    heat = explain.occlusion(mnist_model, image)
    inked = ndimage.binary_dilation(image[:, :, 0] > 0.3, iterations=2)
    assert heat[inked].mean() > heat[~inked].mean()


# ---- sanity check --------------------------------------------------------------------------------


def test_randomized_changes_the_copy_from_the_layer_up_and_never_the_original(tiny):
    before = [w.copy() for w in tiny.get_weights()]
    assert explain.cascade_layers(tiny) == ["out", "hidden", "conv2", "conv1"]
    copy = explain.randomized(tiny, from_layer="conv2", seed=1)
    for original, kept in zip(before, tiny.get_weights(), strict=True):
        np.testing.assert_array_equal(original, kept)
    for name in ("conv1",):
        for a, b in zip(tiny.get_layer(name).get_weights(), copy.get_layer(name).get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    for name in ("conv2", "hidden", "out"):
        kernel, _ = copy.get_layer(name).get_weights()
        assert not np.allclose(kernel, tiny.get_layer(name).get_weights()[0])
        assert kernel.std() > 0
    again = explain.randomized(tiny, from_layer="conv2", seed=1)
    for a, b in zip(copy.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_randomized_defaults_to_the_top_layer(tiny):
    copy = explain.randomized(tiny)
    for name in ("conv1", "conv2", "hidden"):
        np.testing.assert_array_equal(copy.get_layer(name).get_weights()[0], tiny.get_layer(name).get_weights()[0])
    assert not np.allclose(copy.get_layer("out").get_weights()[0], tiny.get_layer("out").get_weights()[0])
    with pytest.raises(InputError, match="not a layer with weights"):
        explain.randomized(tiny, from_layer="pool")


def test_rank_correlation_is_spearman(tiny_image):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(9, 9)), rng.normal(size=(9, 9))
    b = a + 0.8 * b

    def ranks(values):
        order = np.empty(values.size)
        order[np.argsort(values.ravel())] = np.arange(values.size)
        return order

    for absolute, (x, y) in ((False, (a, b)), (True, (np.abs(a), np.abs(b)))):
        reference = np.corrcoef(ranks(x), ranks(y))[0, 1]
        assert explain.rank_correlation(a, b, absolute=absolute) == pytest.approx(reference, abs=1e-12)
    assert explain.rank_correlation(a, a) == pytest.approx(1.0)
    assert explain.rank_correlation(np.zeros((9, 9)), a) == 0.0


def test_the_sanity_check_separates_maps_that_follow_the_weights(mnist_model, mnist_test):
    """Randomising the whole network changes the gradient map far more than randomising nothing does."""
    image = mnist_test[0][0]
    clean = explain.saliency(mnist_model, image)
    scrambled = explain.randomized(mnist_model, from_layer=explain.cascade_layers(mnist_model)[-1])
    assert explain.rank_correlation(clean, explain.saliency(scrambled, image)) < 0.9
    assert explain.rank_correlation(clean, explain.saliency(mnist_model, image)) == pytest.approx(1.0)


# ---- feature visualisation -----------------------------------------------------------------------


@pytest.mark.parametrize(("layer", "channel"), [("conv3", 5), ("conv5", 7)])
def test_feature_visualisation_excites_its_channel_more_than_the_best_test_image(
    mnist_model, mnist_test, layer, channel
):
    images, _ = mnist_test
    picture = explain.feature_visualization(mnist_model, layer, channel, steps=256, seed=0)
    assert picture.shape == (28, 28, 1) and picture.dtype == np.float32
    assert picture.min() >= 0 and picture.max() <= 1
    h = tf.constant(np.concatenate([picture[None], images]))
    for each in mnist_model.layers:  # the channel's mean activation, layer by layer
        h = each(h, training=False)
        if each.name == layer:
            break
    means = h.numpy()[..., channel].mean(axis=(1, 2))
    assert means[0] > means[1:].max()


def test_feature_visualisation_of_a_colour_model_and_of_a_softmax_unit(tiny):
    rng = np.random.default_rng(4)
    images = rng.random((200, 12, 12, 3), dtype=np.float32)
    picture = explain.feature_visualization(tiny, "conv2", 5, steps=64)
    assert picture.shape == (12, 12, 3) and picture.min() >= 0 and picture.max() <= 1
    extractor = keras.Sequential(tiny.layers[:3])
    means = extractor(np.concatenate([picture[None], images]), training=False).numpy()[..., 5].mean(axis=(1, 2))
    assert means[0] > means[1:].max()
    unit = explain.feature_visualization(tiny, "out", 1, steps=64)  # climbs the class score before the softmax
    probabilities = tiny(np.concatenate([unit[None], images]), training=False).numpy()[:, 1]
    assert probabilities[0] > probabilities[1:].max()


def test_feature_visualisation_after_an_activation_layer_and_after_new_weights(data_dir):
    """The Fashion-MNIST demo model has BatchNormalization then Activation("relu") layers; and a model
    whose weights change (the epoch scrubber's clone) is visualised with its new weights."""
    model = keras.models.clone_model(inspection.load_pretrained("fashion_mnist"))
    model.set_weights(inspection.load_pretrained("fashion_mnist").get_weights())
    images = datasets.load("fashion_mnist").x_test[:300].astype(np.float32) / 255
    extractor = keras.Model(model.inputs[0], model.get_layer("conv2_relu").output)

    def excitement(batch, channel):
        return extractor(batch, training=False).numpy()[..., channel].mean(axis=(1, 2))

    picture = explain.feature_visualization(model, "conv2_relu", 3, steps=128)
    assert excitement(picture[None], 3)[0] > excitement(images, 3).max()
    kernel = model.get_layer("conv2").get_weights()[0]
    model.get_layer("conv2").set_weights([-kernel])
    flipped = explain.feature_visualization(model, "conv2_relu", 3, steps=128)
    assert excitement(flipped[None], 3)[0] > excitement(picture[None], 3)[0]


def test_feature_visualisation_refuses_a_channel_that_does_not_exist(mnist_model):
    with pytest.raises(InputError, match="channel"):
        explain.feature_visualization(mnist_model, "conv1", 32)
    with pytest.raises(InputError, match="no layer"):
        explain.feature_visualization(mnist_model, "conv9", 0)


# ---- class map -----------------------------------------------------------------------------------


def classifier_input(model, images):
    """The input of the demo model's last Dense layer, layer by layer."""
    h = tf.constant(images)
    for each in model.layers[:-1]:
        h = each(h, training=False)
    return h.numpy().reshape(len(images), -1)


def test_pca_map_matches_scikit_learn_up_to_sign(mnist_model, mnist_test):
    from sklearn.decomposition import PCA

    images, _ = mnist_test
    reference = PCA(n_components=2).fit_transform(classifier_input(mnist_model, images[:300]))
    ours = explain.embed(mnist_model, images[:300], method="pca")
    assert ours.shape == (300, 2)
    for k in range(2):
        sign = np.sign(ours[:, k] @ reference[:, k])
        np.testing.assert_allclose(ours[:, k], sign * reference[:, k], atol=1e-3 * np.abs(reference).max())


def test_features_of_a_chosen_layer_and_uint8_images(mnist_model, mnist_test):
    images, _ = mnist_test
    as_bytes = np.round(images[:5] * 255).astype(np.uint8)
    ours = explain.features(mnist_model, as_bytes, layer="pool2")
    h = tf.constant(as_bytes.astype(np.float32) / 255)
    for each in mnist_model.layers[:6]:
        h = each(h, training=False)
    np.testing.assert_allclose(ours, h.numpy().reshape(5, -1), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("ending", ["softmax layer", "logits"])
def test_features_and_probabilities_come_from_one_pass_and_equal_both_references(tiny_image, ending):
    keras.utils.set_random_seed(7)
    inputs = keras.Input((12, 12, 3))
    pooled = layers.GlobalAveragePooling2D(name="pooled")(layers.Conv2D(5, 3, activation="relu")(inputs))
    scores = layers.Dense(3, name="scores")(pooled)
    model = keras.Model(inputs, layers.Softmax()(scores) if ending == "softmax layer" else scores)
    images = np.stack([tiny_image, 1 - tiny_image, tiny_image**2])
    values, probabilities = features_and_probabilities(model, images)
    output = model(images, training=False).numpy()
    np.testing.assert_allclose(values, explain.features(model, images), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(values, keras.Model(inputs, pooled)(images).numpy(), rtol=1e-5, atol=1e-6)
    reference = output if ending == "softmax layer" else tf.nn.softmax(output).numpy()
    np.testing.assert_allclose(probabilities, reference, rtol=1e-5, atol=1e-6)


def test_tsne_map_keeps_classes_together(mnist_model, mnist_test):
    images, labels = mnist_test
    points = explain.embed(mnist_model, images[:300], method="tsne", seed=0)
    assert points.shape == (300, 2) and np.isfinite(points).all()
    assert explain.neighbour_purity(points, labels[:300], k=5) > 0.8
    np.testing.assert_allclose(points, explain.embed(mnist_model, images[:300], method="tsne", seed=0), atol=1e-4)


def test_neighbour_purity_is_the_brute_force_share():
    rng = np.random.default_rng(2)
    points, labels = rng.normal(size=(40, 2)), rng.integers(0, 3, 40)
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :4]
    reference = (labels[nearest] == labels[:, None]).mean()
    assert explain.neighbour_purity(points, labels, k=4) == pytest.approx(reference)
    separated = np.concatenate([rng.normal(size=(20, 2)), rng.normal(size=(20, 2)) + 100])
    assert explain.neighbour_purity(separated, np.repeat([0, 1], 20), k=5) == 1.0


# ---- adversarial images --------------------------------------------------------------------------


@pytest.mark.parametrize("epsilon", [0.0, 0.03, 0.2])
def test_fgsm_moves_each_pixel_by_epsilon_against_the_true_class(tiny, tiny_image, epsilon):
    label = 2
    adversarial = explain.fgsm(tiny, tiny_image, label, epsilon)
    delta = adversarial - tiny_image
    assert adversarial.shape == tiny_image.shape and adversarial.min() >= 0 and adversarial.max() <= 1
    assert np.abs(delta).max() <= epsilon + 1e-6
    # −log p_y rises fastest along −sign(∂p_y/∂x); pixels not stopped by the [0, 1] clip move by exactly ε.
    gradient = tape_gradient(tiny, tiny_image, label)
    free = (np.abs(gradient) > 1e-6 * np.abs(gradient).max()) & (tiny_image + delta > 0) & (tiny_image + delta < 1)
    free &= (tiny_image - epsilon >= 0) & (tiny_image + epsilon <= 1)
    np.testing.assert_allclose(delta[free], -epsilon * np.sign(gradient[free]), atol=1e-6)
    if epsilon:
        before, after = tiny(np.stack([tiny_image, adversarial]), training=False).numpy()[:, label]
        assert after < before


def test_fgsm_accuracy_falls_as_epsilon_grows_on_the_demo_model(mnist_model, mnist_test):
    images, labels = mnist_test
    accuracy = explain.fgsm_accuracy(mnist_model, images[:400], labels[:400], [0.0, 0.05, 0.1, 0.25])
    clean = (mnist_model.predict(images[:400], verbose=0).argmax(axis=1) == labels[:400]).mean()
    assert accuracy[0] == pytest.approx(clean)
    assert np.all(np.diff(accuracy) < 0), accuracy
    assert accuracy[-1] < 0.5 < accuracy[0]


def test_fgsm_accuracy_agrees_with_attacking_one_image_at_a_time(mnist_model, mnist_test):
    images, labels = mnist_test
    accuracy = explain.fgsm_accuracy(mnist_model, images[:30], labels[:30], [0.1])
    pairs = zip(images[:30], labels[:30], strict=True)
    attacked = np.stack([explain.fgsm(mnist_model, image, int(label), 0.1) for image, label in pairs])
    assert accuracy[0] == pytest.approx((mnist_model.predict(attacked, verbose=0).argmax(1) == labels[:30]).mean())


# ---- limits and bad input ------------------------------------------------------------------------


def test_bad_requests_get_a_clear_message(tiny, tiny_image):
    cases = [
        (lambda: explain.saliency(tiny, np.zeros((28, 28, 1))), "expects 12×12×3"),
        (lambda: explain.saliency(tiny, tiny_image * 2), "between 0 and 1"),
        (lambda: explain.saliency(tiny, np.full_like(tiny_image, np.nan)), "between 0 and 1"),
        (lambda: explain.saliency(tiny, tiny_image, 4), "Class 4 does not exist"),
        (lambda: explain.saliency(tiny, tiny_image, method="lime"), "Unknown saliency method"),
        (lambda: explain.saliency(tiny, tiny_image, method="smoothgrad", samples=10**6), "noisy copies"),
        (lambda: explain.saliency(tiny, tiny_image, method="smoothgrad", noise=5), "noise"),
        (lambda: explain.integrated_gradients(tiny, tiny_image, steps=0), "steps"),
        (lambda: explain.integrated_gradients(tiny, tiny_image, baseline=np.zeros((3, 3, 3))), "expects"),
        (lambda: explain.occlusion(tiny, tiny_image, patch=13), "patch"),
        (lambda: explain.occlusion(tiny, tiny_image, patch=3, stride=4), "stride"),
        (lambda: explain.occlusion(tiny, tiny_image, fill=-1), "fill"),
        (lambda: explain.fgsm(tiny, tiny_image, 9, 0.1), "classes 0 to 3"),
        (lambda: explain.fgsm(tiny, tiny_image, 1, 2.0), "between 0 and 1"),
        (lambda: explain.fgsm_accuracy(tiny, tiny_image[None], [0], [0.1] * 100), "attack strengths"),
        (lambda: explain.embed(tiny, np.zeros((6000, 12, 12, 3), np.uint8), method="tsne"), "at most 5,000"),
        (lambda: explain.embed(tiny, tiny_image[None], method="umap"), "Unknown map method"),
        (lambda: explain.features(tiny, tiny_image[None], layer="nope"), "no layer"),
        (lambda: explain.neighbour_purity(np.zeros((20_001, 2)), np.zeros(20_001, int)), "at most 20,000"),
        (lambda: explain.neighbour_purity(np.zeros((5, 2)), np.zeros(4, int)), "one label per point"),
        (lambda: explain.rank_correlation(np.zeros((600, 600, 3)), np.zeros((600, 600, 3))), "up to"),
        (lambda: explain.rank_correlation(np.zeros((6, 6)), np.zeros((5, 5))), "same shape"),
        (lambda: explain.make_baseline(np.zeros((600, 600, 1))), "up to 512×512"),
    ]
    for call, message in cases:
        with pytest.raises(InputError, match=message):
            call()


def test_the_cost_is_checked_before_any_work(tiny, tiny_image, monkeypatch):
    monkeypatch.setattr(classifier, "MAX_MACS", 10 * explain.network(tiny).macs)
    with pytest.raises(InputError, match="multiply-adds"):
        explain.integrated_gradients(tiny, tiny_image, steps=64)
    explain.saliency(tiny, tiny_image)  # one gradient fits


def test_multiply_adds_are_counted_from_the_kernels(tiny):
    conv1, conv2, hidden, out = 12 * 12 * 3 * 3 * 3 * 6, 4 * 4 * 3 * 3 * 6 * 8, 128 * 16, 16 * 4
    assert explain.network(tiny).macs == conv1 + conv2 + hidden + out + 6 * 6 * 6 + 128


def test_models_that_are_not_image_classifiers_are_refused():
    huge = keras.Sequential([keras.Input((600, 600, 1)), layers.GlobalAveragePooling2D(), layers.Dense(2)])
    with pytest.raises(InputError, match="up to 512×512"):
        explain.saliency(huge, np.zeros((600, 600, 1)))
    regression = keras.Sequential([keras.Input((4, 4, 1)), layers.Flatten(), layers.Dense(1)])
    with pytest.raises(InputError, match="one score per class"):
        explain.saliency(regression, np.zeros((4, 4, 1)))
    segmenter = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(3, 1, activation="softmax")])
    with pytest.raises(InputError, match="one score per class"):
        explain.saliency(segmenter, np.zeros((4, 4, 1)))


def test_a_model_is_freed_once_nobody_holds_it(tiny_image):
    """The compiled functions kept per model must not keep the model (every student's runs) alive."""
    model = keras.Sequential([keras.Input((12, 12, 3)), layers.Flatten(), layers.Dense(3, activation="softmax")])
    explain.saliency(model, tiny_image)
    explain.occlusion(model, tiny_image)
    watcher = weakref.ref(model)
    del model
    gc.collect()
    assert watcher() is None


def test_importing_the_library_loads_neither_tensorflow_nor_streamlit():
    code = (
        "import sys, json, cnnviz.explain, cnnviz.training.internals; "
        "print(json.dumps(sorted({'tensorflow', 'keras', 'streamlit', 'sklearn'} & set(sys.modules))))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
