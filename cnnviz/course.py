"""The course map: the four course texts, in the course's order, and the places of the app that teach each.

A :class:`Place` is a section of a page (its heading's ``anchor``) opened with a link's values (``query``,
in the page's link vocabulary of :mod:`cnnviz.links`): the Home page links to it, and the section itself says
which course text it belongs to, in that text's own terms (:func:`notes_for`). ``tests/test_course.py``
opens every place and checks that its heading is there; the e2e test clicks every link of the map.

The course's figures this app cites (the notebooks' per-epoch results) are in :data:`NOTEBOOK_EPOCHS`.
No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MAX_LABEL = 34


@dataclass(frozen=True)
class Place:
    """Where the app teaches part of a course text: ``page`` (its URL path), the heading ``anchor`` of the
    section, the link values that set the section up, what the link says, and the course's own ``terms``."""

    page: str
    anchor: str
    label: str  # at most MAX_LABEL characters: a link's label is cut, not wrapped, on a phone
    terms: tuple[str, ...]
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class CourseText:
    """One course text: its number in the course, its own title, what it covers, and its places in its order."""

    number: int
    title: str
    covers: str
    places: tuple[Place, ...]

    @property
    def name(self) -> str:
        """How the app refers to it: "text 1, *Convolutional Neural Network*"."""
        return f"text {self.number}, “{self.title}”"


def _place(page: str, anchor: str, label: str, terms: tuple[str, ...], **query: str) -> Place:
    return Place(page, anchor, label, terms, MappingProxyType(dict(query)))


