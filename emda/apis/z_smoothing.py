"""Smoothing the foreground probability along z before thresholding.

Mitochondria run through many consecutive slices of an EM volume while the
network sees one slice at a time, so its per-slice errors (a missed or a
spurious patch on one slice) are mostly independent across z. A Gaussian
of ``sigma`` slices along z averages them out before the 0.5 threshold
(issue 13: +0.005 Dice on lucchi/val at sigma 1, ``docs/benchmarks.md``).
Computed blockwise with dask (``map_overlap`` with a z halo), so a volume
of any size is smoothed chunk by chunk with the same result as at once.
:func:`isotropy_sigma` chooses sigma without labels (``--z-smooth auto``).
"""
from typing import Sequence

import numpy as np
from scipy.ndimage import gaussian_filter1d

#: the Gaussian's radius in sigmas (scipy's default)
TRUNCATE = 4.0


def check_sigma(sigma: float, name: str = 'z smoothing sigma') -> float:
    """``sigma`` as a float, or a ValueError naming ``name`` when it is
    negative (0 is off)."""
    if sigma < 0:
        raise ValueError(f'{name} must be >= 0 slices, got {sigma}')
    return float(sigma)


def z_radius(sigma: float) -> int:
    """Slices on each side that the Gaussian of ``sigma`` reads (the
    halo a z-block needs for an exact result)."""
    return int(TRUNCATE * float(sigma) + 0.5)


def z_smooth(prob: np.ndarray, sigma: float) -> np.ndarray:
    """``prob`` (Z x Y x X) smoothed along z by a Gaussian of ``sigma``
    slices (float32; the end slices are extended, not zero-padded, so the
    first and last slices are not pulled towards background)."""
    prob = np.asarray(prob, dtype=np.float32)
    if sigma <= 0 or prob.shape[0] < 2:
        return prob
    return gaussian_filter1d(
        prob, float(sigma), axis=0, mode='nearest', truncate=TRUNCATE)


def smooth_mask_along_z(prob,
                        mask,
                        sigma: float,
                        threshold: float = 0.5,
                        progress: bool = False) -> int:
    """Rewrite ``mask`` (a writable Z x Y x X array, e.g. zarr) as the
    threshold of ``prob`` (same shape; uint8 = p x 255, or float)
    smoothed along z, chunk by chunk (``progress``: dask's progress bar);
    returns the foreground voxels."""
    import contextlib

    import dask
    import dask.array as da
    from dask.diagnostics import ProgressBar
    check_sigma(sigma)
    scale = 1. / 255 if np.dtype(prob.dtype) == np.uint8 else 1.
    chunks = getattr(mask, 'chunks', None) or prob.shape
    source = da.from_array(prob, chunks=chunks)

    def block(values):
        return (z_smooth(values * scale, sigma) >= threshold).astype(np.uint8)

    smoothed = source.map_overlap(
        block,
        depth={
            0: min(z_radius(sigma), prob.shape[0] - 1),
            1: 0,
            2: 0
        },
        boundary='none',
        dtype=np.uint8)
    # dask may widen thin z-chunks to cover the halo; writing back in the
    # mask's own chunks keeps every write to one whole stored chunk
    smoothed = smoothed.rechunk(chunks)
    # one pass: the count comes from the same graph as the write, not from
    # reading the mask back
    write = da.store(smoothed, mask, lock=False, compute=False)
    with ProgressBar() if progress else contextlib.nullcontext():
        _, count = dask.compute(write, smoothed.sum())
    return int(count)


#: sigmas (slices) the isotropy rule chooses from (0: off)
ISOTROPY_GRID = (0., 0.5, 1., 1.5, 2., 3., 4., 6., 8.)


def in_plane_lag(voxel_size) -> int:
    """Pixels in the plane that span one section: ``round(dz / dy)``, at
    least 1."""
    dz, dy = float(voxel_size[0]), float(voxel_size[1])
    if dz <= 0 or dy <= 0:
        raise ValueError(f'voxel sizes must be > 0, got {voxel_size}')
    return max(1, int(round(dz / dy)))


def anisotropy(volume: np.ndarray, lag: int = 1) -> float:
    """Mean squared change of ``volume`` (Z x Y x X) from one section to
    the next over its mean squared change ``lag`` pixels apart in the
    plane (y and x averaged); computed a section at a time."""
    volume = np.asarray(volume, dtype=np.float32)
    depth, height, width = volume.shape
    if depth < 2 or min(height, width) <= lag:
        raise ValueError(f'a {volume.shape} volume has no z or in-plane '
                         f'pair at lag {lag}')
    across = sum(
        float(np.square(volume[z + 1] - volume[z]).sum())
        for z in range(depth - 1)) / ((depth - 1) * height * width)
    along_y = along_x = 0.
    for section in volume:
        along_y += float(np.square(section[lag:] - section[:-lag]).sum())
        along_x += float(np.square(section[:, lag:] - section[:, :-lag]).sum())
    within = 0.5 * (
        along_y / (depth * (height - lag) * width) + along_x /
        (depth * height * (width - lag)))
    return across / within if within > 0 else float('inf')


def isotropy_sigma(prob,
                   voxel_size,
                   sigmas: Sequence[float] = ISOTROPY_GRID,
                   max_shape: Sequence[int] = (96, 1024, 1024)):
    """The z sigma of the isotropy rule, and ``R`` per sigma.

    A 2D network predicts each section alone, so its probability changes
    more across sections than within them, while the masks of a volume
    change about as much either way over the same physical distance. For
    each sigma the probability smoothed along z gives ``R`` = mean squared
    change across one section / mean squared change over the same distance
    in the plane (:func:`anisotropy` at :func:`in_plane_lag`); the choice
    is the smallest sigma with ``R <= 1`` (the largest when none is). It
    reads the probability and the voxel size only, no labels; a volume
    larger than ``max_shape`` is measured on its central crop of that
    size (``prob``: uint8 = p x 255, or float; zarr or numpy)."""
    lag = in_plane_lag(voxel_size)
    crop = tuple(
        slice(max(0, (n - m) // 2),
              max(0, (n - m) // 2) + m) for n, m in zip(prob.shape, max_shape))
    sample = np.asarray(prob[crop])
    scale = 1. / 255 if sample.dtype == np.uint8 else 1.
    sample = sample.astype(np.float32) * scale
    ratios = {
        float(s): anisotropy(z_smooth(sample, s), lag)
        for s in sorted(set(sigmas))
    }
    chosen = next((s for s in sorted(ratios) if ratios[s] <= 1.), max(ratios))
    return chosen, ratios
