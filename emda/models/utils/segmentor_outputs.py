"""Segmentation logits (and the detection heatmap, when there is one) of any
emda/mmseg segmentor at the input resolution, with gradients.

A plain ``EncoderDecoder`` returns logits from ``mode='tensor'``, possibly
below the input size; ``MultiTaskEncoderDecoder`` returns a dict with
``seg`` and, with a detection head, ``det``. Methods that build their own
pixel losses (self-training, point supervision) need one view of both.
"""
from typing import Optional, Tuple

import torch

from emda.apis.outputs import head_outputs


def segmentation_outputs(
        segmentor,
        inputs: torch.Tensor) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """``(logits, heatmap)``: B x C x H x W logits and the B x H x W raw
    detection heatmap (None without a detection head), both at the size of
    ``inputs`` (B x 1 x H x W); see :func:`emda.apis.head_outputs`."""
    logits, det = head_outputs(segmentor, inputs)
    return logits, None if det is None else det[:, 0]
