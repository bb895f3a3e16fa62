"""The point/heatmap codec: numpy and torch entry points agree exactly,
and points survive a round trip through their maps."""
import numpy as np
import pytest
import torch

from emda.structures import (
    center_weight_map, center_weight_map_tensor, points_from_count_map,
    points_from_count_map_tensor, points_from_id_map, rasterize_point_counts,
    rasterize_point_counts_tensor, rasterize_point_ids, render_heatmap,
    render_heatmap_tensor)


def random_points(rng, n, shape):
    return rng.uniform(0, 1, (n, 2)) * (np.array(shape) - 1)


@pytest.mark.parametrize('seed', range(5))
def test_heatmaps_numpy_equal_torch(seed):
    rng = np.random.default_rng(seed)
    shape = (37, 45)
    points = random_points(rng, 6, shape).astype(np.float32)
    points[0] = (2.5, 44.5)  # a half-pixel tie and the border
    for kernel in (11, 31):
        expected = render_heatmap(points, shape, kernel)
        got = render_heatmap_tensor(torch.from_numpy(points), shape, kernel)
        assert got.dtype == torch.float32
        assert np.array_equal(got.numpy(), expected)
    assert np.array_equal(
        center_weight_map_tensor(torch.from_numpy(points), shape).numpy(),
        center_weight_map(points, shape))
    assert center_weight_map(points, shape).max() <= 1.


def test_empty_and_outside_points_render_nothing():
    assert not render_heatmap_tensor(torch.zeros(0, 2), (8, 8), 5).any()
    outside = torch.tensor([[-3., 2.], [2., 9.]])
    assert not render_heatmap_tensor(outside, (8, 8), 5).any()


@pytest.mark.parametrize('seed', range(3))
def test_count_map_numpy_equal_torch_and_round_trip(seed):
    rng = np.random.default_rng(seed)
    shape = (20, 24)
    points = np.round(random_points(rng, 9, shape))
    points[1] = points[0]  # two points on one pixel count twice
    counts = rasterize_point_counts(points, shape)
    tensor = rasterize_point_counts_tensor([torch.from_numpy(points)], shape)
    assert np.array_equal(tensor[0].numpy(), counts)
    assert counts.sum() == 9
    back = points_from_count_map(counts)
    assert np.array_equal(
        points_from_count_map_tensor(tensor[0]).numpy(), back)
    order = np.lexsort((points[:, 1], points[:, 0]))
    assert np.array_equal(back, points[order].astype(np.float32))


def test_count_map_rejects_points_outside():
    with pytest.raises(ValueError):
        rasterize_point_counts([[30., 1.]], (8, 8))


def test_id_map_round_trip():
    points = np.array([[3, 4], [10, 12], [0, 0]])
    pmap = rasterize_point_ids(points, (16, 16), radius=1)
    assert pmap.dtype == np.uint16 and len(np.unique(pmap)) == 4
    centres = points_from_id_map(pmap)
    assert np.allclose(centres[:2], points[:2])
    assert np.allclose(centres[2], (0.5, 0.5))  # clipped square at a corner
