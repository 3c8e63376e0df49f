"""Shape, parameter, cost and receptive-field inference for a stack, with the formula behind each number.

Everything follows Keras' channels-last rules, so the shapes and parameter counts equal what
Keras reports for the same stack. Costs are for one image:

- **MACs** (multiply-accumulates): Conv2D ``H'·W'·F · kh·kw·C``, Dense ``positions · inputs ·
  units``, BatchNormalization one per value (inference folds it into ``x·a + b``). Bias additions,
  activations and pooling (comparisons or additions) count 0.
- **Activation memory**: the layer's output in float32, ``4`` bytes per value.
- **Receptive field**: the rows × columns of input pixels one output unit depends on, from the
  standard recurrence per axis ``r ← r + (d·(k−1)+1 − 1)·j``, ``j ← j·s`` (``j`` the jump between
  neighbouring units in input pixels), capped at the input's size. After Flatten or a global
  pooling every unit sees the whole input. Padding does not change it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cnnviz import limits
from cnnviz.architecture.layers import (
    RESIDUAL,
    SPATIAL_TYPES,
    StackError,
    check_container,
    keras_layer_name,
    normalize_input_shape,
    normalize_layer,
    where,
)
from cnnviz.conv_geometry import output_size
from cnnviz.conv_variants import transpose_output_size
from cnnviz.errors import InputError
from cnnviz.text import n

BYTES_PER_VALUE = 4  # float32

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerSummary:
    """What one layer does to one image. Shapes exclude the batch dimension.

    ``formulas`` maps ``"output_shape"``, ``"params"``, ``"macs"``, ``"receptive_field"`` and
    ``"memory"`` to the computation behind each number, written out with its values.
    """

    position: int
    type: str
    name: str
    input_shape: Shape
    output_shape: Shape
    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    receptive_field: tuple[int, int]
    activation_bytes: int
    formulas: Mapping[str, str] = field(default_factory=dict)
    branch: tuple[LayerSummary, ...] = ()  # a Residual block's inner layers


_Length = int | Fraction  # a receptive-field size or jump, in input pixels


@dataclass(frozen=True)
class _Field:
    """Receptive-field state per axis (rows, cols): size ``r`` and jump ``j``; ``whole`` once global.

    Upsampling layers make the jump a fraction (neighbouring outputs are 1/s input pixels apart);
    until one does, plain ints keep the arithmetic fast (the builder recomputes it on every edit).
    """

    r: tuple[_Length, _Length] = (1, 1)
    j: tuple[_Length, _Length] = (1, 1)
    whole: bool = False


@dataclass(frozen=True)
class _Step:
    output_shape: Shape
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    new_field: _Field | None = None  # None: unchanged
    formulas: dict[str, str] = field(default_factory=dict)
    branch: tuple[LayerSummary, ...] = ()  # a Residual block's inner layers


@dataclass(frozen=True)
class _Spent:
    """Parameters, MACs and activation bytes of the layers summarised so far, checked after every layer
    against :mod:`cnnviz.limits`, so a stack that explodes (UpSampling2D after UpSampling2D) is refused at
    the first layer past a limit, before its numbers grow any further."""

    params: int = 0
    macs: int = 0
    activation_bytes: int = 0

    def plus(self, params: int, macs: int, activation_bytes: int, prefix: str) -> _Spent:
        spent = _Spent(self.params + params, self.macs + macs, self.activation_bytes + activation_bytes)
        for limit, amount, shown in (
            (limits.STACK_PARAMS, spent.params, None),
            (limits.STACK_MACS, spent.macs, None),
            (limits.STACK_ACTIVATION_BYTES, spent.activation_bytes, "layer outputs of "),
        ):
            if not limit.allows(amount):
                text = f"{shown}{limit.text(amount)} for one image" if shown else None
                raise StackError(f"{prefix}: " + limit.message(amount, "the stack up to here", shown=text))
        return spent


def _product(values: Sequence[int]) -> str:
    return "·".join(n(v) for v in values)


def shape_tuple(shape: Shape) -> str:
    """A shape as Keras prints it: ``(26, 26, 32)``, ``(10,)``."""
    return "(" + ", ".join(str(v) for v in shape) + (",)" if len(shape) == 1 else ")")


def _window_axis(size: int, kernel: int, stride: int, dilation: int, padding: str) -> tuple[int, str]:
    """Output length along one axis (:func:`cnnviz.ops.output_size`, Keras' rule) and its formula."""
    out = output_size(size, kernel, stride, padding, dilation)
    if padding == "same":
        return out, f"⌈{size}/{stride}⌉ = {out}"
    spanned = f"{dilation}·({kernel}−1)+1" if dilation > 1 else str(kernel)
    return out, f"⌊({size} − {spanned})/{stride}⌋ + 1 = {out}"


def _axes_text(rows: str, cols: str) -> str:
    return f"rows and cols: {rows}" if rows == cols else f"rows: {rows}; cols: {cols}"


def _windowed(
    cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str, what: str
) -> tuple[int, int, str, _Field, str]:
    """Shared by Conv2D and pooling: output size, its formula and the new receptive field."""
    height, width = shape[0], shape[1]
    kernel = cfg["kernel_size"] if "kernel_size" in cfg else cfg["pool_size"]
    strides = cfg.get("strides") or kernel
    dilation = cfg.get("dilation_rate", (1, 1))
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if cfg["padding"] == "valid" and (spans[0] > height or spans[1] > width):
        dilated = (
            f" (dilation {dilation[0]}×{dilation[1]} spreads it over {spans[0]}×{spans[1]})"
            if max(dilation) > 1
            else ""
        )
        fix = (
            "use padding='same', a smaller kernel or remove a pooling layer"
            if what == "kernel"
            else ("use padding='same' or remove this pooling layer; a map cannot shrink below 1×1")
        )
        raise StackError(
            f"{prefix}: the {height}×{width} input is smaller than the {kernel[0]}×{kernel[1]} {what}{dilated}; {fix}",
        )
    out_h, text_h = _window_axis(height, kernel[0], strides[0], dilation[0], cfg["padding"])
    out_w, text_w = _window_axis(width, kernel[1], strides[1], dilation[1], cfg["padding"])
    new_field, rf_text = _grow_field(field_, spans, strides)
    return out_h, out_w, _axes_text(text_h, text_w), new_field, rf_text


def _grow_field(
    field_: _Field, spans: tuple[int, int], strides: tuple[int, int], *, upsampling: bool = False
) -> tuple[_Field, str]:
    """The recurrence ``r ← r + (span−1)·j``, ``j ← j·s``; upsampling divides the jump by ``s`` instead.

    For upsampling ``spans`` counts the input cells one output depends on (1 nearest, 2 bilinear,
    ``⌈k/s⌉`` for a transposed convolution).
    """
    if field_.whole:
        return field_, "already the whole input"
    r = tuple(r + (s - 1) * j for r, s, j in zip(field_.r, spans, field_.j, strict=True))
    j = tuple(Fraction(j) / s if upsampling else j * s for j, s in zip(field_.j, strides, strict=True))
    step = "/" if upsampling else "·"
    texts = [
        f"{r0} + ({s}−1)·{j0} = {r1}, jump {j0}{step}{st} = {j1}"
        for r0, s, j0, r1, st, j1 in zip(field_.r, spans, field_.j, r, strides, j, strict=True)
    ]
    return _Field(r, j), _axes_text(*texts)  # type: ignore[arg-type]


def _need_map(shape: Shape, prefix: str, layer_type: str, flat_by: str | None) -> None:
    if len(shape) != 3:
        source = f" made by {flat_by}" if flat_by else ""
        move = f"move it before {flat_by}" if flat_by else "move it earlier"
        raise StackError(
            f"{prefix}: its input is the flat vector {shape_tuple(shape)}{source}, but {layer_type} needs a "
            f"(height, width, channels) map; {move} or remove it"
        )


def _no_stride_with_dilation(cfg: Mapping[str, Any], prefix: str) -> None:
    if max(cfg["strides"]) > 1 and max(cfg["dilation_rate"]) > 1:
        raise StackError(f"{prefix}: Keras cannot combine strides > 1 with dilation_rate > 1; set one of them to 1")


def _conv2d(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    _no_stride_with_dilation(cfg, prefix)
    height_out, width_out, size_text, new_field, rf_text = _windowed(cfg, shape, field_, prefix, "kernel")
    channels, filters, groups = shape[2], cfg["filters"], cfg["groups"]
    if channels % groups or filters % groups:
        raise StackError(
            f"{prefix}: groups={groups} must divide both the {n(channels)} input channels and the {n(filters)} "
            f"filters; choose groups among the common divisors (e.g. {math.gcd(channels, filters)}) or change "
            "the filters"
        )
    seen = channels // groups  # channels each filter sees
    kh, kw = cfg["kernel_size"]
    weights = kh * kw * seen * filters
    bias = filters if cfg["use_bias"] else 0
    grouped = f" ({n(channels)}/{groups} channels per group)" if groups > 1 else ""
    params_text = (
        f"({kh}·{kw}·{n(seen)} + 1)·{n(filters)} = {n(weights + bias)}"
        if bias
        else f"{kh}·{kw}·{n(seen)}·{n(filters)} = {n(weights)} (no bias)"
    )
    macs = height_out * width_out * filters * kh * kw * seen
    return _Step(
        (height_out, width_out, filters),
        weights + bias,
        0,
        macs,
        new_field,
        {
            "output_shape": f"{size_text}; {n(filters)} filters give {n(filters)} channels",
            "params": params_text + f": a {kh}×{kw}×{n(seen)} kernel{grouped} plus 1 bias per filter"
            if bias
            else params_text + grouped,
            "macs": f"{height_out}·{width_out}·{n(filters)} outputs × {kh}·{kw}·{n(seen)} each = {n(macs)}",
            "receptive_field": rf_text,
        },
    )


def _depthwise(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    """DepthwiseConv2D, and SeparableConv2D (the same, then a 1×1 convolution mixing the channels)."""
    _no_stride_with_dilation(cfg, prefix)
    height_out, width_out, size_text, new_field, rf_text = _windowed(cfg, shape, field_, prefix, "kernel")
    channels, multiplier = shape[2], cfg["depth_multiplier"]
    kh, kw = cfg["kernel_size"]
    depth = channels * multiplier
    spatial = kh * kw * depth
    spatial_macs = height_out * width_out * depth * kh * kw
    if cfg["type"] == "DepthwiseConv2D":
        bias = depth if cfg["use_bias"] else 0
        return _Step(
            (height_out, width_out, depth),
            spatial + bias,
            0,
            spatial_macs,
            new_field,
            {
                "output_shape": f"{size_text}; {n(channels)} channels × depth multiplier {multiplier} = {n(depth)}",
                "params": f"{kh}·{kw}·{n(channels)}·{multiplier}"
                + (f" + {n(bias)} biases" if bias else "")
                + f" = {n(spatial + bias)}: one {kh}×{kw} filter per channel (and multiplier), no mixing of channels",
                "macs": f"{height_out}·{width_out}·{n(depth)} outputs × {kh}·{kw} each = {n(spatial_macs)}",
                "receptive_field": rf_text,
            },
        )
    filters = cfg["filters"]
    bias = filters if cfg["use_bias"] else 0
    pointwise = depth * filters
    pointwise_macs = height_out * width_out * depth * filters
    return _Step(
        (height_out, width_out, filters),
        spatial + pointwise + bias,
        0,
        spatial_macs + pointwise_macs,
        new_field,
        {
            "output_shape": f"{size_text}; the 1×1 step gives {n(filters)} channels",
            "params": f"depthwise {kh}·{kw}·{n(channels)}·{multiplier} + pointwise {n(depth)}·{n(filters)}"
            + (f" + {n(bias)} biases" if bias else "")
            + f" = {n(spatial + pointwise + bias)}",
            "macs": f"depthwise {height_out}·{width_out}·{n(depth)}·{kh}·{kw} + pointwise "
            f"{height_out}·{width_out}·{n(depth)}·{n(filters)} = {n(spatial_macs + pointwise_macs)}",
            "receptive_field": rf_text,
        },
    )


def _transpose_axis(
    size: int, kernel: int, stride: int, dilation: int, padding: str, extra: int | None, prefix: str
) -> tuple[int, str]:
    """One axis of a Conv2DTranspose: the size from :func:`cnnviz.conv_variants.transpose_output_size`, and its sum."""
    span = dilation * (kernel - 1) + 1
    if extra is not None and extra >= stride:
        raise StackError(
            f"{prefix}: output_padding {extra} must be smaller than the stride {stride}; "
            f"use 0 to {stride - 1} or leave it at None"
        )
    try:
        out = transpose_output_size(size, kernel, stride, padding, extra, dilation)
    except InputError as error:  # e.g. 'same' with output_padding on a 1-cell map and an even kernel
        raise StackError(f"{prefix}: {error}; use padding='valid'") from None
    if extra is None:
        if padding == "same":
            return out, f"{size}·{stride} = {out}"
        return out, f"{size}·{stride} + max({span} − {stride}, 0) = {out}"
    pad = span // 2 if padding == "same" else 0
    return out, f"({size}−1)·{stride} − 2·{pad} + {span} + {extra} = {out}"


def _conv_transpose(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    _no_stride_with_dilation(cfg, prefix)
    extra = cfg["output_padding"] or (None, None)
    sizes = [
        _transpose_axis(
            shape[axis],
            cfg["kernel_size"][axis],
            cfg["strides"][axis],
            cfg["dilation_rate"][axis],
            cfg["padding"],
            extra[axis],
            prefix,
        )
        for axis in (0, 1)
    ]
    (height_out, text_h), (width_out, text_w) = sizes
    channels, filters = shape[2], cfg["filters"]
    kh, kw = cfg["kernel_size"]
    spans = tuple(d * (k - 1) + 1 for k, d in zip(cfg["kernel_size"], cfg["dilation_rate"], strict=True))
    cells = tuple(math.ceil(span / s) for span, s in zip(spans, cfg["strides"], strict=True))
    new_field, rf_text = _grow_field(field_, cells, cfg["strides"], upsampling=True)
    weights = kh * kw * channels * filters
    bias = filters if cfg["use_bias"] else 0
    macs = shape[0] * shape[1] * channels * kh * kw * filters
    return _Step(
        (height_out, width_out, filters),
        weights + bias,
        0,
        macs,
        new_field,
        {
            "output_shape": _axes_text(text_h, text_w) + f"; {n(filters)} filters give {n(filters)} channels",
            "params": f"{kh}·{kw}·{n(channels)}·{n(filters)}"
            + (f" + {n(bias)}" if bias else " (no bias)")
            + f" = {n(weights + bias)}: the same kernel shape as a Conv2D from {n(filters)} to {n(channels)} channels",
            "macs": f"each of the {shape[0]}·{shape[1]}·{n(channels)} input values scatters {kh}·{kw}·{n(filters)} "
            f"products = {n(macs)}",
            "receptive_field": rf_text,
        },
    )


def _upsampling(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    sh, sw = cfg["size"]
    out = (shape[0] * sh, shape[1] * sw, shape[2])
    cells = 1 if cfg["interpolation"] == "nearest" else 2
    new_field, rf_text = _grow_field(field_, (cells, cells), (sh, sw), upsampling=True)
    how = "repeats each value" if cells == 1 else "blends the 2×2 nearest values of"
    return _Step(
        out,
        new_field=new_field,
        formulas={
            "output_shape": _axes_text(f"{shape[0]}·{sh} = {out[0]}", f"{shape[1]}·{sw} = {out[1]}")
            + f"; channels unchanged ({shape[2]})",
            "params": "0: no weights",
            "macs": f"0: it {how} the input, no multiplications by learned weights",
            "receptive_field": rf_text,
        },
    )


def _reshape(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    size, target = math.prod(shape), list(cfg["target_shape"])
    known = math.prod(v for v in target if v != -1)
    if -1 in target:
        if size % known:
            raise StackError(
                f"{prefix}: {n(size)} values cannot fill {target} (−1 must be a whole number); "
                f"choose sizes whose product divides {n(size)}"
            )
        target[target.index(-1)] = size // known
    elif known != size:
        raise StackError(
            f"{prefix}: the input {shape_tuple(shape)} holds {n(size)} values but "
            f"{shape_tuple(tuple(target))} holds {n(known)}; the product of the sizes must be "
            f"{n(size)} (or use -1 for one size)"
        )
    out = tuple(target)
    keeps_map = len(out) == 3 and len(shape) == 3 and out[:2] == shape[:2]
    return _Step(
        out,
        new_field=None if keeps_map else _Field(field_.r, field_.j, whole=True),
        formulas={
            "output_shape": f"the same {n(size)} values arranged as {shape_tuple(out)}",
            "params": "0: only a reshape",
            "macs": "0: only a reshape",
            "receptive_field": "unchanged" if keeps_map else "values change place, so count the whole input",
        },
    )


def _pooling(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    height_out, width_out, size_text, new_field, rf_text = _windowed(cfg, shape, field_, prefix, "pooling window")
    kind = "largest value" if cfg["type"] == "MaxPooling2D" else "average"
    return _Step(
        (height_out, width_out, shape[2]),
        new_field=new_field,
        formulas={
            "output_shape": f"{size_text}; channels unchanged ({shape[2]})",
            "params": f"0: the {kind} of each window needs no weights",
            "macs": "0: pooling compares or adds values, no multiplications by weights",
            "receptive_field": rf_text,
        },
    )


def _global_pooling(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    channels = shape[2]
    out = (1, 1, channels) if cfg["keepdims"] else (channels,)
    kind = "average" if cfg["type"] == "GlobalAveragePooling2D" else "maximum"
    return _Step(
        out,
        new_field=_Field(field_.r, field_.j, whole=True),
        formulas={
            "output_shape": f"one {kind} per channel over the {shape[0]}×{shape[1]} map: {shape_tuple(out)}",
            "params": "0: no weights",
            "macs": "0: additions or comparisons only",
            "receptive_field": "each value summarises a whole channel, so it sees the whole input",
        },
    )


def _flatten(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    size = math.prod(shape)
    return _Step(
        (size,),
        new_field=_Field(field_.r, field_.j, whole=True),
        formulas={
            "output_shape": f"{_product(shape)} = {n(size)} values in one row"
            if len(shape) > 1
            else "already flat: unchanged",
            "params": "0: only a reshape",
            "macs": "0: only a reshape",
            "receptive_field": "the next layer sees every position, so the whole input",
        },
    )


def _dense(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    inputs, units = shape[-1], cfg["units"]
    positions = math.prod(shape[:-1])
    bias = units if cfg["use_bias"] else 0
    weights = inputs * units
    params_text = (
        f"({n(inputs)} + 1)·{n(units)} = {n(weights + bias)}: one weight per input and 1 bias, per unit"
        if bias
        else f"{n(inputs)}·{n(units)} = {n(weights)} (no bias)"
    )
    macs = positions * inputs * units
    out = shape[:-1] + (units,)
    if positions > 1:
        output_text = f"Dense acts on the last axis at each of the {_product(shape[:-1])} positions: {shape_tuple(out)}"
        macs_text = f"{_product(shape[:-1])} positions × {n(inputs)}·{n(units)} = {n(macs)}"
    else:
        output_text = f"{n(units)} units: {shape_tuple(out)}"
        macs_text = f"{n(inputs)}·{n(units)} = {n(macs)}"
    return _Step(
        out,
        weights + bias,
        0,
        macs,
        formulas={
            "output_shape": output_text,
            "params": params_text,
            "macs": macs_text,
            "receptive_field": "the whole input" if field_.whole else "unchanged: it mixes channels at one position",
        },
    )


def _batch_norm(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    channels = shape[-1]
    trainable = channels * (int(cfg["center"]) + int(cfg["scale"]))
    learned = " and ".join(name for name, on in (("γ", cfg["scale"]), ("β", cfg["center"])) if on) or "nothing"
    size = math.prod(shape)
    return _Step(
        shape,
        trainable,
        2 * channels,
        size,
        formulas={
            "output_shape": "unchanged",
            "params": f"{int(cfg['center']) + int(cfg['scale']) + 2}·{n(channels)} = {n(trainable + 2 * channels)}: "
            f"{learned} per channel are trained ({n(trainable)}); the moving mean and variance are not "
            f"({n(2 * channels)})",
            "macs": f"one multiply-add per value: {_product(shape)} = {n(size)}",
            "receptive_field": "unchanged",
        },
    )


def _elementwise(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    what = {
        "Dropout": f"zeroes a fraction {cfg.get('rate')} of the values while training only",
        "Activation": f"applies {cfg.get('activation')} to each value",
        "ReLU": _relu_text(cfg),
    }[cfg["type"]]
    return _Step(
        shape,
        formulas={
            "output_shape": f"unchanged: it {what}",
            "params": "0: no weights",
            "macs": "0: no multiplications by weights",
            "receptive_field": "unchanged",
        },
    )


def _relu_text(cfg: Mapping[str, Any]) -> str:
    cap, slope = cfg.get("max_value"), cfg.get("negative_slope")
    below = f"{slope:g}·x below 0" if slope else "0 below 0"
    above = f"min(x, {cap:g})" if cap is not None else "x"
    return f"gives {below} and {above} above (ReLU{f'{cap:g}' if cap is not None and not slope else ''})"


def _zero_padding(cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str) -> _Step:
    (top, bottom), (left, right) = cfg["padding"]
    out = (shape[0] + top + bottom, shape[1] + left + right, shape[2])
    return _Step(
        out,
        formulas={
            "output_shape": _axes_text(
                f"{shape[0]} + {top} + {bottom} = {out[0]}", f"{shape[1]} + {left} + {right} = {out[1]}"
            ),
            "params": "0: no weights",
            "macs": "0: only copies values",
            "receptive_field": "unchanged: the added zeros carry no input",
        },
    )


_STEPS = {
    "Conv2D": _conv2d,
    "MaxPooling2D": _pooling,
    "AveragePooling2D": _pooling,
    "GlobalAveragePooling2D": _global_pooling,
    "GlobalMaxPooling2D": _global_pooling,
    "Flatten": _flatten,
    "Dense": _dense,
    "Dropout": _elementwise,
    "BatchNormalization": _batch_norm,
    "Activation": _elementwise,
    "ZeroPadding2D": _zero_padding,
    "DepthwiseConv2D": _depthwise,
    "SeparableConv2D": _depthwise,
    "Conv2DTranspose": _conv_transpose,
    "UpSampling2D": _upsampling,
    "Reshape": _reshape,
    "ReLU": _elementwise,
}


def _visible_field(field_: _Field, input_shape: Shape) -> tuple[tuple[int, int], str]:
    height, width = input_shape[0], input_shape[1]
    if field_.whole:
        return (height, width), ""
    rows, cols = min(math.ceil(field_.r[0]), height), min(math.ceil(field_.r[1]), width)
    capped = field_.r != (rows, cols)
    return (rows, cols), (
        f" (the recurrence gives {field_.r[0]}×{field_.r[1]}, capped at the {height}×{width} input)" if capped else ""
    )


def summarize(stack: Sequence[Mapping[str, Any]], input_shape: Sequence[int]) -> list[LayerSummary]:
    """One :class:`LayerSummary` per layer of ``stack`` applied to an ``(H, W, C)`` input.

    Raises :class:`StackError` (an ``InputError``) naming the first bad layer by 1-based
    position and type and saying what to change. Pure Python: no TensorFlow. A Residual block
    is one summary whose ``branch`` holds its inner layers' summaries.
    """
    input_shape = normalize_input_shape(input_shape)
    check_container(stack)
    return _walk(stack, input_shape, _Field(), input_shape, "", _Spent())[0]


def _walk(
    stack: Sequence[Mapping[str, Any]],
    shape: Shape,
    field_: _Field,
    input_shape: Shape,
    names_prefix: str,
    spent: _Spent,
) -> tuple[list[LayerSummary], _Field]:
    """Summaries of ``stack`` starting from ``shape`` and receptive field ``field_``, and the field at its end.

    ``spent``: what the layers before this stack (outside a block) cost, counted toward the limits.
    """
    rows: list[dict[str, Any]] = []
    seen: Counter[str] = Counter()  # layers of each type so far, for Keras' names
    flat_by: str | None = None
    for position, layer in enumerate(stack, start=1):
        cfg = normalize_layer(layer, position)  # problems are reported in stack order
        layer_type = cfg["type"]
        prefix = where(position, layer_type)
        seen[layer_type] += 1
        name = names_prefix + keras_layer_name(layer_type, seen[layer_type])
        try:
            if layer_type in SPATIAL_TYPES:
                _need_map(shape, prefix, layer_type, flat_by)
            if layer_type == RESIDUAL:
                step = _residual(cfg, shape, field_, prefix, input_shape, name, spent)
            else:
                step = _STEPS[layer_type](cfg, shape, field_, prefix)
            values = math.prod(step.output_shape)
            inner_bytes = sum(s.activation_bytes for s in step.branch)
            spent = spent.plus(
                step.trainable + step.non_trainable, step.macs, values * BYTES_PER_VALUE + inner_bytes, prefix
            )
        except StackError as error:
            raise StackError(str(error), position, layer_type) from None
        if len(step.output_shape) == 1 and len(shape) != 1:
            flat_by = f"layer {position} ({layer_type})"
        field_ = step.new_field or field_
        visible, capped = _visible_field(field_, input_shape)
        formulas = dict(step.formulas)
        formulas["receptive_field"] = f"{visible[0]}×{visible[1]} input pixels: {formulas['receptive_field']}{capped}"
        formulas["memory"] = (
            f"{_product(step.output_shape)} values × {BYTES_PER_VALUE} bytes = "
            f"{n(values * BYTES_PER_VALUE)} bytes"
            + (f", plus {n(inner_bytes)} bytes inside the block" if step.branch else "")
        )
        rows.append(
            dict(
                position=position,
                type=layer_type,
                name=name,
                input_shape=shape,
                output_shape=step.output_shape,
                params=step.trainable + step.non_trainable,
                trainable_params=step.trainable,
                non_trainable_params=step.non_trainable,
                macs=step.macs,
                receptive_field=visible,
                activation_bytes=values * BYTES_PER_VALUE + inner_bytes,
                formulas=formulas,
                branch=step.branch,
            )
        )
        shape = step.output_shape
    return [LayerSummary(**row) for row in rows], field_


def projection_strides(shape: Shape, branch_shape: Shape) -> tuple[int, int] | None:
    """Strides of the 1×1 'same' convolution that maps ``shape`` onto ``branch_shape``'s size; None if none does."""
    strides = []
    for size, out in zip(shape[:2], branch_shape[:2], strict=True):
        stride = math.ceil(size / out)
        if out > size or output_size(size, 1, stride, "same") != out:
            return None
        strides.append(stride)
    return strides[0], strides[1]


def _residual(
    cfg: Mapping[str, Any], shape: Shape, field_: _Field, prefix: str, input_shape: Shape, name: str, spent: _Spent
) -> _Step:
    """A branch of layers whose output is added to the block's input (or to a 1×1 convolution of it)."""
    try:
        branch, end_field = _walk(cfg["layers"], shape, field_, input_shape, f"{name}_", spent)
    except StackError as error:
        text = str(error)
        raise StackError(f"{prefix}, branch {text[0].lower()}{text[1:]}") from None
    out = branch[-1].output_shape
    if len(out) != 3:
        raise StackError(
            f"{prefix}: the branch ends with the flat vector {shape_tuple(out)}, but the sum needs a "
            f"(height, width, channels) map; take Flatten/Dense out of the block"
        )
    trainable = sum(s.trainable_params for s in branch)
    frozen = sum(s.non_trainable_params for s in branch)
    macs = sum(s.macs for s in branch)
    changed = f"the branch turns {shape_tuple(shape)} into {shape_tuple(out)}"
    if cfg["shortcut"] == "identity":
        if out != shape:
            raise StackError(
                f"{prefix}: {changed}, so the input cannot be added to it; use shortcut 'projection' (a 1×1 "
                f"convolution that matches the shape) or make the branch keep the shape (padding='same', strides 1, "
                f"{shape[2]} filters in its last convolution)"
            )
        shortcut_text, params_text = "adds the block's input as it is", "no weights in the shortcut"
    else:
        strides = projection_strides(shape, out)
        if strides is None:
            raise StackError(
                f"{prefix}: {changed}; no 1×1 convolution with whole strides maps "
                f"{shape[0]}×{shape[1]} onto {out[0]}×{out[1]}; make the branch shrink the map by a "
                "whole factor (e.g. strides 2 with padding='same')"
            )
        projection = shape[2] * out[2] + out[2]
        trainable += projection
        macs += out[0] * out[1] * shape[2] * out[2]
        shortcut_text = (
            f"adds a 1×1 convolution of the input (strides {strides[0]}×{strides[1]}, 'same', {out[2]} filters)"
        )
        params_text = f"projection ({n(shape[2])} + 1)·{n(out[2])} = {n(projection)}"
    after = f", then {cfg['activation']}" if cfg["activation"] != "linear" else ""
    return _Step(
        out,
        trainable,
        frozen,
        macs,
        end_field,
        {
            "output_shape": f"{changed}; the block {shortcut_text}{after}: {shape_tuple(out)}",
            "params": f"branch {n(sum(s.params for s in branch))} + {params_text} = {n(trainable + frozen)}",
            "macs": f"branch {n(sum(s.macs for s in branch))}"
            + (f" + projection {out[0]}·{out[1]}·{n(shape[2])}·{n(out[2])}" if cfg["shortcut"] == "projection" else "")
            + f" = {n(macs)} (the addition itself multiplies nothing)",
            "receptive_field": "the branch's (the shortcut sees less)",
        },
        tuple(branch),
    )
