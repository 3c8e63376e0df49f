"""Figures drawn without Plotly, for what a click redraws (issue 27): a whole map as a PNG with an HTML colour
bar, the kernel's window on the padded input as an SVG.

A Plotly heat map of a 510×510 feature map costs the browser hundreds of milliseconds per redraw; the same
map as a picture costs it one image decode. Hover is what Plotly adds, and on a map this large a cell is
smaller than the pointer, so the pages keep Plotly for small maps (hover a cell) and read any cell's value
in the window step-through. The colours follow :mod:`cnnviz.plots.colours`, sampled from the same Plotly
colour scales as :func:`cnnviz.plots.heatmap`, so a map looks the same either way.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

import cv2
import numpy as np
from plotly.colors import get_colorscale, sample_colorscale

from cnnviz.images import LUMA_WEIGHTS, enlarge
from cnnviz.plots.conv import PADDING_FILL, WINDOW_COLOUR
from cnnviz.plots.heatmaps import MAX_CELLS_WITH_TEXT

LEVELS = 256  # colours in a picture's palette
BAR_STOPS = 11  # colours of the colour bar's gradient
WINDOW_CELL = 40  # SVG units a side of one cell of the window picture
WINDOW_MARGIN = 44  # room for the row and column numbers
SVG_MAP_SIDE = 32  # largest map drawn as an inline SVG heat map (about 100 KB at 32×32); larger ones are PNGs
MAP_CELL, MAP_MARGIN = 16, 28  # SVG units of a map's cell without numbers, and of its row and column numbers
MAP_CELL_PX = 15  # screen pixels of a map's cell without numbers (with numbers: WINDOW_CELL, as the window)
MAP_MAX_PX = 560  # widest a map is shown (screen pixels)
LINE, BOLD_LINE = 3, 5  # the window's frame (a bold one in presentation mode)


@lru_cache(maxsize=16)
def palette(colorscale: str) -> np.ndarray:
    """``LEVELS`` RGB colours (uint8, low to high) of a named Plotly colour scale ('Viridis', 'RdBu', 'gray')."""
    if colorscale == "gray":
        return np.repeat(np.arange(LEVELS, dtype=np.uint8)[:, None], 3, axis=1)
    colours = sample_colorscale(get_colorscale(colorscale), np.linspace(0, 1, LEVELS).tolist())
    return np.array([[int(float(c)) for c in colour[4:-1].split(",")] for colour in colours], dtype=np.uint8)


def levels(values: np.ndarray, zmin: float, zmax: float) -> np.ndarray:
    """Each value's place on the colour scale: 0 at ``zmin`` … LEVELS − 1 at ``zmax`` (clipped), as uint8."""
    span = zmax - zmin if zmax > zmin else 1.0
    shares = (np.asarray(values, dtype=np.float32) - np.float32(zmin)) * np.float32((LEVELS - 1) / span)
    return np.clip(np.rint(shares), 0, LEVELS - 1).astype(np.uint8)


def map_png(values: np.ndarray, *, zmin: float, zmax: float, colorscale: str) -> bytes:
    """A 2-D map as a PNG, every cell one pixel of the colour :func:`cnnviz.plots.heatmap` gives it (row 0 at
    the top), a small map enlarged with crisp square cells."""
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"map_png needs a 2-D array, got shape {values.shape}")
    rgb = palette(colorscale)[levels(values, zmin, zmax)]
    shown = enlarge(rgb)
    return cv2.imencode(".png", cv2.cvtColor(shown, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])[1].tobytes()


