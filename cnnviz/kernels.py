"""Named kernels for the Convolution page, and reading a kernel a student typed.

Every kernel is a float64 ``(kh, kw)`` matrix applied by cross-correlation (what CNN layers do):
the value at each position is the sum of kernel × the pixels under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cnnviz import limits
from cnnviz.errors import InputError
from cnnviz.text import echo

MAX_KERNEL_SIDE = limits.KERNEL_SIDE.most
MAX_SIGNAL_LENGTH = limits.SIGNAL_LENGTH.most  # numbers in a typed 1-D signal


@dataclass(frozen=True, eq=False)
class Kernel:
    """A preset kernel: display name, ``(kh, kw)`` float64 matrix and a one-line explanation."""

    name: str
    matrix: np.ndarray
    explanation: str


def _kernel(name: str, rows: list[list[float]], explanation: str, scale: float = 1.0) -> Kernel:
    matrix = np.array(rows, dtype=np.float64) * scale
    matrix.setflags(write=False)
    return Kernel(name, matrix, explanation)


_GAUSS_5 = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]).tolist()

PRESETS: dict[str, Kernel] = {
    "identity": _kernel(
        "Identity",
        [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        "Copies each pixel unchanged: the centre weight is 1, all others 0.",
    ),
    "box_blur": _kernel(
        "Box blur",
        [[1, 1, 1], [1, 1, 1], [1, 1, 1]],
        "Each output is the plain average of the 3×3 neighbourhood, so detail is smoothed away.",
        1 / 9,
    ),
    "gaussian_blur": _kernel(
        "Gaussian blur 3×3",
        [[1, 2, 1], [2, 4, 2], [1, 2, 1]],
        "A weighted average that trusts the centre most: a softer, more natural blur.",
        1 / 16,
    ),
    "gaussian_blur_5x5": _kernel(
        "Gaussian blur 5×5", _GAUSS_5, "A wider Gaussian: the weights fall off with distance over a 5×5 area.", 1 / 256
    ),
    "sharpen": _kernel(
        "Sharpen",
        [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
        "Adds the difference to the neighbours back onto the pixel, so edges stand out more.",
    ),
    "sobel_x": _kernel(
        "Sobel x (vertical edges)",
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
        "Right minus left with the middle row counted twice: large where brightness changes "
        "from left to right, i.e. on vertical edges.",
    ),
    "sobel_y": _kernel(
        "Sobel y (horizontal edges)",
        [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
        "Bottom minus top with the middle column counted twice: lights up horizontal edges.",
    ),
    "prewitt_x": _kernel(
        "Prewitt x (vertical edges)",
        [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
        "Right column minus left column, all rows equal: a plainer vertical-edge detector.",
    ),
    "prewitt_y": _kernel(
        "Prewitt y (horizontal edges)",
        [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
        "Bottom row minus top row: a plainer horizontal-edge detector.",
    ),
    "laplacian": _kernel(
        "Laplacian",
        [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
        "Neighbours minus 4× the centre: zero on flat areas and smooth ramps, large at edges in every direction.",
    ),
    "emboss": _kernel(
        "Emboss",
        [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
        "Bottom-right minus top-left plus the pixel: edges look raised, as if lit from one side.",
    ),
    "outline": _kernel(
        "Outline",
        [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        "8× the centre minus its 8 neighbours: flat areas go to 0, only outlines remain.",
    ),
    "vertical_edge": _kernel(
        "Vertical edge detector (course example)",
        [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
        "Left column minus right column: positive where bright turns dark from left to right "
        "(the 6×6 10/0 example gives 0 30 30 0). About the name: the edges it finds run up and "
        "down (vertical edges), while the change it measures runs across (a horizontal "
        "gradient), so texts call it either; and scipy.signal.convolve2d flips a kernel "
        "before sliding it, which turns this one into its negative (−30 instead of 30).",
    ),
    "horizontal_edge": _kernel(
        "Horizontal edge detector (course example)",
        [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
        "Top row minus bottom row: positive where bright turns dark from top to bottom. The "
        "edges it finds lie flat (horizontal), the change it measures runs downwards "
        "(a vertical gradient), hence both names; scipy.signal.convolve2d flips it, "
        "which swaps its sign.",
    ),
    "motion_blur": _kernel(
        "Horizontal motion blur 1×9",
        [[1] * 9],
        "Averages 9 pixels along the row only: a rectangular kernel that smears sideways.",
        1 / 9,
    ),
}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(rf"^(?P<num>{_NUMBER})(?:/(?P<den>{_NUMBER}))?$")


def parse_kernel(text: str) -> np.ndarray:
    """Read a kernel typed as text into a float64 ``(kh, kw)`` matrix, at most 15×15.

    One row per line (or rows separated by ``;``); numbers separated by spaces or commas;
    fractions such as ``1/9`` and ``-1/16`` allowed; square brackets are ignored, so
    ``[[1, 0], [0, 1]]`` works too. Raises :class:`InputError` explaining what is wrong for empty
    text, words, NaN or infinity, division by zero, rows of different lengths, or a kernel over 15×15.
    """
    rows = _parse_rows(text, "kernel")
    for r, row in enumerate(rows[1:], 2):
        if len(row) != len(rows[0]):
            raise InputError(
                f"Row {r} has {_count(len(row))} but row 1 has {_count(len(rows[0]))}; "
                "every row needs the same number of values."
            )
    if len(rows) > MAX_KERNEL_SIDE or len(rows[0]) > MAX_KERNEL_SIDE:
        raise InputError(
            f"The kernel is {len(rows)}×{len(rows[0])}; at most {MAX_KERNEL_SIDE}×{MAX_KERNEL_SIDE} is allowed."
        )
    return np.array(rows, dtype=np.float64)


def parse_signal(text: str) -> np.ndarray:
    """Read a 1-D signal (numbers separated by spaces, commas or new lines) into a float64 ``(n,)`` array."""
    values = [value for row in _parse_rows(text, "signal") for value in row]
    if len(values) > MAX_SIGNAL_LENGTH:
        raise InputError(f"The signal has {len(values)} numbers; at most {MAX_SIGNAL_LENGTH} are allowed here.")
    return np.array(values, dtype=np.float64)


def _parse_rows(text: str, what: str) -> list[list[float]]:
    """The numbers of each non-empty line (or ``;``-separated part) of ``text`` (within ``limits.TYPED_CHARS``)."""
    limits.TYPED_CHARS.check(len(text), f"The {what}")
    text = re.sub(r"\]\s*,?\s*\[", "\n", text).replace("[", " ").replace("]", " ")
    lines = [line for line in re.split(r"[;\n]", text) if line.strip(" \t\r,")]
    if not lines:
        raise InputError(f"The {what} is empty: type numbers separated by spaces, e.g. '1 0 -1'.")
    return [
        [_number(token, r) for token in re.split(r"[\s,]+", line.strip(" \t\r,"))] for r, line in enumerate(lines, 1)
    ]


def _count(n: int) -> str:
    return f"{n} number" if n == 1 else f"{n} numbers"


def _number(token: str, row: int) -> float:
    """One typed value (decimal, scientific or a fraction) as a finite float."""
    match = _TOKEN.match(token)
    if not match:
        raise InputError(f"{echo(token)} in row {row} is not a number; use digits like 2, -0.5 or 1/9.")
    value = float(match["num"])
    if match["den"] is not None:
        denominator = float(match["den"])
        if denominator == 0:
            raise InputError(f"{echo(token)} in row {row} divides by zero.")
        value /= denominator
    if not np.isfinite(value):
        raise InputError(f"{echo(token)} in row {row} is too large to be a kernel weight.")
    return value


def format_kernel(matrix: np.ndarray) -> str:
    """The matrix as text :func:`parse_kernel` reads back: one row per line, simple fractions kept as fractions."""
    return "\n".join(" ".join(_format_number(float(value)) for value in row) for row in np.atleast_2d(matrix))


def _format_number(value: float) -> str:
    """An exact decimal with at most 2 decimals (0.5, -2), else an exact fraction (1/16), else all digits."""
    short = f"{value:.2f}".rstrip("0").rstrip(".")
    if float(short) == value:
        return "0" if short == "-0" else short
    fraction = Fraction(value).limit_denominator(1024)
    if float(fraction) == value:
        return f"{fraction.numerator}/{fraction.denominator}"
    return repr(value)


def fit_to_size(matrix: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """The kernel centred in a ``rows × cols`` grid: zero-padded when growing, cropped around the centre
    when shrinking (for switching the grid editor between 3×3, 5×5 and 7×7)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    grid = np.zeros((rows, cols))
    src_r, dst_r = _centred_slices(matrix.shape[0], rows)
    src_c, dst_c = _centred_slices(matrix.shape[1], cols)
    grid[dst_r, dst_c] = matrix[src_r, src_c]
    return grid


def _centred_slices(old: int, new: int) -> tuple[slice, slice]:
    """(source, destination) slices that line up the centres of an ``old``-long and a ``new``-long axis."""
    if new >= old:
        start = (new - old) // 2
        return slice(0, old), slice(start, start + old)
    start = (old - new) // 2
    return slice(start, start + new), slice(0, new)
