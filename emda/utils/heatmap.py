"""Gaussian center heatmaps, the detection target of the WDA line of work.

One home for the kernel so that targets (data pipeline), instance counting
(IPL) and losses agree: a ``kernel_size`` x ``kernel_size`` Gaussian with
OpenCV's default sigma, scaled so that a single peak is ``peak`` (255).
"""
from functools import lru_cache
from typing import Sequence

import cv2
import numpy as np


def kernel_sigma(kernel_size: int) -> float:
    """OpenCV's sigma for a given kernel size (9.5 px for 61)."""
    return 0.3 * ((kernel_size - 1) * 0.5 - 1) + 0.8


@lru_cache(maxsize=8)
def gaussian_kernel(kernel_size: int = 61, peak: float = 255.) -> np.ndarray:
    """A ``kernel_size`` square Gaussian patch whose maximum is ``peak``."""
    assert kernel_size % 2 == 1, 'kernel_size must be odd'
    g = cv2.getGaussianKernel(kernel_size, kernel_sigma(kernel_size))
    k = (g @ g.T).astype(np.float32)
    k = k / k.max() * peak
    k.setflags(write=False)
    return k


def gaussian_integral(kernel_size: int = 61, peak: float = 255.) -> float:
    """Sum of one peak-``peak`` Gaussian: the heatmap mass of one instance.

    ``round(heatmap.sum() / gaussian_integral())`` estimates the instance
    count (METHOD_SPEC 6.3, c ~= 1.442e5 for 61 px and peak 255).
    """
    return float(gaussian_kernel(kernel_size, peak).sum())


def render_heatmap(points: Sequence[Sequence[float]],
                   shape: Sequence[int],
                   kernel_size: int = 61,
                   peak: float = 255.) -> np.ndarray:
    """Render Gaussians centred on ``points`` ((y, x) pixels) into an
    ``shape`` float32 map; overlapping Gaussians take the maximum."""
    h, w = int(shape[0]), int(shape[1])
    out = np.zeros((h, w), np.float32)
    k = gaussian_kernel(kernel_size, peak)
    r = kernel_size // 2
    for y, x in points:
        y, x = int(round(float(y))), int(round(float(x)))
        if not (0 <= y < h and 0 <= x < w):
            continue
        y0, y1 = max(0, y - r), min(h, y + r + 1)
        x0, x1 = max(0, x - r), min(w, x + r + 1)
        patch = k[y0 - y + r:y1 - y + r, x0 - x + r:x1 - x + r]
        np.maximum(out[y0:y1, x0:x1], patch, out=out[y0:y1, x0:x1])
    return out
