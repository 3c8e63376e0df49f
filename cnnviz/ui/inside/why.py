"""The Inside page's "Why this answer?" tab: five attribution maps side by side under one colour rule, each
with its formula, integrated gradients' completeness check, and the sanity check of Adebayo et al. (2018):
randomise the network from the top down and see which maps change.

The maps take a fraction of a second each (cached per network, image, class and baseline); the sanity
check's randomised networks are kept per network and depth for every session.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from cnnviz import explain, inspection
from cnnviz.errors import InputError
from cnnviz.explain import Completeness
from cnnviz.images import enlarge, to_uint8
from cnnviz.options import IG_BASELINES as BASELINE_TITLES
from cnnviz.plots import explain as explain_plots
from cnnviz.plots.colours import MAGNITUDE_NOTE, SIGNED_NOTE
from cnnviz.ui.inside.model_choice import ChosenModel
from cnnviz.ui.inside.network_data import model_source
from cnnviz.ui.inside.prediction import Prediction
from cnnviz.ui.presentation import show_figure

BASELINE_KEY = "inside_why_baseline"  # in the link
SANITY_KEY = "inside_why_sanity"
MAP_HEIGHT = 200
SHOWN_SIDE = 150
SMOOTHGRAD_SAMPLES, IG_STEPS = 25, 64
#: The methods in the order shown, each with its one-line formula (KaTeX) and what it answers.
METHODS = {
    "Grad-CAM": (
        r"$\mathrm{ReLU}\big(\sum_k \alpha_k A^k\big)$, $\alpha_k = \operatorname{mean} \partial s_c/\partial A^k$",
        "the last convolution's maps, weighted by how much each raises the class score",
    ),
    "gradient": (
        r"$\max_{\mathrm{ch}} \lvert \partial p_c / \partial x \rvert$",
        "how much a tiny change of each pixel moves the probability",
    ),
    "SmoothGrad": (
        r"$\max_{\mathrm{ch}} \big\lvert \tfrac1n \sum_k \partial p_c/\partial x\,(x+\varepsilon_k) \big\rvert$",
        f"the gradient averaged over {SMOOTHGRAD_SAMPLES} noisy copies of the image",
    ),
    "integrated gradients": (
        r"$(x - x') \cdot \tfrac1m \sum_k \partial p_c/\partial x\,\big(x' + \tfrac{k}{m}(x - x')\big)$",
        f"each pixel's share of $p_c(x) - p_c(x')$, gradients along {IG_STEPS} steps from the baseline $x'$",
    ),
    "occlusion": (
        r"$p_c(x) - p_c(x \text{ with a patch hidden})$",
        "how much hiding a small square over the pixel lowers the probability",
    ),
}


@dataclass(frozen=True)
class Maps:
    """Each method's map (H, W) for one network, image and class; a method that cannot run has a reason."""

    maps: dict[str, np.ndarray] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    check: Completeness | None = None


