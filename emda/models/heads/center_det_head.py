"""Center-detection (heatmap) head (METHOD_SPEC section 2, item 8)."""
from typing import Sequence

import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

from emda.registry import MODELS
from ..backbones.hsc_blocks import HSCBlock, upsample2x


@MODELS.register_module()
class CenterDetHead(BaseModule):
    """Regress a non-negative center heatmap at input resolution.

    ``num_blocks`` x :class:`HSCBlock` on ``feats[in_index]`` -> 1x1 conv to
    one channel -> bilinear x2 -> ReLU. The spec upsamples before the 1x1
    conv; both orders are identical (a 1x1 conv commutes with bilinear
    interpolation) and this one upsamples one channel instead of
    ``in_channels``. The targets are Gaussian heatmaps on a 0..255 scale;
    the loss lives elsewhere.

    Args:
        in_channels (int): Channels of the input feature (``C`` of
            :class:`HSCNet`; 72 in the paper).
        num_blocks (int): HSC blocks before the output conv; 4 in the paper,
            2 in WDA-Net. Default: 4.
        in_index (int): Which backbone feature to read. Default: 0 (``u4``).
        upsample (bool): Upsample x2 at the end: True for :class:`HSCNet`
            (its features are at half resolution), False for backbones
            whose last feature is at input resolution (mmseg ``UNet``).
            Default: True.
        num_branches (int): Channel groups of the blocks. Default: 6.
        norm_cfg (dict): Norm layers. Default: InstanceNorm with affine.
        act_cfg (dict): Activation of the blocks. Default: ReLU.
        align_corners (bool): Of the bilinear upsampling. Default: False.
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    def __init__(self,
                 in_channels: int,
                 num_blocks: int = 4,
                 in_index: int = 0,
                 upsample: bool = True,
                 num_branches: int = 6,
                 norm_cfg: ConfigType = dict(type='IN', affine=True),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 align_corners: bool = False,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        if num_blocks < 1:
            raise ValueError(f'num_blocks must be >= 1, got {num_blocks}')
        self.in_index = in_index
        self.upsample = upsample
        self.align_corners = align_corners
        self.blocks = nn.Sequential(*[
            HSCBlock(in_channels, in_channels, num_branches, norm_cfg, act_cfg)
            for _ in range(num_blocks)
        ])
        self.conv_out = nn.Conv2d(in_channels, 1, 1)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Return a ``B x 1 x 2h x 2w`` (``h x w`` without ``upsample``)
        non-negative heatmap for an ``h x w`` input feature."""
        x = self.conv_out(self.blocks(feats[self.in_index]))
        if self.upsample:
            x = upsample2x(x, self.align_corners)
        return F.relu(x)
