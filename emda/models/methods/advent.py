"""ADVENT: adversarial entropy minimisation."""
import torch

from emda.registry import MODELS
from ..losses import weighted_self_information
from .output_adversarial_da import OutputAdversarialDA


@MODELS.register_module()
class ADVENT(OutputAdversarialDA):
    """Adversarial entropy minimisation (Vu et al., CVPR 2019, "AdvEnt").

    The alternating segmentor / discriminator step of
    :class:`OutputAdversarialDA`, the discriminator seeing weighted
    self-information maps ``-p log p / log C`` instead of the softmax
    (AdaptSegNet); needs an ``OptimWrapperDict`` (keys ``segmentor``,
    ``discriminator``). Direct entropy minimisation, the paper's other
    variant, is :class:`MinEnt`.

    Args:
        segmentor (dict): Config of an ``EncoderDecoder``-like segmentor.
        discriminator (dict): Config of the discriminator. Defaults to
            ``dict(type='FCDiscriminator')``.
        gan_type (str): ``'bce'`` (the paper) or ``'ls'``. Defaults to
            ``'bce'``.
        lambda_adv (float): Weight of the segmentor's adversarial loss.
            Defaults to 0.001.
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see
            :class:`BaseDAModel`).
    """

    NO_DISCRIMINATOR_HINT = 'for entropy minimisation without one use MinEnt'

    def __init__(self,
                 segmentor: dict,
                 discriminator: dict = dict(type='FCDiscriminator'),
                 **kwargs):
        super().__init__(segmentor, discriminator, **kwargs)

    def discriminator_input(self, logits: torch.Tensor) -> torch.Tensor:
        """The weighted self-information map, normalised by ``log C``."""
        return weighted_self_information(logits, normalize=True)