def occlusion_patch(side: int) -> tuple[int, int]:
    """(patch, stride) for an image of this side: a 4-pixel patch on a 28×28 digit, about a seventh of larger ones."""
    patch = max(4, side // 7)
    return patch, max(1, patch // 2)


def compute_maps(model, x: np.ndarray, class_index: int, baseline_kind: str) -> Maps:
    """Every method's map of class ``class_index`` for the prepared image ``x`` (and IG's completeness)."""
    maps: dict[str, np.ndarray] = {}
    reasons: dict[str, str] = {}
    try:
        maps["Grad-CAM"] = inspection.grad_cam(model, x, class_index)
    except InputError as error:
        reasons["Grad-CAM"] = str(error)
    maps["gradient"] = explain.saliency(model, x, class_index)
    maps["SmoothGrad"] = explain.saliency(model, x, class_index, method="smoothgrad", samples=SMOOTHGRAD_SAMPLES)
    baseline = explain.make_baseline(x, baseline_kind)
    attributions = explain.integrated_gradients(model, x, class_index, baseline=baseline, steps=IG_STEPS)
    maps["integrated gradients"] = attributions.sum(axis=-1)
    check = explain.completeness(model, x, attributions, class_index, baseline=baseline)
    patch, stride = occlusion_patch(min(x.shape[:2]))
    maps["occlusion"] = explain.occlusion(model, x, class_index, patch=patch, stride=stride)
    return Maps(maps, reasons, check)


@st.cache_data(max_entries=48, show_spinner=False)
def _cached_maps(
    fingerprint: str, randomised_from: str, _model, x: np.ndarray, class_index: int, baseline: str
) -> Maps:
    """:func:`compute_maps`, kept per network (fingerprint and randomisation), image, class and baseline."""
    return compute_maps(_model, x, class_index, baseline)


@st.cache_resource(max_entries=8, show_spinner=False)
def _randomised(fingerprint: str, from_layer: str, _model):
    """The network with its weights re-drawn from ``from_layer`` up to the output (random start 0), kept for
    every session: the same network and depth always give the same randomised copy."""
    return explain.randomized(_model, from_layer=from_layer, seed=0)


def show_why(chosen: ChosenModel, prediction: Prediction, *, key: str) -> None:
    """The tab's body: class and baseline, the five maps, the completeness check and the sanity check."""
    st.markdown(
        "**Which pixels made the network give this answer?** Five methods answer it, each in its own way. "
        "They are all drawn by one colour rule, each map scaled to its strongest pixel: a map that is never "
        "negative runs from dark purple (0) to yellow (its largest); a map with signs is blue where positive "
        "(speaks for the class), red where negative (speaks against it) and white at zero. Hover a pixel for "
        "its value."
    )
    names, top = chosen.class_names, prediction.top
    left, right = st.columns(2)
    class_index = left.selectbox(
        "Explain the class",
        range(len(names)),
        index=top,
        key=f"{key}_class",
        format_func=lambda k: f"{names[k]}{' (predicted)' if k == top else ''}",
    )
    baseline = right.radio(
        "Integrated gradients start from (baseline x′)",
        list(BASELINE_TITLES),
        format_func=BASELINE_TITLES.__getitem__,
        key=BASELINE_KEY,
        horizontal=True,
        help="Integrated gradients say why the answer is this class *rather than for the baseline*: "
        "each baseline asks a different question.",
    )
    source = model_source(chosen)
    with st.spinner("Computing the five maps…"):
        maps = _cached_maps(source.fingerprint, "", chosen.model, prediction.x, int(class_index), baseline)
    _maps_row(prediction.x, maps, caption="your input")
    _formulas()
    _completeness(maps.check, names[class_index], BASELINE_TITLES[baseline])
    _sanity_check(chosen, prediction, maps, int(class_index), baseline, source.fingerprint, key=key)


def _maps_row(x: np.ndarray, maps: Maps, *, caption: str, correlations: dict[str, float] | None = None) -> None:
    """The input and the five maps in one row (stacked on a phone), each under its name."""
    columns = st.columns(len(METHODS) + 1)
    columns[0].markdown(f"**{caption}**")
    columns[0].image(
        enlarge(to_uint8(x), SHOWN_SIDE),
        width=SHOWN_SIDE,
        alt=f"The input image, {x.shape[0]}×{x.shape[1]}",
        output_format="PNG",
    )
    for column, method in zip(columns[1:], METHODS, strict=True):
        with column:
            st.markdown(f"**{method}**")
            if method not in maps.maps:
                st.info(maps.reasons.get(method, "Not available for this network."))
                continue
            values = maps.maps[method]
            rule = SIGNED_NOTE if values.min() < 0 else MAGNITUDE_NOTE
            show_figure(
                explain_plots.attribution_map(values, height=MAP_HEIGHT),
                key=f"why_{caption}_{method}",
                config={"displayModeBar": False},
                alt=f"{method} map of {values.shape[0]}×{values.shape[1]} pixels, values from {values.min():.3g} "
                f"to {values.max():.3g}, scaled to its strongest pixel. {rule}",
            )
            if correlations is not None:
                st.markdown(f"ρ = **{correlations[method]:+.2f}**")


def _formulas() -> None:
    """What each map computes: one line each, its formula next to its meaning."""
    lines = "\n".join(f"- **{method}** {formula}: {meaning}" for method, (formula, meaning) in METHODS.items())
    st.markdown(
        lines + "\n\n"
        r"$p_c$: the probability of class $c$; $s_c$: its score before the softmax; $x$: the image; "
        r"$A^k$: the last convolution's $k$-th map; $\varepsilon_k$: random noise."
    )


def _completeness(check: Completeness | None, class_name: str, baseline: str) -> None:
    if check is None:
        return
    st.markdown(
        f"**Completeness check of integrated gradients** (the {baseline} as baseline $x'$): the attributions "
        f"add up to $\\sum = {check.attribution_sum:.4f}$, and $p_c(x) - p_c(x') = {check.probability:.4f} - "
        f"{check.baseline_probability:.4f} = {check.probability_change:.4f}$ for **{class_name}**: "
        + (
            f"they differ by {check.error:.4f}, {check.relative_error:.1%} of the change."
            if np.isfinite(check.relative_error)
            else f"they differ by {check.error:.4f} (the baseline is as sure as the image: nothing to share out)."
        )
    )


def _sanity_check(
    chosen: ChosenModel,
    prediction: Prediction,
    maps: Maps,
    class_index: int,
    baseline: str,
    fingerprint: str,
    *,
    key: str,
) -> None:
    """The button, the cascade slider, the randomised network's maps with their rank correlations."""
    st.divider()
    st.markdown(
        "**When to doubt a map: the sanity check.** Adebayo et al. (2018, *Sanity checks for saliency maps*) "
        "replaced a trained network's weights by random ones, from the top layer down, and looked again: a map "
        "that explains *what the network learned* must change; a map that stays the same shows the image "
        "(its edges), whatever the network thinks."
    )
    layers = explain.cascade_layers(chosen.model)
    if not st.session_state.get(SANITY_KEY):
        if st.button("Sanity check: randomise the network", icon=":material/shuffle:", key=f"{key}_sanity"):
            st.session_state[SANITY_KEY] = True
            st.rerun()
        return
    depth = st.select_slider(
        "Randomise from the top layer down to",
        layers,
        key=f"{key}_cascade",
        format_func=lambda name: f"{name} ({layers.index(name) + 1} of {len(layers)})",
        help="The cascade: first only the output layer gets random weights, then one more layer each step.",
    )
    randomised = _randomised(fingerprint, depth, chosen.model)
    with st.spinner("Redrawing every map for the randomised network…"):
        twin = _cached_maps(fingerprint, depth, randomised, prediction.x, class_index, baseline)
    correlations = {
        method: explain.rank_correlation(maps.maps[method], twin.maps[method])
        for method in METHODS
        if method in twin.maps
    }
    count = layers.index(depth) + 1
    _maps_row(prediction.x, twin, caption=f"top {count} randomised", correlations=correlations)
    chart, text = st.columns([3, 2])
    show_figure(
        explain_plots.rank_bars(correlations),
        key="why_rank_bars",
        container=chart,
        config={"displayModeBar": False},
        alt="Spearman's ρ between each map of the trained and of the randomised network: "
        + ", ".join(f"{method} {rho:+.2f}" for method, rho in correlations.items())
        + ".",
    )
    followers = [method for method, rho in correlations.items() if abs(rho) < 0.5]
    stayers = [method for method, rho in correlations.items() if abs(rho) >= 0.5]
    text.markdown(
        f"With the top **{count} of {len(layers)}** weighted layers random, the network's answer means nothing, "
        "yet some maps may hardly move. **ρ** is Spearman's rank correlation of the two maps' magnitudes: "
        "1 = the same order of pixels, 0 = unrelated.  \n"
        + (f"**Follow the weights** (ρ below 0.5): {', '.join(followers)}.  \n" if followers else "")
        + (f"**Barely changed** (ρ 0.5 or more), doubt them: {', '.join(stayers)}.  \n" if stayers else "")
        + "Part of a likeness can be the image itself: integrated gradients from a black baseline multiply by the "
        "pixels, and occlusion paints patches black, so both are zero wherever the image is black, whatever the "
        "weights."
    )
    if st.button("Back to the trained network", icon=":material/undo:", key=f"{key}_sanity_off"):
        st.session_state[SANITY_KEY] = False
        st.rerun()
