"""The colour rule shared by every figure, and the shared palette.

Colour maps are colour-blind safe: ``Viridis`` for magnitudes and the diverging ``RdBu`` centred
on zero for signed values. The one colour rule (:data:`SIGNED_NOTE`): a signed quantity (a feature
map of a kernel with negative weights, a kernel, any array holding a negative value) is drawn blue for
positive, red for negative and white for zero, whatever its values: a 1×1 map of −403 is red, never a
Viridis colour. A pixel channel is black at 0 and brightest at 255.
"""

from __future__ import annotations

import numpy as np

from cnnviz.images import CHANNEL_NAMES

SIGNED_COLORSCALE = "RdBu"  # low (negative) red, high (positive) blue
MAGNITUDE_COLORSCALE = "Viridis"
SIGNED_NOTE = "Blue is positive, red negative, white zero."
MAGNITUDE_NOTE = "Dark purple is the lowest value, yellow the highest."
#: Each colour channel from black (0) to its full colour (255), the direction of the gray scale.
CHANNEL_COLORSCALES = {
    name: [[0.0, "rgb(0, 0, 0)"], [1.0, colour]]
    for name, colour in zip(CHANNEL_NAMES, ("rgb(255, 0, 0)", "rgb(0, 255, 0)", "rgb(0, 0, 255)"), strict=True)
}
HIGHLIGHT_COLOUR = "#E69F00"  # Okabe-Ito orange: the predicted / chosen class, the receptive field
PLAIN_BAR_COLOUR = "#56B4E9"
BAR_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#E69F00")  # Okabe-Ito


def is_signed(values: np.ndarray) -> bool:
    """Whether an array holds a negative value, so it needs the diverging scale."""
    return bool(np.size(values)) and float(np.nanmin(values)) < 0


def colour_note(signed: bool) -> str:
    """How to read a map's colours, for its caption (the same words wherever the map is drawn)."""
    return SIGNED_NOTE if signed else MAGNITUDE_NOTE


def value_scale(values: np.ndarray, *, signed: bool | None = None) -> dict:
    """Colour scale and limits by the module's rule: diverging and centred on 0 when ``signed`` (or, by
    default, when a value is negative), else Viridis over the values' range."""
    if not np.size(values):
        return {"colorscale": SIGNED_COLORSCALE if signed else MAGNITUDE_COLORSCALE, "zmin": 0, "zmax": 1}
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if signed or (signed is None and low < 0):
        bound = max(-low, high) or 1.0
        return {"colorscale": SIGNED_COLORSCALE, "zmin": -bound, "zmax": bound}
    return {"colorscale": MAGNITUDE_COLORSCALE, "zmin": low, "zmax": high if high > low else low + 1}
