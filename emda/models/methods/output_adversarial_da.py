"""Output-space adversarial alignment: the alternating segmentor /
discriminator training step that AdaptSegNet and ADVENT share."""
from contextlib import ExitStack, contextmanager
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper, OptimWrapperDict

from emda.apis.outputs import to_size
from emda.registry import MODELS
from .base_da_model import BaseDAModel, DomainInputs, DomainSamples


@contextmanager
def frozen(module: nn.Module):
    """Switch off ``requires_grad`` of ``module``'s parameters inside the
    block and restore each parameter's own flag afterwards."""
    flags = [(param, param.requires_grad) for param in module.parameters()]
    for param, _ in flags:
        param.requires_grad_(False)
    try:
        yield module
    finally:
        for param, flag in flags:
            param.requires_grad_(flag)


class OutputAdversarialDA(BaseDAModel):
    """A segmentor aligned to the target by a discriminator that tells
    source from target maps derived from the segmentor's output.

    ``train_step`` alternates two updates per iteration, each with its own
    optimizer of an :class:`OptimWrapperDict` (keys ``segmentor`` and
    ``discriminator``, see ``MultiOptimWrapperConstructor``):

    a. segmentor: source supervised loss + ``lambda_adv`` x the adversarial
       loss that makes the discriminator call target maps "source", with
       the discriminator's parameters frozen;
    b. discriminator: source maps labelled real and target maps fake,
       computed from the step-(a) predictions detached, each weighted 0.5.

    Subclasses choose the map in :meth:`discriminator_input` (softmax for
    AdaptSegNet, self-information for ADVENT). A subclass with more
    trainable children than the segmentor (WDANet's count head) lists them
    in ``GENERATOR_KEYS``: step (a) backpropagates once and steps each of
    their optimizers. :meth:`segmentor_losses` may return ``None`` target
    logits (e.g. in a source pretraining stage): step (b) is skipped then.
    Without a discriminator
    (``discriminator=None``) the method trains ``loss()`` through the stock
    ``train_step`` with a single optimizer.

    The source loss and the source map come from one forward pass, so the
    supervised terms equal ``segmentor.loss`` of the decode head (keys
    ``src.decode.*``, as in ``SourceOnly``); auxiliary heads are therefore
    not supported in the adversarial step. Children are called through
    ``__call__`` so that ``MMSeparateDistributedDataParallel`` (required for
    multi-GPU training of an overridden ``train_step``) sees every forward.

    Args:
        segmentor (dict): Config of an ``EncoderDecoder``-like segmentor
            whose ``mode='tensor'`` output is B x C x h x w logits.
        discriminator (dict, optional): Config of the discriminator, e.g.
            ``FCDiscriminator``; its ``in_channels`` defaults to the decode
            head's ``num_classes``. None: no adversarial alignment.
        gan_type (str): ``'bce'`` or ``'ls'``, see ``AdversarialLoss``.
            Defaults to ``'bce'``.
        lambda_adv (float): Weight of the segmentor's adversarial loss.
            Defaults to 0.001.
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see
            :class:`BaseDAModel`).
    """

    #: optim_wrapper keys of the networks step (a) updates, segmentor first
    GENERATOR_KEYS = ('segmentor', )
    #: set by a method that cannot train without a discriminator (AdaptSegNet,
    #: ADVENT): what to use instead, said when ``discriminator=None``
    NO_DISCRIMINATOR_HINT: Optional[str] = None

    def __init__(self,
                 segmentor: dict,
                 discriminator: Optional[dict] = None,
                 gan_type: str = 'bce',
                 lambda_adv: float = 0.001,
                 **kwargs):
        if discriminator is None and self.NO_DISCRIMINATOR_HINT:
            raise ValueError(f'{type(self).__name__} needs a discriminator '
                             "config, e.g. dict(type='FCDiscriminator'); "
                             f'{self.NO_DISCRIMINATOR_HINT}')
        super().__init__(segmentor=segmentor, **kwargs)
        self.lambda_adv = float(lambda_adv)
        self.adversarial_loss = MODELS.build(
            dict(type='AdversarialLoss', gan_type=gan_type))
        self.discriminator = None
        if discriminator is not None:
            head = self._decode_head()
            if getattr(self.segmentor, 'with_auxiliary_head', False):
                raise ValueError(
                    f'{type(self).__name__} does not support auxiliary '
                    'heads: the adversarial step computes the source loss '
                    'of the decode head only; remove auxiliary_head from '
                    'the segmentor')
            discriminator = dict(discriminator)
            discriminator.setdefault('in_channels', head.num_classes)
            if discriminator['in_channels'] != head.num_classes:
                raise ValueError(
                    f'discriminator in_channels '
                    f'({discriminator["in_channels"]}) must equal the '
                    f'segmentor\'s num_classes ({head.num_classes}): it '
                    'sees one channel per class')
            self.discriminator = MODELS.build(discriminator)

    def discriminator_input(self, logits: torch.Tensor) -> torch.Tensor:
        """B x C x H x W map the discriminator sees, from logits."""
        raise NotImplementedError

    def output_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Segmentor logits at the input resolution (B x C x H x W)."""
        return self._to_input_size(
            self.segmentor(inputs, mode='tensor'), inputs)

    def _to_input_size(self, logits: torch.Tensor,
                       inputs: torch.Tensor) -> torch.Tensor:
        return to_size(logits, inputs.shape[-2:],
                       self._decode_head().align_corners)

    def segmentor_losses(
        self, inputs: DomainInputs, data_samples: DomainSamples
    ) -> Tuple[Dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """Losses of step (a) and the source and target logits (input
        resolution) they were computed from."""
        for domain in ('source', 'target'):
            self.require_domain(inputs, domain)
        src_inputs = inputs['source']
        src_raw = self.segmentor(src_inputs, mode='tensor')
        losses = self.supervised_loss(
            data_samples['source'], seg_logits=src_raw)
        src_logits = self._to_input_size(src_raw, src_inputs)
        tgt_logits = self.output_logits(inputs['target'])
        tgt_pred = self.discriminator(self.discriminator_input(tgt_logits))
        losses['adv.loss_adv_tgt'] = self.lambda_adv * self.adversarial_loss(
            tgt_pred, target_is_real=True)
        return losses, src_logits, tgt_logits

    def discriminator_losses(
            self, src_logits: torch.Tensor,
            tgt_logits: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Losses of step (b): source maps are real, target maps fake; the
        logits are detached so no gradient reaches the segmentor."""
        src_pred = self.discriminator(
            self.discriminator_input(src_logits.detach()))
        tgt_pred = self.discriminator(
            self.discriminator_input(tgt_logits.detach()))
        return {
            'adv.loss_d_src':
            0.5 * self.adversarial_loss(src_pred, target_is_real=True),
            'adv.loss_d_tgt':
            0.5 * self.adversarial_loss(tgt_pred, target_is_real=False),
        }

    def train_step(
        self, data: dict, optim_wrapper: Union[OptimWrapper, OptimWrapperDict]
    ) -> Dict[str, torch.Tensor]:
        """One segmentor update, then one discriminator update; returns
        the log variables of both (``loss`` is the segmentor objective)."""
        if self.discriminator is None:
            if isinstance(optim_wrapper, OptimWrapperDict):
                raise TypeError(
                    f'{type(self).__name__} without a discriminator trains '
                    'one network: configure a single optim_wrapper (type='
                    'OptimWrapper), not MultiOptimWrapperConstructor')
            return super().train_step(data, optim_wrapper)
        gen_wrappers, disc_wrapper = self._split_optim_wrapper(optim_wrapper)
        data = self.data_preprocessor(data, True)
        inputs, data_samples = data['inputs'], data['data_samples']

        with frozen(self.discriminator):
            with ExitStack() as contexts:
                for key, wrapper in zip(self.GENERATOR_KEYS, gen_wrappers):
                    contexts.enter_context(
                        wrapper.optim_context(getattr(self, key)))
                seg_losses, src_logits, tgt_logits = self.segmentor_losses(
                    inputs, data_samples)
            seg_loss, log_vars = self.parse_losses(seg_losses)
            first, *others = gen_wrappers
            first.update_params(seg_loss)
            # one backward filled every generator's gradients; the others
            # step when the first does (its gradient accumulation decides)
            if others and first.should_update():
                for wrapper in others:
                    wrapper.step()
                    wrapper.zero_grad()
        if tgt_logits is None:
            return log_vars

        with disc_wrapper.optim_context(self.discriminator):
            disc_losses = self.discriminator_losses(src_logits, tgt_logits)
        disc_loss, disc_log_vars = self.parse_losses(disc_losses)
        disc_wrapper.update_params(disc_loss)
        disc_log_vars.pop('loss')
        log_vars.update(disc_log_vars)
        return log_vars

    def _split_optim_wrapper(
            self, optim_wrapper) -> Tuple[List[OptimWrapper], OptimWrapper]:
        """The wrappers of ``GENERATOR_KEYS`` (in order) and the
        discriminator's."""
        keys = tuple(self.GENERATOR_KEYS) + ('discriminator', )
        if not isinstance(optim_wrapper, OptimWrapperDict) or any(
                key not in optim_wrapper for key in keys):
            have = list(optim_wrapper.keys()) if isinstance(
                optim_wrapper,
                OptimWrapperDict) else type(optim_wrapper).__name__
            raise TypeError(
                f'{type(self).__name__} steps two networks and needs an '
                f'OptimWrapperDict with keys {keys}, got {have}; '
                'configure optim_wrapper=dict(constructor='
                '\'MultiOptimWrapperConstructor\', segmentor=dict(...), '
                'discriminator=dict(...))')
        return [optim_wrapper[key]
                for key in self.GENERATOR_KEYS], optim_wrapper['discriminator']

    def loss(self, inputs: DomainInputs, data_samples: DomainSamples) -> dict:
        """Source supervised loss; only without a discriminator (with one,
        training goes through :meth:`train_step`)."""
        if self.discriminator is not None:
            raise RuntimeError(
                f'{type(self).__name__} trains the segmentor and the '
                'discriminator in alternation in train_step(data, '
                'OptimWrapperDict); loss() alone would leave the '
                'discriminator untrained. Let the runner call train_step '
                'with optim_wrapper=dict(constructor='
                '\'MultiOptimWrapperConstructor\', segmentor=..., '
                'discriminator=...)')
        self.require_domain(inputs, 'source')
        return self.supervised_loss(data_samples['source'], inputs['source'])
