"""Reading instances out of a center-detection heatmap (METHOD_SPEC 6.3-6.4).

The count comes from the raw heatmap's mass; peaks are searched on the
min-max normalised uint8 copy, as the reference code saves and reloads it
(its quantisation creates the plateaus and ties that the peak rule handles).
"""
from typing import Tuple

import cv2
import numpy as np

from emda.structures import gaussian_integral


def estimate_instance_count(heatmap: np.ndarray,
                            kernel_size: int = 61,
                            peak: float = 255.) -> int:
    """``round(sum(heatmap) / mass of one Gaussian)``.

    Negative values (a head without a final ReLU) carry no instance mass and
    are clipped to 0.
    """
    mass = float(np.clip(heatmap, 0, None).sum(dtype=np.float64))
    return int(np.round(mass / gaussian_integral(kernel_size, peak)))


def normalize_heatmap(heatmap: np.ndarray) -> np.ndarray:
    """Min-max normalise to uint8 0..255 (truncating, as the reference
    code's ``(x * 255).astype('uint8')``); a flat map becomes all 0."""
    heatmap = np.asarray(heatmap, np.float64)
    low, high = float(heatmap.min()), float(heatmap.max())
    if high <= low:
        return np.zeros(heatmap.shape, np.uint8)
    scaled = (heatmap - low) * (255. / (high - low))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def find_peaks(heatmap_u8: np.ndarray,
               window: int = 3) -> Tuple[np.ndarray, np.ndarray]:
    """Local maxima of a uint8 heatmap, strongest first.

    A pixel is a peak when it equals the maximum of its ``window`` x
    ``window`` neighbourhood and is above 0 (no score threshold otherwise,
    METHOD_SPEC 12.7). A plateau of equal maxima counts once, at its first
    pixel in raster order (what the reference max-pool index test keeps).

    Returns:
        tuple: ``(points, values)``, (K, 2) int64 (y, x) and (K,) uint8,
        sorted by value descending, ties in raster order.
    """
    if window < 1 or window % 2 == 0:
        raise ValueError(f'window must be a positive odd int, got {window}')
    heatmap_u8 = np.ascontiguousarray(heatmap_u8, np.uint8)
    neighbourhood_max = cv2.dilate(heatmap_u8,
                                   np.ones((window, window), np.uint8))
    is_max = (heatmap_u8 == neighbourhood_max) & (heatmap_u8 > 0)
    n_plateaus, plateaus = cv2.connectedComponents(
        is_max.astype(np.uint8), connectivity=8)
    if n_plateaus <= 1:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.uint8)
    flat = np.flatnonzero(plateaus.ravel())  # raster order
    _, first = np.unique(plateaus.ravel()[flat], return_index=True)
    flat = np.sort(flat[first])
    values = heatmap_u8.ravel()[flat]
    order = np.argsort(-values.astype(np.int16), kind='stable')
    flat, values = flat[order], values[order]
    points = np.stack(np.unravel_index(flat, heatmap_u8.shape), axis=1)
    return points.astype(np.int64), values
