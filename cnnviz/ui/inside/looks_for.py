"""The Inside page's "What does a filter look for?" tab: for chosen channels of a layer, the picture made to
excite each one (feature visualisation), the test images that excite it most, and its learned kernel.

Feature visualisation takes a second or more per channel: each channel is its own background work
(:mod:`cnnviz.ui.inside.work`), cached per network, layer and channel for every session; so are the
channels' values on the test images, from which the most exciting ones are picked.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import inspection, plots
from cnnviz.explain.tasks import ChannelPicture, ModelSource, channel_means, visualize_channels
from cnnviz.images import enlarge, to_uint8
from cnnviz.ui.inside.model_choice import ChosenModel
from cnnviz.ui.inside.network_data import model_source, test_set
from cnnviz.ui.inside.prediction import Prediction
from cnnviz.ui.inside.work import follow, server_work
from cnnviz.ui.presentation import show_figure

LOOKED_AT = ("Conv2D", "Dense")  # layers whose channels (units) can be visualised
MAX_PICKED = 8
FIRST_PICKED = 4  # channels shown at first: those your input excites most
STEPS = 256
TEST_IMAGES = 1000  # test images searched for the most exciting ones
TOP_IMAGES = 6
PICTURE_SIDE = 140
EXPECTED_SECONDS = 3.0  # one channel's visualisation on a 2-core CPU (the demo MNIST model: 1.6 s)


def show_looks_for(chosen: ChosenModel, prediction: Prediction, *, key: str) -> None:
    """The tab's body: layer and channels, then one row per channel."""
    model = chosen.model
    layers = [layer.name for layer in model.layers if type(layer).__name__ in LOOKED_AT]
    if not layers:
        st.info("This network has no convolution or dense layer whose channels could be looked at.")
        return
    convolutions = [name for name in layers if type(model.get_layer(name)).__name__ == "Conv2D"]
    st.markdown(
        "**What does a channel look for?** Start from grey noise and change the picture, step by step, so that "
        f"the channel's mean output grows ({STEPS} steps of gradient ascent, kept smooth by drawing it from its "
        "frequencies and shifting it a little at every step: *feature visualisation*, Olah et al. 2017). Beside "
        f"it, the {TOP_IMAGES} test images that excite the channel most, and the weights it learned."
    )
    layer = st.selectbox(
        "Layer",
        layers,
        index=layers.index(convolutions[-1]) if convolutions else len(layers) - 1,
        key=f"{key}_layer",
        help="Early layers look for edges and strokes; deeper ones for parts of shapes; the output layer's "
        "units for a whole class.",
    )
    values = dict(inspection.activations(model, prediction.x))[layer]
    count = values.shape[-1]
    by_input = np.argsort(-values.reshape(-1, count).mean(axis=0))[:FIRST_PICKED]
    picked_key = f"{key}_channels_{layer}"
    st.session_state.setdefault(picked_key, sorted(int(c) for c in by_input))
    channels = st.multiselect(
        f"Channels (0–{count - 1}, up to {MAX_PICKED})",
        range(count),
        key=picked_key,
        max_selections=MAX_PICKED,
        format_func=lambda c: chosen.class_names[c] if _is_output(model, layer) else str(c),
        help="At first: the channels your input excites most.",
    )
    if not channels:
        st.info("Pick a channel to see what it looks for.")
        return
    source = model_source(chosen)
    found = test_set(chosen)
    means = None
    if found is not None:
        images = found[0][:TEST_IMAGES]
        work = server_work().submit(
            f"means/{source.fingerprint}/{layer}/{len(images)}",
            channel_means,
            source,
            layer,
            images,
            title=f"Measuring every channel of {layer} on {len(images):,} test images",
            expected_seconds=len(images) / 1000,
        )
        means = follow(work, key=f"{key}_means")
    for channel in channels:
        _channel_row(chosen, source, layer, int(channel), means, found, key=key)


def _is_output(model, layer: str) -> bool:
    return model.layers[-1].name == layer


def _channel_row(
    chosen: ChosenModel,
    source: ModelSource,
    layer: str,
    channel: int,
    means: np.ndarray | None,
    found: tuple[np.ndarray, np.ndarray] | None,
    *,
    key: str,
) -> None:
    """One channel: its visualisation, the test images that excite it most, its kernel."""
    name = chosen.class_names[channel] if _is_output(chosen.model, layer) else f"channel {channel}"
    st.markdown(f"##### {layer} · {name}")
    picture_column, images_column, kernel_column = st.columns([2, 4, 3])
    work = server_work().submit(
        f"look/{source.fingerprint}/{layer}/{channel}/{STEPS}",
        visualize_channels,
        source,
        layer,
        [channel],
        steps=STEPS,
        title=f"Drawing what {layer} {name} looks for",
        expected_seconds=EXPECTED_SECONDS,
    )
    with picture_column:
        pictures = follow(work, key=f"{key}_look_{layer}_{channel}")
        picture: ChannelPicture | None = pictures[0] if pictures else None
        if picture is not None:
            st.image(
                enlarge(to_uint8(picture.image), PICTURE_SIDE),
                width=PICTURE_SIDE,
                alt=f"The picture made to excite {layer} {name} as much as possible",
                output_format="PNG",
            )
            st.caption(f"Made to excite it: mean output **{picture.mean_value:.3g}**.")
    with images_column:
        if means is None or found is None:
            st.caption("The test images that excite it most appear here." if found else "No test images here.")
        else:
            best = np.argsort(-means[:, channel])[:TOP_IMAGES]
            images, labels = found
            show_figure(
                plots.image_grid(images[best].mean(axis=-1).astype(np.uint8), columns=TOP_IMAGES, tile_pixels=56),
                key=f"looks_top_{layer}_{channel}",
                config={"displayModeBar": False},
                alt=f"The {TOP_IMAGES} test images that excite {layer} {name} most: "
                + ", ".join(chosen.class_names[int(labels[i])] for i in best),
            )
            beaten = picture is not None and picture.mean_value > means[best[0], channel]
            st.caption(
                f"Most exciting of {len(means):,} test images: mean output {means[best[0], channel]:.3g} "
                f"({', '.join(chosen.class_names[int(labels[i])] for i in best)})."
                + (" The made picture excites it more than any of them." if beaten else "")
            )
    with kernel_column:
        _kernel(chosen.model, layer, channel, name)


def _kernel(model, layer: str, channel: int, name: str) -> None:
    """The learned weights of one channel: its kernel slices (convolution) or its weights (dense unit)."""
    weights = model.get_layer(layer).get_weights()[0]
    if weights.ndim == 4:
        kernel = weights[..., channel]  # (kh, kw, fan_in)
        faces = np.moveaxis(kernel, -1, 0)
        what = "its kernel" if len(faces) == 1 else f"its {len(faces)} kernel slices, one per input channel"
        show_figure(
            plots.filter_grid(faces, columns=min(8, len(faces)), tile_pixels=34 if len(faces) > 1 else 120),
            key=f"looks_kernel_{layer}_{channel}",
            config={"displayModeBar": False},
        )
        st.caption(f"The weights of {name}: {what} ({plots.SIGNED_NOTE[:-1].lower()}).")
    else:
        show_figure(
            plots.unit_strip(weights[:, channel]),
            key=f"looks_kernel_{layer}_{channel}",
            config={"displayModeBar": False},
        )
        st.caption(f"The {weights.shape[0]:,} weights of {name}, one per value of the layer before.")
