"""The one image-input widget every page uses: draw, upload, take a photo, or pick a sample.

The chosen image lives in :func:`cnnviz.ui.state.image` (uint8 ``(H, W, C)``, ``C`` 1 or 3) with a
human label, :func:`cnnviz.ui.state.image_label`, so it survives moving between pages. A bad
upload shows an error and keeps the previous image.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from cnnviz.errors import InputError
from cnnviz.images import canvas_to_gray, enlarge, load_image
from cnnviz.samples import DEFAULT_SAMPLE, SAMPLES, load_sample
from cnnviz.ui import state
from cnnviz.ui.sidebar_image import follow_image

SOURCES = ("Sample", "Draw", "Upload", "Camera")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "bmp", "webp", "gif"]
CANVAS_SIZE = 280
DRAWING = "Your drawing"  # the image label of a drawing made on a canvas


def current_image() -> np.ndarray:
    """The session's image, starting with the default sample on a first visit."""
    if not state.has_image():
        state.set_image(load_sample(DEFAULT_SAMPLE), f"Sample: {DEFAULT_SAMPLE}")
    return state.image()


def reset_on_new_image(group: str, defaults: dict[str, int]) -> None:
    """Set widget values (key → value) to ``defaults`` on a first visit and whenever the session's image
    changes (another label or size), so coordinates chosen on a 28×28 image never linger on a 280×280 one.

    Draw those widgets with their key and without a ``value`` (the session state holds it). On a first
    visit a value already set (by a shared link) is kept.
    """
    seen = (state.image_label(), current_image().shape)
    previous = st.session_state.get(f"{group}_image_seen")
    if previous != seen:
        for key, value in defaults.items():
            if previous is not None or key not in st.session_state:
                st.session_state[key] = value
        st.session_state[f"{group}_image_seen"] = seen


def image_input(key: str = "image", *, sources: tuple[str, ...] = SOURCES) -> np.ndarray:
    """Show the source picker and the chosen source's control; return the current image.

    ``key`` prefixes the widget keys so two pages never share widget state; the chosen source
    is remembered across pages.
    """
    current_image()
    remembered = state.image_source(sources[0])
    source = st.segmented_control(
        "Image source",
        sources,
        default=remembered if remembered in sources else sources[0],
        key=f"{key}_source",
        help="Pick a bundled sample, draw with the mouse, upload a file, or use your camera.",
    )
    source = source or remembered
    state.set_image_source(source)
    if source == "Sample":
        _sample_picker(key)
    elif source == "Draw":
        _drawing_canvas(key)
    elif source == "Upload":
        _accept_file(st.file_uploader("Upload an image", type=UPLOAD_TYPES, key=f"{key}_upload"), "Upload")
    elif source == "Camera":
        _accept_file(st.camera_input("Take a photo", key=f"{key}_camera"), "Camera")
    follow_image()  # a new image (the first visit's sample, a drawing, an upload) reaches the sidebar now
    image = state.image()
    height, width, channels = image.shape
    kind = "grayscale" if channels == 1 else "colour (RGB)"
    st.caption(f"Current image: **{state.image_label()}**, {height}×{width}×{channels}, {kind}")
    return image


def _sample_picker(key: str) -> None:
    names = list(SAMPLES)
    label = state.image_label()
    assert label is not None  # image_input() made sure there is an image, and set_image always labels it
    chosen = label.removeprefix("Sample: ") if label.startswith("Sample: ") else None

    def pick() -> None:
        name = st.session_state[f"{key}_sample"]
        state.set_image(load_sample(name), f"Sample: {name}")

    st.selectbox(
        "Sample image",
        names,
        index=names.index(chosen) if chosen in SAMPLES else None,
        placeholder="Choose a sample",
        key=f"{key}_sample",
        on_change=pick,
    )


