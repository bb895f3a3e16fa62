"""Building blocks of the HSC encoder-decoder (METHOD_SPEC section 2).

The paper's network (``CoDA_Net`` / HSC82) is built from one multi-branch
block (``Double_conv`` in the authors' code, :class:`HSCBlock` here), a down
block and an up block, and works on a 2x2 space-to-depth of the image.

Readings of the spec where it is ambiguous:

- Normalization is ``norm_cfg`` (InstanceNorm with affine parameters by
  default; the authors' code uses InstanceNorm without them).
- Convolutions followed by a norm have no bias (redundant before IN).
- The plain 1x1 convolutions of the block (between and after the cascades),
  the shortcut and the up block's channel reduction have neither norm nor
  activation, as in the authors' code.
- The shortcut is a 1x1 convolution whenever ``in_channels !=
  out_channels`` (the code only checks ``in > out``, the only case it uses).
- The selective-kernel attention has no nonlinearity between its squeeze
  and excitation layers, as in the authors' code (SKNet has BN + ReLU).
- The up block applies its 1x1 convolution before the bilinear upsampling:
  a 1x1 convolution commutes exactly with bilinear interpolation (the
  interpolation weights sum to 1), so this equals the spec's order at a
  quarter of the cost.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

IN_AFFINE = dict(type='IN', affine=True)
RELU = dict(type='ReLU')


def space_to_depth(x: Tensor, block_size: int = 2) -> Tensor:
    """Stack the ``block_size**2`` pixel phases of ``x`` as channels.

    ``B x C x H x W -> B x (block_size**2 * C) x H/bs x W/bs``; phase
    ``(i, j)`` (row offset ``i``, column offset ``j``) holds
    ``x[..., i::bs, j::bs]`` and occupies channels
    ``[(i * bs + j) * C, (i * bs + j + 1) * C)``, the order of the
    authors' ``hdc``. A lossless rearrangement: no pixel is dropped.
    """
    if x.dim() != 4:
        raise ValueError(f'space_to_depth expects a B x C x H x W tensor, '
                         f'got shape {tuple(x.shape)}')
    height, width = x.shape[-2:]
    if height % block_size or width % block_size:
        raise ValueError(f'space_to_depth needs H and W divisible by '
                         f'block_size={block_size}, got {height}x{width}')
    phases = [
        x[..., i::block_size, j::block_size] for i in range(block_size)
        for j in range(block_size)
    ]
    return torch.cat(phases, dim=1)


def upsample2x(x: Tensor, align_corners: bool = False) -> Tensor:
    """Bilinear x2 upsampling, the only resampling of the HSC network."""
    return F.interpolate(
        x, scale_factor=2, mode='bilinear', align_corners=align_corners)


def check_divisible(channels: int, num_branches: int, name: str) -> None:
    """Raise a ValueError unless ``channels`` splits into the branches."""
    if num_branches < 2:
        raise ValueError(f'num_branches must be >= 2, got {num_branches}')
    if channels <= 0 or channels % num_branches:
        raise ValueError(f'{name}={channels} must be a positive multiple of '
                         f'num_branches={num_branches}')


class HierarchicalCascade(BaseModule):
    """Res2Net-style cascade over channel groups.

    The input is split into ``num_branches`` groups ``x_0 .. x_{n-1}``;
    ``y_0 = x_0`` and ``y_k = conv_k(x_k + y_{k-1})``, each ``conv_k`` a
    Conv-Norm-Act with ``kernel_size`` (1x3 or 3x1). Later branches thus see
    growing receptive fields. Returns the list of branch outputs.
    """

    def __init__(self,
                 branch_channels: int,
                 num_branches: int,
                 kernel_size: Tuple[int, int],
                 norm_cfg: ConfigType = IN_AFFINE,
                 act_cfg: ConfigType = RELU,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        self.branch_channels = branch_channels
        padding = (kernel_size[0] // 2, kernel_size[1] // 2)
        self.convs = nn.ModuleList([
            ConvModule(
                branch_channels,
                branch_channels,
                kernel_size,
                padding=padding,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for _ in range(num_branches - 1)
        ])

    def forward(self, x: Tensor) -> List[Tensor]:
        groups = torch.split(x, self.branch_channels, dim=1)
        outputs = [groups[0]]
        for conv, group in zip(self.convs, groups[1:]):
            outputs.append(conv(group + outputs[-1]))
        return outputs


class SelectiveKernelAttention(BaseModule):
    """Channel-wise softmax weights across branches (selective kernel).

    The branches are summed and globally average-pooled, squeezed by one
    linear layer to ``max(branch_channels // 2, min_hidden)`` units and
    expanded by one linear layer per branch (implemented as one layer with
    ``num_branches * branch_channels`` outputs); a softmax across branches
    makes the weights of each channel sum to 1.
    """

    def __init__(self,
                 branch_channels: int,
                 num_branches: int,
                 min_hidden: int = 12,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        self.branch_channels = branch_channels
        self.num_branches = num_branches
        hidden = max(branch_channels // 2, min_hidden)
        self.squeeze = nn.Linear(branch_channels, hidden)
        self.excite = nn.Linear(hidden, num_branches * branch_channels)

    def forward(self, branches: Sequence[Tensor]) -> Tensor:
        """Return weights of shape ``B x num_branches x branch_channels``."""
        if len(branches) != self.num_branches:
            raise ValueError(f'expected {self.num_branches} branches, got '
                             f'{len(branches)}')
        pooled = torch.stack(list(branches)).sum(0).mean(dim=(2, 3))
        logits = self.excite(self.squeeze(pooled))
        logits = logits.view(-1, self.num_branches, self.branch_channels)
        return logits.softmax(dim=1)


class HSCBlock(BaseModule):
    """The multi-branch block (``Double_conv``) of the HSC network.

    1x1 Conv-Norm-Act to ``out_channels`` -> split into ``num_branches``
    groups -> cascade of 1x3 convs -> selective-kernel reweighting -> 1x1
    conv -> cascade of 3x1 convs -> concat -> 1x1 conv -> + shortcut -> act.
    Keeps the spatial size.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_branches: int = 6,
                 norm_cfg: ConfigType = IN_AFFINE,
                 act_cfg: ConfigType = RELU,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        check_divisible(out_channels, num_branches, 'out_channels')
        branch_channels = out_channels // num_branches
        self.reduce = ConvModule(
            in_channels, out_channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.horizontal_cascade = HierarchicalCascade(branch_channels,
                                                      num_branches, (1, 3),
                                                      norm_cfg, act_cfg)
        self.attention = SelectiveKernelAttention(branch_channels,
                                                  num_branches)
        self.mix = nn.Conv2d(out_channels, out_channels, 1)
        self.vertical_cascade = HierarchicalCascade(branch_channels,
                                                    num_branches, (3, 1),
                                                    norm_cfg, act_cfg)
        self.fuse = nn.Conv2d(out_channels, out_channels, 1)
        if in_channels == out_channels:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1)
        self.activate = build_activation_layer(act_cfg)

    def forward(self, x: Tensor) -> Tensor:
        branches = self.horizontal_cascade(self.reduce(x))
        # B x (num_branches * branch_channels) x 1 x 1, branch-major like
        # the concatenation below.
        weights = self.attention(branches).flatten(1)[..., None, None]
        out = self.mix(torch.cat(branches, dim=1) * weights)
        out = self.fuse(torch.cat(self.vertical_cascade(out), dim=1))
        return self.activate(out + self.shortcut(x))


class HSCDownBlock(BaseModule):
    """Encoder stage: an :class:`HSCBlock`, then a learned 2x downsampling.

    The block output (the skip feature) is downsampled by concatenating a
    2x2 max-pool and a strided 3x3 Conv-Norm-Act, which doubles the
    channels. ``forward`` returns ``(skip, down)``: ``out_channels`` at the
    input size and ``2 * out_channels`` at half of it.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_branches: int = 6,
                 norm_cfg: ConfigType = IN_AFFINE,
                 act_cfg: ConfigType = RELU,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        self.block = HSCBlock(in_channels, out_channels, num_branches,
                              norm_cfg, act_cfg)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.strided_conv = ConvModule(
            out_channels,
            out_channels,
            3,
            stride=2,
            padding=1,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        skip = self.block(x)
        down = torch.cat((self.pool(skip), self.strided_conv(skip)), dim=1)
        return skip, down


class HSCUpBlock(BaseModule):
    """Decoder stage: x2 bilinear upsampling, 1x1 conv to ``out_channels``,
    concat with the skip feature (``out_channels`` channels, twice the input
    size), then an :class:`HSCBlock` (``2 * out_channels -> out_channels``).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_branches: int = 6,
                 norm_cfg: ConfigType = IN_AFFINE,
                 act_cfg: ConfigType = RELU,
                 align_corners: bool = False,
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg)
        self.out_channels = out_channels
        self.align_corners = align_corners
        self.reduce = nn.Conv2d(in_channels, out_channels, 1)
        self.block = HSCBlock(2 * out_channels, out_channels, num_branches,
                              norm_cfg, act_cfg)

    def forward(self, x: Tensor, skip: Tensor) -> Tensor:
        if skip.shape[1] != self.out_channels:
            raise ValueError(f'skip feature must have {self.out_channels} '
                             f'channels, got shape {tuple(skip.shape)}')
        height, width = x.shape[-2:]
        if tuple(skip.shape[-2:]) != (2 * height, 2 * width):
            raise ValueError(f'skip feature of shape {tuple(skip.shape)} is '
                             f'not twice the size of the input '
                             f'{tuple(x.shape)}')
        x = upsample2x(self.reduce(x), self.align_corners)
        return self.block(torch.cat((x, skip), dim=1))
