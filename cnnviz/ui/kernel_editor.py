"""A kernel picker and editor: start from a named preset, then edit it as a grid or as typed text.

The current matrix lives in ``st.session_state[f"{key}_matrix"]``. Choosing a preset, a grid size
or the other editing mode starts a fresh editor (a new widget key, ``{key}_version``) seeded
with the current matrix, so the grid and the text always show the same kernel.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnviz.errors import InputError
from cnnviz.kernels import PRESETS, fit_to_size, format_kernel, parse_kernel

GRID_SIDES = (3, 5, 7)
MODES = ("Grid", "Text")


def _restart(key: str, matrix: np.ndarray) -> None:
    """Make ``matrix`` the kernel and give the grid and text editors fresh keys seeded with it."""
    st.session_state[f"{key}_matrix"] = st.session_state[f"{key}_base"] = matrix
    st.session_state[f"{key}_version"] = st.session_state.get(f"{key}_version", 0) + 1


def set_kernel(key: str, matrix: np.ndarray, *, preset: str | None = None) -> None:
    """Put ``matrix`` into the editor ``key`` from outside it (a shared link), before the editor is drawn.

    ``preset`` names the preset the picker then shows; None or an unknown name leaves the picker as it was.
    """
    _restart(key, matrix)
    if preset in PRESETS:
        st.session_state[f"{key}_preset"] = preset


def _load_preset(key: str) -> None:
    _restart(key, PRESETS[st.session_state[f"{key}_preset"]].matrix.copy())


def _resize(key: str, side_key: str) -> None:
    side = st.session_state[side_key]
    _restart(key, fit_to_size(st.session_state[f"{key}_matrix"], side, side))


def kernel_editor(key: str, *, default: str = "vertical_edge") -> np.ndarray | None:
    """Show the preset picker and the grid/text editor; return the kernel as a float64 ``(kh, kw)`` matrix.

    Returns None after showing an ``st.error`` when the typed kernel cannot be read.
    """
    if f"{key}_matrix" not in st.session_state:
        _restart(key, PRESETS[default].matrix.copy())
    names = list(PRESETS)
    preset = st.selectbox(
        "Start from a preset",
        names,
        index=names.index(default),
        key=f"{key}_preset",
        format_func=lambda name: PRESETS[name].name,
        on_change=_load_preset,
        args=(key,),
    )
    st.caption(PRESETS[preset].explanation)
    mode_column, size_column = st.columns(2)
    mode = mode_column.segmented_control(
        "Edit as",
        MODES,
        default=MODES[0],
        key=f"{key}_mode",
        on_change=lambda: _restart(key, st.session_state[f"{key}_matrix"]),
    )
    version = st.session_state[f"{key}_version"]
    base = st.session_state[f"{key}_base"]  # what this version of the editors started from
    if mode == "Text":
        text = st.text_area(
            "Kernel (one row per line; 1/9 style fractions allowed)",
            format_kernel(base),
            height=68 + 24 * min(base.shape[0], 7),
            key=f"{key}_text_{version}",
        )
        try:
            matrix = parse_kernel(text)
        except InputError as error:
            st.error(f"Kernel: {error}")
            return None
    else:
        rows, cols = base.shape
        side = rows if rows == cols and rows in GRID_SIDES else None
        size_column.selectbox(
            "Grid size",
            GRID_SIDES,
            index=None if side is None else GRID_SIDES.index(side),
            format_func=lambda n: f"{n}×{n}",
            placeholder=f"{rows}×{cols}",
            key=f"{key}_side_{version}",
            on_change=_resize,
            args=(key, f"{key}_side_{version}"),
        )
        # Imported here: every page's link imports this module (set_kernel) and need not load pandas for it.
        import pandas as pd

        names = [str(c) for c in range(cols)]
        edited = st.data_editor(
            pd.DataFrame(base, columns=names),
            key=f"{key}_grid_{version}",
            hide_index=True,
            width="content",
            column_config={name: st.column_config.NumberColumn(name, format="%.4g", required=True) for name in names},
        )
        matrix = edited.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.isfinite(matrix).all():
            st.error("Kernel: every cell of the grid needs a number.")
            return None
    st.session_state[f"{key}_matrix"] = matrix
    return matrix
