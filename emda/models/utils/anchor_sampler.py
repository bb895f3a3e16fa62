"""Anchor pixels for the class-focused contrast and their features.

METHOD_SPEC 5.2: per image and class ``c`` with ``N_c`` candidate pixels,
``num = min(floor(0.5 * N_c), 512)`` hard anchors are drawn from the
``2 * num`` lowest-confidence class-``c`` pixels, plus ``num`` random
class-``c`` pixels. The authors' code indexed the confidence ranking with
pixel indices (METHOD_SPEC 12.5), so its anchors were not guaranteed to be
class-``c`` pixels; this implements the intent.

Features live at 1/4 resolution while labels are full resolution; the spec
upsamples the features bilinearly to label size. ``gather_pixel_features``
reads that upsampled map at selected pixels only, without building it.
"""
import math
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


def check_dense_inputs(
        feats: Tensor,
        masks: Dict[str, Tensor],
        maps: Optional[Dict[str, Tensor]] = None) -> Tuple[int, int]:
    """Check a (B, D, h, w) feature map against (B, H, W) label-grid inputs.

    ``masks`` must be bool, ``maps`` (e.g. probabilities, labels) may have
    any dtype; all share one (B, H, W) shape. Returns ``(H, W)``.
    """
    if feats.dim() != 4:
        raise ValueError(
            f'feats must be (B, D, h, w), got shape {tuple(feats.shape)}')
    named = {**masks, **(maps or {})}
    grid_shape = None
    for name, value in named.items():
        if value.dim() != 3 or value.shape[0] != feats.shape[0]:
            raise ValueError(f'{name} must be (B, H, W) with B='
                             f'{feats.shape[0]}, got {tuple(value.shape)}')
        if grid_shape is not None and value.shape != grid_shape:
            raise ValueError(f'{name} shape {tuple(value.shape)} differs '
                             f'from the other maps {tuple(grid_shape)}')
        grid_shape = value.shape
        if name in masks and value.dtype != torch.bool:
            raise ValueError(f'{name} must be a bool mask, got {value.dtype}')
    if grid_shape is None:
        raise ValueError('at least one (B, H, W) mask or map is required')
    return grid_shape[1], grid_shape[2]


def sample_anchors(prob_c: Tensor,
                   class_mask: Tensor,
                   max_per_class: int = 512,
                   fraction: float = 0.5,
                   generator: Optional[torch.Generator] = None) -> Tensor:
    """Pick hard and random anchor pixels of one class in one image.

    Args:
        prob_c (Tensor): confidence of class ``c`` per pixel, any shape.
        class_mask (Tensor): bool, same shape: the class-``c`` candidates.
        max_per_class (int): cap on ``num``. Defaults to 512.
        fraction (float): ``num = min(floor(fraction * N_c), max)``; at most
            0.5 so that the ``2 * num`` hard pool fits in the candidates.
        generator (torch.Generator, optional): CPU generator for the draws.

    Returns:
        Tensor: long flat indices into ``prob_c.reshape(-1)``: ``num`` hard
        anchors (from the ``2 * num`` least confident candidates) followed by
        ``num`` random other candidates; empty when ``num == 0``.
    """
    if class_mask.dtype != torch.bool:
        raise ValueError(f'class_mask must be bool, got {class_mask.dtype}')
    if prob_c.shape != class_mask.shape:
        raise ValueError(f'prob_c shape {tuple(prob_c.shape)} != class_mask '
                         f'shape {tuple(class_mask.shape)}')
    if not 0 < fraction <= 0.5:
        raise ValueError(f'fraction must be in (0, 0.5], got {fraction}')
    if max_per_class < 0:
        raise ValueError(f'max_per_class must be >= 0, got {max_per_class}')
    candidates = class_mask.reshape(-1).nonzero()[:, 0]
    num = min(math.floor(fraction * candidates.numel()), max_per_class)
    if num == 0:
        return candidates.new_empty(0)
    confidence = prob_c.detach().reshape(-1)[candidates]
    least_confident = confidence.argsort(stable=True)[:2 * num]
    pick = torch.randperm(least_confident.numel(), generator=generator)[:num]
    hard = least_confident[pick.to(least_confident.device)]
    remaining = torch.ones_like(candidates, dtype=torch.bool)
    remaining[hard] = False
    others = remaining.nonzero()[:, 0]
    pick = torch.randperm(others.numel(), generator=generator)[:num]
    uniform = others[pick.to(others.device)]
    return candidates[torch.cat([hard, uniform])]


def gather_pixel_features(feats: Tensor, coords: Tensor,
                          out_size: Sequence[int]) -> Tensor:
    """L2-normalized features of pixels of the label-resolution grid.

    Equal to ``F.normalize(F.interpolate(feats, out_size, mode='bilinear',
    align_corners=False), dim=1)[b, :, y, x]`` for each ``(b, y, x)`` row of
    ``coords``, but samples only those pixels, so anchors stay cheap and
    gradients reach ``feats``.

    Args:
        feats (Tensor): (B, D, h, w) feature map.
        coords (Tensor): (N, 3) long ``(batch, y, x)`` rows, as returned by
            ``mask.nonzero()`` on a (B, H, W) mask.
        out_size (Sequence[int]): ``(H, W)`` of the label grid.

    Returns:
        Tensor: (N, D) unit-norm features, rows in the order of ``coords``.
    """
    if feats.dim() != 4:
        raise ValueError(
            f'feats must be (B, D, h, w), got shape {tuple(feats.shape)}')
    if coords.dim() != 2 or coords.shape[1] != 3:
        raise ValueError(
            f'coords must be (N, 3), got shape {tuple(coords.shape)}')
    height, width = out_size
    # Pixel centers of the output grid in grid_sample's [-1, 1] coordinates;
    # 'border' padding reproduces interpolate's clamping at the edges.
    grid_x = (2 * coords[:, 2].to(feats.dtype) + 1) / width - 1
    grid_y = (2 * coords[:, 1].to(feats.dtype) + 1) / height - 1
    grid = torch.stack([grid_x, grid_y], dim=1)
    rows, pieces = [], []
    for b in coords[:, 0].unique().tolist():
        in_image = (coords[:, 0] == b).nonzero()[:, 0]
        sampled = F.grid_sample(
            feats[b:b + 1],
            grid[in_image][None, None],
            mode='bilinear',
            padding_mode='border',
            align_corners=False)
        rows.append(in_image)
        pieces.append(sampled[0, :, 0].t())
    out = feats.new_zeros(coords.shape[0], feats.shape[1])
    if pieces:
        out = out.index_copy(0, torch.cat(rows), torch.cat(pieces))
    return F.normalize(out, dim=1)
