"""Every bound on what one user's request may cost, in one place, each with a name people understand.

Work that grows with what a user sends (an image's pixels, a zip's files, a stack's layers and
multiply-adds, a dataset resized for a network, a link's text) is measured *before* it starts and
refused with :class:`~cnnviz.errors.InputError` when a bound is passed, with a message that says
what was too big and what is allowed::

    >>> IMAGE_PIXELS.check(30_000_000, "This image")
    Traceback (most recent call last):
    ...
    cnnviz.errors.InputError: This image is too big: 30,000,000 pixels; the most allowed is 25,000,000 pixels.

The modules that do the work read their bounds from here (``images``, ``datasets``,
``architecture``, ``links``, ``kernels``, ``explain``, ``background``, ``deploy.service``); :data:`ALL`
lists them for the docs and the tests.
Plain Python: no NumPy, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnviz.errors import InputError
from cnnviz.text import format_bytes, short

MiB = 2**20


@dataclass(frozen=True)
class Limit:
    """The most of one thing a request may ask for.

    ``name`` says in plain words what is counted (for lists of limits), ``unit`` how amounts are
    written ("bytes" as MiB/GiB, ":1" as a ratio, anything else as a count of that unit), ``too``
    how the message says it went over, and ``hint`` what the user can do instead.
    """

    name: str
    most: int
    unit: str
    too: str = "too big"
    hint: str = ""

    def allows(self, amount: float) -> bool:
        """Whether ``amount`` is within the limit."""
        return amount <= self.most

    def text(self, amount: float) -> str:
        """``amount`` written in this limit's unit: "25,000,000 pixels", "320 MiB", "1,000:1"."""
        if self.unit == "bytes":
            return format_bytes(int(amount))
        if self.unit == ":1":
            return f"{amount:,.0f}:1"
        count = short(int(amount)) if self.most >= 10**8 else f"{int(amount):,}"
        return f"{count} {self.unit}"

    def message(self, amount: float, subject: str, shown: str | None = None) -> str:
        """ "<subject> is too big: <amount>; the most allowed is <most>." (and the hint)."""
        hint = f" {self.hint}" if self.hint else ""
        return (
            f"{subject} is {self.too}: {shown or self.text(amount)}; the most allowed is {self.text(self.most)}.{hint}"
        )

    def check(self, amount: float, subject: str, *, shown: str | None = None) -> None:
        """Raise :class:`InputError` with :meth:`message` when ``amount`` is over the limit.

        ``shown`` replaces the amount in the message when more detail helps ("100,000×100,000 pixels").
        """
        if not self.allows(amount):
            raise InputError(self.message(amount, subject, shown))


# ---------------------------------------------------------------- images (cnnviz.images)
IMAGE_PIXELS = Limit(
    "pixels in one image", 25_000_000, "pixels", hint="Resize it (for example to 1000×1000) and try again."
)
IMAGE_ASPECT = Limit(
    "longer side per shorter side of an image",
    1_000,
    ":1",
    too="too long and thin",
    hint="Crop it to a less extreme shape and try again.",
)

# ---------------------------------------------------------------- uploads of many images (cnnviz.datasets)
UPLOAD_BYTES = Limit("size of one uploaded file", 50 * MiB, "bytes")  # = .streamlit/config.toml maxUploadSize
ZIP_FILES = Limit("files in a zip", 5_000, "files", hint="Upload fewer images.")
ZIP_FILE_BYTES = Limit("size of one file in a zip, unpacked", 32 * MiB, "bytes")
ZIP_UNPACKED_BYTES = Limit(
    "size of a zip's files unpacked", 1024 * MiB, "bytes", hint="Upload fewer or smaller images."
)
DATASET_IMAGE_PIXELS = Limit(
    "pixels in one image of a dataset or of My classes", 16_000_000, "pixels", hint="Resize it and try again."
)
UPLOAD_PIXELS = Limit(
    "pixels decoded from one upload, all its images together (read from their headers)",
    100_000_000,
    "pixels",
    hint="Upload fewer or smaller images (JPEG photos count at the reduced size they are decoded at).",
)
DATASET_BYTES = Limit(
    "memory of an uploaded dataset's images",
    512 * MiB,
    "bytes",
    hint="Choose a smaller image size or use fewer images.",
)
EXAMPLES_BYTES = Limit(
    "memory of the examples one session collects in My classes",
    64 * MiB,
    "bytes",
    hint="Delete some, or use smaller images.",
)

# ---------------------------------------------------------------- built-in datasets resized for a network
DATASET_SIDE = Limit("side of a dataset's images after resizing", 512, "pixels")
RESIZED_DATASET_BYTES = Limit(
    "memory of one dataset resized for a network",
    320 * MiB,
    "bytes",
    hint="Use a network with a smaller input (28×28 for MNIST and Fashion-MNIST).",
)
DATASET_CACHE_BYTES = Limit("memory of the datasets the server keeps loaded for every session", 640 * MiB, "bytes")

