"""Label-free model selection for the weakly supervised setting: how well
the predicted instances agree with the sparse target points."""
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from emda.registry import METRICS
from emda.utils.instances import label_instances


@METRICS.register_module()
class PointInstanceMetric(BaseMetric):
    """Instance-level F1 estimated from target points alone (no labels).

    The points mark one pixel (the innermost) of a random fraction
    ``point_ratio`` of the mitochondria. Per slice, the foreground
    ``prob_fg >= threshold`` is split into connected components (smaller
    than ``min_size`` pixels dropped); a component *matches* when it holds
    at least one point. Over all slices:

    - ``recall = matched / points``: a component holding k points matches
      once, so merging instances (in the limit, predicting everything as
      foreground) loses recall, and missing them does too;
    - ``precision = min(1, matched / (point_ratio * components))``: a true
      predicted instance holds a point with probability ``point_ratio``, so
      this estimates the fraction of predicted components that are real;
      spurious or fragmented components lower it;
    - ``score``: their harmonic mean (F1).

    Also reported: ``point_hit`` (points inside the foreground),
    ``components`` per slice and ``fg_fraction``. What points cannot
    tell: the extent of an instance (a blob that grows without merging
    scores the same). Samples are dicts with ``prob_fg`` (H x W) and
    ``points`` ((K, 2) (y, x) at the prediction's scale).

    Args:
        point_ratio (float): Fraction of instances that carry a point (the
            protocol's 15 % -> 0.15).
        threshold (float): Foreground probability threshold. Default 0.5.
        min_size (int): Components below this many pixels are ignored.
            Default 4.
        prefix (str): Metric-name prefix. Default ``'label_free'``.
    """

    requires = ('prob_fg', 'points')

    def __init__(self,
                 point_ratio: float,
                 threshold: float = 0.5,
                 min_size: int = 4,
                 prefix: str = 'label_free',
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < point_ratio <= 1:
            raise ValueError(
                f'point_ratio must be in (0, 1], got {point_ratio}')
        self.point_ratio = point_ratio
        self.threshold = threshold
        self.min_size = min_size

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Count points, matched and predicted components per slice."""
        for sample in data_samples:
            fg = np.asarray(sample['prob_fg']) >= self.threshold
            labels = label_instances(fg, min_size=self.min_size)
            points = np.asarray(sample['points'], np.int64).reshape(-1, 2)
            at_points = labels[points[:, 0], points[:, 1]]
            self.results.append(
                dict(
                    points=len(points),
                    hit=int((fg[points[:, 0], points[:, 1]]).sum()),
                    matched=len(np.unique(at_points[at_points > 0])),
                    components=int(labels.max()),
                    fg_fraction=float(fg.mean())))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        total = {
            k: sum(r[k] for r in results)
            for k in ('points', 'hit', 'matched', 'components')
        }
        if total['points'] == 0:
            raise ValueError('PointInstanceMetric: the dataset has no '
                             'points (set its points_file; without points '
                             'use FlipAgreementMetric)')
        recall = total['matched'] / total['points']
        precision = 0. if total['components'] == 0 else min(
            1., total['matched'] / (self.point_ratio * total['components']))
        score = 0. if recall + precision == 0 else (2 * recall * precision /
                                                    (recall + precision))
        return dict(
            score=score,
            recall=recall,
            precision=precision,
            point_hit=total['hit'] / total['points'],
            components=total['components'] / len(results),
            fg_fraction=float(np.mean([r['fg_fraction'] for r in results])))
