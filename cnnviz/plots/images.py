"""Pictures: images with Grad-CAM overlays, mosaics of feature maps and filters, grids of dataset tiles."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import plotly.graph_objects as go

from cnnviz.images import encode_png, to_uint8
from cnnviz.plots.annotations import frame_cells
from cnnviz.plots.colours import HIGHLIGHT_COLOUR, SIGNED_COLORSCALE, value_scale

#: Grad-CAM overlay: transparent at 0, through yellow and orange to opaque dark red at 1 (YlOrRd).
HEAT_OVERLAY_COLORSCALE = [
    [0.0, "rgba(255,255,204,0)"],
    [0.25, "rgba(254,217,118,0.35)"],
    [0.5, "rgba(253,141,60,0.6)"],
    [0.75, "rgba(227,26,28,0.8)"],
    [1.0, "rgba(128,0,38,0.9)"],
]


def _mosaic(tiles: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Tiles (N, h, w) in rows of ``columns``, one NaN pixel between them: (grid, customdata).

    ``customdata[r, c]`` is (tile, row in tile, column in tile) for the hover text; -1 in the gaps.
    """
    count, tile_h, tile_w = tiles.shape
    rows = -(-count // columns)
    grid = np.full((rows * (tile_h + 1) - 1, columns * (tile_w + 1) - 1), np.nan)
    where = np.full((*grid.shape, 3), -1)
    local = np.stack(list(np.indices((tile_h, tile_w))), axis=-1)
    for k in range(count):
        top, left = (k // columns) * (tile_h + 1), (k % columns) * (tile_w + 1)
        grid[top : top + tile_h, left : left + tile_w] = tiles[k]
        where[top : top + tile_h, left : left + tile_w, 0] = k
        where[top : top + tile_h, left : left + tile_w, 1:] = local
    return grid, where


def _mosaic_figure(
    grid: np.ndarray, customdata: np.ndarray, hovertemplate: str, *, height: int, colorbar_title: str = "", **scale
) -> go.Figure:
    figure = go.Figure(
        go.Heatmap(
            z=grid,
            customdata=customdata,
            hovertemplate=hovertemplate + "<extra></extra>",
            hoverongaps=False,
            colorbar={"thickness": 12, "title": colorbar_title},
            **scale,
        )
    )
    figure.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", visible=False)
    figure.update_xaxes(constrain="domain", visible=False)
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0}, plot_bgcolor="white")
    return figure


def _mosaic_height(grid: np.ndarray, tile_h: int, columns: int, tile_pixels: int) -> int:
    """Figure height giving each tile about ``tile_pixels`` when 8 tiles fill a row."""
    rows = (grid.shape[0] + 1) / (tile_h + 1)
    return int(min(4000, max(140, rows * tile_pixels * 8 / columns)))


def feature_maps(maps: np.ndarray, *, columns: int = 8, tile_pixels: int = 90) -> go.Figure:
    """All channels of one layer's output (H, W, C) as a grid of heat maps on one shared colour scale.

    Shared scale, so a channel that barely fires looks dark next to one that fires strongly;
    signed values (before an activation) get the diverging map centred on 0. Hover a pixel for
    its channel, row, column and value.
    """
    tiles = np.moveaxis(np.asarray(maps, dtype=np.float64), -1, 0)
    columns = min(columns, len(tiles))
    grid, where = _mosaic(tiles, columns)
    return _mosaic_figure(
        grid,
        where,
        "channel %{customdata[0]}, row %{customdata[1]}, column %{customdata[2]}<br>value %{z:.3g}",
        height=_mosaic_height(grid, tiles.shape[1], columns, tile_pixels),
        **value_scale(tiles),
    )


