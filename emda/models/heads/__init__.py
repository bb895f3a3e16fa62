from .center_det_head import CenterDetHead
from .count_head import CountHead
from .hsc_seg_head import HSCSegHead
from .projection_head import ProjectionHead

__all__ = ['HSCSegHead', 'CenterDetHead', 'ProjectionHead']
__all__ += ['CountHead']
