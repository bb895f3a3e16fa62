"""Label-free model selection for the unsupervised setting: agreement of
the predictions under flips."""
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from emda.registry import METRICS


@METRICS.register_module()
class FlipAgreementMetric(BaseMetric):
    """Dice between the foreground predicted on a slice and on its flips.

    Per slice, the foreground ``prob >= threshold`` of the identity view is
    compared with that of each flipped view (flipped back); intersections
    and sizes are summed over all slices, so ``score`` is a pooled Dice in
    [0, 1]. A model that predicts no foreground at all scores 0 (nothing
    agrees), so collapsing to background does not win; a model that floods
    the slice does agree with itself, which is why ``fg_fraction`` is
    reported beside it. Samples are dicts with ``flip_prob_fg`` (F x H x W,
    the identity first, every view already flipped back).

    Args:
        threshold (float): Foreground probability threshold. Default 0.5.
        prefix (str): Metric-name prefix. Default ``'label_free'``.
    """

    requires = ('flip_prob_fg', )

    def __init__(self,
                 threshold: float = 0.5,
                 prefix: str = 'label_free',
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.threshold = threshold

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Intersections and sizes of the identity vs. each flipped view."""
        for sample in data_samples:
            views = np.asarray(sample['flip_prob_fg']) >= self.threshold
            if len(views) < 2:
                raise ValueError('FlipAgreementMetric needs at least two '
                                 f'views, got {len(views)}')
            ref, others = views[0], views[1:]
            self.results.append(
                dict(
                    inter=int((others & ref).sum()),
                    size=int(others.sum() + len(others) * ref.sum()),
                    fg_fraction=float(ref.mean())))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        inter = sum(r['inter'] for r in results)
        size = sum(r['size'] for r in results)
        return dict(
            score=2 * inter / size if size else 0.,
            fg_fraction=float(np.mean([r['fg_fraction'] for r in results])))