def colour_bar_html(*, zmin: float, zmax: float, colorscale: str, value_format: str = ".3g") -> str:
    """A horizontal colour bar: the scale's gradient with its two ends' values (and 0 in the middle of a
    diverging scale). Sizes in ``em`` follow the page's type, larger in presentation mode."""
    stops = palette(colorscale)[np.linspace(0, LEVELS - 1, BAR_STOPS).round().astype(int)]
    gradient = ", ".join(f"rgb({r},{g},{b})" for r, g, b in stops)
    ends = [format(zmin + 0.0, value_format), format(zmax + 0.0, value_format)]
    middle = "<span>0</span>" if zmin < 0 < zmax and np.isclose(zmin, -zmax) else ""
    labels = f"<span>{ends[0]}</span>{middle}<span>{ends[1]}</span>".replace("-", "−")
    return (
        '<div style="margin:0 0 4px 0">'
        '<div role="presentation" style="height:12px;border-radius:2px;'
        f'background:linear-gradient(to right, {gradient})"></div>'
        '<div style="display:flex;justify-content:space-between;font-size:0.85em;'
        f'font-variant-numeric:tabular-nums">{labels}</div></div>'
    )


def window_width(cols: int, cell_px: int) -> int:
    """Screen pixels across the window picture of ``cols`` columns drawn with cells of ``cell_px`` pixels."""
    return round((WINDOW_MARGIN + WINDOW_CELL * cols) * cell_px / WINDOW_CELL)


def _ink(colour: np.ndarray) -> str:
    """Black or white, whichever reads on a cell of this fill (as :func:`cnnviz.plots.matrix_table`)."""
    gray = sum(w * float(c) for w, c in zip(LUMA_WEIGHTS, colour, strict=True))
    return "#000" if gray > 140 else "#fff"


def _signed(value: object) -> str:
    """A number as written, with a real minus sign."""
    return str(value).replace("-", "−")


def _tick_step(count: int) -> int:
    """Every row/column number up to 12 cells, else every k-th (the picture stays legible)."""
    return max(1, -(-count // 12))


def window_svg(
    values: np.ndarray,
    is_padding: np.ndarray,
    *,
    origin: tuple[int, int],
    tap_rows: np.ndarray,
    tap_cols: np.ndarray,
    zmin: float,
    zmax: float,
    colorscale: str = "gray",
    value_format: str = ".4g",
    bold: bool = False,
) -> str:
    """The picture of :func:`cnnviz.plots.conv_window` as an SVG: a crop of the padded input with padding cells
    tinted orange and the kernel's taps framed green (one frame, or a box per tap when dilated), numbers
    written in when there are at most ``MAX_CELLS_WITH_TEXT`` cells, rows and columns numbered as in the
    input. ``bold`` (presentation mode): bold numbers and a thicker frame."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    cell, margin = WINDOW_CELL, WINDOW_MARGIN
    width, height = margin + cols * cell, margin + rows * cell
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="sans-serif" text-anchor="middle" dominant-baseline="central">'
    ]
    parts += _cells(
        values,
        palette(colorscale)[levels(values, zmin, zmax)],
        origin=origin,
        cell=cell,
        margin=margin,
        numbers=values.size <= MAX_CELLS_WITH_TEXT,
        value_format=value_format,
        bold=bold,
        tinted=np.asarray(is_padding, dtype=bool),
    )
    line = BOLD_LINE if bold else LINE
    frame = f'fill="none" stroke="{WINDOW_COLOUR}" stroke-width="{line}"'

    def x_of(col: float) -> float:
        return margin + (col - origin[1]) * cell

    def y_of(row: float) -> float:
        return margin + (row - origin[0]) * cell

    dilated = len(tap_rows) > 1 and tap_rows[1] - tap_rows[0] > 1 or len(tap_cols) > 1 and tap_cols[1] - tap_cols[0] > 1
    if dilated:
        inset = 0.05 * cell + line / 2
        parts += [
            f'<rect x="{x_of(c) + inset}" y="{y_of(r) + inset}" width="{cell - 2 * inset}" '
            f'height="{cell - 2 * inset}" {frame}/>'
            for r in tap_rows
            for c in tap_cols
        ]
    else:
        x0, y0 = x_of(tap_cols[0]) + line / 2, y_of(tap_rows[0]) + line / 2
        x1, y1 = x_of(tap_cols[-1] + 1) - line / 2, y_of(tap_rows[-1] + 1) - line / 2
        parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" {frame}/>')
    parts.append("</svg>")
    return "".join(parts)


def map_svg(
    values: np.ndarray,
    *,
    zmin: float,
    zmax: float,
    colorscale: str,
    label: str,
    show_values: bool = False,
    value_format: str = ".3g",
    bold: bool = False,
) -> str:
    """A small 2-D map (at most ``SVG_MAP_SIDE`` cells a side) as an inline SVG heat map: every cell coloured as
    :func:`cnnviz.plots.heatmap` colours it, rows and columns numbered, each cell's value in a tooltip (hover
    it) and written in with ``show_values``; ``label`` is its text alternative.
    Unlike a Plotly heat map it needs no script in the browser, and a redraw costs it one small SVG."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    if max(rows, cols) > SVG_MAP_SIDE:
        raise ValueError(f"map_svg draws maps up to {SVG_MAP_SIDE} cells a side, got {rows}×{cols}")
    numbers = show_values
    cell = WINDOW_CELL if numbers else MAP_CELL
    width, height = MAP_MARGIN + cols * cell, MAP_MARGIN + rows * cell
    shown = min(MAP_MAX_PX, round(width * (WINDOW_CELL if numbers else MAP_CELL_PX) / cell))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{shown}px;height:auto;display:block" role="img" aria-label="{escape(label)}" '
        'font-family="sans-serif" text-anchor="middle" dominant-baseline="central">'
    ]
    parts += _cells(
        values,
        palette(colorscale)[levels(values, zmin, zmax)],
        origin=(0, 0),
        cell=cell,
        margin=MAP_MARGIN,
        numbers=numbers,
        value_format=value_format,
        bold=bold,
        tips=True,
    )
    parts.append("</svg>")
    return "".join(parts)


