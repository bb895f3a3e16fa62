from .hsc_blocks import (HierarchicalCascade, HSCBlock, HSCDownBlock,
                         HSCUpBlock, SelectiveKernelAttention, space_to_depth)
from .hsc_net import HSCNet

__all__ = [
    'HSCNet', 'HSCBlock', 'HSCDownBlock', 'HSCUpBlock', 'HierarchicalCascade',
    'SelectiveKernelAttention', 'space_to_depth'
]
