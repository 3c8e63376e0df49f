"""What the pages' widgets offer, defined once: the widget draws it and the link codec checks it.

A widget in :mod:`cnnviz.ui` reads its options and bounds here, and :mod:`cnnviz.links` carries and
validates the same constants, so a value a page can show is a value a link can carry (and the other
way round). Option sets that belong to a library object live next to it and are read from there by
both sides: datasets and NEU sizes
(:mod:`cnnviz.datasets.api`), channels (:data:`cnnviz.images.CHANNEL_NAMES`), kernels, samples,
preset networks, recipes, demo models (:data:`cnnviz.inspection.PRETRAINED_NAMES`) and the demo networks a
``Pretrained`` layer reuses (:data:`cnnviz.architecture.layers.PRETRAINED_BASES`: the layer builder's menu and
the stack codec's check both read it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Span(Generic[N]):
    """The numbers ``low, low + step, …, high`` a number input or slider offers (whole numbers by default)."""

    low: N
    high: N
    step: N = 1

    @property
    def count(self) -> int:
        return round((self.high - self.low) / self.step) + 1

    def value(self, index: int) -> N:
        """The ``index``-th value (0 is ``low``); a fractional step's values are rounded to 10 decimals (0.15, not
        0.15000000000000002)."""
        value = self.low + index * self.step
        return value if isinstance(value, int) else round(value, 10)

    def nearest(self, value: float) -> N:
        """The offered value closest to ``value`` (a link's 0.12 is the slider's 0.1)."""
        return self.value(min(max(round((value - self.low) / self.step), 0), self.count - 1))

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not self.low <= value <= self.high:
            return False
        return self.value(round((value - self.low) / self.step)) == value

    def values(self) -> Sequence[N]:
        """Every offered value, in order (a lazy ``range`` for whole numbers: the random starts are 2³¹)."""
        if isinstance(self.low, int) and isinstance(self.high, int) and isinstance(self.step, int):
            return range(self.low, self.high + 1, self.step)
        return [self.value(index) for index in range(self.count)]


# --- the Pixels page -------------------------------------------------------------------------
#: Top row / left column of the block whose numbers are shown (the widget's own bound is the image's size).
PIXEL_OFFSETS = Span(0, 4096)

# --- the Convolution page --------------------------------------------------------------------
CONV_STRIDES = Span(1, 16)
#: The padding choices: link code → the page's label.
CONV_PADDINGS = {"valid": "valid", "same": "same", "custom": "custom P"}
CONV_PADDING_ZEROS = Span(0, 32)  # P, the rings of zeros of "custom P"
CONV_DILATIONS = Span(1, 8)
CONV_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "linear")
POOLINGS = {"max": "max", "avg": "average", "global": "global average"}  # link code → label
POOL_SIZES = Span(1, 8)
POOL_STRIDES = Span(1, 8)

# --- the Training page -----------------------------------------------------------------------
#: The optimizers (what :class:`cnnviz.training.TrainConfig` accepts) and their names on the page.
OPTIMIZERS = ("adam", "sgd", "rmsprop")
OPTIMIZER_TITLES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}
#: Where the trained network comes from: link code → the radio's label.
NETWORK_SOURCES = {"stack": "Your stack from the layer builder", "recipe": "A recipe", "preset": "A preset"}
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 2e-3, 3e-3, 1e-2, 3e-2, 1e-1)
#: 50 is the batch of the course notebooks (their reproduction recipes use it).
BATCH_SIZES = (16, 32, 50, 64, 128, 256)
EPOCHS = Span(1, 60)
#: How many training images: "all", or a stratified random subset of that many.
TRAINING_IMAGES = ("all", 500, 1000, 2000, 3000, 5000, 10000, 20000)
VALIDATION_SPLITS = Span(0.0, 0.3, 0.05)
#: Adversarial training's attack strengths ε (a share of the 0–1 pixel range); the highest is also
#: the most :class:`cnnviz.training.TrainConfig` accepts.
ADVERSARIAL_EPSILONS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
PATIENCES = Span(1, 20)
#: The losses a training can minimise (what :class:`cnnviz.training.TrainConfig` accepts) and their names: the same
#: number, from class numbers or from one-hot labels (the Fashion-MNIST notebook's ``to_categorical``).
LOSSES = {
    "sparse_categorical_crossentropy": "sparse categorical cross-entropy (labels as class numbers)",
    "categorical_crossentropy": "categorical cross-entropy (one-hot labels)",
}
#: The losses as link text → the Keras name.
LOSS_CODES = {"sparse": "sparse_categorical_crossentropy", "categorical": "categorical_crossentropy"}
#: How many first training images "hold out the first images" keeps back (the Fashion-MNIST notebook's 5,000).
NOTEBOOK_VALIDATION_FIRST = 5000
#: The random start of a training (also what :class:`cnnviz.training.TrainConfig` accepts; its other bounds are
#: wider than the page's: a script may train 200 epochs).
RANDOM_STARTS = Span(0, 2**31 - 1)

# --- the Datasets page -----------------------------------------------------------------------
#: The page's dataset choices: code → label. Only the first three travel in a link (a zip and
#: "My classes" stay in the browser session).
DATA_CHOICES = {
    "mnist": "MNIST digits",
    "fashion_mnist": "Fashion-MNIST clothes",
    "neu": "NEU steel defects",
    "upload": "Your own zip",
    "mine": "My classes",
}
LINKED_DATA = ("mnist", "fashion_mnist", "neu")
EXAMPLE_SETS = Span(0, 10**6)  # which set of examples the dice last drew

# --- the Inside page -------------------------------------------------------------------------
#: The tabs: link code → the tab's label.
INSIDE_TABS = {
    "activations": ":material/layers: Activations, layer by layer",
    "filters": ":material/grid_view: Learned filters",
    "gradcam": ":material/whatshot: Where did it look? (Grad-CAM)",
    "field": ":material/center_focus_strong: Receptive field",
    "why": ":material/psychology_alt: Why this answer?",
    "looks_for": ":material/visibility: What does a filter look for?",
    "class_map": ":material/scatter_plot: The class map",
    "fool": ":material/bug_report: Fool the network",
}
#: Integrated gradients' starting images ("Why this answer?"): link code → label.
IG_BASELINES = {"black": "black image", "blurred": "blurred copy", "noise": "random noise"}
#: The class map: how many test images, how they are placed (link code → label) and drawn.
CLASS_MAP_IMAGES = (1000, 2000, 5000)
CLASS_MAP_METHODS = {"pca": "PCA (instant)", "tsne": "t-SNE (seconds, in the background)"}
CLASS_MAP_VIEWS = {"dots": "Dots", "thumbnails": "Thumbnails"}
#: "Fool the network": the attack strength ε of the slider (a share of the 0–1 pixel range).
FGSM_EPSILONS = Span(0.0, 0.3, 0.01)
