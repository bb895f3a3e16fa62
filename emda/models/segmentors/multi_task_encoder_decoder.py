"""One backbone, three heads: segmentation, center detection, projection
(the paper's multitask network, METHOD_SPEC section 2)."""
from typing import Dict, List, Optional, Sequence

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.utils import add_prefix
from torch import Tensor

from emda.registry import MODELS

#: names of the ``mode='tensor'`` outputs
TASK_OUTPUTS = ('seg', 'det', 'proj')


@MODELS.register_module()
class MultiTaskEncoderDecoder(EncoderDecoder):
    """An mmseg ``EncoderDecoder`` with a center-detection head and a
    projection head on the same backbone features.

    - ``forward(mode='tensor')`` returns a dict: ``seg`` (B x 2 x H x W
      logits at input size), ``det`` (B x 1 x H x W non-negative heatmap,
      only with ``det_head``) and ``proj`` (B x D x h x w embedding at the
      projection head's resolution, only with ``proj_head``). One backbone
      pass feeds every head.
    - ``predict`` and ``mode='loss'`` behave as the plain segmentor (the
      detection and projection heads are skipped at inference), so the model
      tests and deploys like any mmseg segmentor. With ``det_loss`` set,
      ``loss`` adds the detection loss against ``gt_heatmap`` (samples
      packed by ``PackEMInputs`` with a ``GenerateCenterHeatmap`` target), so
      ``SourceOnly``/``Supervised`` train the multitask network too (the
      paper's source pretraining: ``CE + 0.05 MSE_det``).

    Args:
        det_head (dict, optional): e.g. ``CenterDetHead``.
        proj_head (dict, optional): e.g. ``ProjectionHead``.
        det_loss (dict, optional): loss of ``det`` vs ``gt_heatmap`` in
            ``loss``, e.g. ``WeightedHeatmapMSELoss(normalize='mean',
            loss_weight=0.05)``; None: segmentation loss only.
        Other arguments: see mmseg ``EncoderDecoder``.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 det_head: Optional[dict] = None,
                 proj_head: Optional[dict] = None,
                 det_loss: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 auxiliary_head: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg)
        self.det_head = MODELS.build(det_head) if det_head else None
        self.proj_head = MODELS.build(proj_head) if proj_head else None
        if det_loss is not None and self.det_head is None:
            raise ValueError('det_loss needs a det_head')
        self.det_loss = MODELS.build(det_loss) if det_loss else None

    @property
    def with_det_head(self) -> bool:
        return self.det_head is not None

    @property
    def with_proj_head(self) -> bool:
        return self.proj_head is not None

    def forward_tasks(
            self,
            inputs: Tensor,
            heads: Sequence[str] = TASK_OUTPUTS) -> Dict[str, Tensor]:
        """Head outputs of one backbone pass, by name (see class doc);
        ``heads`` limits which optional heads run (``seg`` always does)."""
        unknown = set(heads) - set(TASK_OUTPUTS)
        if unknown:
            raise ValueError(f'unknown heads {unknown}; expected a subset '
                             f'of {TASK_OUTPUTS}')
        feats = self.extract_feat(inputs)
        outputs = dict(
            seg=resize(
                self.decode_head.forward(feats),
                size=inputs.shape[2:],
                mode='bilinear',
                align_corners=self.align_corners))
        if self.with_det_head and 'det' in heads:
            det = self.det_head(feats)
            if det.shape[2:] != inputs.shape[2:]:
                det = resize(
                    det,
                    size=inputs.shape[2:],
                    mode='bilinear',
                    align_corners=self.align_corners)
            outputs['det'] = det
        if self.with_proj_head and 'proj' in heads:
            outputs['proj'] = self.proj_head(feats)
        return outputs

    def _forward(self,
                 inputs: Tensor,
                 data_samples: Optional[List] = None) -> Dict[str, Tensor]:
        return self.forward_tasks(inputs)

    def loss(self, inputs: Tensor, data_samples: List) -> dict:
        """Segmentation losses (mmseg), plus ``det.loss_det`` when
        ``det_loss`` is configured."""
        if self.det_loss is None:
            return super().loss(inputs, data_samples)
        feats = self.extract_feat(inputs)
        losses = self._decode_head_forward_train(feats, data_samples)
        if self.with_auxiliary_head:
            losses.update(
                self._auxiliary_head_forward_train(feats, data_samples))
        if any('gt_heatmap' not in s for s in data_samples):
            raise KeyError('det_loss needs gt_heatmap in every sample: put '
                           'GenerateCenterHeatmap in the train pipeline '
                           '(the pair configs\' labels_train_pipeline does)')
        target = torch.stack([s.gt_heatmap.data for s in data_samples])
        det = self.det_head(feats)
        if det.shape[2:] != target.shape[2:]:
            det = resize(det, size=target.shape[2:], mode='bilinear')
        losses.update(
            add_prefix(dict(loss_det=self.det_loss(det, target)), 'det'))
        return losses
