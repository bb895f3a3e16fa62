"""WDA-Net (arXiv 2210.13109 / 2404.00667), the paper's predecessor:
segmentation + center detection from sparse points, a counting constraint,
output-space adversarial alignment and entropy pseudo-labels
(METHOD_SPEC section 11)."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from emda.models.utils import (FrozenCounter, check_target_kernels,
                               masked_heatmap_loss, packed_heatmaps,
                               segmentation_outputs, stack_pixel_field)
from emda.registry import MODELS, TASK_UTILS
from .base_da_model import DomainInputs, DomainSamples
from .output_adversarial_da import OutputAdversarialDA
from .staged_da_model import StagedDAModel
from .staged_training import merge_stage_weights

#: METHOD_SPEC 11 (stage 0: the in-run source pretraining, see WDANet)
DEFAULT_LOSS_WEIGHTS = dict(
    pretrain=dict(src_seg=1.0, src_det=0.01, src_count=1.0),
    stage1=dict(src_seg=1.0, src_det=0.01, tgt_det=0.1, rank=1.0),
    stage2=dict(src_seg=1.0, src_det=0.1, tgt_seg=1.0, tgt_det=0.1, rank=1.0))
SOURCE_TERMS = ('src_seg', 'src_det', 'src_count')
TARGET_TERMS = ('tgt_seg', 'tgt_det', 'rank')

_stack = stack_pixel_field


def _points(samples, hint: str) -> List[Tensor]:
    """The (N, 2) ``(y, x)`` ``gt_points`` of every sample."""
    if any('gt_points' not in s for s in samples):
        raise KeyError(f'samples lack gt_points: {hint}')
    return [s.gt_points.reshape(-1, 2).float().cpu() for s in samples]


TARGET_HINT = ('train the target with the pair configs\' '
               'pseudo_points_train_pipeline on a dataset with points_file, '
               'under a SelfTrainingRoundHook')
SOURCE_HINT = (
    'train the source with the pair configs\' labels_train_pipeline '
    '(GenerateCenterHeatmap gives gt_heatmap and gt_points)')


@MODELS.register_module()
class WDANet(StagedDAModel, OutputAdversarialDA):
    """WDA-Net's task pyramid: counting constrains detection, detection
    guides segmentation.

    The segmentor is a ``MultiTaskEncoderDecoder`` with a ``det_head``; the
    :class:`CountHead` (``count_head``) reads its heatmap. Per stage (set by
    ``SelfTrainingRoundHook``; weights in ``loss_weights``, spec values by
    default, a 0 weight skips a term):

    - stage 0, source pretraining in the run: ``CE + 0.01 L_det^s +
      MSE(count, N_gt)``; ``L_det^s`` is the MSE weighted by ``1 + 3
      G_11(centers)``, ``N_gt`` the number of source instance centers. No
      target, no discriminator update.
    - stage 1: source ``CE + 0.01 L_det^s``; target ``0.001 L_adv + 0.1
      L_det^t + (1 - i/N) L_rank``. ``L_det^t`` is the MSE to Gaussians at
      the annotated points, masked to the confident background of the
      current prediction (``p_fg < 0.1`` and argmax background) plus the
      Gaussians' support, divided by the mask size.
    - stage 2: source ``CE + 0.1 L_det^s``; target ``0.001 L_adv + 0.1
      L_det^t + CE(pseudo-label) + (1 - i/N) L_rank`` with the detection
      background ``pseudo-label == 0``. The pseudo-labels come from the
      round hook's selector (``EntropySelector``).

    ``L_adv`` is the output-space adversarial loss on the target softmax
    (``FCDiscriminator``, BCE; the discriminator step is the shared one of
    :class:`OutputAdversarialDA`). ``L_rank`` (``CountRankingLoss``, margin
    3) keeps the count head's target count within 3 of a frozen
    source-trained counter's; ``i`` counts the iterations of the current
    stage and ``N = rank_decay_iters``.

    The frozen counter: WDA-Net trains a separate counting model on the
    source for 50k iterations. Here the counting path of this model
    (segmentor + count head), trained on the source in stage 0, is copied
    when the first adaptation stage starts (``set_stage(>=1)``, after the
    round hook loaded the best checkpoint) into ``frozen_counter``, without
    gradients and always in eval mode. It lives in the state dict (with the
    ``counter_ready`` flag), so checkpoints carry it and resuming keeps it.

    Cross-position cut-and-paste (target, training only, batch level): the
    ``mixer`` (:class:`~emda.models.utils.CrossPositionPaste`) pastes, with
    probability ``prob`` per image, the ``W x W`` window of another target
    image of the batch with the most annotated points into the window of
    this image with the fewest, with its points and pseudo-label. The
    detection targets are the pipeline's packed ``gt_heatmap`` /
    ``gt_center_weight``; only a pasted image's heatmap is re-rendered from
    its moved points (in torch, by the point/heatmap codec). WDA-Net draws
    the donor from the whole target set; a batch of one pastes nothing.

    Args:
        segmentor (dict): A ``MultiTaskEncoderDecoder`` with a ``det_head``.
        count_head (dict): ``CountHead`` config; ``kernel_size`` defaults
            to ``heatmap_kernel``.
        discriminator (dict, optional): ``FCDiscriminator`` config (WDA-Net:
            ``norm_cfg=dict(type='GN', num_groups=32)``); None trains
            without ``L_adv`` through ``loss()`` and one optimizer.
        gan_type (str): ``'bce'`` (WDA-Net) or ``'ls'``.
        lambda_adv (float): Weight of ``L_adv`` in stages 1 and 2 (0.001).
        loss_weights (dict, optional): Per stage (``pretrain``, ``stage1``,
            ``stage2``) weights of ``src_seg``, ``src_det``, ``src_count``
            and (stages 1, 2) ``tgt_seg``, ``tgt_det``, ``rank``.
        rank_loss (dict): ``CountRankingLoss`` (margin 3).
        rank_decay_iters (int): ``N`` of the ``1 - i/N`` weight of
            ``L_rank`` (WDA-Net: 100k, the length of each stage).
        src_det_loss, tgt_det_loss (dict): ``WeightedHeatmapMSELoss``.
        tgt_seg_loss (dict): Pseudo-label CE (ignore 255).
        heatmap_kernel (int): Gaussian kernel of the heatmaps at the
            working scale (61 px at full resolution).
        center_kernel (int): Kernel of the ``G_11`` center emphasis (11).
        det_bg_threshold (float): Stage-1 detection background is
            ``p_fg <`` this (0.1).
        mixer (dict, optional): ``TASK_UTILS`` batch mixer of the target
            (``CrossPositionPaste(prob=0.5)``); None disables it.
    """

    GENERATOR_KEYS = ('segmentor', 'count_head')

    def __init__(self,
                 segmentor: dict,
                 count_head: dict = dict(type='CountHead'),
                 discriminator: Optional[dict] = dict(type='FCDiscriminator'),
                 gan_type: str = 'bce',
                 lambda_adv: float = 0.001,
                 loss_weights: Optional[dict] = None,
                 rank_loss: dict = dict(type='CountRankingLoss', margin=3.0),
                 rank_decay_iters: int = 100000,
                 src_det_loss: dict = dict(
                     type='WeightedHeatmapMSELoss',
                     normalize='mean',
                     center_weight=3.0),
                 tgt_det_loss: dict = dict(
                     type='WeightedHeatmapMSELoss', normalize='mask'),
                 tgt_seg_loss: dict = dict(
                     type='CrossEntropyLoss', avg_non_ignore=True),
                 heatmap_kernel: int = 61,
                 center_kernel: int = 11,
                 det_bg_threshold: float = 0.1,
                 mixer: Optional[dict] = dict(
                     type='CrossPositionPaste', prob=0.5),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            segmentor=segmentor,
            discriminator=discriminator,
            gan_type=gan_type,
            lambda_adv=lambda_adv,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if not getattr(self.segmentor, 'with_det_head', False):
            raise ValueError('WDANet needs a MultiTaskEncoderDecoder with a '
                             'det_head (the count head reads its heatmap)')
        count_head = dict(count_head)
        count_head.setdefault('kernel_size', heatmap_kernel)
        if count_head['kernel_size'] != heatmap_kernel:
            raise ValueError(f'count_head.kernel_size '
                             f'({count_head["kernel_size"]}) must equal '
                             f'heatmap_kernel ({heatmap_kernel}): one '
                             'Gaussian counts as one instance')
        self.count_head = MODELS.build(count_head)
        self.loss_weights = merge_stage_weights(
            DEFAULT_LOSS_WEIGHTS, loss_weights or {}, {
                stage: SOURCE_TERMS + (TARGET_TERMS if stage != 'pretrain' else
                                       ())
                for stage in DEFAULT_LOSS_WEIGHTS
            })
        if rank_decay_iters < 1:
            raise ValueError(f'rank_decay_iters must be >= 1, got '
                             f'{rank_decay_iters}')
        self.rank_loss = MODELS.build(rank_loss)
        self.rank_decay_iters = int(rank_decay_iters)
        self.src_det_loss = MODELS.build(src_det_loss)
        self.tgt_det_loss = MODELS.build(tgt_det_loss)
        self.tgt_seg_loss = MODELS.build(tgt_seg_loss)
        self.heatmap_kernel = int(heatmap_kernel)
        self.center_kernel = int(center_kernel)
        self.det_bg_threshold = float(det_bg_threshold)
        self.mixer = TASK_UTILS.build(mixer) if mixer else None
        # the source-trained counter (filled by set_stage, see class doc)
        self.frozen_counter = FrozenCounter(self.segmentor, self.count_head)
        self.register_buffer('counter_ready', torch.tensor(0))

    # ------------------------------------------------------------ stages
    def on_stage_change(self, previous: int, stage: int) -> None:
        """Entering an adaptation stage snapshots the counter once (see
        class doc); the stage change itself restarts ``stage_step`` (the
        ``1 - i/N`` decay, :class:`StagedDAModel`)."""
        if stage > 0 and not int(self.counter_ready):
            self.snapshot_counter()

    @torch.no_grad()
    def snapshot_counter(self) -> None:
        """Copy the current segmentor and count head into the frozen
        counter."""
        self.frozen_counter.copy_from(self.segmentor, self.count_head)
        self.counter_ready.fill_(1)

    @torch.no_grad()
    def reference_count(self, inputs: Tensor) -> Tensor:
        """Counts (B,) of the frozen source-trained counter."""
        if not int(self.counter_ready):
            raise RuntimeError('the frozen counter is empty: it is copied '
                               'from the model by set_stage(1 or 2)')
        return self.frozen_counter(inputs)

    def rank_weight(self) -> float:
        """``1 - i/N`` (floored at 0), ``i`` = steps in this stage."""
        return max(0., 1. - int(self.stage_step) / self.rank_decay_iters)

    # ------------------------------------------------------------ losses
    def discriminator_input(self, logits: Tensor) -> Tensor:
        """The target softmax (output-space alignment)."""
        return logits.softmax(dim=1)

    def _source_losses(self, inputs: Tensor, samples,
                       w: dict) -> Tuple[dict, Tensor]:
        logits, det = segmentation_outputs(self.segmentor, inputs)
        losses = {}
        if w.get('src_seg', 0) > 0:
            losses.update(
                self.supervised_loss(
                    samples, seg_logits=logits, weight=w['src_seg']))
        if w.get('src_det', 0) > 0 or w.get('src_count', 0) > 0:
            points = _points(samples, SOURCE_HINT)
        if w.get('src_det', 0) > 0:
            check_target_kernels(samples, center_kernel=self.center_kernel)
            centers = _stack(samples, 'gt_center_weight', SOURCE_HINT)
            losses['src.loss_det'] = w['src_det'] * masked_heatmap_loss(
                self.src_det_loss,
                det[:, None],
                packed_heatmaps(samples, SOURCE_HINT, self.heatmap_kernel),
                centers=centers)
        if w.get('src_count', 0) > 0:
            count = self.count_head(det[:, None])[0]
            n_gt = torch.tensor([float(len(p)) for p in points],
                                device=count.device)
            losses['src.loss_count'] = w['src_count'] * F.mse_loss(count, n_gt)
            losses['src.count_error'] = (count.detach() - n_gt).abs().mean()
        return losses, logits

    def _target_losses(self, inputs: Tensor, samples, w: dict,
                       stage: int) -> Tuple[dict, Tensor]:
        points = _points(samples, TARGET_HINT)
        pseudo = None
        if stage == 2:
            pseudo = _stack(samples, 'gt_pseudo_seg', TARGET_HINT).long()
        losses, moved = {}, None
        if self.training and self.mixer is not None and self.mixer.prob > 0:
            mixed = self.mixer(inputs, points,
                               [] if pseudo is None else [pseudo])
            inputs = mixed.images
            pseudo = mixed.fields[0] if pseudo is not None else None
            moved = [
                p if pasted else None
                for p, pasted in zip(mixed.points, mixed.pasted)
            ]
            losses['tgt.paste_fraction'] = inputs.new_tensor(
                sum(mixed.pasted) / len(points))
        logits, det = segmentation_outputs(self.segmentor, inputs)
        if self.discriminator is not None and self.lambda_adv > 0:
            pred = self.discriminator(self.discriminator_input(logits))
            losses['adv.loss_adv_tgt'] = self.lambda_adv * \
                self.adversarial_loss(pred, target_is_real=True)
        if w.get('tgt_det', 0) > 0:
            if stage == 1:  # confident background of the prediction
                prob = logits.detach().softmax(1)
                background = (prob[:, 1] < self.det_bg_threshold) & (
                    prob.argmax(1) == 0)
            else:
                background = pseudo == 0
            losses['tgt.loss_det'] = w['tgt_det'] * masked_heatmap_loss(
                self.tgt_det_loss,
                det[:, None],
                packed_heatmaps(samples, TARGET_HINT, self.heatmap_kernel,
                                moved),
                background=background)
        if stage == 2:
            losses['tgt.pl_fg_fraction'] = (pseudo == 1).float().mean()
            if w.get('tgt_seg', 0) > 0:
                losses['tgt.loss_seg'] = w['tgt_seg'] * self.tgt_seg_loss(
                    logits, pseudo, ignore_index=255)
        if w.get('rank', 0) > 0:
            count = self.count_head(det[:, None])[0]
            ref = self.reference_count(inputs)
            decay = self.rank_weight()
            losses['tgt.loss_rank'] = w['rank'] * decay * self.rank_loss(
                count, ref)
            losses['tgt.count'] = count.detach().mean()
            losses['tgt.count_ref'] = ref.mean()
            losses['tgt.rank_weight'] = count.new_tensor(decay)
        return losses, logits

    def segmentor_losses(
        self, inputs: DomainInputs, data_samples: DomainSamples
    ) -> Tuple[Dict[str, Tensor], Tensor, Optional[Tensor]]:
        """The stage's losses (step (a)) and the source and target logits;
        the target logits are None in stage 0 (no discriminator step)."""
        stage, w = int(self.stage), self.weights()
        self.require_domain(inputs, 'source')
        losses, src_logits = self._source_losses(inputs['source'],
                                                 data_samples['source'], w)
        tgt_logits = None
        if stage > 0:
            self.require_domain(inputs, 'target')
            tgt_losses, tgt_logits = self._target_losses(
                inputs['target'], data_samples['target'], w, stage)
            losses.update(tgt_losses)
        return losses, src_logits, tgt_logits

    def loss(self, inputs: DomainInputs, data_samples: DomainSamples) -> dict:
        """The stage's losses without a discriminator (with one, training
        goes through :meth:`train_step`)."""
        if self.discriminator is not None:
            return super().loss(inputs, data_samples)  # raises
        return self.segmentor_losses(inputs, data_samples)[0]
