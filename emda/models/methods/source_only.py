"""Source-only training: the lower bound of domain adaptation."""
from emda.registry import MODELS
from .base_da_model import BaseDAModel


@MODELS.register_module()
class SourceOnly(BaseDAModel):
    """Train the segmentor on labeled source data only; the target is seen
    only at evaluation."""

    def loss(self, inputs, data_samples) -> dict:
        self.require_domain(inputs, 'source')
        return self.supervised_loss(data_samples['source'], inputs['source'])
