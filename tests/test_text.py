"""The shared number, shape and duration texts every page shows."""

from cnnviz.text import decimals, duration_text, format_bytes, layer_label, n, shape_text, short


def test_counts_keep_their_digits_or_their_scale():
    assert n(18496) == "18,496"
    assert [short(v) for v in (18_496, 2_630_000, 1_200_000_000)] == ["18,496", "2.63 M", "1.2 G"]


def test_shapes_read_as_a_product():
    assert shape_text((28, 28, 1)) == "28×28×1"
    assert shape_text((10,)) == "10"


def test_durations_switch_to_minutes_at_one_minute():
    assert [duration_text(s) for s in (-3, 0.4, 42, 59.6, 185)] == ["0 s", "0 s", "42 s", "1 min 00 s", "3 min 05 s"]


def test_byte_sizes_use_binary_units():
    assert format_bytes(147_456) == "144 KiB"


def test_layer_labels_name_the_arguments_that_matter():
    from cnnviz.architecture import normalize_layer

    def label(layer: dict) -> str:
        return layer_label(normalize_layer(layer, 1))

    assert (
        label({"type": "Conv2D", "filters": 32, "kernel_size": 3, "activation": "relu"}) == "Conv2D · 32 · 3×3 · relu"
    )
    assert (
        label({"type": "Conv2D", "filters": 8, "kernel_size": [5, 3], "strides": 2, "padding": "same"})
        == "Conv2D · 8 · 5×3 · stride 2×2 · same · linear"
    )
    assert label({"type": "MaxPooling2D"}) == "MaxPooling2D · 2×2"
    assert label({"type": "Flatten"}) == "Flatten"
    assert label({"type": "ReLU", "max_value": 6}) == "ReLU · max 6"
    assert label({"type": "UpSampling2D", "size": 2}) == "UpSampling2D · ×2×2 · nearest"


def test_decimals_are_rounded_without_trailing_zeros_or_a_negative_zero():
    assert [decimals(v) for v in (0.135335, 3.0, -1.0, 0.5, -0.00001, 1e-7)] == ["0.1353", "3", "-1", "0.5", "0", "0"]
    assert decimals(2 / 3, 2) == "0.67"
