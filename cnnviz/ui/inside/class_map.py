"""The Inside page's "The class map" tab: 1,000–5,000 test images placed by what the network computes from
them (the numbers its last layer reads), by PCA (instant once the features are there) or t-SNE (seconds,
in the background), as dots or thumbnails coloured by class, mistakes ringed; a click shows the image.

The features are one background work per network and image count (so per epoch of a run: the Epoch
slider shows the map after any epoch), t-SNE another; PCA and the neighbour purity are computed here,
kept per network.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import explain
from cnnviz.explain.tasks import MapFeatures, image_features, place
from cnnviz.images import enlarge
from cnnviz.options import CLASS_MAP_IMAGES, CLASS_MAP_METHODS, CLASS_MAP_VIEWS
from cnnviz.plots import explain as explain_plots
from cnnviz.ui.inside.model_choice import ChosenModel
from cnnviz.ui.inside.network_data import model_source, test_set
from cnnviz.ui.inside.work import follow, server_work
from cnnviz.ui.presentation import show_figure

IMAGES_KEY, METHOD_KEY, VIEW_KEY = "inside_map_images", "inside_map_method", "inside_map_view"  # in the link
MAX_THUMBNAILS = 1000  # more would cover each other; the thumbnail view shows the first this many
FEATURES_PER_SECOND = 1300  # the demo MNIST model on a 2-core CPU
TSNE_SECONDS_PER_IMAGE = 0.0075  # 2,000 images in about 15 s on a worker of a busy 2-core CPU (500 steps)
SHOWN_SIDE = 120


@st.cache_data(max_entries=16, show_spinner=False)
def _pca(fingerprint: str, count: int, _features: np.ndarray) -> np.ndarray:
    """The PCA map of the features of the first ``count`` test images for the network ``fingerprint``."""
    return explain.reduce(_features, method="pca")


@st.cache_data(max_entries=16, show_spinner=False)
def _purity(fingerprint: str, count: int, method: str, _points: np.ndarray, _labels: np.ndarray) -> float:
    return explain.neighbour_purity(_points, _labels)


def show_class_map(chosen: ChosenModel, *, key: str) -> None:
    """The tab's body: the controls, the map with its purity, and the clicked image."""
    st.markdown(
        "**How does the network see the whole test set?** Each test image becomes the list of numbers the "
        "network's last layer decides from (its *features*); the map places every image by those numbers, so "
        "images the network finds alike sit together. **PCA** shows the flat view along which the features "
        "spread most; **t-SNE** moves the points until each keeps its nearest neighbours (van der Maaten & "
        "Hinton 2008). Colours are the true classes; ringed points are the network's mistakes."
    )
    found = test_set(chosen)
    if found is None:
        st.info("This run kept no test images, so there is nothing to map.")
        return
    counts = [n for n in CLASS_MAP_IMAGES if n <= len(found[1])] or [len(found[1])]
    st.session_state.setdefault(IMAGES_KEY, counts[min(1, len(counts) - 1)])
    if st.session_state[IMAGES_KEY] not in counts:
        st.session_state[IMAGES_KEY] = counts[-1]
    images_column, method_column, view_column = st.columns(3)
    count = images_column.select_slider("Test images", counts, key=IMAGES_KEY, format_func=lambda n: f"{n:,}")
    method = method_column.radio(
        "Placed by", list(CLASS_MAP_METHODS), format_func=CLASS_MAP_METHODS.__getitem__, key=METHOD_KEY, horizontal=True
    )
    view = view_column.radio(
        "Drawn as", list(CLASS_MAP_VIEWS), format_func=CLASS_MAP_VIEWS.__getitem__, key=VIEW_KEY, horizontal=True
    )
    if chosen.run is not None and (epoch := st.session_state.get(f"inside_epoch_{chosen.ref}")) is not None:
        st.caption(
            f"The map of the network after epoch {epoch} (0 is the random start): move the Epoch slider by the "
            "model above to see how the classes came apart while it trained."
        )
    source = model_source(chosen)
    images, labels = found[0][:count], np.asarray(found[1][:count])
    work = server_work().submit(
        f"features/{source.fingerprint}/{count}",
        image_features,
        source,
        images,
        title=f"Reading the features of {count:,} test images",
        expected_seconds=count / FEATURES_PER_SECOND,
    )
    mapped: MapFeatures | None = follow(work, key=f"{key}_features")
    if mapped is None:
        return
    if method == "pca":
        points = _pca(source.fingerprint, count, mapped.features)
    else:
        tsne = server_work().submit(
            f"tsne/{source.fingerprint}/{count}",
            place,
            mapped.features,
            method="tsne",
            title=f"Placing {count:,} images with t-SNE",
            expected_seconds=count * TSNE_SECONDS_PER_IMAGE,
        )
        points = follow(tsne, key=f"{key}_tsne")
        if points is None:
            return
    _draw(chosen, source.fingerprint, method, view, points, mapped, images, labels, key=key)


def _draw(
    chosen: ChosenModel,
    fingerprint: str,
    method: str,
    view: str,
    points: np.ndarray,
    mapped: MapFeatures,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    key: str,
) -> None:
    names = chosen.class_names
    map_column, side = st.columns([3, 1])
    if view == "thumbnails":
        shown = slice(0, MAX_THUMBNAILS)
        figure = explain_plots.class_map_thumbnails(
            points[shown], images[shown], labels[shown], mapped.predicted[shown], mapped.confidence[shown], names
        )
    else:
        axes = ("1st principal component", "2nd principal component") if method == "pca" else ("", "")
        figure = explain_plots.class_map(points, labels, mapped.predicted, mapped.confidence, names, axis_titles=axes)
    event = show_figure(
        figure,
        container=map_column,
        key=f"{key}_figure_{view}",
        on_select="rerun",
        selection_mode="points",
    )
    purity = _purity(fingerprint, len(labels), method, points, labels)
    wrong = int((labels != mapped.predicted).sum())
    with side:
        st.metric(
            "Neighbours of the same class",
            f"{purity:.0%}",
            help="Of each image's 10 nearest neighbours on this map, the share with its own class, averaged: "
            f"1 when the classes form separate islands, about {1 / len(names):.0%} when they are mixed.",
        )
        st.caption(
            f"{len(labels):,} test images, {wrong:,} mistakes ringed"
            + (
                f"; the first {MAX_THUMBNAILS:,} drawn as thumbnails"
                if view == "thumbnails" and len(labels) > MAX_THUMBNAILS
                else ""
            )
            + ". Hover a point for its classes; click it to see the image."
        )
        picked = _clicked(event)
        if picked is not None and 0 <= picked < len(labels):
            truth, guess = int(labels[picked]), int(mapped.predicted[picked])
            st.image(
                enlarge(images[picked], SHOWN_SIDE),
                width=SHOWN_SIDE,
                alt=f"Test image {picked}: a {names[truth]}, predicted {names[guess]}",
                output_format="PNG",
            )
            verdict = "right" if truth == guess else "**a mistake**"
            st.markdown(
                f"Test image {picked}: true **{names[truth]}**, predicted **{names[guess]}** "
                f"({mapped.confidence[picked]:.0%} sure), {verdict}."
            )


def _clicked(event: object) -> int | None:
    """The image number of the point clicked on the map, if any."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)):
            data = data[0] if data else None
        if data is not None:
            return int(data)
    return None
