"""The Inside page's "Fool the network" tab: the fast gradient sign method on your image with an ε slider (the
perturbation shown enlarged, the answer flipping), and the accuracy on test images as ε grows, one curve
per network, so that an adversarially trained run (Training page, "Adversarial training (FGSM)") can be
compared with the others.

One attack takes milliseconds (here); each curve attacks 1,000 test images at every ε (a background
work per network, kept for every session).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz import explain, inspection, plots
from cnnviz.errors import InputError
from cnnviz.explain.tasks import ModelSource, attack_curve
from cnnviz.images import enlarge, to_uint8
from cnnviz.options import FGSM_EPSILONS
from cnnviz.plots import explain as explain_plots
from cnnviz.training import TrainingRun
from cnnviz.ui import state
from cnnviz.ui.inside.input_choice import ChosenInput
from cnnviz.ui.inside.model_choice import ChosenModel
from cnnviz.ui.inside.network_data import model_source, run_source, test_set
from cnnviz.ui.inside.prediction import Prediction
from cnnviz.ui.inside.work import follow, server_work
from cnnviz.ui.presentation import show_figure

EPSILON_KEY = "inside_fool_eps"  # in the link
DEFAULT_EPSILON = 0.1
CURVE_EPSILONS = (0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3)
CURVE_IMAGES = 1000
ATTACKED_PER_SECOND = 100  # test images attacked at all nine ε per second (the demo MNIST model, 2 cores)
SHOWN_SIDE = 150


def show_fool(chosen: ChosenModel, given: ChosenInput, prediction: Prediction, *, key: str) -> None:
    """The tab's body: the attack on your image, then the accuracy curves."""
    names = chosen.class_names
    st.markdown(
        "**Can a change too small to notice fool the network?** The *fast gradient sign method* (Goodfellow et "
        "al. 2015) moves every pixel by the same small amount ε, each in the direction that raises the "
        "network's loss fastest:  \n"
        r"$x_{\mathrm{adv}} = \mathrm{clip}\big(x + \varepsilon \cdot \mathrm{sign}(\nabla_x L(x, y)),\ 0,\ 1\big)$,"
        r" with $L = -\log p_y(x)$ the loss of the class $y$."
    )
    st.session_state.setdefault(EPSILON_KEY, DEFAULT_EPSILON)
    epsilon = st.slider(
        "Attack strength ε (a share of the 0–1 pixel range)",
        FGSM_EPSILONS.low,
        FGSM_EPSILONS.high,
        step=FGSM_EPSILONS.step,
        key=EPSILON_KEY,
        format="%.2f",
    )
    target = given.true_label if given.true_label is not None else prediction.top
    whose = "its true class" if given.true_label is not None else "the class it answers now"
    try:
        attacked = explain.fgsm(chosen.model, prediction.x, target, epsilon)
        after = inspection.predict(chosen.model, attacked)
    except InputError as error:
        st.info(str(error))
        return
    flipped = int(np.argmax(after))
    clean, perturbation, result = st.columns(3)
    clean.markdown(f"**Your input**: {names[prediction.top]} ({prediction.probabilities[prediction.top]:.0%})")
    clean.image(
        enlarge(to_uint8(prediction.x), SHOWN_SIDE), width=SHOWN_SIDE, alt="The input image", output_format="PNG"
    )
    perturbation.markdown(
        f"**+ the change**, every pixel ±{epsilon:g}" + (" (mean of the colours)" if prediction.x.shape[-1] > 1 else "")
    )
    show_figure(
        explain_plots.attribution_map(
            (attacked - prediction.x).mean(axis=-1), height=SHOWN_SIDE + 20, value_label="change"
        ),
        container=perturbation,
        key="fool_perturbation",
        config={"displayModeBar": False},
        alt=f"The perturbation, enlarged: every pixel moved by at most {epsilon:g}; {plots.SIGNED_NOTE}",
    )
    result.markdown(f"**= the attacked image**: {names[flipped]} ({after[flipped]:.0%})")
    result.image(
        enlarge(to_uint8(attacked), SHOWN_SIDE), width=SHOWN_SIDE, alt="The attacked image", output_format="PNG"
    )
    if epsilon == 0:
        st.caption("ε = 0 changes nothing: move the slider.")
    elif flipped != prediction.top:
        st.markdown(
            f":material/warning: **Fooled.** A change of at most {epsilon:g} per pixel (attacking {whose}, "
            f"{names[target]}) turns the answer from **{names[prediction.top]}** into **{names[flipped]}**."
        )
    else:
        st.markdown(
            f"Still **{names[flipped]}** at ε = {epsilon:g} (its probability went from "
            f"{prediction.probabilities[flipped]:.1%} to {after[flipped]:.1%}): try a larger ε."
        )
    st.caption("The change, enlarged: blue where a pixel was made brighter, red darker, white unchanged.")
    st.divider()
    _curves(chosen, epsilon, key=key)


