"""One optimizer wrapper per named submodule (segmentor, discriminator ...)
for methods that step several networks separately, e.g. adversarial DA."""
import copy
import logging
from typing import Optional

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict, build_optim_wrapper

from emda.registry import OPTIM_WRAPPER_CONSTRUCTORS


def _is_trainable(module: nn.Module) -> bool:
    return any(p.requires_grad for p in module.parameters())


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build an :class:`OptimWrapperDict` whose key ``k`` optimizes
    ``model.k``.

    Each key is built by MMEngine's ``build_optim_wrapper`` on that
    submodule alone, i.e. ``DefaultOptimWrapperConstructor`` unless the key
    names its own ``constructor``, so ``paramwise_cfg`` works per key. A
    top-level ``paramwise_cfg`` is the default of keys without one. Model
    wrappers (DDP, ``MMSeparateDistributedDataParallel``) are unwrapped.

    Config (``Runner`` calls this with everything except ``constructor``
    and ``paramwise_cfg`` as ``optim_wrapper_cfg``)::

        optim_wrapper = dict(
            constructor='MultiOptimWrapperConstructor',
            segmentor=dict(
                type='OptimWrapper',
                optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9)),
            discriminator=dict(
                type='OptimWrapper',
                optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))
        param_scheduler = dict(
            segmentor=[dict(type='PolyLR', power=0.9, by_epoch=False)],
            discriminator=[dict(type='PolyLR', power=0.9, by_epoch=False)])

    Args:
        optim_wrapper_cfg (dict): ``{submodule name: optim wrapper cfg}``.
        paramwise_cfg (dict, optional): Default ``paramwise_cfg`` of keys.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None):
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise ValueError('MultiOptimWrapperConstructor needs a non-empty '
                             'dict of {submodule name: optim wrapper cfg}, '
                             f'got {optim_wrapper_cfg!r}')
        for key in ('optimizer', 'type'):
            if key in optim_wrapper_cfg:
                raise ValueError(
                    f'MultiOptimWrapperConstructor got a top-level {key!r}; '
                    'give one optim wrapper config per submodule instead, '
                    'e.g. segmentor=dict(type=\'OptimWrapper\', optimizer='
                    '...), discriminator=dict(...)')
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise ValueError(
                    f'optim_wrapper.{name} must be a dict with an '
                    f'\'optimizer\' entry, got {cfg!r}')
        self.optim_wrapper_cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        self.paramwise_cfg = paramwise_cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        children = dict(model.named_children())
        optim_wrappers = {}
        for name, cfg in self.optim_wrapper_cfg.items():
            if name not in children:
                raise ValueError(
                    f'optim_wrapper key {name!r} names no submodule of '
                    f'{type(model).__name__}; available submodules: '
                    f'{sorted(children)}')
            cfg = copy.deepcopy(cfg)
            if self.paramwise_cfg is not None:
                cfg.setdefault('paramwise_cfg',
                               copy.deepcopy(self.paramwise_cfg))
            optim_wrappers[name] = build_optim_wrapper(children[name], cfg)
        self._warn_unoptimized(children, optim_wrappers)
        return OptimWrapperDict(**optim_wrappers)

    @staticmethod
    def _warn_unoptimized(children: dict, optim_wrappers: dict) -> None:
        """Say which trainable submodules no optimizer will update."""
        left_out = [
            name for name, child in children.items()
            if name not in optim_wrappers and _is_trainable(child)
        ]
        if left_out:
            print_log(
                f'MultiOptimWrapperConstructor: trainable submodules '
                f'{left_out} are in no optim_wrapper key and will not be '
                'updated.',
                logger='current',
                level=logging.WARNING)