def _accept_file(file, source: str) -> None:
    """Decode a newly uploaded or captured file once; show its error for as long as it stays."""
    if file is None:
        return
    seen = st.session_state.setdefault("image_files_seen", {})
    if file.file_id not in seen:
        try:
            state.set_image(load_image(file.getvalue()), f"{source}: {file.name}")
            seen[file.file_id] = None
        except InputError as error:
            seen[file.file_id] = str(error)
    if seen[file.file_id]:
        st.error(f"{file.name}: {seen[file.file_id]} The previous image is kept.")


# Two fingers on the canvas mean "scroll", not "draw": while more than one finger touches the page, the
# canvas (Fabric.js inside the drawable-canvas component) does not get the touch events. Our own fixed
# script, installed once per browser tab; nothing from the user goes into it.
_TWO_FINGER_GUARD = """<script>
if (!window.cnnvizTwoFingerGuard) {
  window.cnnvizTwoFingerGuard = true;
  let multi = false;
  const onCanvas = (event) => event.composedPath().some((node) => node.tagName === "CANVAS");
  const guard = (event) => {
    if (event.touches.length > 1) multi = true;
    if (multi && onCanvas(event)) event.stopPropagation();
    if (event.touches.length === 0) multi = false;
  };
  for (const type of ["touchstart", "touchmove", "touchend", "touchcancel"]) {
    document.addEventListener(type, guard, {capture: true});
  }
}
</script>"""


def _drawing_canvas(key: str) -> None:
    in_use = st.empty()  # filled once the canvas has answered, so it never describes the image before a stroke
    gray = drawing_canvas(
        key, caption="Draw with the mouse, a finger or a stylus: white strokes on black, like the MNIST digits."
    )
    canvas_key = _canvas_key(key)
    if gray is not None:
        digest = hashlib.sha1(gray.tobytes()).hexdigest()
        if st.session_state.get("image_drawing_digest") != digest:
            st.session_state["image_drawing_digest"] = digest
            state.set_image(gray, DRAWING)
            st.session_state["image_drawn_on"] = canvas_key
    label = state.image_label()
    if st.session_state.get("image_drawn_on") != canvas_key or label != DRAWING:
        # The canvas starts empty on each page: say which image is in use until this canvas replaces it.
        with in_use.container():
            thumbnail, note = st.columns([1, 6], vertical_alignment="center")
            thumbnail.image(enlarge(state.image(), 64), width=64, alt=f"The image in use: {label}")
            earlier = " (made earlier, here or on another page)" if label == DRAWING else ""
            note.info(
                f"The image in use is **{label}**{earlier}, shown here. "
                "The canvas below starts empty: draw on it to replace that image."
            )


def _canvas_key(key: str) -> str:
    """The widget key of the canvas shown now (a new one after each Clear: the component cannot be reset)."""
    return f"{key}_canvas_{st.session_state.get(f'{key}_canvas_version', 0)}"


def drawing_canvas(key: str, *, caption: str) -> np.ndarray | None:
    """Brush size, a Clear button and the 280×280 canvas; the drawing as ``uint8`` ``(H, W, 1)``, None if blank.

    :func:`clear_canvas` empties it from code (a new widget key: the component cannot be reset).
    """
    # Imported here: the component can only be declared inside a running Streamlit script.
    from streamlit_drawable_canvas import st_canvas

    brush, clear = st.columns([3, 1], vertical_alignment="bottom")
    stroke = brush.slider("Brush size", 4, 40, 18, key=f"{key}_brush")
    if clear.button("Clear", key=f"{key}_clear", width="stretch"):
        clear_canvas(key)
    st.caption(caption)
    st.html(_TWO_FINGER_GUARD, unsafe_allow_javascript=True)
    result = st_canvas(
        stroke_width=stroke,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=_canvas_key(key),
    )
    drawing = result.image_data
    if drawing is None or not (result.json_data or {}).get("objects"):
        return None
    return canvas_to_gray(np.asarray(drawing))


def clear_canvas(key: str) -> None:
    """Make the next run of :func:`drawing_canvas` with ``key`` show an empty canvas."""
    st.session_state[f"{key}_canvas_version"] = st.session_state.get(f"{key}_canvas_version", 0) + 1
