"""WDA-Net's density-guided cross-position cut-and-paste of target images
(METHOD_SPEC 11), done on a training batch.

For image ``i`` of the batch (with probability ``prob``) another image
``j`` of the batch is drawn; the ``W x W`` window of ``j`` holding the most
annotated points is pasted, with every label field, into the window of
``i`` holding the fewest. Point-rich regions are thereby shown in new
contexts and positions, and sparse crops gain annotated instances. Windows
are compared by exact point counts (a box filter over the point map); ties
are broken at random. :class:`CrossPositionPaste` is the registered mixer
WDA-Net builds from its ``mixer`` config.
"""
from typing import List, NamedTuple, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from emda.registry import TASK_UTILS
from emda.structures import (points_from_count_map_tensor,
                             rasterize_point_counts_tensor)


class PasteResult(NamedTuple):
    """The batch after pasting and, per image, ``None`` or ``(j, (sy, sx),
    (dy, dx))``: the donor image and the top-left corners of the window
    taken from it and of the window it replaced."""
    images: Tensor
    point_map: Tensor
    fields: List[Tensor]
    boxes: List[Optional[Tuple[int, Tuple[int, int], Tuple[int, int]]]]


def window_point_counts(point_map: Tensor, window: int) -> Tensor:
    """Points inside every ``window x window`` window (stride 1, fully
    inside the image): ``B x (H - window + 1) x (W - window + 1)``, entry
    ``[b, y, x]`` for the window whose top-left corner is ``(y, x)``.
    Exact (integral image in int64), so equal counts tie exactly."""
    if point_map.dim() != 3:
        raise ValueError('point_map must be B x H x W, got shape '
                         f'{tuple(point_map.shape)}')
    h, w = point_map.shape[-2:]
    if not 1 <= window <= min(h, w):
        raise ValueError(f'window must lie in [1, {min(h, w)}] for '
                         f'{h}x{w} images, got {window}')
    integral = F.pad(point_map.round().long().cumsum(-1).cumsum(-2),
                     (1, 0, 1, 0))
    k = window
    return (integral[:, k:, k:] - integral[:, :-k, k:] - integral[:, k:, :-k] +
            integral[:, :-k, :-k])


def _pick(counts: Tensor, largest: bool,
          generator: Optional[torch.Generator]) -> Tuple[int, int]:
    """Top-left corner of a random window among those with the largest
    (or smallest) count in one ``h x w`` count map."""
    best = counts.max() if largest else counts.min()
    ties = torch.nonzero(counts == best)
    choice = int(torch.randint(len(ties), (1, ), generator=generator))
    return int(ties[choice, 0]), int(ties[choice, 1])


