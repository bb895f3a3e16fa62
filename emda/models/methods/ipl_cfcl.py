"""IPL-CFCL (arXiv 2510.16450): multitask segmentation + center detection
with cross-teaching, class-focused cross-domain prototype contrast and
instance-aware pseudo-label self-training (METHOD_SPEC sections 3-7)."""
from typing import Dict, Optional

import torch
from torch import Tensor

from emda.models.utils import (PrototypeBank, check_target_kernels,
                               masked_heatmap_loss, stack_pixel_field)
from emda.registry import MODELS
from emda.utils.distributed import gather_batches
from .base_da_model import DomainInputs, DomainSamples
from .staged_da_model import StagedDAModel
from .staged_training import merge_stage_weights

#: METHOD_SPEC 3, "defensible reading for the full method"
DEFAULT_LOSS_WEIGHTS = dict(
    pretrain=dict(src_seg=1.0, src_det=0.05),
    stage1=dict(src_seg=1.0, src_det=0.05, tgt_det=0.01, contrast=1.0),
    stage2=dict(tgt_seg=1.0, tgt_det=0.01, contrast=0.005))
LOSS_TERMS = ('src_seg', 'src_det', 'tgt_seg', 'tgt_det', 'contrast')

TARGET_HINT = (
    'train the target with the pair configs\' pseudo_train_pipeline under '
    'a SelfTrainingRoundHook')


def _stack(samples, key: str) -> Tensor:
    return stack_pixel_field(samples, key, TARGET_HINT)


