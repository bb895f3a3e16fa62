"""The contract every domain-adaptation method follows."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.config import ConfigDict
from mmengine.model import BaseModel, is_model_wrapper
from mmseg.utils import add_prefix

from emda.registry import MODELS

DomainInputs = Dict[str, torch.Tensor]
DomainSamples = Dict[str, list]


class BaseDAModel(BaseModel):
    """A method is a model that *has* a segmentor (``self.segmentor``) and
    composes registered pieces around it.

    Subclasses implement ``loss(inputs, data_samples)`` where both are dicts
    keyed by domain (``'source'``, ``'target'``), returning a flat dict whose
    keys are prefixed ``src.``, ``tgt.`` or ``adv.``; every trainable term
    contains ``loss`` and diagnostics do not. Inference (``predict``,
    ``mode='tensor'``) delegates to the segmentor, so a method tests and
    deploys like a plain mmseg segmentor. No optimizer steps, teacher updates
    or file I/O happen in ``loss``: hooks do those.

    Args:
        segmentor: config of an mmseg/emda segmentor (e.g. ``EncoderDecoder``).
        data_preprocessor: usually ``MultiDomainDataPreProcessor``.
    """

    def __init__(self,
                 segmentor: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        # ConfigDict: mmseg segmentors read test_cfg.mode as an attribute
        self.segmentor = MODELS.build(ConfigDict(segmentor))

    def forward(self,
                inputs: Union[torch.Tensor, DomainInputs],
                data_samples: Optional[Union[list, DomainSamples]] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.segmentor(inputs, data_samples, mode='tensor')
        raise ValueError(f'unknown mode {mode!r}; expected loss, predict '
                         'or tensor')

    def loss(self, inputs: DomainInputs, data_samples: DomainSamples) -> dict:
        raise NotImplementedError

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None) -> list:
        """Validation / test predictions through the one inference layer
        (``emda.apis.predict_samples``): tiles, overlap and TTA from the
        segmentor's ``test_cfg`` (``tools/test.py --tile --overlap --tta``);
        without them bit for bit mmseg's whole-image predict. mmseg's
        ``mode='slide'`` keeps mmseg's own (unweighted) sliding window."""
        from emda.apis.outputs import unwrap
        from emda.apis.predict import eval_options, predict_samples
        test_cfg = getattr(unwrap(self.segmentor), 'test_cfg', None) or {}
        if test_cfg.get('mode', 'whole') == 'slide':
            # through __call__: under MMSeparateDistributedDataParallel the
            # segmentor is a DDP wrapper without a ``predict`` attribute
            return self.segmentor(inputs, data_samples, mode='predict')
        return predict_samples(
            self.segmentor, inputs, data_samples,
            **eval_options(self.segmentor, self.data_preprocessor))

    @staticmethod
    def require_domain(inputs: DomainInputs, domain: str) -> None:
        """Raise a clear error when the batch lacks a domain."""
        if not isinstance(inputs, dict) or domain not in inputs:
            have = list(inputs) if isinstance(inputs,
                                              dict) else 'a plain batch'
            raise KeyError(f'this method needs a "{domain}" batch but the '
                           f'train dataloader gave {have}; use '
                           f'MultiDomainDataset({domain}=...)')

    def supervised_loss(self,
                        samples: list,
                        inputs: Optional[torch.Tensor] = None,
                        seg_logits: Optional[torch.Tensor] = None,
                        prefix: str = 'src',
                        weight: float = 1.0) -> dict:
        """The supervised segmentation loss of one labelled batch: the one
        source (or target) loss every method uses, keys ``{prefix}.decode.*``.

        From ``inputs`` (B x C x H x W images): ``segmentor.loss``, so
        auxiliary heads add their ``{prefix}.aux.*`` terms. From
        ``seg_logits`` (the decode head's raw output, which the caller
        computed once to reuse it): the decode head's ``loss_by_feat``,
        the same values as the decode terms of ``segmentor.loss``. Pass
        exactly one of the two. ``weight`` scales every term whose key
        contains ``loss`` (diagnostics such as ``acc_seg`` are kept).
        """
        if (inputs is None) == (seg_logits is None):
            raise ValueError('supervised_loss needs exactly one of inputs '
                             'and seg_logits')
        if seg_logits is None:
            losses = self.segmentor.loss(inputs, samples)
        else:
            losses = add_prefix(
                self._decode_head().loss_by_feat(seg_logits, samples),
                'decode')
        if weight != 1.0:
            losses = {
                k: weight * v if 'loss' in k else v
                for k, v in losses.items()
            }
        return add_prefix(losses, prefix)

    def _decode_head(self) -> torch.nn.Module:
        """The segmentor's decode head (unwrapped from a model wrapper),
        whose ``loss_by_feat`` gives the loss of precomputed logits."""
        segmentor = self.segmentor.module if is_model_wrapper(
            self.segmentor) else self.segmentor
        head = getattr(segmentor, 'decode_head', None)
        if head is None or not hasattr(head, 'loss_by_feat'):
            raise ValueError(
                f'{type(self).__name__} needs a segmentor with a decode_head '
                f'(e.g. EncoderDecoder), got {type(segmentor).__name__}')
        return head

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        """Accept plain segmentor checkpoints (no ``segmentor.`` prefix)."""
        seg_prefix = prefix + 'segmentor.'
        if state_dict and not any(
                k.startswith(seg_prefix) for k in state_dict):
            for key in list(state_dict):
                if key.startswith(prefix) and not key.startswith(
                        prefix + 'data_preprocessor.'):
                    state_dict[seg_prefix + key[len(prefix):]] = \
                        state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
