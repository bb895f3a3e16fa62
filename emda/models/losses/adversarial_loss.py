"""GAN objective for output-space / entropy-space domain discriminators."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from emda.registry import MODELS


@MODELS.register_module()
class AdversarialLoss(nn.Module):
    """Loss of discriminator logits against an all-real or all-fake target.

    The same loss trains the discriminator (source = real, target = fake)
    and, with the labels flipped, fools it from the segmentor side
    (target predictions labelled real), as in AdaptSegNet and ADVENT.

    Args:
        gan_type (str): ``'bce'``: binary cross-entropy on the logits
            (AdaptSegNet, ADVENT, WDA-Net); ``'ls'``: least squares, the MSE
            of the raw logits to 1 (real) or 0 (fake). Case-insensitive.
            Defaults to ``'bce'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    GAN_TYPES = ('bce', 'ls')

    def __init__(self, gan_type: str = 'bce', loss_weight: float = 1.0):
        super().__init__()
        gan_type = str(gan_type).lower()
        if gan_type not in self.GAN_TYPES:
            raise ValueError(f'gan_type must be one of {self.GAN_TYPES}, '
                             f'got {gan_type!r}')
        self.gan_type = gan_type
        self.loss_weight = loss_weight

    def forward(self, pred_logits: torch.Tensor,
                target_is_real: bool) -> torch.Tensor:
        """Mean loss of ``pred_logits`` (any shape, e.g. B x 1 x h x w patch
        logits) against the label 1 if ``target_is_real`` else 0."""
        target = torch.full_like(pred_logits, float(bool(target_is_real)))
        if self.gan_type == 'bce':
            loss = F.binary_cross_entropy_with_logits(pred_logits, target)
        else:
            loss = F.mse_loss(pred_logits, target)
        return self.loss_weight * loss
