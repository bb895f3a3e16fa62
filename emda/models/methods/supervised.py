"""Supervised training on the labeled target: the upper bound."""
from emda.registry import MODELS
from .base_da_model import BaseDAModel


@MODELS.register_module()
class Supervised(BaseDAModel):
    """Train the segmentor on dense target labels (the oracle every
    adaptation method is compared with, same model and budget)."""

    def loss(self, inputs, data_samples) -> dict:
        self.require_domain(inputs, 'target')
        return self.supervised_loss(
            data_samples['target'], inputs['target'], prefix='tgt')