# ---------------------------------------------------------------- layer stacks (cnnviz.architecture)
STACK_LAYERS = Limit(
    "layers in a stack, counting those inside blocks",
    200,
    "layers",
    hint="Use fewer layers or fewer blocks.",
)
STACK_JSON_CHARS = Limit("characters in a stack's JSON", 100_000, "characters", hint="A stack file is a few kB.")
STACK_JSON_DEPTH = Limit("nesting of brackets in a stack's JSON", 16, "levels", too="nested too deeply")
STACK_PARAMS = Limit("parameters of a stack", 200_000_000, "parameters", hint="Use fewer filters or units.")
STACK_MACS = Limit(
    "multiply-adds of a stack for one image",
    50_000_000_000,
    "multiply-adds per image",
    hint="Use a smaller input, fewer filters or more pooling.",
)
STACK_ACTIVATION_BYTES = Limit(
    "memory of a stack's layer outputs for one image (float32)",
    1024 * MiB,
    "bytes",
    hint="Use a smaller input, fewer filters or more pooling.",
)
INPUT_SIDE = Limit("height or width of a stack's input", 1024, "pixels")  # the layer builder's own fields
INPUT_CHANNELS = Limit("channels of a stack's input", 64, "channels")
LAYER_UNITS = Limit("filters of a convolution or units of a Dense layer", 16384, "units")
LAYER_WINDOW = Limit("kernel, pool, stride, dilation or padding size", 1024, "pixels")

# ---------------------------------------------------------------- trainings on a worker (cnnviz.training.ceilings)
TRAINING_PARAMS = Limit(
    "parameters of a network trained here (weights, gradients and Adam's two moments: 16 bytes each)",
    20_000_000,
    "parameters",
    too="too big to train here",
    hint="Use fewer filters or units (a Dense layer after Flatten usually holds most).",
)
TRAINING_MACS = Limit(
    "multiply-adds per image of a network trained here (a training step costs about three of them)",
    1_000_000_000,
    "multiply-adds per image",
    too="too slow to train here",
    hint="Use a smaller input, fewer filters or more pooling.",
)
TRAINING_BATCH_ACTIVATIONS = Limit(
    "memory of one batch's layer outputs in float32 (training needs about 6 times this)",
    768 * MiB,
    "bytes",
    hint="Use a smaller batch, a smaller input or fewer filters.",
)

# ---------------------------------------------------------------- explanations on the Inside page (cnnviz.explain)
EXPLAIN_MACS = Limit(
    "multiply-adds of one explanation request (passes through the network × its multiply-adds per image)",
    1_000_000_000_000,  # about half a minute of a 2-core CPU (TensorFlow: ~35 G multiply-adds per second)
    "multiply-adds",
    too="too costly to compute at once",
    hint="Ask for fewer images, steps or copies.",
)
EXPLAIN_SIDE = Limit("longest side of an image an explanation accepts", 512, "pixels")
SMOOTHGRAD_SAMPLES = Limit("noisy copies SmoothGrad averages", 256, "copies")
IG_STEPS = Limit("steps of integrated gradients", 1024, "steps")
OCCLUSIONS = Limit("patch positions of one occlusion map", 4096, "images", hint="Use a larger stride.")
FEATURE_STEPS = Limit("steps of feature visualisation", 2048, "steps")
FEATURE_CHANNELS = Limit("channels visualised in one request", 16, "channels")
ATTACK_IMAGES = Limit("images attacked to measure the accuracy under attack", 10_000, "images")
ATTACK_STRENGTHS = Limit("attack strengths ε in one accuracy curve", 32, "strengths")
EXPLAIN_TASK_IMAGES = Limit("images one explanation task works on (the class map's largest)", 5_000, "images")
PCA_MAP_IMAGES = Limit("images on a class map placed by PCA", 20_000, "images")
TSNE_MAP_IMAGES = Limit("images on a class map placed by t-SNE", 5_000, "images")
BACKGROUND_WORKS = Limit(
    "explanations the server computes or has waiting at once, for everyone",
    64,
    "explanations",
    too="busy",
    hint="Try again in a minute, when some have finished.",
)
PERSON_BACKGROUND_WORKS = Limit(
    "explanations one person has the server compute or keep waiting at once (every tab counts)",
    16,  # the Inside page asks for up to 12 in one run: 8 channels and their means, a class map, a curve
    "explanations",
    too="used up",
    hint="Wait for them to finish, then ask for more.",
)
EXPORTS_RUNNING = Limit(
    "networks whose downloads the server is making at once, for everyone",
    4,
    "networks",
    too="busy",
    hint="Try again in a minute, when those downloads are ready.",
)

# ---------------------------------------------------------------- links and typed values
LINK_VALUE_CHARS = Limit("characters in one value of a link", 2000, "characters")
LINK_PARTS = Limit("parts of a link looked at (the rest is ignored)", 40, "parts")
LINK_LAYERS = Limit("layers a link can carry", 60, "layers")
KERNEL_SIDE = Limit("rows or columns of a typed kernel", 15, "rows")
SIGNAL_LENGTH = Limit("numbers in a typed 1-D signal", 64, "numbers")
TYPED_CHARS = Limit("characters of a typed kernel or signal", 10_000, "characters")

#: Every limit by its constant's name, for the docs and the tests.
ALL: dict[str, Limit] = {name: value for name, value in globals().items() if isinstance(value, Limit)}
