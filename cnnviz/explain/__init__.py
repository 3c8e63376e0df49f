"""What the network learned, and when to doubt it (issue 26): explanations written on ``tf.GradientTape``.

Images are float32 ``(H, W, C)`` in [0, 1] with the model's input shape (uint8 is scaled by 1/255);
``model`` is a Keras classifier (the demo models, a student's run, My classes); ``class_index=None``
means the predicted class. Every function checks its request's cost before working
(:class:`cnnviz.errors.InputError` beyond the limits: image side, steps, samples, images,
multiply-adds, see :mod:`cnnviz.explain.classifier`). TensorFlow and scikit-learn are imported inside
the functions only; nothing here imports Streamlit.

Which pixels made it say this class (:mod:`~cnnviz.explain.attribution`)
    :func:`saliency` (gradient, gradient × input, SmoothGrad), :func:`integrated_gradients` with
    :func:`make_baseline` (black, blurred, noise) and :func:`completeness`, :func:`occlusion`.
When to doubt a map (:mod:`~cnnviz.explain.sanity`)
    :func:`randomized` and :func:`cascade_layers` (the cascading randomisation of Adebayo et al.),
    :func:`rank_correlation` (Spearman) between a map and its randomised-network twin.
What a channel looks for (:mod:`~cnnviz.explain.visualization`)
    :func:`feature_visualization`.
How it sees the whole dataset (:mod:`~cnnviz.explain.embedding`)
    :func:`features`, :func:`embed` (PCA, t-SNE), :func:`reduce`, :func:`neighbour_purity`.
Fooling it (:mod:`~cnnviz.explain.adversarial`)
    :func:`fgsm`, :func:`fgsm_accuracy` (accuracy as ε grows).
"""

from cnnviz.explain.adversarial import fgsm, fgsm_accuracy
from cnnviz.explain.attribution import (
    BASELINES,
    SALIENCY_METHODS,
    Completeness,
    completeness,
    integrated_gradients,
    make_baseline,
    occlusion,
    saliency,
)
from cnnviz.explain.classifier import MAX_MACS, network
from cnnviz.explain.embedding import EMBED_METHODS, embed, features, neighbour_purity, reduce
from cnnviz.explain.sanity import cascade_layers, randomized, rank_correlation
from cnnviz.explain.visualization import feature_visualization

__all__ = [
    "BASELINES",
    "EMBED_METHODS",
    "MAX_MACS",
    "SALIENCY_METHODS",
    "Completeness",
    "cascade_layers",
    "completeness",
    "embed",
    "features",
    "feature_visualization",
    "fgsm",
    "fgsm_accuracy",
    "integrated_gradients",
    "make_baseline",
    "neighbour_purity",
    "network",
    "occlusion",
    "randomized",
    "rank_correlation",
    "reduce",
    "saliency",
]
