"""Head outputs of any emda/mmseg segmentor at the input resolution.

A plain ``EncoderDecoder`` returns logits from ``mode='tensor'``, possibly
below the input size; ``MultiTaskEncoderDecoder`` returns a dict with
``seg`` and, with a detection head, ``det``. Training losses (with
gradients) and inference both read this one view.
"""
from typing import Optional, Sequence, Tuple

import torch
from mmengine.model import is_model_wrapper
from mmseg.models.utils import resize


def unwrap(module):
    """The module inside a DDP-style wrapper (or the module itself)."""
    return module.module if is_model_wrapper(module) else module


def align_corners_of(segmentor) -> bool:
    """``align_corners`` the segmentor resizes its logits with."""
    module = unwrap(segmentor)
    head = getattr(module, 'decode_head', None)
    return bool(
        getattr(module, 'align_corners', getattr(head, 'align_corners',
                                                 False)))


def to_size(maps: torch.Tensor, size: Sequence[int],
            align_corners: bool) -> torch.Tensor:
    """Bilinear resize of B x C x h x w ``maps`` to ``size`` (no-op when it
    already has that size)."""
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    return resize(
        maps, size=tuple(size), mode='bilinear', align_corners=align_corners)


def foreground_probability(logits: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Mitochondria probability from logits along class axis ``dim`` (kept,
    size 1): softmax class 1, or the sigmoid of a single-channel head."""
    if logits.shape[dim] == 1:
        return logits.sigmoid()
    return logits.softmax(dim).narrow(dim, 1, 1)


def head_outputs(
    segmentor,
    inputs: torch.Tensor,
    heads: Optional[Sequence[str]] = None
) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """``(logits, det)``: B x C x H x W logits and the B x 1 x H x W raw
    detection heatmap (None without a detection head) at the size of
    ``inputs``. ``heads`` (e.g. ``('seg', 'det')``) lets a multitask
    segmentor skip its other heads; None calls ``mode='tensor'`` through
    ``__call__`` (what DDP wrappers need in training)."""
    module = unwrap(segmentor)
    if heads is not None and hasattr(module, 'forward_tasks'):
        out = module.forward_tasks(inputs, heads=tuple(heads))
    else:
        out = segmentor(inputs, mode='tensor')
    det = None
    if isinstance(out, dict):
        if 'seg' not in out:
            raise KeyError('a segmentor returning a dict from '
                           "mode='tensor' must give its logits as 'seg', got "
                           f'{sorted(out)}')
        det = out.get('det')
        out = out['seg']
    align = align_corners_of(segmentor)
    size = inputs.shape[-2:]
    out = to_size(out, size, align)
    if det is not None:
        det = to_size(det, size, align)
    return out, det
