import cv2
import numpy as np

from emda.models.selectors.point_regions import (dilate_points,
                                                 hit_instance_ids,
                                                 instances_mask,
                                                 missed_point_regions)


def test_dilate_points_equals_cv2_dilation_including_borders():
    rng = np.random.default_rng(0)
    shape = (90, 130)
    points = np.concatenate(
        [rng.integers(0, shape, (6, 2)), [[0, 0], [89, 129], [45, 0]]])
    seeds = np.zeros(shape, np.uint8)
    seeds[points[:, 0], points[:, 1]] = 1
    for kernel, iterations in [((11, 13), 3), ((31, 33), 3), ((61, 61), 1)]:
        ellipse = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, kernel)
        expected = cv2.dilate(seeds, ellipse, iterations=iterations) > 0
        np.testing.assert_array_equal(
            dilate_points(points, shape, kernel, iterations), expected)
    np.testing.assert_array_equal(
        dilate_points(points, shape, (11, 13), 0), seeds > 0)


def test_instance_lookups_by_point():
    labels = np.zeros((10, 10), np.int32)
    labels[1:3, 1:3] = 1
    labels[5:8, 5:8] = 2
    labels[0, 9] = 3
    ids = hit_instance_ids(labels, np.array([[1, 1], [2, 2], [0, 9], [4, 4]]))
    np.testing.assert_array_equal(ids, [1, 3])
    mask = instances_mask(labels, ids)
    np.testing.assert_array_equal(mask, (labels == 1) | (labels == 3))
    assert hit_instance_ids(labels, np.zeros((0, 2), np.int64)).size == 0


def test_missed_point_regions_only_grow_uncovered_points():
    covered = np.zeros((100, 100), bool)
    covered[10:20, 10:20] = True
    points = np.array([[15, 15], [60, 60]])
    blob, ring, missed = missed_point_regions(points, covered, (11, 13), 3,
                                              (31, 33), 3)
    np.testing.assert_array_equal(missed, [False, True])
    assert not blob[15, 15] and blob[60, 60]
    assert blob.sum() < ring.sum() and not (blob & ~ring).any()
    _, no_ring, _ = missed_point_regions(points, covered, (11, 13), 3,
                                         (31, 33), 0)
    assert not no_ring.any()