def cross_position_paste(
        images: Tensor,
        point_map: Tensor,
        fields: Sequence[Tensor] = (),
        window: Optional[int] = None,
        prob: float = 1.0,
        generator: Optional[torch.Generator] = None) -> PasteResult:
    """Density-guided cross-position cut-and-paste within a batch.

    Args:
        images (Tensor): ``B x C x H x W``.
        point_map (Tensor): ``B x H x W`` count of annotated points per
            pixel (see :func:`~emda.structures.rasterize_point_counts`);
            pasted too.
        fields (Sequence[Tensor]): More per-pixel maps moved with the
            image, each ``B x ... x H x W`` (pseudo-label, detection
            background...).
        window (int, optional): Side ``W`` of the square windows. Default:
            half the shorter image side (256 for WDA-Net's 512 crops).
        prob (float): Probability of pasting into each image.
        generator (torch.Generator, optional): Random source (the global
            one by default, seeded by the runner).

    Returns:
        PasteResult: New tensors (the inputs are not modified). All donors
        are read from the batch before pasting. A batch of one image is
        returned unchanged (there is no other image).
    """
    if not 0. <= prob <= 1.:
        raise ValueError(f'prob must lie in [0, 1], got {prob}')
    n, h, w = images.shape[0], images.shape[-2], images.shape[-1]
    if tuple(point_map.shape) != (n, h, w):
        raise ValueError(f'point_map must be {n} x {h} x {w} like the '
                         f'images, got {tuple(point_map.shape)}')
    for k, field in enumerate(fields):
        if field.shape[0] != n or tuple(field.shape[-2:]) != (h, w):
            raise ValueError(f'fields[{k}] of shape {tuple(field.shape)} '
                             f'does not match the {n} x {h} x {w} images')
    window = min(h, w) // 2 if window is None else int(window)
    out_images = images.clone()
    out_points = point_map.clone()
    out_fields = [f.clone() for f in fields]
    boxes: List = [None] * n
    if n < 2 or prob == 0.:
        return PasteResult(out_images, out_points, out_fields, boxes)
    counts = window_point_counts(point_map, window)
    paste = torch.rand(n, generator=generator) < prob
    for i in range(n):
        if not paste[i]:
            continue
        j = (i + int(torch.randint(1, n, (1, ), generator=generator))) % n
        sy, sx = _pick(counts[j], True, generator)
        dy, dx = _pick(counts[i], False, generator)
        src = (slice(sy, sy + window), slice(sx, sx + window))
        dst = (slice(dy, dy + window), slice(dx, dx + window))
        out_images[i][(..., ) + dst] = images[j][(..., ) + src]
        out_points[i][dst] = point_map[j][src]
        for out, field in zip(out_fields, fields):
            out[i][(..., ) + dst] = field[j][(..., ) + src]
        boxes[i] = (j, (sy, sx), (dy, dx))
    return PasteResult(out_images, out_points, out_fields, boxes)


class PointPasteResult(NamedTuple):
    """The mixed batch: images, per-image ``(N, 2)`` points (moved for the
    pasted images, the given ones otherwise), the moved fields and the
    boxes of :class:`PasteResult` (``None`` where nothing was pasted)."""
    images: Tensor
    points: List[Tensor]
    fields: List[Tensor]
    boxes: List[Optional[Tuple[int, Tuple[int, int], Tuple[int, int]]]]

    @property
    def pasted(self) -> List[bool]:
        """Whether each image received a window."""
        return [box is not None for box in self.boxes]


@TASK_UTILS.register_module()
class CrossPositionPaste:
    """WDA-Net's cross-position cut-and-paste as a batch mixer.

    Rasterizes the points of every image to a count map (the point codec),
    pastes with :func:`cross_position_paste` and recovers the points of the
    pasted images from the moved count map, so the caller can re-render
    their targets.

    Args:
        prob (float): Probability of pasting into each image. Default: 0.5
            (WDA-Net gives none for the target; its source variant 0.9).
        window (int, optional): Window side; None: half the crop.
    """

    def __init__(self, prob: float = 0.5, window: Optional[int] = None):
        if not 0. <= prob <= 1.:
            raise ValueError(f'prob must lie in [0, 1], got {prob}')
        self.prob = float(prob)
        self.window = window

    def __call__(
            self,
            images: Tensor,
            points: Sequence[Tensor],
            fields: Sequence[Tensor] = (),
            generator: Optional[torch.Generator] = None) -> PointPasteResult:
        """Mix ``images`` (``B x C x H x W``) with their ``(N, 2)`` (y, x)
        ``points`` and the per-pixel ``fields``."""
        point_map = rasterize_point_counts_tensor(points, images.shape[-2:],
                                                  images.device)
        result = cross_position_paste(images, point_map, fields, self.window,
                                      self.prob, generator)
        moved = [
            points_from_count_map_tensor(result.point_map[i]).cpu()
            if box is not None else points[i]
            for i, box in enumerate(result.boxes)
        ]
        return PointPasteResult(result.images, moved, result.fields,
                                result.boxes)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'window={self.window})')
