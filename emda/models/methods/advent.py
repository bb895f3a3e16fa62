"""ADVENT: entropy minimisation, directly or adversarially."""
from typing import Optional

import torch

from emda.registry import MODELS
from ..losses import weighted_self_information
from .base_da_model import DomainInputs, DomainSamples
from .output_adversarial_da import OutputAdversarialDA


@MODELS.register_module()
class ADVENT(OutputAdversarialDA):
    """Adversarial entropy minimisation (Vu et al., CVPR 2019).

    ``mode`` selects the paper's variant:

    - ``'minent'`` (MinEnt): source supervised loss + ``lambda_ent`` x the
      mean normalised entropy of the target predictions
      (``tgt.loss_ent``). No discriminator; trained by the stock
      ``train_step`` with a single ``OptimWrapper``.
    - ``'adv'`` (AdvEnt): the alternating segmentor / discriminator step of
      :class:`OutputAdversarialDA`, the discriminator seeing weighted
      self-information maps ``-p log p / log C`` instead of the softmax;
      needs an ``OptimWrapperDict`` (keys ``segmentor``,
      ``discriminator``).

    Args:
        segmentor (dict): Config of an ``EncoderDecoder``-like segmentor.
        mode (str): ``'minent'`` or ``'adv'``. Defaults to ``'adv'``.
        lambda_ent (float): Weight of the target entropy, ``'minent'``
            only. Defaults to 0.001.
        discriminator (dict): Config of the discriminator, ``'adv'`` only
            (ignored in ``'minent'``). Defaults to
            ``dict(type='FCDiscriminator')``.
        gan_type (str): ``'bce'`` (the paper) or ``'ls'``, ``'adv'`` only.
            Defaults to ``'bce'``.
        lambda_adv (float): Weight of the segmentor's adversarial loss,
            ``'adv'`` only. Defaults to 0.001.
        data_preprocessor (dict, optional): Usually
            ``MultiDomainDataPreProcessor``.
        init_cfg (dict, optional): MMEngine initialization config.
    """

    MODES = ('minent', 'adv')

    def __init__(self,
                 segmentor: dict,
                 mode: str = 'adv',
                 lambda_ent: float = 0.001,
                 discriminator: Optional[dict] = dict(type='FCDiscriminator'),
                 gan_type: str = 'bce',
                 lambda_adv: float = 0.001,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if mode not in self.MODES:
            raise ValueError(f'mode must be one of {self.MODES}, got '
                             f'{mode!r}')
        if mode == 'adv' and discriminator is None:
            raise ValueError("ADVENT(mode='adv') needs a discriminator "
                             "config, e.g. dict(type='FCDiscriminator')")
        super().__init__(
            segmentor=segmentor,
            discriminator=discriminator if mode == 'adv' else None,
            gan_type=gan_type,
            lambda_adv=lambda_adv,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.mode = mode
        self.entropy_loss = None
        if mode == 'minent':
            self.entropy_loss = MODELS.build(
                dict(type='EntropyLoss', loss_weight=lambda_ent))

    def discriminator_input(self, logits: torch.Tensor) -> torch.Tensor:
        """The weighted self-information map, normalised by ``log C``."""
        return weighted_self_information(logits, normalize=True)

    def loss(self, inputs: DomainInputs, data_samples: DomainSamples) -> dict:
        """MinEnt: source supervised loss + weighted target entropy."""
        losses = super().loss(inputs, data_samples)
        self.require_domain(inputs, 'target')
        losses['tgt.loss_ent'] = self.entropy_loss(
            self.output_logits(inputs['target']))
        return losses
