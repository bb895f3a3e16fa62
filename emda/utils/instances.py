"""2D instance helpers shared by data, metrics and selectors.

Mitochondria instances are the 2D connected components of a binary mask
(8-connectivity, as ``cv2.connectedComponents`` used by the WDA code).
"""
from typing import Tuple

import numpy as np
from scipy import ndimage as ndi
from skimage import measure, morphology


def label_instances(mask: np.ndarray, min_size: int = 0) -> np.ndarray:
    """Label the connected components of ``mask`` (> 0) as 1..N (int32),
    dropping components smaller than ``min_size`` pixels."""
    fg = np.asarray(mask) > 0
    if min_size > 1:
        fg = morphology.remove_small_objects(fg, max_size=min_size - 1)
    lab = measure.label(fg, connectivity=2)
    return lab.astype(np.int32)


def instance_centroids(labels: np.ndarray) -> np.ndarray:
    """(N, 2) float array of (y, x) centroids of labels 1..N."""
    props = measure.regionprops(labels)
    if not props:
        return np.zeros((0, 2), np.float32)
    return np.array([p.centroid for p in props], np.float32)


def innermost_points(labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The distance-transform maximum of each instance.

    Returns ``(points, ids)``: (N, 2) int (y, x) and the label id of each.
    """
    dist = ndi.distance_transform_edt(labels > 0)
    ids = np.unique(labels)
    ids = ids[ids > 0]
    if len(ids) == 0:
        return np.zeros((0, 2), np.int64), ids
    pos = ndi.maximum_position(dist, labels=labels, index=ids)
    return np.array(pos, np.int64).reshape(-1, 2), ids