COURSE: tuple[CourseText, ...] = (
    CourseText(
        1,
        "Convolutional Neural Network",
        "From pixels to a trained clothes classifier: pixel values, the convolution formula and the output-size "
        "rule, stride, padding, max and average pooling, dropout and flatten, then the Fashion-MNIST notebook "
        "with early stopping and a checkpoint (best validation accuracy about 90.5 %).",
        (
            _place(
                "layer_builder",
                "why-convolutions",
                "Dense layers on 224×224×3 images",
                ("Why CNN Over Traditional Neural Networks?", "Local connectivity", "Shared weights"),
                input="224x224x3",
            ),
            _place(
                "training",
                "ann-vs-cnn",
                "Dense network or CNN: one click",
                ("Why CNN Over Traditional Neural Networks?",),
            ),
            _place("pixels", "image-as-numbers", "Pixels: 0 is black, 255 is white", ("Pixel", "Grayscale image")),
            _place("pixels", "colour-channels", "A colour pixel is three numbers", ("RGB (color) image",)),
            _place(
                "convolution",
                "kernel-slides",
                "Slide, multiply and sum",
                ("How Convolution Works", "Convolution Formula"),
                kernel="vertical_edge",
            ),
            _place(
                "convolution",
                "input-and-feature-map",
                "The output size with stride 2",
                ("Output Dimension Formula", "Stride"),
                stride="2",
            ),
            _place("convolution", "why-padding", "Why padding, pixel by pixel", ("Padding", "Why Use Padding?")),
            _place(
                "convolution",
                "activation-and-pooling",
                "Max pooling 2×2",
                ("Pooling Layer", "Max Pooling", "Average Pooling"),
                pool="max",
            ),
            _place(
                "training",
                "reproduce-the-notebook",
                "Reproduce the Fashion notebook",
                ("Python implementation for Convolutional Neural Network (CNN)",),
                network="recipe",
                recipe="notebook_fashion",
            ),
            _place(
                "data",
                "first-images",
                "The notebook's first 20 images",
                ("Visualize first 20 images",),
                dataset="fashion_mnist",
            ),
            _place(
                "layer_builder",
                "what-the-stack-computes",
                "Fashion network, shape by shape",
                ("Build CNN model", "Flatten"),
                stack="preset.fashion_mnist_cnn",
                input="28x28x1",
            ),
            _place("convolution", "dropout", "Dropout on one batch", ("Dropout",)),
            _place(
                "training",
                "guards",
                "Dropout, early stop, checkpoint",
                ("EarlyStopping", "ModelCheckpoint", "Dropout"),
            ),
        ),
    ),
    CourseText(
        2,
        "Introduction to Convolution Neural Network",
        "Why plain neural networks struggle with images, how a computer stores colour (RGB values, hex codes), "
        "what CNNs are used for, the layers of a convnet, the 6×6 edge example, padding, stride and the "
        "output-size formula, pooling, and the LeNet-5 table.",
        (
            _place(
                "layer_builder",
                "why-convolutions",
                "A dense layer on raw pixels",
                ("High Number of Parameters",),
                input="100x100x1",
            ),
            _place("training", "ann-vs-cnn", "Dense network or CNN: one click", ("Loss of Spatial Information",)),
            _place("pixels", "colour-channels", "Colour channels and colour codes", ("Color images",)),
            _place(
                "home", "applications", "What CNNs are used for", ("Applications of Convolutional Neural Networks",)
            ),
            _place(
                "layer_builder",
                "what-the-stack-computes",
                "A 32×32×3 convnet, 12 filters",
                ("Layers Used to Build ConvNets",),
                stack="conv-12-k.3-p.same-a.relu maxpool-size.2-s.2 flatten dense-10-a.softmax",
                input="32x32x3",
            ),
            _place(
                "convolution",
                "worked-examples",
                "The 6×6 edge example, cell by cell",
                ("How Convolution Works",),
                example="edge_6x6",
            ),
            _place(
                "convolution",
                "why-padding",
                "'valid' against 'same' padding",
                ("Padding in Convolutional Neural Networks (CNNs)",),
                padding="same",
            ),
            _place(
                "convolution",
                "input-and-feature-map",
                "Stride and the output-size formula",
                ("Stride in Convolutional Neural Networks (CNNs)", "Effect of Stride on Output Size"),
                stride="2",
            ),
            _place(
                "convolution",
                "activation-and-pooling",
                "Max, average and global pooling",
                ("Pooling in Convolutional Neural Networks (CNNs)",),
                pool="avg",
            ),
            _place(
                "layer_builder",
                "what-the-stack-computes",
                "LeNet-5, layer by layer",
                ("LeNet", "Architecture Details"),
                stack="preset.lenet_5",
                input="32x32x1",
            ),
        ),
    ),
    CourseText(
        3,
        "Convolutional Neural Networks (CNNs)",
        "How machines learn to see, the visual cortex that inspired CNNs, feature extraction and "
        "classification, receptive fields, ReLU, softmax, training (loss, cross-entropy, backpropagation, "
        "gradient descent, Adam, epochs and batches), then the MNIST notebook (99.01 % on the test digits) "
        "and its six tasks for the reader.",
        (
            _place(
                "training",
                "ann-vs-cnn",
                "Dense network or CNN: one click",
                ("Why Regular Neural Networks Are Not Enough",),
            ),
            _place(
                "convolution",
                "biology",
                "Receptive fields: cortex and CNN",
                ("Biological Inspiration of Convolutional Neural Networks", "Receptive Field"),
            ),
            _place(
                "layer_builder",
                "two-parts",
                "Feature extraction, classification",
                (
                    "Components of a Convolutional Neural Network",
                    "Feature Extraction Component",
                    "Classification Component of a Convolutional Neural Network",
                ),
                stack="preset.mnist_cnn",
                input="28x28x1",
            ),
            _place(
                "convolution",
                "activation-and-pooling",
                "ReLU after the convolution",
                ("Activation Function After Convolution",),
                activation="relu",
            ),
            _place("learning", "softmax", "Softmax: scores to probabilities", ("Softmax Activation Function",)),
            _place("learning", "cross-entropy", "Cross-entropy loss", ("Why Cross-Entropy Loss Is Used",)),
            _place(
                "learning",
                "backpropagation",
                "One real backpropagation step",
                ("Backpropagation in Convolutional Neural Networks",),
            ),
            _place(
                "learning",
                "gradient-descent",
                "Gradient descent, learning rate",
                ("Gradient Descent and Optimization",),
            ),
            _place("learning", "optimizers", "SGD, RMSprop and Adam", ("Optimizers in CNN Training",)),
            _place("learning", "batches", "Batches and epochs", ("Epochs and Batches",)),
            _place(
                "training",
                "reproduce-the-notebook",
                "Reproduce the MNIST notebook",
                ("Example: Image Classification Using Convolutional Neural Network (CNN)",),
                network="recipe",
                recipe="notebook_mnist",
            ),
            _place("training", "experiments", "The six tasks, one click each", ("Task for the Reader",)),
        ),
    ),
    CourseText(
        4,
        "Convolutional Neural Networks (CNN)",
        "Convolution against cross-correlation on a 1-D signal, images as matrices, 2-D convolution and the "
        "5×5 example, hand-made kernels (edges, blurring, sharpening), why a flattened ANN misses the picture, "
        "channels and kernels, stride, padding, pooling and why max pooling shrugs off small shifts, then the "
        "second MNIST notebook ('same' padding, batch 50) and the NEU steel-defect notebook.",
        (
            _place(
                "convolution",
                "one-dimension",
                "1-D: convolution or correlation",
                ("Convolution and cross-correlation", "Note on Convolution and Cross-Correlation in CNN"),
            ),
            _place(
                "convolution",
                "worked-examples",
                "The 5×5 example, cell by cell",
                ("Example of Convolution",),
                example="image_5x5",
            ),
            _place(
                "convolution",
                "kernel-slides",
                "Horizontal Edge Detector (Mh)",
                ("Horizontal Edge Detector",),
                kernel="vertical_edge",
            ),
            _place(
                "convolution",
                "kernel-slides",
                "Vertical Edge Detector (Mv)",
                ("Vertical Edge Detector",),
                kernel="horizontal_edge",
            ),
            _place(
                "convolution", "kernel-slides", "Blurring with the 5×5 average", ("Blurring",), kernel="box_blur_5x5"
            ),
            _place(
                "convolution",
                "kernel-slides",
                "Sharpening, centre 9",
                ("Sharpening",),
                kernel="sharpen_9",
            ),
            _place(
                "training",
                "ann-vs-cnn",
                "Flattened ANN against a CNN",
                ("ANN Structure for Classification in Image",),
            ),
            _place(
                "convolution",
                "colour-filters",
                "Channels: one filter, one map",
                ("Multiple Channels", "Multiple Kernels"),
            ),
            _place(
                "convolution",
                "shift-tolerance",
                "Max pooling and a one-pixel shift",
                ("Why Max Pooling is Invariant to Small Deformations",),
            ),
            _place(
                "layer_builder",
                "two-parts",
                "Conv blocks, then a classifier",
                ("Stacking Convolutional Layer Blocks for Deeper Representations",),
                stack="preset.mnist_cnn_same_padding",
                input="28x28x1",
            ),
            _place(
                "layer_builder",
                "history",
                "Yann LeCun and LeNet-5",
                ("Convolutional Neural Networks (CNNs) and Yann LeCun",),
                stack="preset.lenet_5",
                input="32x32x1",
            ),
            _place(
                "training",
                "reproduce-the-notebook",
                "Reproduce MNIST with 'same'",
                ("Define an CNN Structure",),
                network="recipe",
                recipe="notebook_mnist_same",
            ),
            _place(
                "data",
                "class-numbers",
                "NEU's six classes, numbered",
                ("NEU steel surface defects",),
                dataset="neu",
            ),
            _place(
                "training",
                "reproduce-the-notebook",
                "Reproduce NEU (200×200, slow)",
                ("NEU steel surface defects",),
                network="recipe",
                recipe="notebook_neu",
            ),
        ),
    ),
)

