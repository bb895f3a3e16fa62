"""HSCNet: the paper's HSC encoder-decoder backbone (METHOD_SPEC section 2).

The shared trunk of ``CoDA_Net`` / HSC82 without its task heads: the heads
(:class:`~emda.models.heads.HSCSegHead`, ``CenterDetHead``,
``ProjectionHead``) pick the decoder features they need by ``in_index``.
"""
from typing import Tuple

from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

from emda.registry import MODELS
from .hsc_blocks import (HSCBlock, HSCDownBlock, HSCUpBlock, check_divisible,
                         space_to_depth)


@MODELS.register_module()
class HSCNet(BaseModule):
    """Encoder-decoder with multi-branch (HSC) blocks, for 1-channel EM.

    The image is rearranged by a 2x2 space-to-depth (``in_channels`` ->
    ``4 * in_channels`` at H/2) so the whole network runs at half
    resolution; a 3x3 Conv-Norm-Act stem maps it to ``C = base_channels``.
    Three down blocks (C@H/2 -> 2C@H/4 -> 4C@H/8 -> 8C@H/16), a bottleneck
    block at 8C, and three up blocks back to C@H/2.

    Args:
        in_channels (int): Image channels. Default: 1.
        base_channels (int): Width ``C`` of the first stage, 72 in the paper
            (24 or 12 are practical on CPU). Must be divisible by
            ``num_branches``.
        num_branches (int): Channel groups of every HSC block. Default: 6.
        norm_cfg (dict): Norm layers. Default: InstanceNorm with affine.
        act_cfg (dict): Activation layers. Default: ReLU.
        init_cfg (dict, optional): Initialization config. Default: None.

    Returns (``forward``):
        tuple[Tensor]: ``(u4, u3, u2, c2)`` for an input of size H x W
        (both divisible by 16 and at least 32):

        - 0 ``u4``: last decoder feature, ``C`` x H/2 x W/2 (seg/det heads);
        - 1 ``u3``: decoder feature, ``2C`` x H/4 x W/4;
        - 2 ``u2``: first decoder feature, ``4C`` x H/8 x W/8;
        - 3 ``c2``: encoder skip, ``2C`` x H/4 x W/4 (with ``u2``, the
          inputs of the projection head).
    """

    #: Total downsampling factor: input H and W must be multiples of it.
    size_divisor = 16

    def __init__(self,
                 in_channels: int = 1,
                 base_channels: int = 72,
                 num_branches: int = 6,
                 norm_cfg: ConfigType = dict(type='IN', affine=True),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        if in_channels < 1:
            raise ValueError(f'in_channels must be >= 1, got {in_channels}')
        check_divisible(base_channels, num_branches, 'base_channels')
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.num_branches = num_branches
        c = base_channels
        block_args = dict(
            num_branches=num_branches, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.stem = ConvModule(
            4 * in_channels,
            c,
            3,
            padding=1,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.down1 = HSCDownBlock(c, c, **block_args)
        self.down2 = HSCDownBlock(2 * c, 2 * c, **block_args)
        self.down3 = HSCDownBlock(4 * c, 4 * c, **block_args)
        self.bottleneck = HSCBlock(8 * c, 8 * c, **block_args)
        self.up2 = HSCUpBlock(8 * c, 4 * c, **block_args)
        self.up3 = HSCUpBlock(4 * c, 2 * c, **block_args)
        self.up4 = HSCUpBlock(2 * c, c, **block_args)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'HSCNet expects a B x {self.in_channels} x H x '
                             f'W input, got shape {tuple(x.shape)}')
        height, width = x.shape[-2:]
        divisor = self.size_divisor
        if height % divisor or width % divisor or min(height, width) < 32:
            raise ValueError(f'HSCNet needs input H and W divisible by '
                             f'{divisor} and at least 32 (instance norm '
                             f'needs more than one bottleneck pixel), got '
                             f'{height}x{width}; pad or crop the input')
        x = self.stem(space_to_depth(x))
        c1, x = self.down1(x)
        c2, x = self.down2(x)
        c3, x = self.down3(x)
        x = self.bottleneck(x)
        u2 = self.up2(x, c3)
        u3 = self.up3(u2, c2)
        u4 = self.up4(u3, c1)
        return u4, u3, u2, c2
