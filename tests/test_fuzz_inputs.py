"""Fuzzing what anyone can send without an account (issue 25): links and stack files, with Hypothesis.

Whatever a link holds, :func:`cnnviz.links.decode` returns (never raises) and every value it returns is
one its codec reads back (so within the codec's bounds), a stack within the link's layer limit that
summarises on its input shape. Whatever a stack file holds, :func:`cnnviz.architecture.from_json` and
:func:`~cnnviz.architecture.summarize` raise nothing but :class:`InputError`, and a stack they accept is
within the limits of :mod:`cnnviz.limits`.
"""

from __future__ import annotations

import json
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnviz import architecture, limits, links, options
from cnnviz.architecture.layers import count_layers
from cnnviz.errors import InputError
from cnnviz.inspection import PRETRAINED_NAMES
from cnnviz.kernels import PRESETS as KERNELS
from cnnviz.recipes import RECIPES

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- link texts: junk, and near-misses of every codec
NUMBER = st.from_regex(r"-?\d{1,5}(\.\d{1,4})?(e-?\d{1,3})?(/\d{1,4})?", fullmatch=True)
ARGUMENT = st.one_of(
    st.builds("{}.{}".format, st.sampled_from(["k", "s", "p", "a", "size", "d", "bias", "rate", "units", "x"]), NUMBER),
    st.sampled_from(["p.same", "p.valid", "a.relu", "a.softmax", "bias.false", "size.1024", "k.99", "none"]),
    NUMBER,
)
LAYER_CODE = st.sampled_from([*links.LAYER_CODES.values(), *architecture.LAYER_TYPES, "Residual", "conv3d", ""])
TOKEN = st.builds(lambda code, parts: "-".join([code, *parts]), LAYER_CODE, st.lists(ARGUMENT, max_size=4))
STACK_TEXT = st.one_of(
    st.lists(TOKEN, max_size=70).map(" ".join),
    st.sampled_from([links.PRESET_PREFIX + "vgg_16_224_224_colour", links.PRESET_PREFIX + "nope"]),
)
KERNEL_TEXT = st.lists(st.lists(NUMBER, min_size=1, max_size=17).map("_".join), min_size=1, max_size=17).map(" ".join)
SHAPE_TEXT = st.builds("{}x{}x{}".format, *[st.integers(0, 99_999)] * 3)
WORDS = st.sampled_from(
    [*KERNELS, *RECIPES, *architecture.PRESETS, *PRETRAINED_NAMES, *options.INSIDE_TABS, "all", "mnist", "1", "0"]
)
LINK_TEXT = st.one_of(st.text(max_size=50), NUMBER, KERNEL_TEXT, STACK_TEXT, SHAPE_TEXT, WORDS)


def queries(page: str) -> st.SearchStrategy[dict[str, str]]:
    names = st.sampled_from([*links.SCHEMAS[page], *links.APP_PARAMS, "utm_source", ""])
    return st.dictionaries(names, LINK_TEXT, max_size=10)


def codec_of(page: str, state_key: str) -> links.Codec:
    """The codec that produced a decoded state key (keys such as ``data_log_{dataset}`` are templates)."""
    for key, codec in links.SCHEMAS[page].values():
        if re.fullmatch(re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(key)), state_key):
            return codec
    raise AssertionError(f"decode returned {state_key!r}, which no codec of {page!r} writes")


def same(a: object, b: object) -> bool:
    return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) else a == b


@FUZZ
@given(data=st.data())
def test_any_link_decodes_without_raising_into_values_within_their_bounds(data):
    page = data.draw(st.sampled_from(sorted(links.SCHEMAS)))
    values, problems = links.decode(page, data.draw(queries(page)))
    assert all(isinstance(problem, str) and problem for problem in problems)
    for key, value in values.items():
        codec = codec_of(page, key)
        assert same(codec.read(codec.write(value)), value), (key, value)  # read again: within the codec's bounds
    if "stack" in values:
        assert count_layers(values["stack"]) <= max(limits.LINK_LAYERS.most, 86)  # 86: MobileNet, by its name
        architecture.summarize(values["stack"], values.get("input_shape", architecture.DEFAULT_INPUT_SHAPE))
    for key, value in values.items():
        if key.endswith("kernel_matrix"):
            assert value.ndim == 2 and max(value.shape) <= limits.KERNEL_SIDE.most and np.isfinite(value).all()


