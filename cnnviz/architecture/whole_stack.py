"""What the layers' summaries say about the whole stack: totals, the largest layer, advice, the checks.

Built on :func:`cnnviz.architecture.summary.summarize`: :func:`totals` (parameters, multiply-adds,
memory), :func:`largest_layer` and :func:`dense_on_pixels` (the numbers of the "why convolutions"
lesson), :func:`advice` (what Keras accepts but a student probably did not mean),
:func:`check_classifier` (training needs one output per class), :func:`check_stack` (the layer
builder's view of a stack that may be invalid) and :func:`two_parts` (the course's feature extraction and
classification components).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnnviz.architecture.layers import StackError
from cnnviz.architecture.summary import BYTES_PER_VALUE, LayerSummary, shape_tuple, summarize


@dataclass(frozen=True)
class Totals:
    """Sums over a stack; ``param_bytes`` is the weights' size in float32."""

    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    activation_bytes: int
    param_bytes: int


def param_bytes(params: int) -> int:
    """The weights' size in bytes when stored as float32."""
    return params * BYTES_PER_VALUE


def dense_on_pixels(input_shape: Sequence[int], units: int) -> tuple[int, int]:
    """(values, parameters) of one Dense layer of ``units`` neurons fed with the raw input: ``(values + 1)·units``.

    The "why convolutions" comparison: a Dense layer's size grows with the image, a filter's does not.
    """
    values = math.prod(input_shape)
    return values, (values + 1) * units


def largest_layer(summaries: Sequence[LayerSummary]) -> tuple[LayerSummary, float]:
    """The layer with the most parameters and its share of the stack's total (0 when the stack has none)."""
    largest = max(summaries, key=lambda s: s.params)
    total = totals(summaries).params
    return largest, largest.params / total if total else 0.0


def totals(summaries: Sequence[LayerSummary]) -> Totals:
    """Parameters, MACs and activation memory summed over all layers (one image, float32)."""
    params = sum(s.params for s in summaries)
    return Totals(
        params=params,
        trainable_params=sum(s.trainable_params for s in summaries),
        non_trainable_params=sum(s.non_trainable_params for s in summaries),
        macs=sum(s.macs for s in summaries),
        activation_bytes=sum(s.activation_bytes for s in summaries),
        param_bytes=param_bytes(params),
    )


@dataclass(frozen=True)
class TwoParts:
    """A classifier's two components, as the course names them: the layers that turn the image into feature
    maps (``features``) and those that turn the maps into class scores (``classifier``, from Flatten on)."""

    features: list[LayerSummary]
    classifier: list[LayerSummary]


def two_parts(summaries: Sequence[LayerSummary]) -> TwoParts | None:
    """Split a stack where its feature maps become one flat vector, or None when it has no such point (it ends
    in an image, as an autoencoder) or one side would be empty.

    A layer without weights that flattens (Flatten, global pooling) opens the classification part, as in the
    course; a layer with weights that ends in a vector (a reused Pretrained extractor) closes the features part.
    """
    for position, summary in enumerate(summaries):
        if len(summary.output_shape) == 1:
            cut = position if summary.params == 0 else position + 1
            features, classifier = list(summaries[:cut]), list(summaries[cut:])
            return TwoParts(features, classifier) if features and classifier else None
    return None


def advice(summaries: Sequence[LayerSummary]) -> list[str]:
    """Things Keras accepts but a student probably did not mean (the stack stays valid)."""
    notes = []
    for s in summaries:
        if s.type == "Dense" and len(s.input_shape) == 3:
            notes.append(
                f"Layer {s.position} (Dense) gets the map {shape_tuple(s.input_shape)}: Keras applies it at each "
                f"position separately (on the last axis), giving {shape_tuple(s.output_shape)}. Put Flatten or "
                "GlobalAveragePooling2D before it for a layer that sees the whole map."
            )
        if s.type == "Flatten" and len(s.input_shape) == 1:
            notes.append(f"Layer {s.position} (Flatten): its input is already flat, so it does nothing.")
    if summaries and len(summaries[-1].output_shape) != 1:
        notes.append(
            f"The stack ends with the map {shape_tuple(summaries[-1].output_shape)}; a classifier needs one "
            "score per class: add Flatten (or GlobalAveragePooling2D) and Dense(classes, activation='softmax')."
        )
    return notes


def check_classifier(
    stack: Sequence[Mapping[str, Any]], input_shape: Sequence[int], num_classes: int
) -> list[LayerSummary]:
    """Check that the stack is valid and ends with one value per class; return its summaries.

    Raises :class:`StackError` saying what to add or change otherwise.
    """
    summaries = summarize(stack, input_shape)
    end = f"Dense({num_classes}, activation='softmax')"
    if not summaries:
        raise StackError(f"The stack is empty: add layers ending with Flatten and {end}")
    out = summaries[-1].output_shape
    if out != (num_classes,):
        flat = "" if len(out) == 1 else "Flatten (or GlobalAveragePooling2D) and "
        raise StackError(
            f"The last layer gives {shape_tuple(out)} values but the data has {num_classes} classes: "
            f"end the stack with {flat}{end}"
        )
    return summaries


@dataclass(frozen=True)
class CheckedStack:
    """The stack as one run shows it: the summaries of its layers up to the first invalid one, and its error."""

    layers: list[Any]
    input_shape: tuple[int, int, int]
    summaries: list[LayerSummary]
    error: StackError | None

    @property
    def bad_position(self) -> int | None:
        """The 1-based position of the invalid layer (None when the stack is valid or the container is bad)."""
        return self.error.position if self.error is not None and self.error.position else None


def check_stack(layers: list[Any], input_shape: tuple[int, int, int]) -> CheckedStack:
    """Summarize ``layers`` on ``input_shape``; an invalid stack keeps the summaries of the layers before the error."""
    try:
        return CheckedStack(layers, input_shape, summarize(layers, input_shape), None)
    except StackError as problem:
        valid = summarize(layers[: problem.position - 1], input_shape) if problem.position else []
        return CheckedStack(layers, input_shape, valid, problem)
