"""Class-focused cross-domain prototype contrastive loss (METHOD_SPEC 5.3).

Target anchor pixels of each class are pulled toward their class positive
and pushed from the other class's prototypes held in a ``PrototypeBank``:

    L_c = -mean_a log( exp(a.p/t) / (exp(a.p/t) + sum_n exp(a.n/t) + eps) )

with ``L = L_fg + L_bg``. The fg positive averages target and source fg
prototypes (the cross-domain part); the negatives are the other class's
mean and its k-means modes (the class-focused part). The bank is detached,
so gradients reach the anchor features only.
"""
import math
from typing import Optional

import torch
from torch import Tensor, nn

from emda.registry import MODELS
from ..utils.anchor_sampler import (check_dense_inputs, gather_pixel_features,
                                    sample_anchors)
from ..utils.prototype_bank import PrototypeBank


def prototype_info_nce(anchors: Tensor, positive: Tensor, negatives: Tensor,
                       temperature: float, eps: float) -> Tensor:
    """Mean InfoNCE of (N, D) unit ``anchors`` against one (D,) positive
    and (K, D) negatives, ``eps`` added to the denominator.

    Computed in log space (``log(eps)`` as one more logit) so it cannot
    overflow at small temperatures.
    """
    positive_logit = anchors @ positive / temperature
    logits = [positive_logit[:, None], anchors @ negatives.t() / temperature]
    if eps > 0:
        logits.append(anchors.new_full((anchors.shape[0], 1), math.log(eps)))
    log_denominator = torch.logsumexp(torch.cat(logits, dim=1), dim=1)
    return (log_denominator - positive_logit).mean()


@MODELS.register_module()
class PrototypeContrastLoss(nn.Module):
    """Prototype InfoNCE over hard + random target anchors of each class.

    Args:
        temperature (float): InfoNCE temperature. Defaults to 0.5.
        max_anchors (int): cap on ``num`` per class and image (up to
            ``2 * num`` anchors). Defaults to 512.
        anchor_fraction (float): ``num = min(floor(fraction * N_c), max)``.
            Defaults to 0.5.
        eps (float): added to the InfoNCE denominator. Defaults to 1e-4.
        loss_weight (float): multiplier of the loss. Defaults to 1.0.
        loss_name (str): key of the loss in the losses dict.
            Defaults to 'loss_contrast'.
    """

    def __init__(self,
                 temperature: float = 0.5,
                 max_anchors: int = 512,
                 anchor_fraction: float = 0.5,
                 eps: float = 1e-4,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_contrast'):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        if eps < 0:
            raise ValueError(f'eps must be >= 0, got {eps}')
        if not 0 < anchor_fraction <= 0.5:
            raise ValueError(
                f'anchor_fraction must be in (0, 0.5], got {anchor_fraction}')
        self.temperature = temperature
        self.max_anchors = max_anchors
        self.anchor_fraction = anchor_fraction
        self.eps = eps
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def _class_loss(self, feats: Tensor, prob_c: Tensor, class_mask: Tensor,
                    bank: PrototypeBank, cls: str,
                    generator: Optional[torch.Generator]) -> Tensor:
        """L_c of one class; an exact, differentiable 0 when the bank is not
        ready for ``cls`` or the class has no anchor."""
        zero = feats.sum() * 0
        if not bank.is_ready(cls):
            return zero
        width = class_mask.shape[2]
        coords = []
        for b in range(class_mask.shape[0]):
            flat = sample_anchors(prob_c[b], class_mask[b], self.max_anchors,
                                  self.anchor_fraction, generator)
            coords.append(
                torch.stack(
                    [torch.full_like(flat, b), flat // width, flat % width],
                    dim=1))
        coords = torch.cat(coords)
        if coords.shape[0] == 0:
            return zero
        anchors = gather_pixel_features(feats, coords, class_mask.shape[1:])
        positive = bank.positive(cls).to(anchors)
        negatives = bank.negatives(cls).to(anchors)
        return prototype_info_nce(anchors, positive, negatives,
                                  self.temperature, self.eps)

    def forward(self,
                feats: Tensor,
                fg_prob: Tensor,
                fg_mask: Tensor,
                bg_mask: Tensor,
                bank: PrototypeBank,
                generator: Optional[torch.Generator] = None) -> Tensor:
        """Compute ``loss_weight * (L_fg + L_bg)``.

        Args:
            feats (Tensor): (B, D, h, w) target projection features.
            fg_prob (Tensor): (B, H, W) foreground probability; it ranks the
                hard anchors (bg confidence is ``1 - fg_prob``).
            fg_mask (Tensor): (B, H, W) bool fg anchor candidates
                (``p_fg > 0.95`` in Stage 1, pseudo-label == 1 in Stage 2).
            bg_mask (Tensor): (B, H, W) bool bg anchor candidates.
            bank (PrototypeBank): the prototype memories.
            generator (torch.Generator, optional): CPU generator of the
                anchor draws.

        Returns:
            Tensor: scalar loss.
        """
        check_dense_inputs(feats, dict(fg_mask=fg_mask, bg_mask=bg_mask),
                           dict(fg_prob=fg_prob))
        fg_loss = self._class_loss(feats, fg_prob, fg_mask, bank, 'fg',
                                   generator)
        bg_loss = self._class_loss(feats, 1 - fg_prob, bg_mask, bank, 'bg',
                                   generator)
        return self.loss_weight * (fg_loss + bg_loss)