def _cells(
    values: np.ndarray,
    fills: np.ndarray,
    *,
    origin: tuple[int, int],
    cell: float,
    margin: float,
    numbers: bool,
    value_format: str,
    bold: bool,
    tinted: np.ndarray | None = None,
    tips: bool = False,
) -> list[str]:
    """The numbered rows and columns and the coloured cells of a grid picture: ``tinted`` cells get the
    padding's orange, ``numbers`` writes each value in, ``tips`` gives each cell a tooltip with its value."""
    rows, cols = values.shape
    font = 15 if max(rows, cols) <= 8 else 13 if max(rows, cols) <= 16 else 11
    weight = ' font-weight="700"' if bold else ""
    step = _tick_step(max(rows, cols))
    label = '<text x="{}" y="{}" font-size="' + str(16 if bold else 12) + '">{}</text>'
    parts = [label.format(margin + (c + 0.5) * cell, margin / 2, _signed(origin[1] + c)) for c in range(0, cols, step)]
    parts += [label.format(margin / 2, margin + (r + 0.5) * cell, _signed(origin[0] + r)) for r in range(0, rows, step)]
    for r in range(rows):
        for c in range(cols):
            x, y = margin + c * cell, margin + r * cell
            red, green, blue = (int(v) for v in fills[r, c])
            written = _signed(format(values[r, c] + 0.0, value_format))
            box = f'x="{x}" y="{y}" width="{cell}" height="{cell}" fill="rgb({red},{green},{blue})"'
            if tips:
                where = f"row {_signed(origin[0] + r)}, column {_signed(origin[1] + c)}"
                parts.append(f"<rect {box}><title>{where}: {written}</title></rect>")
            else:
                parts.append(f"<rect {box}/>")
            ink = _ink(fills[r, c])
            if tinted is not None and tinted[r, c]:
                parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{PADDING_FILL}"/>')
                ink = "#000"  # black on the orange tint
            if numbers:
                centre = f'x="{x + cell / 2}" y="{y + cell / 2}"'
                parts.append(
                    f'<text {centre} font-size="{font}" pointer-events="none" fill="{ink}"{weight}>{written}</text>'
                )
    return parts
