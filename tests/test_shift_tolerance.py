"""Max pooling's shift tolerance, as the convolution page measures it (cnnviz.shift_tolerance)."""

import numpy as np
import pytest

from cnnviz.errors import InputError
from cnnviz.shift_tolerance import relative_change, shift_changes, shift_right, toy_map


def test_shift_right_moves_columns_and_brings_in_zeros():
    values = np.arange(12.0).reshape(3, 4)
    moved = shift_right(values, 1)
    assert np.array_equal(moved[:, 1:], values[:, :3]) and not moved[:, 0].any()
    assert np.array_equal(shift_right(values, 0), values)
    assert not shift_right(values, 4).any()


def test_relative_change_is_the_sum_of_absolute_differences_over_the_sum_of_absolute_values():
    before = np.array([[1.0, -1.0], [2.0, 0.0]])
    after = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert relative_change(before, after) == pytest.approx((2 + 2) / 4)
    assert relative_change(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0


def test_a_one_pixel_shift_of_the_toy_map_leaves_its_pooled_maps_unchanged():
    toy = toy_map()
    assert toy.shape == (8, 8) and np.count_nonzero(toy) == 4
    one = shift_changes(toy, 1, 2)
    assert one.feature_map == pytest.approx(2.0)  # every feature left its cell: Σ|diff| = 2·Σ|before|
    assert one.max_pooled == 0.0 and one.average_pooled == 0.0
    two = shift_changes(toy, 2, 2)
    assert two.max_pooled > 0  # into the next window (and the last feature off the map)
    assert shift_changes(toy, 0, 2) == (0.0, 0.0, 0.0)


def test_a_window_larger_than_the_map_is_an_input_error():
    with pytest.raises(InputError):
        shift_changes(np.ones((3, 3)), 1, 4)
