"""The layer builder's results: the totals' metrics, the per-layer table and each number's formula."""

import math

import pandas as pd
import streamlit as st

from cnnviz.architecture import BYTES_PER_VALUE, StackError, totals
from cnnviz.text import format_bytes, shape_text, short
from cnnviz.ui.layer_editor import type_of


def summary_table(shape: tuple, summaries: list, error: StackError | None, stack: list):
    """The per-layer table; from an invalid layer on, its rows say so (the invalid one highlighted)."""
    rows = [
        {
            "#": 0,
            "Layer": "Input",
            "Output shape": shape_text(shape),
            "Parameters": "",
            "MACs": "",
            "Activation memory": format_bytes(BYTES_PER_VALUE * math.prod(shape)),
            "Receptive field": "1×1",
        }
    ]
    for s in summaries:
        params = f"{s.params:,}" + (f" ({s.non_trainable_params:,} frozen)" if s.non_trainable_params else "")
        rows.append(
            {
                "#": s.position,
                "Layer": s.name,
                "Output shape": shape_text(s.output_shape),
                "Parameters": params,
                "MACs": f"{s.macs:,}",
                "Activation memory": format_bytes(s.activation_bytes),
                "Receptive field": shape_text(s.receptive_field),
            }
        )
    bad_position = error.position if error is not None and error.position else None
    if bad_position:
        for position in range(bad_position, len(stack) + 1):
            kind = type_of(stack[position - 1])
            first = position == bad_position
            rows.append(
                {
                    "#": position,
                    "Layer": kind,
                    "Output shape": "⚠ invalid" if first else "—",
                    "Parameters": "—",
                    "MACs": "—",
                    "Activation memory": "—",
                    "Receptive field": "—",
                }
            )
    table = pd.DataFrame(rows)
    if not bad_position:
        return table  # a Styler costs ~10 ms per rerun: only when there is a row to colour

    def highlight(row):
        colour = "background-color: #fbd5c0; color: #7a2900" if row["#"] == bad_position else ""
        return [colour] * len(row)

    return table.style.apply(highlight, axis=1)


def show_totals(summaries: list) -> None:
    total = totals(summaries)
    cards = st.container(horizontal=True, gap="medium")
    params, size, macs, memory = (cards.container(width="content") for _ in range(4))
    params.metric(
        "Parameters",
        f"{total.params:,}",
        help=f"{total.trainable_params:,} trainable, {total.non_trainable_params:,} not trainable "
        "(BatchNormalization's moving mean and variance)",
    )
    size.metric("Weights (float32)", format_bytes(total.param_bytes), help="4 bytes per parameter")
    macs.metric("MACs per image", short(total.macs), help=f"{total.macs:,} multiply-accumulates for one image")
    memory.metric(
        "Activations per image",
        format_bytes(total.activation_bytes),
        help="All layer outputs for one image in float32; training keeps them for every image of a batch.",
    )


def show_formulas(summaries: list) -> None:
    with st.expander(":material/function: The formula behind each number", key="builder_formulas_box"):
        labels = [f"{s.position} · {s.name} ({s.type})" for s in summaries]
        chosen = st.selectbox("Layer", range(len(labels)), format_func=labels.__getitem__, key="builder_formula_layer")
        s = summaries[chosen]
        st.markdown(
            f"- **Output shape {shape_text(s.output_shape)}**: {s.formulas['output_shape']}\n"
            f"- **Parameters {s.params:,}**: {s.formulas['params']}\n"
            f"- **MACs {s.macs:,}**: {s.formulas['macs']}\n"
            f"- **Receptive field {shape_text(s.receptive_field)}**: {s.formulas['receptive_field']}\n"
            f"- **Activation memory {format_bytes(s.activation_bytes)}**: {s.formulas['memory']}"
        )
        st.caption(
            "Output size: ⌊(n − d·(k−1) − 1)/s⌋ + 1 with padding 'valid', ⌈n/s⌉ with 'same' (n input size, k "
            "kernel, s stride, d dilation). Receptive field: r ← r + (d·(k−1)+1 − 1)·j and jump j ← j·s, from "
            "r = j = 1 at the input. MACs count multiply-accumulates of weighted layers; bias additions, "
            "activations and pooling count 0."
        )
