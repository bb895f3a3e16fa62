"""Mitochondria instances from predicted masks: 2D connected components
per slice, 3D connected components across slices, or (with a detection
head) a seeded watershed from the heatmap's peaks that splits touching
mitochondria; a minimum size in voxels; uint32 ids unique in the volume.

Every mode works slab by slab on array-likes (numpy or zarr), so memory is
bounded by a slab: 3D components of consecutive slabs are joined through
their touching faces with a union-find, then renumbered 1..N.
"""
from typing import Optional

import numpy as np

from emda.utils.instances import label_instances
from .errors import InferenceInputError

MODES = ('cc', 'watershed')
#: voxels labelled at once (uint32 labels + lookups: ~0.5 GB)
SLAB_VOXELS = 32 * 2**20


def watershed_slice(mask: np.ndarray,
                    heatmap: np.ndarray,
                    window: int = 3,
                    min_peak: int = 64) -> np.ndarray:
    """2D instances of ``mask``: a watershed of the inverted ``heatmap``
    seeded at its peaks (strength >= ``min_peak`` on the min-max uint8
    copy) inside the mask; a component without a peak stays whole."""
    from skimage.segmentation import watershed

    from emda.models.selectors.heatmap_decoding import (find_peaks,
                                                        normalize_heatmap)
    fg = mask > 0
    if not fg.any():
        return np.zeros(mask.shape, np.int32)
    points, values = find_peaks(normalize_heatmap(heatmap), window)
    points = points[values >= min_peak]
    markers = np.zeros(mask.shape, np.int32)
    inside = points[fg[points[:, 0], points[:, 1]]] if len(points) else points
    markers[inside[:, 0], inside[:, 1]] = np.arange(1, len(inside) + 1)
    components = label_instances(fg)
    seeded = np.unique(components[markers > 0])
    lonely = (components > 0) & ~np.isin(components, seeded)
    markers[lonely] = components[lonely] + len(inside)
    labels = watershed(-heatmap.astype(np.float32), markers, mask=fg)
    return labels.astype(np.int32)


def _faces(prev: np.ndarray,
           cur: np.ndarray,
           connectivity: int,
           band: int = 512) -> np.ndarray:
    """(K, 2) label pairs touching across two consecutive slices (uint32
    labels). Shift by shift and band of rows by band, runs of one pair
    along a row are collapsed before sorting, so a dense mask costs a few
    small sorts and temporaries of ``band`` rows, not nine full-slice
    sorts of 64-bit keys."""
    shifts = [(0, 0)] if connectivity == 6 else [(dy, dx) for dy in (-1, 0, 1)
                                                 for dx in (-1, 0, 1)]
    keys = []
    h, w = prev.shape
    for dy, dx in shifts:
        a_all = prev[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
        b_all = cur[max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)]
        for r0 in range(0, a_all.shape[0], band):
            a, b = a_all[r0:r0 + band], b_all[r0:r0 + band]
            both = (a > 0) & (b > 0)
            if not both.any():
                continue
            k = (a[both].astype(np.uint64) << np.uint64(32)) | b[both]
            k = k[np.concatenate(([True], k[1:] != k[:-1]))]
            keys.append(np.unique(k))
    if not keys:
        return np.zeros((0, 2), np.int64)
    keys = np.unique(np.concatenate(keys))
    return np.stack([keys >> np.uint64(32), keys & np.uint64(2**32 - 1)],
                    1).astype(np.int64)


