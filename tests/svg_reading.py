"""Reading the SVG pictures of cnnviz.plots.svg_figures back as a student reads them: through their own
tick labels (two numbers along an axis fix it), so a test checks what is drawn, not how it was computed."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import numpy as np

SVG = "{http://www.w3.org/2000/svg}"
SVG_SOURCE = "data:image/svg+xml;base64,"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def inline(html: str) -> ET.Element:
    """The ``<svg>`` element of an inline picture (markdown HTML that may wrap it in a ``<div>``)."""
    root = parse(html)
    return root if root.tag == f"{SVG}svg" else next(root.iter(f"{SVG}svg"))


def number(text: str) -> float:
    """A tick label's value: "−0.5" → -0.5, "12%" → 0.12."""
    text = text.replace("−", "-")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def axis_from_ticks(root: ET.Element, anchor: str, coordinate: str) -> tuple[float, float]:
    """(offset, scale) with coordinate = offset + scale · value, from the numeric tick labels: those whose
    text-anchor is ``anchor``."""
    ticks = []
    for text in root.iter(f"{SVG}text"):
        if text.get("text-anchor") == anchor and text.get("transform") is None:
            try:
                ticks.append((number(text.text or ""), float(text.get(coordinate) or "nan")))
            except ValueError:
                continue  # an axis title or a category name, not a number
    values, places = np.array(ticks).T
    scale, offset = np.polyfit(values, places, 1)
    assert np.allclose(offset + scale * values, places, atol=0.06), "the tick labels are not evenly placed"
    return offset, scale


def y_axis(root: ET.Element) -> tuple[float, float]:
    """The y axis of a chart: its numbers are right-aligned left of the plot."""
    return axis_from_ticks(root, "end", "y")


def pictures(app) -> dict[str, ET.Element]:
    """The SVG pictures an AppTest run of a page drew, by the key of their container (``show_chart_picture``)."""
    from streamlit.testing.v1.element_tree import Block

    found: dict[str, ET.Element] = {}

    def visit(node) -> None:
        for child in getattr(node, "children", {}).values():
            if not isinstance(child, Block):
                continue
            key = str(getattr(child.proto, "id", "") or "").rsplit("-", 1)[-1]
            for element in child.children.values():
                if isinstance(element, Block) or element.type != "image":
                    continue
                for picture in element.proto.imgs:
                    if picture.url.startswith(SVG_SOURCE):
                        found[key] = parse(base64.b64decode(picture.url[len(SVG_SOURCE) :]).decode())
            visit(child)

    visit(app._tree)
    return found