#: What CNNs are used for, as the second course text lists it, each with where the app shows something like it.
APPLICATIONS: tuple[tuple[str, str, str], ...] = (
    ("Image classification", "one label per picture: a digit, a garment, a steel defect", "training"),
    ("Object detection", "what is where: boxes around pedestrians, signs, cars", ""),
    ("Image segmentation", "a label per pixel: a tumour's outline, a person cut from the background", ""),
    ("Face recognition", "whose face it is: unlocking a phone, tagging friends", ""),
    ("Video analysis", "the same network on every frame: players tracked, unusual events flagged", ""),
    ("Handwriting recognition", "reading handwritten forms and notes, as MNIST's digits", "inside"),
    ("Recommendation", "similar-looking products suggested from pictures you liked", ""),
)

#: The course notebooks' own per-epoch results, as printed in their outputs (key: the recipe reproducing them).
NOTEBOOK_EPOCHS: Mapping[str, Mapping[str, tuple[float, ...]]] = MappingProxyType(
    {
        "notebook_fashion": MappingProxyType(
            {
                "accuracy": (0.7700, 0.8584, 0.8765, 0.8855, 0.8915, 0.8924, 0.8910, 0.8901, 0.8894, 0.8887),
                "loss": (0.6278, 0.3990, 0.3496, 0.3287, 0.3154, 0.3136, 0.3163, 0.3214, 0.3298, 0.3357),
                "val_accuracy": (0.8552, 0.8756, 0.8946, 0.9040, 0.8924, 0.8994, 0.9054, 0.8974, 0.8874, 0.8954),
                "val_loss": (0.3930, 0.3638, 0.2924, 0.2863, 0.3112, 0.2931, 0.3048, 0.3612, 0.3308, 0.3332),
            }
        ),
        "notebook_mnist": MappingProxyType(
            {
                "accuracy": (0.9606, 0.9866, 0.9908, 0.9937, 0.9945),
                "loss": (0.1277, 0.0431, 0.0284, 0.0206, 0.0167),
                "val_accuracy": (0.9866, 0.9886, 0.9901, 0.9896, 0.9901),
                "val_loss": (0.0419, 0.0320, 0.0271, 0.0331, 0.0305),
            }
        ),
    }
)


def places() -> list[tuple[CourseText, Place]]:
    """Every place of the map with its course text, in the course's order."""
    return [(text, place) for text in COURSE for place in text.places]


def anchors() -> frozenset[str]:
    """Every section anchor the map links to (a link may ask to scroll to one of these only)."""
    return frozenset(place.anchor for _, place in places())


def notes_for(anchor: str) -> list[tuple[CourseText, tuple[str, ...]]]:
    """The course texts a section belongs to, each with the text's own terms for it (each text once)."""
    found: dict[int, tuple[CourseText, list[str]]] = {}
    for text, place in places():
        if place.anchor == anchor:
            terms = found.setdefault(text.number, (text, []))[1]
            terms.extend(term for term in place.terms if term not in terms)
    return [(text, tuple(terms)) for text, terms in found.values()]
