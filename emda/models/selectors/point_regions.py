"""Masks grown from (y, x) points and instance look-ups by point.

One home for the blob / ignore-ring routine shared by all selectors: an
annotated point the prediction missed becomes an elliptical foreground blob
(OpenCV ``MORPH_ELLIPSE`` kernel dilated ``iterations`` times) surrounded by
a larger ignore ring, as in the reference code.
"""
from functools import lru_cache
from typing import Sequence, Tuple

import cv2
import numpy as np


def empty_points() -> np.ndarray:
    """An (0, 2) int64 point array."""
    return np.zeros((0, 2), np.int64)


@lru_cache(maxsize=16)
def point_footprint(kernel_size: Tuple[int, int],
                    iterations: int) -> np.ndarray:
    """Bool footprint of one pixel dilated ``iterations`` times by an
    OpenCV ``MORPH_ELLIPSE`` kernel of (width, height) ``kernel_size``."""
    kw, kh = kernel_size
    reach_y, reach_x = iterations * (kh // 2), iterations * (kw // 2)
    canvas = np.zeros((2 * reach_y + 1, 2 * reach_x + 1), np.uint8)
    canvas[reach_y, reach_x] = 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kw, kh))
    footprint = cv2.dilate(canvas, kernel, iterations=iterations) > 0
    footprint.setflags(write=False)
    return footprint


def dilate_points(points: np.ndarray, shape: Sequence[int],
                  kernel_size: Sequence[int], iterations: int) -> np.ndarray:
    """Bool mask of ``points`` dilated by an elliptical kernel.

    ``kernel_size`` is OpenCV's (width, height), e.g. (11, 13). Equal to
    ``cv2.dilate`` of the point map, but stamps one precomputed footprint
    per point, so a few points on a large slice cost little.
    """
    h, w = int(shape[0]), int(shape[1])
    out = np.zeros((h, w), bool)
    if iterations <= 0:
        out[points[:, 0], points[:, 1]] = True
        return out
    footprint = point_footprint((int(kernel_size[0]), int(kernel_size[1])),
                                int(iterations))
    reach_y, reach_x = footprint.shape[0] // 2, footprint.shape[1] // 2
    for y, x in points:
        y0, y1 = max(0, y - reach_y), min(h, y + reach_y + 1)
        x0, x1 = max(0, x - reach_x), min(w, x + reach_x + 1)
        out[y0:y1, x0:x1] |= footprint[y0 - y + reach_y:y1 - y + reach_y,
                                       x0 - x + reach_x:x1 - x + reach_x]
    return out


def hit_instance_ids(labels: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Sorted unique ids (> 0) of the ``labels`` instances under
    ``points``."""
    if len(points) == 0:
        return np.zeros(0, labels.dtype)
    ids = np.unique(labels[points[:, 0], points[:, 1]])
    return ids[ids > 0]


def instances_mask(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Bool mask of the ``labels`` instances whose id is in ``ids``."""
    lookup = np.zeros(int(labels.max()) + 1, bool)
    lookup[np.asarray(ids, np.int64)] = True
    lookup[0] = False
    return lookup[labels]


def missed_point_regions(
        points: np.ndarray, covered: np.ndarray, blob_kernel: Sequence[int],
        blob_iterations: int, ring_kernel: Sequence[int],
        ring_iterations: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blob and ignore ring for the points that ``covered`` misses.

    Returns ``(blob, ring, missed)``: bool HxW masks of the foreground blobs
    and of the ring region (the blob included; callers set it to ignore
    wherever it is not foreground), and a bool (N,) flag per point.
    """
    if len(points) == 0:
        missed = np.zeros(0, bool)
    else:
        missed = ~covered[points[:, 0], points[:, 1]]
    seeds = points[missed]
    blob = dilate_points(seeds, covered.shape, blob_kernel, blob_iterations)
    if len(seeds) == 0 or ring_iterations <= 0:
        ring = np.zeros_like(blob)
    else:
        ring = dilate_points(seeds, covered.shape, ring_kernel,
                             ring_iterations)
    return blob, ring, missed
