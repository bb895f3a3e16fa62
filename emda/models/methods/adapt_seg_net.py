"""AdaptSegNet: adversarial alignment of the segmentor's softmax output."""
from typing import Optional

import torch

from emda.registry import MODELS
from .output_adversarial_da import OutputAdversarialDA


@MODELS.register_module()
class AdaptSegNet(OutputAdversarialDA):
    """Output-space adversarial adaptation (Tsai et al., CVPR 2018),
    single-level.

    A fully convolutional discriminator learns to tell the softmax maps of
    source images (real) from those of target images (fake), while the
    segmentor learns its source labels and to make target maps look like
    source ones (``lambda_adv`` x adversarial loss). Trained by the
    alternating ``train_step`` of :class:`OutputAdversarialDA`, with an
    ``OptimWrapperDict`` (keys ``segmentor``, ``discriminator``).

    Args:
        segmentor (dict): Config of an ``EncoderDecoder``-like segmentor.
        discriminator (dict): Config of the discriminator; ``in_channels``
            defaults to the number of classes. Defaults to
            ``dict(type='FCDiscriminator')``.
        gan_type (str): ``'bce'`` (the paper) or ``'ls'`` (least squares).
            Defaults to ``'bce'``.
        lambda_adv (float): Weight of the segmentor's adversarial loss.
            Defaults to 0.001 (the paper's single-level value).
        data_preprocessor (dict, optional): Usually
            ``MultiDomainDataPreProcessor``.
        init_cfg (dict, optional): MMEngine initialization config.
    """

    def __init__(self,
                 segmentor: dict,
                 discriminator: dict = dict(type='FCDiscriminator'),
                 gan_type: str = 'bce',
                 lambda_adv: float = 0.001,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if discriminator is None:
            raise ValueError('AdaptSegNet needs a discriminator config, e.g. '
                             "dict(type='FCDiscriminator'); for training "
                             'without one use SourceOnly')
        super().__init__(
            segmentor=segmentor,
            discriminator=discriminator,
            gan_type=gan_type,
            lambda_adv=lambda_adv,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)

    def discriminator_input(self, logits: torch.Tensor) -> torch.Tensor:
        """The class probabilities ``softmax(logits)``."""
        return logits.softmax(dim=1)
