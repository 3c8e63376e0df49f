"""Layer stacks: shape, parameter, cost and receptive-field inference, presets, JSON, Keras and code.

A stack is a list of dicts in Keras' vocabulary (``{"type": "Conv2D", "filters": 32,
"kernel_size": 3, "activation": "relu"}``), with Keras' defaults for missing arguments.
Importing this package does not import TensorFlow; only :func:`to_keras` does.
"""

from cnnviz.architecture.export import from_json, model_lines, to_code, to_json, to_keras
from cnnviz.architecture.layer_facts import LAYER_FACTS, LayerFacts, layer_note, short_name
from cnnviz.architecture.layers import (
    ACTIVATIONS,
    DEFAULT_INPUT_SHAPE,
    LAYER_ARGS,
    LAYER_TYPES,
    SPATIAL_TYPES,
    StackError,
    compact_layer,
    default_layer,
    layer_names,
    normalize_input_shape,
    normalize_layer,
    normalize_stack,
)
from cnnviz.architecture.presets import PRESET_INFO, PRESETS, PresetInfo
from cnnviz.architecture.summary import BYTES_PER_VALUE, LayerSummary, summarize
from cnnviz.architecture.whole_stack import (
    CheckedStack,
    Totals,
    TwoParts,
    advice,
    check_classifier,
    check_stack,
    dense_on_pixels,
    largest_layer,
    param_bytes,
    totals,
    two_parts,
)
from cnnviz.text import format_bytes

__all__ = [
    "ACTIVATIONS",
    "BYTES_PER_VALUE",
    "CheckedStack",
    "DEFAULT_INPUT_SHAPE",
    "LAYER_ARGS",
    "LAYER_FACTS",
    "LAYER_TYPES",
    "PRESETS",
    "PRESET_INFO",
    "SPATIAL_TYPES",
    "LayerFacts",
    "LayerSummary",
    "PresetInfo",
    "StackError",
    "Totals",
    "TwoParts",
    "advice",
    "check_classifier",
    "check_stack",
    "compact_layer",
    "default_layer",
    "dense_on_pixels",
    "format_bytes",
    "from_json",
    "largest_layer",
    "layer_names",
    "layer_note",
    "model_lines",
    "normalize_input_shape",
    "normalize_layer",
    "normalize_stack",
    "param_bytes",
    "short_name",
    "summarize",
    "to_code",
    "to_json",
    "to_keras",
    "totals",
    "two_parts",
]
