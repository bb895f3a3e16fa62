"""MinEnt: direct entropy minimisation on the target (ADVENT's first
variant)."""
from typing import Dict, Union

import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from emda.apis.outputs import to_size
from emda.registry import MODELS
from .base_da_model import BaseDAModel, DomainInputs, DomainSamples


@MODELS.register_module()
class MinEnt(BaseDAModel):
    """Entropy minimisation (Vu et al., CVPR 2019, "MinEnt").

    The loss is the source supervised loss (``segmentor.loss``, keys
    ``src.*``) + ``lambda_ent`` x the mean normalised entropy
    ``-sum_c p log p / log C`` of the target predictions at the input
    resolution (``tgt.loss_ent``). One network and no discriminator: the
    stock ``train_step`` with a single ``OptimWrapper``. The adversarial
    variant is :class:`ADVENT`.

    Args:
        segmentor (dict): Config of an ``EncoderDecoder``-like segmentor.
        lambda_ent (float): Weight of the target entropy. Defaults to
            0.001.
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see
            :class:`BaseDAModel`).
    """

    def __init__(self, segmentor: dict, lambda_ent: float = 0.001, **kwargs):
        super().__init__(segmentor=segmentor, **kwargs)
        self.entropy_loss = MODELS.build(
            dict(type='EntropyLoss', loss_weight=lambda_ent))

    def loss(self, inputs: DomainInputs, data_samples: DomainSamples) -> dict:
        """Source supervised loss + weighted target entropy."""
        self.require_domain(inputs, 'source')
        losses = self.supervised_loss(data_samples['source'], inputs['source'])
        self.require_domain(inputs, 'target')
        target = inputs['target']
        logits = to_size(
            self.segmentor(target, mode='tensor'), target.shape[-2:],
            self._decode_head().align_corners)
        losses['tgt.loss_ent'] = self.entropy_loss(logits)
        return losses

    def train_step(
        self, data: dict, optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
    ) -> Dict[str, torch.Tensor]:
        if isinstance(optim_wrapper, OptimWrapperDict):
            raise TypeError('MinEnt trains one network: configure a single '
                            'optim_wrapper (type=OptimWrapper), not '
                            'MultiOptimWrapperConstructor')
        return super().train_step(data, optim_wrapper)