def label_volume(mask,
                 out,
                 mode: str = 'cc',
                 dim: int = 3,
                 min_size: int = 0,
                 heatmap=None,
                 slab: Optional[int] = None,
                 connectivity: int = 26,
                 min_peak: int = 64) -> int:
    """Label ``mask`` (Z, Y, X, > 0 is foreground) into ``out`` (uint32,
    same shape), slab by slab; returns the number of instances.

    Args:
        mode: ``'cc'`` (connected components) or ``'watershed'`` (per
            slice, seeded by ``heatmap`` peaks).
        dim: 2 (per slice, 8-connected) or 3 (across slices).
        min_size: drop instances with fewer voxels.
        connectivity: 6 or 26 for ``dim=3``.
        slab: slices per step; default about 32 M voxels.
    """
    import cc3d
    if mode not in MODES:
        raise InferenceInputError(
            f'--instances must be one of {MODES}, got {mode!r}')
    if mode == 'watershed':
        if heatmap is None:
            raise InferenceInputError(
                '--instances watershed needs a model with a center-detection '
                'head (a multitask config); use --instances cc')
        dim = 2
    depth = mask.shape[0]
    slab = slab or max(1, SLAB_VOXELS // int(np.prod(mask.shape[1:])))
    offset = 0
    pairs = []
    for z0 in range(0, depth, slab):
        z1 = min(depth, z0 + slab)
        fg = np.asarray(mask[z0:z1]) > 0
        if dim == 3:
            lab = cc3d.connected_components(
                fg, connectivity=connectivity, out_dtype=np.uint32)
        else:
            lab = np.zeros(fg.shape, np.uint32)
            base = 0
            for i in range(len(fg)):
                if mode == 'watershed':
                    s = watershed_slice(
                        fg[i],
                        np.asarray(heatmap[z0 + i], np.float32),
                        min_peak=min_peak)
                else:
                    s = label_instances(fg[i])
                lab[i] = np.where(s > 0, s.astype(np.uint32) + base, 0)
                base += int(s.max())
        n = int(lab.max())
        if offset + n >= 2**32:
            raise InferenceInputError(
                'more than 2^32 - 1 instances: raise --min-size or split '
                'the volume')
        np.add(lab, np.uint32(offset), out=lab, where=lab > 0)
        if dim == 3 and z0 > 0:
            pairs.append(
                _faces(
                    np.asarray(out[z0 - 1]).astype(np.uint32, copy=False),
                    lab[0], connectivity))
        out[z0:z1] = lab
        offset += n
    # join labels touching across slab faces: graph components (label 0
    # has no edges, so it stays alone; components are numbered in order of
    # their smallest label, which keeps ids in raster order)
    root = np.arange(offset + 1, dtype=np.int64)
    if pairs and sum(len(p) for p in pairs):
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
        edges = np.concatenate(pairs)
        graph = coo_matrix(
            (np.ones(len(edges), np.int8), (edges[:, 0], edges[:, 1])),
            shape=(offset + 1, offset + 1))
        _, root = connected_components(graph, directed=False)
    counts = np.zeros(offset + 1, np.int64)
    for z0 in range(0, depth, slab):
        lab = np.asarray(out[z0:min(depth, z0 + slab)])
        counts += np.bincount(lab.ravel(), minlength=offset + 1)
    # sizes of the joined instances: each root sums its members' counts
    counts = np.bincount(root, weights=counts, minlength=offset + 1)
    keep = counts >= max(1, min_size)
    keep[root[0]] = False
    new_id = np.cumsum(keep) * keep
    lut = new_id[root].astype(np.uint32)
    for z0 in range(0, depth, slab):
        z1 = min(depth, z0 + slab)
        out[z0:z1] = lut[np.asarray(out[z0:z1])]
    return int(keep.sum())


def instances(prob: np.ndarray,
              threshold: float = 0.5,
              mode: str = 'cc',
              dim: int = 3,
              min_size: int = 0,
              heatmap: Optional[np.ndarray] = None,
              **kwargs) -> np.ndarray:
    """uint32 instances of an in-memory (Z, Y, X) or (Y, X) foreground
    probability (see :func:`label_volume`)."""
    prob = np.asarray(prob)
    squeeze = prob.ndim == 2
    prob = prob[None] if squeeze else prob
    if heatmap is not None:
        heatmap = np.asarray(heatmap)
        heatmap = heatmap[None] if heatmap.ndim == 2 else heatmap
    out = np.zeros(prob.shape, np.uint32)
    label_volume(prob >= threshold, out, mode, dim, min_size, heatmap,
                 **kwargs)
    return out[0] if squeeze else out
