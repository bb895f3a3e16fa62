"""Gaussian center heatmaps and center-weight maps, numpy and torch.

One home for the kernel so that targets (data pipeline), instance counting
(IPL), losses and the in-model re-rendering after cut-and-paste agree: a
``kernel_size`` x ``kernel_size`` Gaussian with OpenCV's default sigma,
scaled so that a single peak is ``peak`` (255). Overlapping Gaussians take
the maximum. The torch entry points stamp the very same float32 kernel, so
they equal the numpy ones exactly.
"""
from functools import lru_cache
from typing import Optional, Sequence

import cv2
import numpy as np
import torch
from torch import Tensor

#: kernel and peak of the ``G_11`` center emphasis map (METHOD_SPEC 3)
CENTER_KERNEL = 11


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


def _stamps(points, h: int, w: int, r: int):
    """Per point inside the image (rounded half to even), the output and
    kernel windows ``(y0, y1, x0, x1, ky0, kx0)`` of its Gaussian."""
    for y, x in points:
        y, x = int(round(float(y))), int(round(float(x)))
        if not (0 <= y < h and 0 <= x < w):
            continue
        y0, y1 = max(0, y - r), min(h, y + r + 1)
        x0, x1 = max(0, x - r), min(w, x + r + 1)
        yield y0, y1, x0, x1, y0 - y + r, x0 - x + r


def render_heatmap(points: Sequence[Sequence[float]],
                   shape: Sequence[int],
                   kernel_size: int = 61,
                   peak: float = 255.) -> np.ndarray:
    """Render Gaussians centred on ``points`` ((y, x) pixels) into an
    ``shape`` float32 map; points outside the image are skipped."""
    h, w = int(shape[0]), int(shape[1])
    out = np.zeros((h, w), np.float32)
    k = gaussian_kernel(kernel_size, peak)
    for y0, y1, x0, x1, ky, kx in _stamps(points, h, w, kernel_size // 2):
        patch = k[ky:ky + y1 - y0, kx:kx + x1 - x0]
        np.maximum(out[y0:y1, x0:x1], patch, out=out[y0:y1, x0:x1])
    return out


def render_heatmap_tensor(points: Tensor,
                          shape: Sequence[int],
                          kernel_size: int = 61,
                          peak: float = 255.,
                          device: Optional[torch.device] = None) -> Tensor:
    """:func:`render_heatmap` in torch: an ``H x W`` float32 tensor on
    ``device`` (that of ``points`` by default), equal to the numpy map."""
    points = torch.as_tensor(points).reshape(-1, 2)
    device = points.device if device is None else device
    h, w = int(shape[0]), int(shape[1])
    out = torch.zeros((h, w), dtype=torch.float32, device=device)
    k = torch.tensor(gaussian_kernel(kernel_size, peak), device=device)
    for y0, y1, x0, x1, ky, kx in _stamps(points.tolist(), h, w,
                                          kernel_size // 2):
        patch = k[ky:ky + y1 - y0, kx:kx + x1 - x0]
        out[y0:y1, x0:x1] = torch.maximum(out[y0:y1, x0:x1], patch)
    return out


def center_weight_map(centers: Sequence[Sequence[float]],
                      shape: Sequence[int],
                      kernel_size: int = CENTER_KERNEL) -> np.ndarray:
    """Emphasis map around instance centers, the ``G_11`` of METHOD_SPEC 3:
    an 11 x 11 Gaussian (sigma 2) with peak 1 at every ``(y, x)`` center,
    never above 1; ``shape`` float32 map in [0, 1]."""
    return render_heatmap(centers, shape, kernel_size=kernel_size, peak=1.)


def center_weight_map_tensor(centers: Tensor,
                             shape: Sequence[int],
                             kernel_size: int = CENTER_KERNEL,
                             device: Optional[torch.device] = None) -> Tensor:
    """:func:`center_weight_map` in torch (equal to the numpy map)."""
    return render_heatmap_tensor(centers, shape, kernel_size, 1., device)
