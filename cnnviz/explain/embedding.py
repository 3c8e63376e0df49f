"""How the network sees a whole dataset: each image's features placed on a 2-D map (the class map).

Features are a layer's outputs, flattened, by default the input of the last Dense layer (what the
classifier decides from). :func:`embed` places them with PCA (the plane of greatest spread, instant)
or t-SNE (neighbours stay neighbours, seconds: a background task), both from scikit-learn.
:func:`neighbour_purity` says how well a map keeps the classes apart.

scikit-learn runs on one thread here (threadpoolctl): its OpenMP and OpenBLAS threads busy-wait,
and beside TensorFlow's threads and other sessions on a shared 2-core machine that made a t-SNE of
500 images take 66 s instead of 6 s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from cnnviz import limits
from cnnviz.errors import InputError
from cnnviz.explain.classifier import network

EMBED_METHODS = ("pca", "tsne")
MAX_EMBED_IMAGES = {"pca": limits.PCA_MAP_IMAGES.most, "tsne": limits.TSNE_MAP_IMAGES.most}
TSNE_DIMENSIONS = 50  # features are first reduced to this many by PCA, as scikit-learn's guide advises
TSNE_PERPLEXITY = 30.0
#: t-SNE's gradient steps, the first 250 with early exaggeration (scikit-learn's minimum): half its default
#: 1,000, which on 2,000 MNIST test images halved the time and kept the 10-neighbour purity at 97.9 %.
TSNE_ITERATIONS = 500


def features(model: Any, images: Any, *, layer: str | None = None) -> np.ndarray:
    """Each image's features ``(N, D)`` float32: layer ``layer``'s output flattened, by default the input
    of the model's last Dense layer. ``images``: ``(N, H, W, C)`` float32 in [0, 1] or uint8."""
    net, batch, name = _prepared(model, images, layer)
    if name is None:  # the last Dense is the first layer: it reads the pixels themselves
        return batch.reshape(len(batch), -1)
    return net.layer_values(name, batch).reshape(len(batch), -1)


def features_and_probabilities(model: Any, images: Any, *, layer: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(features (N, D), class probabilities (N, K))`` float32 from one pass through the network: what the
    class map needs of each image (two passes would cost twice as much for thousands of images)."""
    net, batch, name = _prepared(model, images, layer)
    if name is None:
        return batch.reshape(len(batch), -1), net.probabilities(batch)
    values, probabilities = net.layer_values_and_probabilities(name, batch)
    return values.reshape(len(batch), -1), probabilities


def _prepared(model: Any, images: Any, layer: str | None) -> tuple[Any, np.ndarray, str | None]:
    """The model's :class:`~cnnviz.explain.classifier.Network`, the images checked and prepared (their
    number and cost too), and the name of the layer whose outputs are the features (None: the pixels)."""
    net = network(model)
    batch = net.images(images)
    _check_images(len(batch), max(MAX_EMBED_IMAGES.values()))
    net.check_cost(len(batch), f"The features of {len(batch):,} images")
    return net, batch, _classifier_input(model) if layer is None else layer


def embed(model: Any, images: Any, *, layer: str | None = None, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Each image's place ``(N, 2)`` float32 on the class map: :func:`features` reduced by ``method``.

    ``"pca"``: the two principal components (scikit-learn's ``PCA``, signs fixed by its ``svd_flip``).
    ``"tsne"``: ``TSNE(perplexity=30, init="pca", learning_rate="auto", max_iter=500)`` (Barnes-Hut) from the
    random start ``seed`` on the first :data:`TSNE_DIMENSIONS` principal components. At most
    :data:`MAX_EMBED_IMAGES` images.
    """
    if method not in EMBED_METHODS:
        raise InputError(f"Unknown map method {method!r}; choose one of {', '.join(EMBED_METHODS)}.")
    count = len(np.asarray(images))
    _check_images(count, MAX_EMBED_IMAGES[method])
    if count < 3:
        raise InputError("A class map needs at least 3 images.")
    return reduce(features(model, images, layer=layer), method=method, seed=seed)


def reduce(points: Any, *, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Feature vectors ``(N, D)`` placed in 2-D by ``method`` (see :func:`embed`), on one thread."""
    with threadpool_limits(limits=1):  # see the module doc
        return _reduce(np.asarray(points, dtype=np.float32), method, seed)


def _reduce(data: np.ndarray, method: str, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(data).astype(np.float32)
    if data.shape[1] > TSNE_DIMENSIONS:
        data = PCA(n_components=min(TSNE_DIMENSIONS, len(data)), random_state=seed).fit_transform(data)
    perplexity = min(TSNE_PERPLEXITY, (len(data) - 1) / 3)
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        max_iter=TSNE_ITERATIONS,
        random_state=seed,
    )
    return tsne.fit_transform(data).astype(np.float32)


def neighbour_purity(points: Any, labels: Any, *, k: int = 10) -> float:
    """The share of each point's ``k`` nearest neighbours on the map (itself excluded) that have its class,
    averaged over the points: 1 when the classes form separate islands, about 1/classes when mixed."""
    from sklearn.neighbors import NearestNeighbors

    data, classes = np.asarray(points, dtype=np.float64), np.asarray(labels).reshape(-1)
    if len(data) != len(classes):
        raise InputError(f"Give one label per point ({len(data)} points, {len(classes)} labels).")
    _check_images(len(data), max(MAX_EMBED_IMAGES.values()))
    if not 1 <= k < len(data):
        raise InputError(f"k must be from 1 to {len(data) - 1} (one less than the number of points).")
    with threadpool_limits(limits=1):  # no query: each point skips itself
        _, neighbours = NearestNeighbors(n_neighbors=k).fit(data).kneighbors()
    return float((classes[neighbours] == classes[:, None]).mean())


def _classifier_input(model: Any) -> str | None:
    """Name of the layer whose output the last Dense layer reads; None when that Dense is the first layer."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    dense = [index for index, layer in enumerate(layers) if type(layer).__name__ == "Dense"]
    if not dense:
        raise InputError("This model has no Dense layer: choose the layer whose outputs to map.")
    return layers[dense[-1] - 1].name if dense[-1] else None


def _check_images(count: int, limit: int) -> None:
    if count > limit:
        raise InputError(f"A map takes at most {limit:,} images this way; got {count:,}.")
