from .em_seg_metric import EMSegMetric

__all__ = ['EMSegMetric']
