"""Prediction entropy: the ADVENT minimisation loss and its discriminator
input (the weighted self-information map) share one implementation."""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from emda.registry import MODELS


def _check_logits(logits: torch.Tensor) -> None:
    if logits.dim() < 2 or logits.shape[1] < 2:
        raise ValueError('logits must be (B, C, ...) with C >= 2 classes, '
                         f'got shape {tuple(logits.shape)}')


def _pixel_map(value: torch.Tensor, entropy: torch.Tensor,
               name: str) -> torch.Tensor:
    """Bring a B x H x W or B x 1 x H x W map to ``entropy``'s shape."""
    if value.dim() == entropy.dim() + 1 and value.shape[1] == 1:
        value = value.squeeze(1)
    if value.shape != entropy.shape:
        raise ValueError(f'{name} must have shape {tuple(entropy.shape)} '
                         f'(logits without the class dim), got '
                         f'{tuple(value.shape)}')
    return value.to(entropy.device)


def weighted_self_information(logits: torch.Tensor,
                              normalize: bool = False) -> torch.Tensor:
    """Per-class ``-p * log(p)`` with ``p = softmax(logits, dim=1)``.

    This is ADVENT's weighted self-information map ``I`` (same shape as
    ``logits``, e.g. B x C x H x W); summing it over dim 1 gives the pixel
    entropy. ``normalize`` divides by ``log(C)`` so the entropy lies in
    [0, 1]; ADVENT's code feeds that normalised map (``-p log2 p / log2 C``)
    to its discriminator. Computed from ``log_softmax``, so it is finite and
    differentiable even for saturated predictions.
    """
    _check_logits(logits)
    log_p = F.log_softmax(logits, dim=1)
    info = -log_p.exp() * log_p
    if normalize:
        info = info / math.log(logits.shape[1])
    return info


@MODELS.register_module()
class EntropyLoss(nn.Module):
    """Mean pixel entropy of ``softmax(logits)`` (ADVENT's direct entropy
    minimisation).

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        normalize (bool): Divide the entropy by ``log(C)`` so a uniform
            prediction scores 1 (otherwise ``log(C)``, i.e. ``log 2`` for
            binary segmentation). Defaults to True.
    """

    def __init__(self, loss_weight: float = 1.0, normalize: bool = True):
        super().__init__()
        self.loss_weight = loss_weight
        self.normalize = normalize

    def forward(self,
                logits: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Weighted mean entropy over the pixels not ignored.

        Args:
            logits (Tensor): B x C x H x W class scores.
            weight (Tensor, optional): B x H x W (or B x 1 x H x W) pixel
                weights multiplying the entropy.
            ignore_mask (Tensor, optional): B x H x W (or B x 1 x H x W)
                bool map, True where a pixel is left out of both the sum
                and the pixel count.

        Returns:
            Tensor: Scalar loss; 0 when every pixel is ignored.
        """
        entropy = weighted_self_information(logits, self.normalize).sum(1)
        count = entropy.numel()
        if weight is not None:
            entropy = entropy * _pixel_map(weight, entropy, 'weight')
        if ignore_mask is not None:
            keep = ~_pixel_map(ignore_mask, entropy, 'ignore_mask').bool()
            entropy = entropy * keep
            count = int(keep.sum())
        return self.loss_weight * entropy.sum() / max(count, 1)