def filter_grid(filters: np.ndarray, *, columns: int = 8, tile_pixels: int = 70) -> go.Figure:
    """Learned filters (F, kh, kw) as small heat maps, each scaled to its own largest weight (RdBu, 0 white).

    Per-filter scaling shows every filter's pattern (edge, blob, blur) even when its weights are
    small; the hover shows the filter number, position and raw weight.
    """
    filters = np.asarray(filters, dtype=np.float64)
    largest = np.abs(filters).reshape(len(filters), -1).max(axis=1)
    scaled = filters / np.where(largest > 0, largest, 1)[:, None, None]
    columns = min(columns, len(filters))
    grid, where = _mosaic(scaled, columns)
    raw, _ = _mosaic(filters, columns)
    customdata = np.concatenate([where, np.nan_to_num(raw)[..., None]], axis=-1)
    return _mosaic_figure(
        grid,
        customdata,
        "filter %{customdata[0]}, row %{customdata[1]}, column %{customdata[2]}<br>weight %{customdata[3]:.3g}",
        height=_mosaic_height(grid, filters.shape[1], columns, tile_pixels),
        colorbar_title="weight / max",
        colorscale=SIGNED_COLORSCALE,
        zmin=-1,
        zmax=1,
    )


def unit_strip(
    values: np.ndarray, *, labels: list[str] | None = None, highlight: int | None = None, wrap: int = 64
) -> go.Figure:
    """A flat layer's outputs: one bar per unit (named by ``labels`` if given) up to 128 units,
    else a heat strip wrapped into rows of ``wrap`` units (hover for the unit number and value)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if len(values) <= 128:
        names = labels if labels is not None else [str(i) for i in range(len(values))]
        colours = [HIGHLIGHT_COLOUR if i == highlight else "#0072B2" for i in range(len(values))]
        figure = go.Figure(
            go.Bar(x=names, y=values, marker_color=colours, hovertemplate="unit %{x}: %{y:.4g}<extra></extra>")
        )
        figure.update_layout(
            height=260,
            xaxis={"type": "category", "title": "unit"},
            yaxis_title="value",
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            bargap=0.1,
        )
        return figure
    rows = -(-len(values) // wrap)
    grid = np.full(rows * wrap, np.nan)
    grid[: len(values)] = values
    units = np.arange(rows * wrap).reshape(rows, wrap)
    return _mosaic_figure(
        grid.reshape(rows, wrap),
        units,
        "unit %{customdata}<br>value %{z:.3g}",
        height=int(min(900, 40 + rows * 16)),
        **value_scale(values),
    )


def image_overlay(
    image: np.ndarray,
    *,
    heat: np.ndarray | None = None,
    box: tuple[int, int, int, int] | None = None,
    height: int = 340,
    title: str = "",
    value_range: tuple[float, float] | None = (0, 1),
    colorscale: str = "gray",
    value_label: str = "pixel",
    clickable: bool = False,
) -> go.Figure:
    """An image (H, W, C) shown as pixels, optionally under a [0, 1] heat map and with the inclusive
    pixel box ``(top, left, bottom, right)`` outlined in orange.

    A model input in [0, 1] is the default; for a feature map pass ``value_range=None`` (its own
    range), ``colorscale="Viridis"`` and ``value_label="value"``. Three channels are drawn in colour.
    The heat map (Grad-CAM) is see-through where it is 0 and turns opaque red where it is 1, so the
    image stays visible. ``clickable`` adds invisible markers on the pixels, so that
    ``st.plotly_chart(on_select=...)`` reports the clicked pixel as a point with ``x`` (column), ``y`` (row).
    """
    image = np.asarray(image, dtype=np.float64)
    if image.shape[2] == 3:
        figure = go.Figure(go.Image(z=to_uint8(image), hoverinfo="skip"))
    else:
        low, high = value_range or (float(image.min()), float(image.max()))
        figure = go.Figure(
            go.Heatmap(
                z=image[:, :, 0],
                colorscale=colorscale,
                zmin=low,
                zmax=max(high, low + 1e-9),
                showscale=False,
                hovertemplate=f"row %{{y}}, column %{{x}}<br>{value_label} %{{z:.3g}}<extra></extra>",
            )
        )
    if heat is not None:
        figure.add_trace(
            go.Heatmap(
                z=heat,
                colorscale=HEAT_OVERLAY_COLORSCALE,
                zmin=0,
                zmax=1,
                colorbar={"thickness": 12, "title": "importance"},
                hovertemplate="row %{y}, column %{x}<br>importance %{z:.2f}<extra></extra>",
            )
        )
    if clickable:  # the markers take over the hover text, so that a click on a pixel selects its marker
        rows, cols = np.indices(image.shape[:2])
        figure.update_traces(hoverinfo="skip", hovertemplate=None, selector={"type": "heatmap"})
        figure.add_trace(
            go.Scatter(
                x=cols.ravel(),
                y=rows.ravel(),
                customdata=image[:, :, 0].ravel(),
                mode="markers",
                showlegend=False,
                hovertemplate=f"row %{{y}}, column %{{x}}<br>{value_label} %{{customdata:.3g}}<extra>click</extra>",
                marker={"size": max(4, 300 // max(image.shape[:2])), "color": "rgba(0,0,0,0)", "symbol": "square"},
                selected={"marker": {"opacity": 1}},
                unselected={"marker": {"opacity": 1}},
            )
        )
        figure.update_layout(clickmode="event+select", dragmode=False)
    if box is not None:
        frame_cells(figure, box, width=3)
    figure.update_yaxes(
        autorange="reversed",
        scaleanchor="x",
        constrain="domain",
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        ticks="",
    )
    figure.update_xaxes(constrain="domain", showticklabels=False, showgrid=False, zeroline=False, ticks="")
    figure.update_layout(
        height=height,
        title=title or None,
        plot_bgcolor="white",
        margin={"l": 0, "r": 0, "t": 40 if title else 10, "b": 0},
    )
    return figure


def image_grid(
    tiles: np.ndarray,
    *,
    columns: int,
    row_labels: list[str] | None = None,
    column_labels: list[str] | None = None,
    tile_pixels: int = 64,
) -> go.Figure:
    """uint8 grayscale tiles (N, h, w) in rows of ``columns`` with white gaps, as one PNG picture.

    Each tile is shown about ``tile_pixels`` tall. Rows and columns can be labelled (e.g. one row per
    class; a space in a column label becomes a line break). Small tiles are enlarged with nearest
    neighbour so pixels stay crisp; large ones are shrunk with area averaging to keep the page light.
    """
    tiles = np.asarray(tiles)
    side = max(tiles.shape[1:3])
    if side > 2 * tile_pixels:
        scale = tile_pixels / side
        size = (max(1, round(tiles.shape[2] * scale)), max(1, round(tiles.shape[1] * scale)))
        tiles = np.stack([cv2.resize(tile, size, interpolation=cv2.INTER_AREA) for tile in tiles])
    elif (factor := tile_pixels // side) > 1:
        tiles = tiles.repeat(factor, axis=1).repeat(factor, axis=2)
    grid, _ = _mosaic(tiles.astype(np.float64), columns)
    picture = np.nan_to_num(grid, nan=255).astype(np.uint8)[:, :, None]
    source = "data:image/png;base64," + base64.b64encode(encode_png(picture)).decode()
    figure = go.Figure(go.Image(source=source, hoverinfo="skip"))
    tile_h, tile_w = tiles.shape[1:3]
    rows = -(-len(tiles) // columns)
    column_text = [label.replace(" ", "<br>") for label in column_labels] if column_labels else None
    axis = {"ticks": "", "tickfont": {"size": 13}, "showgrid": False, "zeroline": False}
    figure.update_yaxes(
        tickvals=[r * (tile_h + 1) + tile_h / 2 for r in range(rows)],
        ticktext=row_labels,
        visible=row_labels is not None,
        **axis,
    )
    figure.update_xaxes(
        tickvals=[c * (tile_w + 1) + tile_w / 2 for c in range(columns)],
        ticktext=column_text,
        visible=column_labels is not None,
        tickangle=0,
        **axis,
    )
    labels = "".join(
        f"; {what}: {', '.join(names)}" for what, names in (("rows", row_labels), ("columns", column_labels)) if names
    )
    description = f"A grid of {len(tiles)} images, {rows} row{'s' if rows > 1 else ''} of {columns}{labels}."
    figure.update_layout(
        height=rows * (tile_pixels + 1) + (60 if column_labels else 20),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor="white",
        meta={"description": description},
    )  # read by cnnviz.figure_text.describe_figure
    return figure
