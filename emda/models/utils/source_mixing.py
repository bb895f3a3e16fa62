"""Pasting labelled source pixels into target images (DACS-style mixing).

Mixing gives the student target-context images whose pasted part carries
exact labels. For binary mitochondria masks ClassMix reduces to instance
copy-paste: the source foreground (optionally grown by a margin of source
context) is pasted onto the target. CutMix pastes a random box instead.
Pasted pixels take the source label with weight 1 (0 where the source is
ignore); the rest keeps the target pseudo-label and its weight.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..selectors.selection_result import IGNORE_INDEX

MIX_MODES = ('classmix', 'cutmix', 'none')


def classmix_mask(src_label: torch.Tensor, dilation: int = 0) -> torch.Tensor:
    """Bool B x H x W mask of the source foreground (``label == 1``),
    grown by ``dilation`` pixels (square neighbourhood)."""
    mask = src_label == 1
    if dilation > 0:
        mask = F.max_pool2d(
            mask[:, None].float(),
            kernel_size=2 * dilation + 1,
            stride=1,
            padding=dilation)[:, 0] > 0
    return mask


def cutmix_mask(shape: Sequence[int],
                area: Tuple[float, float] = (0.25, 0.5),
                generator: Optional[torch.Generator] = None,
                device=None) -> torch.Tensor:
    """Bool B x H x W mask of one random box per image covering a fraction
    of the image drawn from ``U(area)``, with the image's aspect ratio."""
    n, h, w = (int(s) for s in shape)
    mask = torch.zeros((n, h, w), dtype=torch.bool, device=device)
    low, high = area
    fraction = low + (high - low) * torch.rand(n, generator=generator)
    corner = torch.rand(n, 2, generator=generator)
    for i in range(n):
        side = math.sqrt(float(fraction[i]))
        bh = min(h, max(1, int(round(h * side))))
        bw = min(w, max(1, int(round(w * side))))
        y0 = int(corner[i, 0] * (h - bh + 1))
        x0 = int(corner[i, 1] * (w - bw + 1))
        mask[i, y0:y0 + bh, x0:x0 + bw] = True
    return mask


def paste_source(
    mask: torch.Tensor, src_img: torch.Tensor, src_label: torch.Tensor,
    tgt_img: torch.Tensor, tgt_label: torch.Tensor, tgt_weight: torch.Tensor
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mixed ``(image B x C x H x W, label B x H x W, weight B x H x W)``:
    source where ``mask`` (label = source label, weight 1, or 0 on source
    ignore pixels), target elsewhere."""
    img = torch.where(mask[:, None], src_img, tgt_img)
    label = torch.where(mask, src_label.to(tgt_label.dtype), tgt_label)
    src_weight = (src_label != IGNORE_INDEX).to(tgt_weight.dtype)
    weight = torch.where(mask, src_weight, tgt_weight)
    return img, label, weight
