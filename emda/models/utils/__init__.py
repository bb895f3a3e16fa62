from .anchor_sampler import (check_dense_inputs, gather_pixel_features,
                             sample_anchors)
from .cross_position_paste import (CrossPositionPaste, PointPasteResult,
                                   cross_position_paste, window_point_counts)
from .frozen_counter import FrozenCounter
from .packed_targets import (check_target_kernels, masked_heatmap_loss,
                             packed_heatmaps, stack_pixel_field)
from .kmeans import kmeans
from .prototype_bank import PrototypeBank, PrototypeMemory
from .segmentor_outputs import segmentation_outputs
from .source_mixing import (MIX_MODES, classmix_mask, cutmix_mask,
                            paste_source)
from .strong_intensity_augment import StrongIntensityAugment

__all__ = [
    'PrototypeBank', 'PrototypeMemory', 'kmeans', 'sample_anchors',
    'gather_pixel_features', 'check_dense_inputs'
]
__all__ += [
    'segmentation_outputs', 'MIX_MODES', 'classmix_mask', 'cutmix_mask',
    'paste_source', 'StrongIntensityAugment'
]
__all__ += [
    'cross_position_paste', 'window_point_counts', 'CrossPositionPaste',
    'PointPasteResult', 'FrozenCounter', 'check_target_kernels',
    'masked_heatmap_loss', 'packed_heatmaps', 'stack_pixel_field'
]