@MODELS.register_module()
class IPLCFCL(StagedDAModel):
    """The paper's weakly supervised (and UDA) domain adaptation method.

    The segmentor is a ``MultiTaskEncoderDecoder`` (segmentation, center
    detection and projection heads). Losses per stage (weights in
    ``loss_weights``, spec values by default; a 0 weight skips the term):

    - stage 0 (source pretraining): ``L_seg^s + 0.05 L_det^s``;
    - stage 1: ``L_seg^s + 0.05 L_det^s + 0.01 L_det^t + 1.0 L_con``;
    - stage 2: ``L_seg^t + 0.01 L_det^t + 0.005 L_con``.

    ``L_det^s`` is the MSE to Gaussians at the source label's instance
    centroids; ``L_det^t`` the masked, center-weighted MSE to Gaussians at
    the centroids of the pseudo-label instances (segmentation teaching
    detection; the mask is the round's detection background plus the
    Gaussians); ``L_seg^t`` the CE to the instance-aware pseudo-label
    (detection teaching segmentation, built by the round hook); ``L_con``
    the class-focused prototype InfoNCE with target anchors (stage 1:
    ``p_c > anchor_conf``; stage 2: the pseudo-label classes).

    The prototype banks are refreshed every ``prototype_interval`` training
    steps (and whenever a class lacks prototypes) from the current batch;
    the banks, the stage and the step counter are buffers, so checkpoints
    carry them. Under DDP the refresh reads the batches of all ranks, so
    every rank holds the same banks. The stage is set by ``SelfTrainingRoundHook``.

    Args:
        segmentor (dict): A ``MultiTaskEncoderDecoder`` with ``det_head``
            (and ``proj_head`` when contrast is on).
        loss_weights (dict, optional): Per stage name (``pretrain``,
            ``stage1``, ``stage2``) the weights of ``src_seg``, ``src_det``,
            ``tgt_seg``, ``tgt_det``, ``contrast`` overriding the defaults.
        src_det_loss, tgt_det_loss (dict): Heatmap losses (unit weight).
        tgt_seg_loss (dict): Pseudo-label CE (ignore 255).
        contrast_loss (dict): ``PrototypeContrastLoss`` (unit weight).
        prototype_bank (dict): ``PrototypeBank`` arguments.
        prototype_interval (int): Steps between bank refreshes (500).
        anchor_conf (float): Stage-1 anchor/prototype confidence (0.95).
        center_kernel (int): Kernel of the target center emphasis map (11),
            checked against the packed ``gt_center_weight``.
    """

    def __init__(self,
                 segmentor: dict,
                 loss_weights: Optional[dict] = None,
                 src_det_loss: dict = dict(
                     type='WeightedHeatmapMSELoss', normalize='mean'),
                 tgt_det_loss: dict = dict(
                     type='WeightedHeatmapMSELoss',
                     normalize='mask',
                     center_weight=3.0),
                 tgt_seg_loss: dict = dict(
                     type='CrossEntropyLoss', avg_non_ignore=True),
                 contrast_loss: dict = dict(
                     type='PrototypeContrastLoss', temperature=0.5),
                 prototype_bank: dict = dict(),
                 prototype_interval: int = 500,
                 anchor_conf: float = 0.95,
                 center_kernel: int = 11,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            segmentor=segmentor,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.loss_weights = merge_stage_weights(
            DEFAULT_LOSS_WEIGHTS, loss_weights or {},
            {stage: LOSS_TERMS
             for stage in DEFAULT_LOSS_WEIGHTS})
        if not getattr(self.segmentor, 'with_det_head', False):
            raise ValueError('IPLCFCL needs a MultiTaskEncoderDecoder with '
                             'a det_head')
        self.with_contrast = any(
            w.get('contrast', 0) > 0 for w in self.loss_weights.values())
        if self.with_contrast and not self.segmentor.with_proj_head:
            raise ValueError('contrast weights > 0 need a proj_head on the '
                             'segmentor (or set them to 0)')
        if prototype_interval < 1:
            raise ValueError('prototype_interval must be >= 1')
        self.src_det_loss = MODELS.build(src_det_loss)
        self.tgt_det_loss = MODELS.build(tgt_det_loss)
        self.tgt_seg_loss = MODELS.build(tgt_seg_loss)
        self.contrast_loss = MODELS.build(contrast_loss)
        self.prototype_bank = PrototypeBank(**prototype_bank)
        self.prototype_interval = int(prototype_interval)
        self.anchor_conf = float(anchor_conf)
        self.center_kernel = int(center_kernel)

    # ----------------------------------------------------------- losses
    def _source_losses(self, out: dict, samples, w: dict) -> dict:
        losses = {}
        if w.get('src_seg', 0) > 0:
            losses.update(
                self.supervised_loss(
                    samples, seg_logits=out['seg'], weight=w['src_seg']))
        if w.get('src_det', 0) > 0:
            target = _stack(samples, 'gt_heatmap')
            losses['src.loss_det'] = w['src_det'] * self.src_det_loss(
                out['det'], target)
        return losses

    def _target_det_loss(self, det: Tensor, samples) -> Tensor:
        """Masked, center-weighted MSE (METHOD_SPEC 3, ``L_det^t``)."""
        # rendered once, in the pipeline (GenerateCenterHeatmap)
        check_target_kernels(samples, center_kernel=self.center_kernel)
        return masked_heatmap_loss(
            self.tgt_det_loss,
            det,
            _stack(samples, 'gt_heatmap'),
            background=_stack(samples, 'gt_det_background') == 1,
            centers=_stack(samples, 'gt_center_weight'))

    def _contrast(self, src_inputs: Tensor, src_out: Optional[dict],
                  src_samples, tgt_out: dict, pseudo: Tensor,
                  point_instances: Tensor) -> Tensor:
        """Refresh the banks when due, then the class-focused InfoNCE."""
        feats = tgt_out['proj']
        prob_fg = tgt_out['seg'].detach().softmax(1)[:, 1]
        if int(self.stage) == 1:
            fg_mask = prob_fg > self.anchor_conf
            bg_mask = (1 - prob_fg) > self.anchor_conf
        else:
            fg_mask, bg_mask = pseudo == 1, pseudo == 0
        bank = self.prototype_bank
        if int(self.step) % self.prototype_interval == 0 \
                or not bank.is_ready():
            if src_out is None:
                with torch.no_grad():
                    src_out = self.segmentor(src_inputs, mode='tensor')
            # from the global batch under DDP: the banks stay equal on
            # every rank
            src_feats, src_prob, src_gt, tgt_feats, fg, bg, inst = \
                gather_batches(src_out['proj'],
                               src_out['seg'].detach().softmax(1)[:, 1],
                               _stack(src_samples, 'gt_sem_seg'), feats,
                               fg_mask, bg_mask, point_instances & fg_mask)
            bank.update_source(src_feats, src_prob, src_gt, self.anchor_conf)
            bank.update_target(tgt_feats, fg, bg, inst)
        if not bank.is_ready():
            return feats.sum() * 0.
        return self.contrast_loss(feats, prob_fg, fg_mask, bg_mask, bank)

    def loss(self, inputs: DomainInputs, data_samples: DomainSamples) -> dict:
        w = self.weights()
        losses: Dict[str, Tensor] = {}
        self.require_domain(inputs, 'source')
        src_out = None
        if w.get('src_seg', 0) > 0 or w.get('src_det', 0) > 0:
            src_out = self.segmentor(inputs['source'], mode='tensor')
            losses.update(
                self._source_losses(src_out, data_samples['source'], w))
        if int(self.stage) > 0:
            self.require_domain(inputs, 'target')
            samples = data_samples['target']
            tgt_out = self.segmentor(inputs['target'], mode='tensor')
            pseudo = _stack(samples, 'gt_pseudo_seg').long()
            losses['tgt.pl_fg_fraction'] = (pseudo == 1).float().mean()
            losses['tgt.pl_ignore_fraction'] = (pseudo == 255).float().mean()
            if w.get('tgt_seg', 0) > 0:
                losses['tgt.loss_seg'] = w['tgt_seg'] * self.tgt_seg_loss(
                    tgt_out['seg'], pseudo, ignore_index=255)
            if w.get('tgt_det', 0) > 0:
                losses['tgt.loss_det'] = w['tgt_det'] * \
                    self._target_det_loss(tgt_out['det'], samples)
            if w.get('contrast', 0) > 0:
                point_instances = _stack(samples, 'gt_point_instances') == 1
                losses['tgt.loss_con'] = w['contrast'] * self._contrast(
                    inputs['source'], src_out, data_samples['source'], tgt_out,
                    pseudo, point_instances)
        return losses
