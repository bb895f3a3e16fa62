"""Model selection a UDA / WDA user can do: a label-free criterion on the
target training slices, scored at every validation (DESIGN rule 12)."""
from typing import Dict, Optional

import numpy as np
import torch
from mmengine.evaluator import Evaluator
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from emda.registry import DATASETS, HOOKS
# the one place the prediction code is imported from
from ..pseudo_label_generator import FLIPS, predict_tasks


@HOOKS.register_module()
class LabelFreeSelectionHook(Hook):
    """After each validation, score the model with a label-free metric on
    unlabeled target slices and add the result to the validation metrics.

    The metric's keys (``label_free/score`` and its parts, with the
    default prefix) are added to the ``metrics`` dict that ``CheckpointHook``
    and ``LoggerHook`` receive, and to the message hub, so they are logged
    beside the (oracle) labeled validation scores and ``CheckpointHook(
    save_best='label_free/score')`` or ``SelfTrainingRoundHook(select_by=
    'label_free/score')`` select by them. The priority ``HIGH`` puts it
    after ``RuntimeInfoHook`` and before the logger and checkpoint hooks.

    Labels are never read: a dataset whose slices list label files is
    refused. Slices are split across ranks and the metric gathers them.

    Args:
        metric (dict): A label-free ``METRICS`` config, e.g.
            ``dict(type='PointInstanceMetric', point_ratio=0.15)`` (WDA,
            needs the dataset's ``points_file``) or
            ``dict(type='FlipAgreementMetric')`` (UDA).
        dataset (dict): Target slices with a label-free evaluation pipeline
            at the working scale (e.g. the pair's ``target_pseudo_source``,
            the slices that self-training pseudo-labels).
        tta (bool): Average ``prob_fg`` over the 4 flips. Default False.
    """

    priority = 'HIGH'

    def __init__(self, metric: dict, dataset: dict, tta: bool = False):
        if not isinstance(dataset, dict):
            raise TypeError('LabelFreeSelectionHook takes its target slices '
                            'as a dataset config (dict), e.g. the pair\'s '
                            'target_pseudo_source')
        self.metric_cfg = metric
        self.dataset_cfg = dataset
        self.tta = tta
        self.dataset = None
        self.evaluator: Optional[Evaluator] = None

    def _setup(self, runner) -> None:
        self.build(self.dataset_cfg)

    def build(self, dataset: dict) -> None:
        """Build the dataset and the metric; check that no labels are
        listed and that the points the metric needs are there."""
        if dataset.get('ann_path'):  # refused before building reads them
            raise ValueError(
                'LabelFreeSelectionHook must not see target labels, but its '
                f'dataset has ann_path={dataset["ann_path"]!r}: drop it')
        self.dataset = DATASETS.build(dataset)
        infos = [
            self.dataset.get_data_info(i) for i in range(len(self.dataset))
        ]
        labeled = [i['img_path'] for i in infos if i.get('seg_map_path')]
        if labeled:
            raise ValueError(
                'LabelFreeSelectionHook must not see target labels, but the '
                f'dataset lists label files (for {labeled[0]} ...): drop its '
                'ann_path')
        self.evaluator = Evaluator(self.metric_cfg)
        requires = set()
        for metric in self.evaluator.metrics:
            requires |= set(getattr(metric, 'requires', ()))
        self.requires = requires
        if 'points' in requires and not any(
                len(i.get('points', ())) for i in infos):
            raise ValueError('the label-free metric needs target points: '
                             'the dataset has no points_file (or no points)')

    def _sample(self, model, index: int) -> dict:
        """Predictions of slice ``index`` at the working scale, in the
        metric's sample format."""
        info = self.dataset.get_data_info(index)
        packed = self.dataset.pipeline(dict(info, seg_fields=[]))
        data = model.data_preprocessor(
            dict(
                inputs=[packed['inputs']],
                data_samples=[packed['data_samples']]), False)
        meta = packed['data_samples'].metainfo
        h, w = meta['img_shape'][:2]
        sample = dict(name=info['name'])
        if self.tta or 'prob_fg' in self.requires:
            prob = predict_tasks(model.segmentor, data['inputs'], self.tta)
            sample['prob_fg'] = prob['prob_fg'][0, :h, :w].float().numpy()
        if 'flip_prob_fg' in self.requires:
            views = []
            for dims in FLIPS:
                x = data['inputs'].flip(dims) if dims else data['inputs']
                p = predict_tasks(model.segmentor, x, tta=False)['prob_fg']
                p = p.flip([d - 1 for d in dims]) if dims else p
                views.append(p[0, :h, :w].float().numpy())
            sample['flip_prob_fg'] = np.stack(views)
        if 'points' in self.requires:
            scale = h / meta['ori_shape'][0]
            points = np.asarray(
                info.get('points', np.zeros(
                    (0, 2))), np.float64).reshape(-1, 2) * scale
            sample['points'] = np.clip(np.round(points), 0,
                                       [h - 1, w - 1]).astype(np.int64)
        return sample

    @torch.no_grad()
    def evaluate(self, model) -> Dict[str, float]:
        """Score ``model`` on this rank's share of the slices; the metric
        gathers all ranks' rows and returns the same scores everywhere."""
        from mmengine.dist import get_dist_info
        model = model.module if is_model_wrapper(model) else model
        rank, world_size = get_dist_info()
        n = len(self.dataset)
        # pad to a multiple of the world size like DefaultSampler: the
        # metric interleaves the ranks' rows and keeps the first n
        indices = list(range(n))
        indices += indices[:(-n) % world_size]
        was_training = model.training
        model.eval()
        try:
            for index in indices[rank::world_size]:
                self.evaluator.process([self._sample(model, index)])
        finally:
            model.train(was_training)
        return self.evaluator.evaluate(n)

    def after_val_epoch(self,
                        runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        if self.dataset is None:
            self._setup(runner)
        scores = self.evaluate(runner.model)
        for key, value in scores.items():
            runner.message_hub.update_scalar(f'val/{key}', value)
        if metrics is not None:
            metrics.update(scores)
        runner.logger.info('label-free selection: ' +
                           ', '.join(f'{k}: {v:.4f}'
                                     for k, v in scores.items()))
