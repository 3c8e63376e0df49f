"""The sidebar's thumbnail of the student's image, which follows them from page to page.

Drawn before the page runs, so the first screen does not wait for the whole page; drawn again
after it only when the page changed the image (a drawing, an upload, a sample picked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnviz.images import thumbnail
from cnnviz.ui import state

THUMBNAIL_PX = 120


@dataclass(frozen=True)
class ShownThumbnail:
    """Which image (the very array, and its label) the sidebar shows."""

    image: np.ndarray | None
    label: str | None

    def still_current(self) -> bool:
        """Whether the session's image is still the one shown (the same array, the same label)."""
        current = state.image() if state.has_image() else None
        return current is self.image and state.image_label() == self.label


def sidebar_thumbnail(slot: DeltaGenerator) -> ShownThumbnail:
    """Draw the current image's thumbnail in ``slot`` (or nothing without an image); say what was drawn."""
    if not state.has_image():
        slot.empty()
        return ShownThumbnail(None, None)
    image, label = state.image(), state.image_label()
    with slot.container():
        st.caption("Your image follows you from page to page:")
        small = thumbnail(image, THUMBNAIL_PX)  # any allowed shape, even 10×10,000, draws
        st.image(small, caption=label, width=small.shape[1], alt=f"Your image: {label}")
    return ShownThumbnail(image, label)
