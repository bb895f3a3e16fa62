"""Fully convolutional patch discriminator for output-space alignment."""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from emda.registry import MODELS


@MODELS.register_module()
class FCDiscriminator(BaseModule):
    """AdaptSegNet's output-space discriminator (also ADVENT's and
    WDA-Net's).

    ``num_convs`` 4 x 4 convolutions with stride 2: the hidden ones have
    ``ndf * 2**i`` channels, each followed by the optional norm and a
    LeakyReLU(0.2); the last one maps to 1 channel. The output is one real /
    fake logit per patch, of size about H / 2**num_convs.

    WDA-Net adds GroupNorm (32 groups, no affine) after each hidden conv:
    ``norm_cfg=dict(type='GN', num_groups=32, affine=False)``. Here every
    norm is sized from its conv's channel count, which the authors' code
    gets wrong for the third and fourth layers (METHOD_SPEC 12.11).

    Args:
        in_channels (int): Channels of the input map: the number of classes
            of the softmax (AdaptSegNet) or self-information (ADVENT) map.
            Defaults to 2.
        ndf (int): Channels of the first conv. Defaults to 64.
        num_convs (int): Number of convs including the classifier, >= 2.
            Defaults to 5.
        norm_cfg (dict, optional): Norm after each hidden conv, e.g.
            ``dict(type='GN', num_groups=32)``. Defaults to None (none, as in
            AdaptSegNet).
        negative_slope (float): LeakyReLU slope. Defaults to 0.2.
        init_cfg (dict, optional): MMEngine initialization config.
    """

    def __init__(self,
                 in_channels: int = 2,
                 ndf: int = 64,
                 num_convs: int = 5,
                 norm_cfg: Optional[dict] = None,
                 negative_slope: float = 0.2,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if num_convs < 2:
            raise ValueError(f'num_convs must be >= 2, got {num_convs}')
        hidden = [ndf * 2**i for i in range(num_convs - 1)]
        if norm_cfg is not None and norm_cfg.get('type') == 'GN':
            groups = norm_cfg.get('num_groups')
            bad = [c for c in hidden if not groups or c % groups]
            if bad:
                raise ValueError(
                    f'GroupNorm num_groups={groups} must divide every hidden '
                    f'channel count {hidden} (ndf={ndf}); it does not '
                    f'divide {bad}')
        layers = []
        for in_c, out_c in zip([in_channels] + hidden[:-1], hidden):
            layers.append(
                ConvModule(
                    in_c,
                    out_c,
                    kernel_size=4,
                    stride=2,
                    padding=1,
                    norm_cfg=norm_cfg,
                    act_cfg=dict(
                        type='LeakyReLU', negative_slope=negative_slope)))
        self.convs = nn.Sequential(*layers)
        self.classifier = nn.Conv2d(
            hidden[-1], 1, kernel_size=4, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """B x in_channels x H x W map -> B x 1 x h x w patch logits."""
        if x.dim() != 4:
            raise ValueError('FCDiscriminator expects a B x C x H x W map, '
                             f'got shape {tuple(x.shape)}')
        return self.classifier(self.convs(x))
