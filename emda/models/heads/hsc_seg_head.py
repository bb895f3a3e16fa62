"""Segmentation head of the HSC network (METHOD_SPEC section 2, item 7)."""
from typing import List

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor

from emda.registry import MODELS
from ..backbones.hsc_blocks import HSCBlock, upsample2x


@MODELS.register_module()
class HSCSegHead(BaseDecodeHead):
    """One :class:`HSCBlock` on the last decoder feature, then logits at
    input resolution.

    ``HSCBlock(in_channels -> channels)`` at H/2 -> 1x1 ``conv_seg`` ->
    bilinear x2. The spec upsamples before the 1x1 conv; both orders are
    identical (a 1x1 conv commutes with bilinear interpolation) and this
    one is cheaper. With ``dropout_ratio > 0`` (0 by default, as in the
    paper) dropout acts on the H/2 features.

    Args:
        num_branches (int): Channel groups of the block. Default: 6.
        dropout_ratio (float): Dropout before ``conv_seg``. Default: 0.
        norm_cfg (dict): Norm layers. Default: InstanceNorm with affine.
        **kwargs: :class:`BaseDecodeHead` arguments (``in_channels``,
            ``channels``, ``num_classes``, ``in_index`` (use 0 with
            :class:`HSCNet`), ``loss_decode`` ...). ``input_transform`` must
            be None: the head reads one feature map.
    """

    def __init__(self,
                 num_branches: int = 6,
                 dropout_ratio: float = 0.,
                 norm_cfg: dict = dict(type='IN', affine=True),
                 **kwargs):
        super().__init__(
            dropout_ratio=dropout_ratio, norm_cfg=norm_cfg, **kwargs)
        if self.input_transform is not None:
            raise ValueError('HSCSegHead reads a single feature map: '
                             f'input_transform must be None, got '
                             f'{self.input_transform!r}')
        self.block = HSCBlock(
            self.in_channels,
            self.channels,
            num_branches,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Return ``B x out_channels x 2h x 2w`` logits for an ``h x w``
        input feature (the image size for :class:`HSCNet`'s ``u4``)."""
        x = self.block(self._transform_inputs(inputs))
        return upsample2x(self.cls_seg(x), self.align_corners)
