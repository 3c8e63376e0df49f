"""Convolution page: standard vs depthwise vs separable convolution, parameters and MACs on the user's image.

The numbers come from ``cnnviz.architecture.summarize`` on one-layer stacks, the same code the
layer builder uses (checked against Keras), so the page and the builder always agree.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cnnviz import plots
from cnnviz.architecture import LayerSummary, summarize
from cnnviz.errors import InputError
from cnnviz.text import shape_text
from cnnviz.ui.presentation import show_chart_picture


def layer_costs(shape: tuple[int, int, int], filters: int, kernel: int) -> dict[str, LayerSummary]:
    """Summaries of a 'same' standard, depthwise and separable convolution with ``filters`` outputs."""
    common = {"kernel_size": kernel, "padding": "same"}
    layers = {
        "Standard Conv2D": {"type": "Conv2D", "filters": filters, **common},
        "Depthwise only": {"type": "DepthwiseConv2D", **common},
        "Depthwise separable": {"type": "SeparableConv2D", "filters": filters, **common},
    }
    return {name: summarize([layer], shape)[0] for name, layer in layers.items()}


def costs_section(image_shape: tuple[int, ...]) -> None:
    """Controls for F and k, a table with the formulas, and a log-scale bar chart."""
    height, width, channels = (int(v) for v in image_shape)
    filters_column, kernel_column = st.columns(2)
    filters = int(filters_column.number_input("Output channels F", 1, 1024, 64, key="costs_filters"))
    kernel = int(kernel_column.number_input("Kernel k", 1, 11, 3, key="costs_kernel"))
    try:
        costs = layer_costs((height, width, channels), filters, kernel)
    except InputError as error:  # e.g. a side beyond what the layer builder accepts
        st.error(f"{error}. Choose a smaller image to compare the layers' costs.")
        return
    rows = [
        {
            "Layer": name,
            "Output": shape_text(s.output_shape),
            "Parameters": f"{s.params:,}",
            "How": s.formulas["params"],
            "MACs": f"{s.macs:,}",
        }
        for name, s in costs.items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    standard, separable = costs["Standard Conv2D"], costs["Depthwise separable"]
    ratio = standard.macs / separable.macs
    st.markdown(
        f"On your {height}×{width}×{channels} image: a standard convolution mixes space and channels at once, "
        f"k·k·C·F = {kernel}·{kernel}·{channels}·{filters} multiply-adds per position. The separable one filters "
        f"each channel on its own (k·k·C) and then mixes channels with 1×1 filters (C·F): "
        f"**{ratio:.1f}× fewer MACs**, close to 1/(1/F + 1/k²) = {1 / (1 / filters + 1 / kernel**2):.1f}. "
        "A depthwise layer alone never mixes channels, so its output keeps C channels. MobileNet is built from "
        "such separable pairs."
    )
    show_chart_picture(
        plots.log_bars(
            {f"{name} MACs": s.macs for name, s in costs.items()},
            title="Multiply-accumulates for one image (log scale)",
        ),
        key="costs_chart",
    )
