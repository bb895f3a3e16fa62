from .em_seg_metric import EMSegMetric
from .label_free_flip_metric import FlipAgreementMetric
from .label_free_point_metric import PointInstanceMetric

__all__ = ['EMSegMetric', 'FlipAgreementMetric', 'PointInstanceMetric']
