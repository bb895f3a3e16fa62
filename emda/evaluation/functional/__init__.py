from .error_breakdown import ERROR_COUNTS, error_counts, error_summary
from .seg_scores import (aggregated_jaccard_index, binary_counts, dice,
                         dice_from_counts, instance_overlaps, jaccard,
                         jaccard_from_counts, panoptic_quality, slice_scores)

__all__ = [
    'ERROR_COUNTS', 'error_counts', 'error_summary', 'dice', 'jaccard',
    'binary_counts', 'dice_from_counts', 'jaccard_from_counts',
    'instance_overlaps', 'aggregated_jaccard_index', 'panoptic_quality',
    'slice_scores'
]
