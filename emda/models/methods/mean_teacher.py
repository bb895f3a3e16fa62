"""Mean teacher self-training with source mixing (DACS-style)."""
import copy
from functools import partial
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmseg.models.losses import cross_entropy

from emda.registry import MODELS, TASK_UTILS
from ..selectors import IGNORE_INDEX, BaseSelector
from ..utils import (MIX_MODES, classmix_mask, cutmix_mask, paste_source,
                     segmentation_outputs)
from .base_da_model import BaseDAModel, DomainInputs, DomainSamples


@MODELS.register_module()
class MeanTeacher(BaseDAModel):
    """Self-training on the target from an EMA teacher's pseudo-labels,
    with source pixels mixed in (Tarvainen & Valpola 2017; Tranheden et al.,
    DACS, WACV 2021).

    Per iteration:

    1. source: the segmentor's own supervised loss (``src.*``);
    2. the teacher (an EMA copy of the segmentor, ``self.teacher``, no
       gradient, always in eval mode) predicts ``p_fg`` on the weakly
       augmented target batch; the ``selector`` (any registered
       pseudo-label selector, through ``select_batch``: on the device for
       the threshold rule) turns each slice into a 1/0/255 label and a
       per-pixel weight;
    3. ``mix``: ``'classmix'`` pastes the source mitochondria (source
       ``gt == 1``, grown by ``mix_dilation`` pixels) onto the target image
       and its pseudo-label, ``'cutmix'`` pastes a random source box,
       ``'none'`` keeps the target; pasted pixels carry the source label
       with weight 1;
    4. ``strong_aug`` perturbs the mixed image's intensities;
    5. ``tgt.loss_ce = lambda_tgt * mean(weight * CE)`` over all pixels,
       255 ignored (DACS' normalisation: the selector's weights carry the
       pseudo-label quality).

    The teacher is updated by ``EMATeacherHook`` after each iteration (not
    here), which counts its updates in the ``ema_step`` buffer so that
    checkpoints resume the EMA ramp exactly. Inference uses the student.

    Selectors that need a detection heatmap (``InstanceAwareSelector``)
    get the teacher's ``det`` output, so they need a multitask segmentor
    (``MultiTaskEncoderDecoder`` with a ``det_head``); with a plain
    ``EncoderDecoder`` they receive ``heatmap=None`` (use
    ``ThresholdSelector`` or ``EntropySelector`` there). Annotated points
    (``gt_points`` of the target samples), when present, are passed on.

    Args:
        segmentor (dict): Config of the segmentor (the student).
        selector (dict): ``TASK_UTILS`` pseudo-label selector. Defaults to
            ``ThresholdSelector(tau=0.9, weight_mode='dacs')``.
        mix (str): ``'classmix'``, ``'cutmix'`` or ``'none'``.
        mix_dilation (int): Pixels of source context pasted around the
            source mitochondria (``'classmix'``). Defaults to 0.
        cutmix_area (tuple[float]): Range of the pasted box's image
            fraction (``'cutmix'``). Defaults to (0.25, 0.5).
        strong_aug (dict, optional): ``TASK_UTILS`` batch augmentation of
            the student's target input; None disables it. Defaults to
            ``StrongIntensityAugment()``.
        lambda_tgt (float): Weight of the target loss. Defaults to 1.0.
        pl_ratio (float, optional): ``ratio`` passed to the selector (the
            IPL's peak ratio in ``mode='wda'``/``'uda'``).
        data_preprocessor (dict, optional): Usually
            ``MultiDomainDataPreProcessor``.
        init_cfg (dict, optional): MMEngine initialization config.
    """

    def __init__(
            self,
            segmentor: dict,
            selector: dict = dict(
                type='ThresholdSelector', tau=0.9, weight_mode='dacs'),
            mix: str = 'classmix',
            mix_dilation: int = 0,
            cutmix_area: Sequence[float] = (0.25, 0.5),
            strong_aug: Optional[dict] = dict(type='StrongIntensityAugment'),
            lambda_tgt: float = 1.0,
            pl_ratio: Optional[float] = None,
            data_preprocessor: Optional[dict] = None,
            init_cfg: Optional[dict] = None):
        super().__init__(
            segmentor=segmentor,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if mix not in MIX_MODES:
            raise ValueError(f'mix must be one of {MIX_MODES}, got {mix!r}')
        if int(mix_dilation) < 0:
            raise ValueError(f'mix_dilation must be >= 0, got {mix_dilation}')
        cutmix_area = tuple(float(a) for a in cutmix_area)
        if len(cutmix_area) != 2 or not \
                0. < cutmix_area[0] <= cutmix_area[1] <= 1.:
            raise ValueError('cutmix_area must be (min, max) with 0 < min '
                             f'<= max <= 1, got {cutmix_area}')
        if lambda_tgt < 0:
            raise ValueError(f'lambda_tgt must be >= 0, got {lambda_tgt}')
        self.selector = TASK_UTILS.build(selector)
        self.mix = mix
        self.mix_dilation = int(mix_dilation)
        self.cutmix_area = cutmix_area
        self.strong_aug = TASK_UTILS.build(strong_aug) if strong_aug else None
        self.lambda_tgt = float(lambda_tgt)
        self.pl_ratio = pl_ratio
        self.teacher = copy.deepcopy(self.segmentor)
        self.teacher.requires_grad_(False)
        self.teacher.eval()
        # EMA updates done so far: in the state dict, so resume is exact
        self.register_buffer('ema_step', torch.zeros((), dtype=torch.long))

    # ---------------------------------------------------------- teacher
    def train(self, mode: bool = True) -> 'MeanTeacher':
        """Set the student's mode; the teacher always stays in eval mode
        (BN running statistics, no dropout) for pseudo-labelling."""
        super().train(mode)
        self.teacher.eval()
        return self

    def init_weights(self) -> None:
        """Initialise the student, then start the teacher as its copy."""
        super().init_weights()
        self.teacher.load_state_dict(self.segmentor.state_dict())

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        """Checkpoints without a teacher (a source-only model, a plain
        segmentor) start the teacher as a copy of the loaded student and
        the EMA ramp at step 0."""
        has_teacher = any(
            k.startswith(prefix + 'teacher.') for k in state_dict)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
        if has_teacher:
            return
        student = prefix + 'segmentor.'
        for key in [k for k in state_dict if k.startswith(student)]:
            state_dict[prefix + 'teacher.' +
                       key[len(student):]] = state_dict[key]
        step_key = prefix + 'ema_step'
        if step_key in missing_keys:
            missing_keys.remove(step_key)
            self.ema_step.zero_()

    @torch.no_grad()
    def pseudo_labels(self, inputs: torch.Tensor,
                      data_samples: list) -> Tuple[torch.Tensor, torch.Tensor]:
        """Teacher pseudo-labels of the target batch: ``(label, weight)``,
        B x H x W long (1/0/255) and float, from the selector per slice."""
        self.teacher.eval()
        logits, heatmap = segmentation_outputs(self.teacher, inputs)
        prob_fg = logits.float().softmax(dim=1)[:, 1]
        if heatmap is not None:
            heatmap = heatmap.float()
        points = [
            s.gt_points if 'gt_points' in s else None
            for s in (data_samples or [])
        ] or None
        # on the device for selectors with a tensor rule (threshold)
        # a plain callable selector goes slice by slice (BaseSelector's)
        select_batch = getattr(
            self.selector, 'select_batch',
            partial(BaseSelector.select_batch, self.selector))
        label, weight = select_batch(
            prob_fg, heatmap=heatmap, points=points, ratio=self.pl_ratio)
        return label.to(inputs.device), weight.to(inputs.device)

    # ------------------------------------------------------------ mixing
    @staticmethod
    def _source_labels(inputs: DomainInputs,
                       data_samples: DomainSamples) -> torch.Tensor:
        """Source ``gt_sem_seg`` as B x H x W long, checked against the
        target batch's size."""
        samples = data_samples['source']
        if any('gt_sem_seg' not in s for s in samples):
            raise KeyError('mixing pastes labelled source pixels: the source '
                           'samples need gt_sem_seg (labels_train_pipeline)')
        labels = torch.stack([s.gt_sem_seg.data[0] for s in samples]).long()
        src_size = tuple(inputs['source'].shape[-2:])
        tgt_size = tuple(inputs['target'].shape[-2:])
        if src_size != tgt_size or tuple(labels.shape[-2:]) != src_size:
            raise ValueError(f'mixing needs source and target crops of one '
                             f'size, got source {src_size} (labels '
                             f'{tuple(labels.shape[-2:])}) and target '
                             f'{tgt_size}')
        return labels.to(inputs['source'].device)

    def mix_batch(
        self, inputs: DomainInputs, data_samples: DomainSamples,
        label: torch.Tensor, weight: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(image, label, weight, pasted)`` of the student's target
        input: source image ``i % B_src`` pasted into target image ``i``
        according to ``self.mix``."""
        tgt_img = inputs['target']
        if self.mix == 'none':
            return tgt_img, label, weight, torch.zeros_like(label, dtype=bool)
        src_label = self._source_labels(inputs, data_samples)
        order = torch.arange(tgt_img.shape[0]) % src_label.shape[0]
        src_img, src_label = inputs['source'][order], src_label[order]
        if self.mix == 'classmix':
            mask = classmix_mask(src_label, self.mix_dilation)
        else:
            mask = cutmix_mask(
                label.shape, self.cutmix_area, device=label.device)
        img, label, weight = paste_source(mask, src_img, src_label, tgt_img,
                                          label, weight)
        return img, label, weight, mask

    # -------------------------------------------------------------- loss
    def loss(self, inputs: DomainInputs,
             data_samples: DomainSamples) -> Dict[str, torch.Tensor]:
        """Source supervised loss + weighted CE of the student on the
        mixed, strongly augmented target batch against the teacher's
        pseudo-labels; plus ``tgt.pl_*`` diagnostics."""
        for domain in ('source', 'target'):
            self.require_domain(inputs, domain)
        losses = self.supervised_loss(data_samples['source'], inputs['source'])
        label, weight = self.pseudo_labels(inputs['target'],
                                           data_samples['target'])
        diagnostics = {
            'tgt.pl_fg_fraction': (label == 1).float().mean(),
            'tgt.pl_confident_fraction': (label
                                          != IGNORE_INDEX).float().mean(),
            'tgt.pl_weight': weight.mean(),
        }
        img, label, weight, pasted = self.mix_batch(inputs, data_samples,
                                                    label, weight)
        if self.strong_aug is not None:
            img = self.strong_aug(img)
        logits, _ = segmentation_outputs(self.segmentor, img)
        losses['tgt.loss_ce'] = self.lambda_tgt * cross_entropy(
            logits,
            label,
            weight=weight,
            reduction='mean',
            ignore_index=IGNORE_INDEX)
        diagnostics['tgt.mix_fraction'] = pasted.float().mean()
        losses.update(diagnostics)
        return losses
