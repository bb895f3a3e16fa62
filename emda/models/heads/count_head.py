"""WDA-Net's count head: instance count from a center heatmap
(METHOD_SPEC 11, ``WDA_Net_r``)."""
from typing import Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

from emda.registry import MODELS
from emda.structures import gaussian_integral
from ..backbones.hsc_blocks import HSCBlock


@MODELS.register_module()
class CountHead(BaseModule):
    """Density map and instance count from a ``B x 1 x H x W`` heatmap.

    Conv3x3(1 -> ``channels``)-Norm-ReLU -> :class:`HSCBlock` -> 1x1 conv ->
    ReLU gives a non-negative density; ``count = density.sum() / c`` per
    image, with ``c = gaussian_integral(kernel_size, peak)`` the mass of one
    peak-``peak`` Gaussian, so a density shaped like the center heatmap
    counts about one per instance (the ``c`` of METHOD_SPEC 6.3).

    Args:
        channels (int): Width of the head (72 in WDA-Net).
        kernel_size (int): Gaussian kernel of the heatmap targets at the
            working scale (61 px at full resolution). Default: 61.
        peak (float): Peak of one Gaussian (255). Default: 255.
        num_branches (int): Channel groups of the HSC block. Default: 6.
        norm_cfg (dict): Norm layers. Default: InstanceNorm with affine.
        act_cfg (dict): Activation of the stem and block. Default: ReLU.
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    def __init__(self,
                 channels: int = 72,
                 kernel_size: int = 61,
                 peak: float = 255.,
                 num_branches: int = 6,
                 norm_cfg: ConfigType = dict(type='IN', affine=True),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be a positive odd int, got '
                             f'{kernel_size}')
        self.kernel_size = int(kernel_size)
        self.normalizer = gaussian_integral(self.kernel_size, float(peak))
        self.stem = ConvModule(
            1, channels, 3, padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.block = HSCBlock(channels, channels, num_branches, norm_cfg,
                              act_cfg)
        self.conv_out = nn.Conv2d(channels, 1, 1)

    def forward(self, heatmap: Tensor) -> Tuple[Tensor, Tensor]:
        """Return ``(count (B,), density B x 1 x H x W)``."""
        if heatmap.dim() != 4 or heatmap.shape[1] != 1:
            raise ValueError('CountHead expects a B x 1 x H x W heatmap, got '
                             f'shape {tuple(heatmap.shape)}')
        density = F.relu(self.conv_out(self.block(self.stem(heatmap))))
        return density.sum((1, 2, 3)) / self.normalizer, density