@FUZZ
@given(text=STACK_TEXT)
def test_a_linked_stack_is_read_or_refused_with_a_message(text):
    try:
        stack = links.read_stack(text)
    except InputError as error:
        assert str(error)
        return
    assert count_layers(stack) <= max(limits.LINK_LAYERS.most, 86)
    assert [architecture.compact_layer(layer) for layer in stack] == stack


# ---------------------------------------------------------------- stack files
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=40,
)
SMALL = st.one_of(
    st.integers(-3, 70_000),
    st.sampled_from(["same", "valid", "relu", "softmax", None, True, False, 0.5, "mnist", "fashion_mnist"]),
)
VALUE = st.one_of(SMALL, st.lists(SMALL, max_size=3), st.lists(st.lists(st.integers(-1, 5), max_size=2), max_size=2))


def layer_dicts(depth: int) -> st.SearchStrategy[dict]:
    """Layer dicts of any known type with plausible and implausible arguments; Residual blocks nest ``depth`` deep."""
    plain = st.builds(
        lambda kind, arguments: {"type": kind, **arguments},
        st.sampled_from([t for t in architecture.LAYER_TYPES if t != "Residual"]),
        st.dictionaries(st.sampled_from(sorted({a for args in architecture.LAYER_ARGS.values() for a in args})), VALUE),
    )
    if depth == 0:
        return plain
    block = st.builds(
        lambda layers, shortcut: {"type": "Residual", "layers": layers, "shortcut": shortcut},
        st.lists(layer_dicts(depth - 1), max_size=40),
        st.sampled_from(["identity", "projection"]),
    )
    return st.one_of(plain, block)


STACK_FILE = st.builds(
    lambda shape, layers: {"input_shape": shape, "layers": layers},
    st.one_of(st.lists(st.integers(-1, 5000), min_size=3, max_size=3), ANY_JSON),
    st.lists(layer_dicts(2), max_size=40),
)


def load_and_summarise(text: str) -> None:
    """from_json then summarize: InputError or a stack within every limit, nothing else."""
    try:
        shape, stack = architecture.from_json(text)
        summaries = architecture.summarize(stack, shape)
    except InputError as error:
        assert str(error)
        return
    assert count_layers(stack) <= limits.STACK_LAYERS.most
    totals = architecture.totals(summaries)
    assert totals.params <= limits.STACK_PARAMS.most and totals.macs <= limits.STACK_MACS.most
    assert totals.activation_bytes <= limits.STACK_ACTIVATION_BYTES.most


@FUZZ
@given(document=STACK_FILE)
def test_a_stack_file_loads_within_the_limits_or_is_refused_with_a_message(document):
    load_and_summarise(json.dumps(document))


PRETRAINED_ENTRY = st.builds(
    lambda model, trainable, extra: {"type": "Pretrained", "model": model, "trainable": trainable, **extra},
    st.sampled_from(["mnist", "fashion_mnist", "../mnist", ""]),
    st.sampled_from([False, True, "yes", 1]),
    st.dictionaries(st.sampled_from(["layers", "filters", "model "]), VALUE, max_size=1),
)


@FUZZ
@given(
    shape=st.sampled_from([[28, 28, 1], [28, 28, 3], [1024, 1024, 64], [56, 56, 1]]),
    first=PRETRAINED_ENTRY,
    rest=st.lists(st.one_of(layer_dicts(1), PRETRAINED_ENTRY), max_size=12),
)
def test_an_imported_stack_with_a_pretrained_part_loads_within_the_limits_or_is_refused(shape, first, rest):
    """The Pretrained entry (a demo network's convolutional part) anywhere in an imported stack: its model
    named only from the shipped ones, its input 28×28×1, once and first, or a message."""
    load_and_summarise(json.dumps({"input_shape": shape, "layers": [first, *rest]}))


@FUZZ
@given(document=ANY_JSON)
def test_any_json_is_a_stack_or_an_input_error(document):
    load_and_summarise(json.dumps(document))


@FUZZ
@given(text=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_any_text_or_bytes_is_a_stack_or_an_input_error(text):
    load_and_summarise(text)
