"""The sidebar's thumbnail of the student's image, which follows them from page to page.

Drawn before the page runs, so the first screen does not wait for the whole page. When the page sets
the image (the default sample on a session's first page with an image, a drawing, an upload), the image
widget calls :func:`follow_image` and the thumbnail is redrawn at once, not after the whole page; app.py
draws it again after the page only if the image changed later still.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from cnnviz.images import thumbnail
from cnnviz.ui import state

THUMBNAIL_PX = 120
SHOWN_KEY = "sidebar_thumbnail_shown"  # session key: this run's thumbnail (its slot and what it shows)


@dataclass
class ShownThumbnail:
    """The sidebar slot of this script run and which image (the very array, and its label) it shows."""

    slot: DeltaGenerator
    image: np.ndarray | None = None
    label: str | None = None

    def still_current(self) -> bool:
        """Whether the session's image is still the one shown (the same array, the same label)."""
        current = state.image() if state.has_image() else None
        return current is self.image and state.image_label() == self.label

    def draw(self) -> None:
        """Show the session's image in the slot (or empty it without an image) and remember what it shows."""
        if not state.has_image():
            self.slot.empty()
            self.image = self.label = None
            return
        image, label = state.image(), state.image_label()
        with self.slot.container():
            st.caption("Your image follows you from page to page:")
            small = thumbnail(image, THUMBNAIL_PX)  # any allowed shape, even 10×10,000, draws
            st.image(small, caption=label, width=small.shape[1], alt=f"Your image: {label}", output_format="PNG")
        self.image, self.label = image, label


def sidebar_thumbnail(slot: DeltaGenerator) -> ShownThumbnail:
    """Draw the current image's thumbnail in ``slot`` (or nothing without an image); say what was drawn.

    The answer is this run's thumbnail, which :func:`follow_image` keeps up to date.
    """
    shown = ShownThumbnail(slot)
    shown.draw()
    st.session_state[SHOWN_KEY] = shown
    return shown


def follow_image() -> None:
    """Redraw this run's thumbnail now if the page has just changed the image (nothing to do otherwise).

    Called by the image widget once it has settled the image, so a session's first visit to a page with
    an image shows the thumbnail with the first screen instead of after the whole page. Without
    :func:`sidebar_thumbnail` earlier in the session (a page run on its own, in the tests) it does nothing.
    """
    shown = st.session_state.get(SHOWN_KEY)
    if isinstance(shown, ShownThumbnail) and not shown.still_current():
        shown.draw()