def _comparable(chosen: ChosenModel) -> dict[str, TrainingRun]:
    """The session's other runs that take the same images and classes (label → run)."""
    shape = tuple(inspection.input_shape(chosen.model))
    return {
        run.label: run
        for index, run in enumerate(state.runs())
        if index != chosen.run_index and tuple(run.input_shape) == shape and list(run.class_names) == chosen.class_names
    }


def _curves(chosen: ChosenModel, epsilon: float, *, key: str) -> None:
    """The accuracy on the first test images as ε grows: the chosen network and the runs picked to compare."""
    found = test_set(chosen)
    if found is None:
        st.info("This run kept no test images, so its accuracy under attack cannot be measured.")
        return
    images, labels = found[0][:CURVE_IMAGES], np.asarray(found[1][:CURVE_IMAGES])
    st.markdown(
        f"**How much does ε hurt on the test set?** The accuracy on {len(labels):,} test images, each attacked "
        "with its own FGSM change at every ε."
    )
    others = _comparable(chosen)
    compared = st.multiselect(
        "Compare with your runs",
        list(others),
        key=f"{key}_compare",
        help="Runs that take the same images and classes. Train one with “Adversarial training (FGSM)” on the "
        "Training page to see whether it resists the attack better.",
        placeholder="Runs of this session on the same data",
    )
    own = _curve_name(chosen.run) if chosen.run is not None else chosen.label.split(" · ")[0]
    sources: list[tuple[str, ModelSource]] = [(own, model_source(chosen))]
    sources += [(_curve_name(others[label]), run_source(others[label])) for label in compared]
    curves = []
    for name, source in sources:
        work = server_work().submit(
            f"attack/{source.fingerprint}/{len(labels)}/{len(CURVE_EPSILONS)}",
            attack_curve,
            source,
            images,
            labels,
            CURVE_EPSILONS,
            title=f"Attacking {len(labels):,} test images at {len(CURVE_EPSILONS)} strengths ({name})",
            expected_seconds=len(labels) / ATTACKED_PER_SECOND,
        )
        accuracy = follow(work, key=f"{key}_curve_{source.fingerprint}")
        if accuracy is not None:
            curves.append((name, CURVE_EPSILONS, accuracy))
    if curves:
        summaries = [_curve_summary(name, accuracy) for name, _, accuracy in curves]
        show_figure(
            explain_plots.attack_curves(curves, epsilon=epsilon),
            key="fool_curves",
            alt=f"Accuracy on {len(labels):,} attacked test images as ε grows from 0 to {CURVE_EPSILONS[-1]:g}: "
            + "; ".join(summaries)
            + f". A dotted line marks ε = {epsilon:g}.",
        )
        st.caption(f"{summaries[0]}. The dotted line is the ε of the slider.")


def _curve_summary(name: str, accuracy: np.ndarray) -> str:
    at = dict(zip(CURVE_EPSILONS, accuracy, strict=True))
    return f"{name}: {at[0.0]:.1%} right on clean images, {at[0.1]:.1%} at ε = 0.1 and {at[0.25]:.1%} at ε = 0.25"


def _curve_name(run: TrainingRun) -> str:
    fgsm = f" (FGSM-trained, ε {run.config.adversarial_epsilon:g})" if run.config.adversarial_epsilon else ""
    return run.label.split(" · ")[0] + fgsm
