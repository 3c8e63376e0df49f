"""Numbers, sizes, shapes, durations and layer labels as the app writes them for people.

One place, so every page agrees. Plain functions, no Streamlit and no TensorFlow: the library, the
pages and the tests share them.
"""

from collections.abc import Callable, Mapping
from typing import Any


def n(value: int) -> str:
    """An int with thousands separators: 18496 → "18,496"."""
    return f"{value:,}"


def decimals(value: float, places: int = 4) -> str:
    """A value rounded to ``places`` decimals, without trailing zeros: 0.13533 → "0.1353", 3.0 → "3", -0.0 → "0"."""
    rounded = round(float(value), places) + 0.0  # + 0.0: a rounded -0.00001 is written 0, not -0
    return f"{rounded:.{places}f}".rstrip("0").rstrip(".")


def short(count: int) -> str:
    """18,496 / 2.63 M / 1.2 G / 7.41 T: big counts that fit in a metric."""
    for limit, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M")):
        if count >= limit:
            return f"{count / limit:.3g} {unit}"
    return f"{count:,}"


def shape_text(shape: tuple[int, ...]) -> str:
    """28×28×1."""
    return "×".join(map(str, shape))


def layer_label(layer: Mapping[str, Any]) -> str:
    """A normalized layer's one-line label, as the builder lists it: "Conv2D · 32 · 3×3 · relu"."""
    return " · ".join([layer["type"], *_LAYER_DETAILS.get(layer["type"], lambda _: [])(layer)])


def _stride(layer: Mapping[str, Any]) -> list[str]:
    return [f"stride {shape_text(layer['strides'])}"] if max(layer["strides"]) > 1 else []


_LAYER_DETAILS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "Conv2D": lambda c: (
        [str(c["filters"]), shape_text(c["kernel_size"]), *_stride(c)]
        + ([c["padding"]] if c["padding"] == "same" else [])
        + [c["activation"]]
    ),
    "MaxPooling2D": lambda c: [shape_text(c["pool_size"])],
    "AveragePooling2D": lambda c: [shape_text(c["pool_size"])],
    "Dense": lambda c: [str(c["units"]), c["activation"]],
    "Dropout": lambda c: [f"{c['rate']:g}"],
    "Activation": lambda c: [c["activation"]],
    "DepthwiseConv2D": lambda c: [shape_text(c["kernel_size"]), *_stride(c)],
    "SeparableConv2D": lambda c: [str(c["filters"]), shape_text(c["kernel_size"])],
    "Conv2DTranspose": lambda c: [
        str(c["filters"]),
        shape_text(c["kernel_size"]),
        f"stride {shape_text(c['strides'])}",
    ],
    "UpSampling2D": lambda c: [f"×{shape_text(c['size'])}", c["interpolation"]],
    "ReLU": lambda c: [f"max {c['max_value']:g}"] if c["max_value"] is not None else [],
    "Residual": lambda c: [f"{len(c['layers'])} layers", c["shortcut"]],
    "Pretrained": lambda c: [c["model"], "fine-tuned" if c["trainable"] else "frozen"],
}


def format_bytes(size: int) -> str:
    """A byte count for people: 147456 → "144 KiB" (binary units, 3 significant digits)."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def duration_text(seconds: float) -> str:
    """ "42 s" or "3 min 05 s"."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def echo(value: object, limit: int = 40) -> str:
    """A user's own value repeated in a message: its ``repr``, cut to ``limit`` characters with "…"."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-.!|~:$&=\"'")


def literal_markdown(text: str) -> str:
    """``text`` someone typed (a student's name, a class title), escaped so that Markdown shows it as it is:
    every character Markdown, HTML or Streamlit (``:red[…]``, ``:material/…:``, ``$…$``) reads as syntax is
    backslash-escaped, so ``**Bo** <b>x</b> [a](b)`` shows those very characters, never bold, a tag or a link."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in text)
