"""AdaptSegNet: adversarial alignment of the segmentor's softmax output."""
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
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see
            :class:`BaseDAModel`).
    """

    NO_DISCRIMINATOR_HINT = 'for training without one use SourceOnly'

    def __init__(self,
                 segmentor: dict,
                 discriminator: dict = dict(type='FCDiscriminator'),
                 **kwargs):
        super().__init__(segmentor, discriminator, **kwargs)

    def discriminator_input(self, logits: torch.Tensor) -> torch.Tensor:
        """The class probabilities ``softmax(logits)``."""
        return logits.softmax(dim=1)
