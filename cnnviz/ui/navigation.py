"""The learning steps of the app, in order: one list feeds the navigation and the home page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    path: str
    title: str
    icon: str
    url_path: str
    summary: str


STEPS = [
    Step(
        "pages/pixels.py",
        "1 · Pixels",
        ":material/grid_on:",
        "pixels",
        "How a computer sees an image: a matrix of 0–255 values, three stacked channels for colour.",
    ),
    Step(
        "pages/convolution.py",
        "2 · Convolution",
        ":material/filter_center_focus:",
        "convolution",
        "Slide a kernel over your image: stride, padding, dilation, one window's multiply-and-sum, "
        "pooling and activations.",
    ),
    Step(
        "pages/layer_builder.py",
        "3 · Layer builder",
        ":material/stacks:",
        "layer_builder",
        "Stack layers and see every output shape, parameter count, cost and receptive field, "
        "exactly as Keras computes them.",
    ),
    Step(
        "pages/data.py",
        "4 · Datasets",
        ":material/dataset:",
        "data",
        "Meet MNIST digits, Fashion-MNIST clothes and NEU steel defects: counts, examples, mean images.",
    ),
    Step(
        "pages/learning.py",
        "5 · How a network learns",
        ":material/school:",
        "learning",
        "Softmax, cross-entropy, gradient descent and one real backpropagation step: the training loop "
        "in numbers you can change.",
    ),
    Step(
        "pages/training.py",
        "6 · Training",
        ":material/monitoring:",
        "training",
        "Train your stack on real data and watch accuracy and loss curves move; stop it, compare runs.",
    ),
    Step(
        "pages/inside.py",
        "7 · Inside the network",
        ":material/biotech:",
        "inside",
        "Draw a digit and watch it flow through a trained network: activations, filters, predictions and Grad-CAM.",
    ),
    Step(
        "pages/take_home.py",
        "8 · Take it home",
        ":material/smartphone:",
        "take_home",
        "Download your network (Keras, SavedModel, LiteRT, ONNX), each file checked, and run it on your phone "
        "from a QR code.",
    ),
]

HOME = Step("pages/home.py", "Home", ":material/home:", "home", "What a CNN is, and the steps in order.")
#: Not a learning step: where a teacher starts and leads a class and students join it (issue 24).
CLASS = Step(
    "pages/class.py",
    "Class",
    ":material/groups:",
    "class",
    "A teacher starts a class and leads it from a live dashboard; students join with the code on the board.",
)


def find_page(url_path: str) -> Step | None:
    """The page (a step, Home or Class) whose url path is ``url_path`` ("home" for Home), or None."""
    return next((step for step in (HOME, *STEPS, CLASS) if step.url_path == url_path), None)
