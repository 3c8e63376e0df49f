"""The output layer a training needs: a stack changed to end in one softmax unit per class.

Plain architecture logic (no TensorFlow), shared by the training itself, its time estimate and its cost
ceilings before anything is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cnnviz import architecture


def adapt_output(
    stack: Sequence[Mapping[str, Any]], input_shape: Sequence[int], num_classes: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """The stack changed, if needed, to end in ``Dense(num_classes, activation="softmax")``; and notes.

    - a last Dense on flat input keeps its place: its ``units`` become the class count and a
      missing (linear) activation becomes softmax, so the outputs are class probabilities;
    - a last Dense with another activation (relu, ...) gets a softmax Dense added after it;
    - a stack ending in any other layer (or empty) gets ``Flatten`` (if the output is still an
      image) and the softmax Dense appended.

    Raises :class:`InputError` (naming the layer) if the stack itself is invalid.
    """
    layers = [dict(layer) for layer in stack]
    summaries = architecture.summarize(layers, input_shape)
    notes: list[str] = []
    head = {"type": "Dense", "units": num_classes, "activation": "softmax"}
    last = layers[-1] if layers else None
    flat_output = bool(summaries) and len(summaries[-1].output_shape) == 1
    if last is not None and last["type"] == "Dense" and flat_output:
        activation = last.get("activation") or "linear"
        if activation in ("softmax", "linear"):
            if last["units"] != num_classes:
                notes.append(
                    f"The last Dense layer had {last['units']} units but the data has {num_classes} "
                    f"classes: it now has {num_classes}, one per class."
                )
            if activation == "linear":
                notes.append("The last Dense layer had no activation: softmax added, so it outputs probabilities.")
            layers[-1] = {**last, "units": num_classes, "activation": "softmax"}
        else:
            notes.append(
                f"The last Dense layer uses {activation}, which cannot give class probabilities: "
                f"added Dense({num_classes}, softmax) after it."
            )
            layers.append(head)
    else:
        added = ([] if flat_output else ["Flatten"]) + [f"Dense({num_classes}, softmax)"]
        notes.append(
            f"The stack did not end with one output per class: added {' and '.join(added)} "
            f"for the {num_classes} classes."
        )
        if not flat_output:
            layers.append({"type": "Flatten"})
        layers.append(head)
    architecture.check_classifier(layers, input_shape, num_classes)
    return layers, notes
