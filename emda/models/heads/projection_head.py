"""Projection (embedding) head for the contrastive loss (METHOD_SPEC 2.9)."""
from typing import Sequence, Tuple

import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

from emda.registry import MODELS
from ..backbones.hsc_blocks import HSCUpBlock


@MODELS.register_module()
class ProjectionHead(BaseModule):
    """Map decoder features to a non-negative per-pixel embedding.

    A separate :class:`HSCUpBlock` (``in_channels -> channels``) on
    ``feats[in_index[0]]`` with skip ``feats[in_index[1]]``, then 1x1
    Conv-Norm-Act (``channels``) and 1x1 Conv-Norm-Act (``embed_dims``).
    With :class:`HSCNet` (``in_index=(2, 3)``: ``u2`` 4C@H/8 and ``c2``
    2C@H/4; ``in_channels=4C``, ``channels=2C``) the output is
    ``B x embed_dims x H/4 x W/4``. The features are not normalized here:
    the contrastive loss L2-normalizes them.

    Args:
        in_channels (int): Channels of the upsampled feature (288 in the
            paper).
        channels (int): Channels after the up block; the skip feature must
            have as many (144 in the paper).
        embed_dims (int): Embedding size. Default: 128.
        in_index (tuple[int, int]): Backbone features ``(x, skip)``.
            Default: ``(2, 3)``.
        num_branches (int): Channel groups of the up block. Default: 6.
        norm_cfg (dict): Norm layers. Default: InstanceNorm with affine.
        act_cfg (dict): Activations. Default: ReLU.
        init_cfg (dict, optional): Initialization config. Default: None.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 embed_dims: int = 128,
                 in_index: Tuple[int, int] = (2, 3),
                 num_branches: int = 6,
                 norm_cfg: ConfigType = dict(type='IN', affine=True),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        if len(in_index) != 2:
            raise ValueError(f'in_index must be a pair (feature, skip), got '
                             f'{in_index!r}')
        self.in_index = tuple(in_index)
        self.embed_dims = embed_dims
        self.up_block = HSCUpBlock(
            in_channels,
            channels,
            num_branches,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.project = nn.Sequential(
            ConvModule(
                channels, channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(
                channels, embed_dims, 1, norm_cfg=norm_cfg, act_cfg=act_cfg))

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Return ``B x embed_dims`` embeddings at the skip's resolution."""
        x, skip = (feats[i] for i in self.in_index)
        return self.project(self.up_block(x, skip))
