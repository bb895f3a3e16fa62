"""Points <-> per-pixel maps, the one rasterizer of annotated points.

Two encodings of (y, x) points as maps:

- the *id map* (pipeline): each point a ``(2r+1)`` square of its own id
  (uint16; 255 is skipped, it is the geometric pad value), so that mmseg's
  geometric transforms move the points with the image; the centres are
  recovered after augmentation as the centre of mass of each id;
- the *count map* (batch tensors, cut-and-paste): the number of points per
  pixel, so that windows of it can be pasted and summed; points are
  recovered pixel by pixel, each repeated as often as it counts.

The count map has numpy and torch entry points that give the same numbers.
"""
from typing import Sequence

import numpy as np
import torch
from scipy import ndimage as ndi
from torch import Tensor

#: value of pixels that geometric transforms padded into a point id map
POINT_MAP_PAD = 255


def _pixel_points(points, shape) -> np.ndarray:
    """Rounded in-image (N, 2) int64 points (out-of-image ones raise)."""
    # imported here: emda.datasets imports this module at package load
    from emda.datasets.point_annotations import pixel_points
    return pixel_points(np.asarray(points, np.float64).reshape(-1, 2), shape)


# ------------------------------------------------------------------ id map
def point_ids(n: int) -> np.ndarray:
    """The ids 1..n of an id map, skipping :data:`POINT_MAP_PAD`."""
    ids = np.arange(1, n + 2, dtype=np.int64)
    ids = ids[ids != POINT_MAP_PAD][:n]
    if n and ids[-1] >= np.iinfo(np.uint16).max:
        raise ValueError(f'too many points in one slice: {n}')
    return ids


def rasterize_point_ids(points: np.ndarray,
                        shape: Sequence[int],
                        radius: int = 1) -> np.ndarray:
    """uint16 ``shape`` id map of (N, 2) int (y, x) ``points`` (a later
    point overwrites an earlier one where their squares overlap)."""
    h, w = int(shape[0]), int(shape[1])
    pmap = np.zeros((h, w), np.uint16)
    r = int(radius)
    points = np.asarray(points, np.int64).reshape(-1, 2)
    for pid, (y, x) in zip(point_ids(len(points)), points):
        pmap[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] = pid
    return pmap


def points_from_id_map(point_map: np.ndarray) -> np.ndarray:
    """(N, 2) float32 (y, x) centres of the ids of an id map."""
    ids = np.unique(point_map)
    ids = ids[(ids != 0) & (ids != POINT_MAP_PAD)]
    if len(ids) == 0:
        return np.zeros((0, 2), np.float32)
    centres = ndi.center_of_mass(
        np.ones_like(point_map, np.float32), labels=point_map, index=ids)
    return np.asarray(centres, np.float32).reshape(-1, 2)


# --------------------------------------------------------------- count map
def rasterize_point_counts(points, shape: Sequence[int]) -> np.ndarray:
    """``H x W`` float32 count of the (rounded) ``(y, x)`` points; a point
    outside the image raises."""
    h, w = int(shape[0]), int(shape[1])
    out = np.zeros((h, w), np.float32)
    yx = _pixel_points(points, (h, w))
    np.add.at(out, (yx[:, 0], yx[:, 1]), 1.)
    return out


def rasterize_point_counts_tensor(points: Sequence[Tensor],
                                  shape: Sequence[int],
                                  device=None) -> Tensor:
    """``B x H x W`` float count maps of the points of each image, as
    :func:`rasterize_point_counts` per image, on ``device``."""
    h, w = int(shape[0]), int(shape[1])
    out = torch.zeros(len(points), h * w, device=device)
    for i, pts in enumerate(points):
        pts = torch.as_tensor(pts, dtype=torch.float32).reshape(-1, 2)
        if not len(pts):
            continue
        yx = torch.from_numpy(_pixel_points(pts.cpu().numpy(), (h, w)))
        out[i].index_add_(0, (yx[:, 0] * w + yx[:, 1]).to(out.device),
                          torch.ones(len(yx), device=out.device))
    return out.view(len(points), h, w)


def points_from_count_map(point_map: np.ndarray) -> np.ndarray:
    """(N, 2) float32 (y, x) of an ``H x W`` count map, row-major, each
    pixel repeated as often as it counts."""
    counts = np.clip(np.round(point_map).astype(np.int64).ravel(), 0, None)
    index = np.repeat(np.arange(counts.size), counts)
    width = point_map.shape[-1]
    return np.stack([index // width, index % width], 1).astype(np.float32)


def points_from_count_map_tensor(point_map: Tensor) -> Tensor:
    """:func:`points_from_count_map` in torch, on the map's device."""
    counts = point_map.round().long().flatten()
    index = torch.repeat_interleave(
        torch.arange(counts.numel(), device=point_map.device),
        counts.clamp(min=0))
    width = point_map.shape[-1]
    return torch.stack([index // width, index % width], 1).float()
