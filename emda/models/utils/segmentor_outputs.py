"""Segmentation logits (and the detection heatmap, when there is one) of any
emda/mmseg segmentor at the input resolution, with gradients.

A plain ``EncoderDecoder`` returns logits from ``mode='tensor'``, possibly
below the input size; ``MultiTaskEncoderDecoder`` returns a dict with
``seg`` and, with a detection head, ``det``. Methods that build their own
pixel losses (self-training, point supervision) need one view of both.
"""
from typing import Optional, Tuple

import torch
from mmengine.model import is_model_wrapper
from mmseg.models.utils import resize


def segmentation_outputs(
        segmentor,
        inputs: torch.Tensor) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """``(logits, heatmap)``: B x C x H x W logits and the B x H x W raw
    detection heatmap (None without a detection head), both at the size of
    ``inputs`` (B x 1 x H x W)."""
    out = segmentor(inputs, mode='tensor')
    heatmap = None
    if isinstance(out, dict):
        if 'seg' not in out:
            raise KeyError('a segmentor returning a dict from '
                           "mode='tensor' must give its logits as 'seg', got "
                           f'{sorted(out)}')
        heatmap = out.get('det')
        out = out['seg']
    module = segmentor.module if is_model_wrapper(segmentor) else segmentor
    align_corners = getattr(module, 'align_corners', False)
    size = inputs.shape[-2:]
    if out.shape[-2:] != size:
        out = resize(
            out, size=size, mode='bilinear', align_corners=align_corners)
    if heatmap is not None:
        if heatmap.shape[-2:] != size:
            heatmap = resize(
                heatmap,
                size=size,
                mode='bilinear',
                align_corners=align_corners)
        heatmap = heatmap[:, 0]
    return out, heatmap
