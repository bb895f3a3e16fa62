from .anchor_sampler import (check_dense_inputs, gather_pixel_features,
                             sample_anchors)
from .kmeans import kmeans
from .prototype_bank import PrototypeBank, PrototypeMemory

__all__ = [
    'PrototypeBank', 'PrototypeMemory', 'kmeans', 'sample_anchors',
    'gather_pixel_features', 'check_dense_inputs'
]
