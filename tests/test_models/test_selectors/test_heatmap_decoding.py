import numpy as np
import pytest

from emda.models.selectors.heatmap_decoding import (estimate_instance_count,
                                                    find_peaks,
                                                    normalize_heatmap)
from emda.structures import gaussian_integral, render_heatmap


def test_instance_count_from_heatmap_mass():
    heatmap = render_heatmap([(50, 50), (50, 150), (150, 100)], (200, 200))
    assert estimate_instance_count(heatmap) == 3
    # negatives carry no mass
    heatmap[:, :] -= 0.5
    heatmap[heatmap < 0] = -50
    assert estimate_instance_count(heatmap) == 3
    # the unit is one peak-255 Gaussian of the given kernel
    flat = np.full((10, 10), gaussian_integral(61, 255) / 100 * 2.4)
    assert estimate_instance_count(flat) == 2


def test_normalize_heatmap_min_max_truncates_to_uint8():
    heatmap = np.array([[10., 20.], [30., 10. + 20. * 254.9 / 255]])
    out = normalize_heatmap(heatmap)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [[0, 127], [255, 254]])
    np.testing.assert_array_equal(
        normalize_heatmap(np.full((3, 3), 7.)), np.zeros((3, 3)))


def test_find_peaks_orders_by_value_and_skips_zero_areas():
    heatmap = np.zeros((20, 30), np.uint8)
    heatmap[5, 5] = 100
    heatmap[15, 25] = 200
    heatmap[10, 12] = 150
    heatmap[10, 13] = 120  # not a maximum: next to 150
    points, values = find_peaks(heatmap)
    np.testing.assert_array_equal(points, [[15, 25], [10, 12], [5, 5]])
    np.testing.assert_array_equal(values, [200, 150, 100])
    empty_points, empty_values = find_peaks(np.zeros((8, 8), np.uint8))
    assert empty_points.shape == (0, 2) and empty_values.shape == (0, )


def test_find_peaks_counts_a_plateau_once_and_breaks_ties_in_raster_order():
    heatmap = np.zeros((20, 20), np.uint8)
    heatmap[4:7, 4:6] = 90  # a 3 x 2 plateau
    heatmap[15, 3] = 90
    heatmap[2, 17] = 90
    points, values = find_peaks(heatmap)
    np.testing.assert_array_equal(points, [[2, 17], [4, 4], [15, 3]])
    np.testing.assert_array_equal(values, [90, 90, 90])


def test_find_peaks_window():
    heatmap = np.zeros((10, 10), np.uint8)
    heatmap[5, 3] = 50
    heatmap[5, 5] = 60
    assert len(find_peaks(heatmap, window=3)[0]) == 2
    assert len(find_peaks(heatmap, window=5)[0]) == 1
    with pytest.raises(ValueError, match='window'):
        find_peaks(heatmap, window=2)
