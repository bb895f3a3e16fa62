"""The contract every domain-adaptation method follows."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.config import ConfigDict
from mmengine.model import BaseModel
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

    def supervised_loss(self, inputs: DomainInputs,
                        data_samples: DomainSamples, domain: str) -> dict:
        """The segmentor's own supervised losses on ``domain``'s labels,
        prefixed ``src.``/``tgt.``."""
        self.require_domain(inputs, domain)
        losses = self.segmentor.loss(inputs[domain], data_samples[domain])
        return add_prefix(losses, 'src' if domain == 'source' else 'tgt')

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
