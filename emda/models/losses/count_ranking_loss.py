"""WDA-Net's soft count consistency between a counting branch and a frozen
reference counter."""
from typing import Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from emda.registry import MODELS


@MODELS.register_module()
class CountRankingLoss(nn.Module):
    """Hinge that keeps a predicted count within ``margin`` of a reference.

    ``loss = max(0, (c_ref - margin) - c) + max(0, c - (c_ref + margin))``
    averaged over the batch (METHOD_SPEC 11, ``L_rank``): zero inside
    ``[c_ref - margin, c_ref + margin]`` and growing with slope 1 outside.
    The reference comes from a frozen counting model, so it is detached.

    Args:
        margin (float): Tolerance in instances. Defaults to 3.0.
        loss_weight (float): Multiplier of the loss. WDA-Net anneals it as
            ``1 - iter / max_iters``; that schedule belongs to the method.
            Defaults to 1.0.
    """

    def __init__(self, margin: float = 3.0, loss_weight: float = 1.0):
        super().__init__()
        if margin < 0:
            raise ValueError(f'margin must be >= 0, got {margin}')
        self.margin = margin
        self.loss_weight = loss_weight

    def forward(self, count: torch.Tensor,
                ref_count: Union[torch.Tensor, float]) -> torch.Tensor:
        """Args:
            count (Tensor): Predicted counts, shape (B,) (or any shape).
            ref_count (Tensor | float): Reference counts of the same shape,
                or one number for the whole batch.

        Returns:
            Tensor: Scalar loss.
        """
        ref_count = torch.as_tensor(
            ref_count, dtype=count.dtype, device=count.device).detach()
        if ref_count.dim() > 0 and ref_count.shape != count.shape:
            raise ValueError('ref_count must be a number or match count\'s '
                             f'shape {tuple(count.shape)}, got '
                             f'{tuple(ref_count.shape)}')
        loss = F.relu(ref_count - self.margin - count) + \
            F.relu(count - ref_count - self.margin)
        return self.loss_weight * loss.mean()
