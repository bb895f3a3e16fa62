"""Checkpoints without DDP wrapper names in their keys."""
from collections import OrderedDict

from mmengine.hooks import Hook
from mmengine.runner.checkpoint import get_state_dict, weights_to_cpu

from emda.registry import HOOKS


@HOOKS.register_module()
class UnwrappedCheckpointHook(Hook):
    """Save the state dict with the keys of the bare model.

    ``Runner.save_checkpoint`` unwraps only the outer wrapper; under
    ``MMSeparateDistributedDataParallel`` (adversarial methods) each child
    is a DDP module, so keys read ``segmentor.module.backbone...``, which
    neither a single-process run, ``tools/test.py`` nor a resume (MMEngine
    loads into the unwrapped children) accepts. MMEngine's
    ``get_state_dict`` unwraps every level; a checkpoint is then the same
    whatever the number of processes. ``tools/train.py --launcher`` adds
    this hook.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rename the saved keys to the bare model's; the values stay the
        checkpoint's (another hook may have put others there, e.g.
        MMEngine's ``EMAHook`` the averaged weights)."""
        saved = checkpoint['state_dict']
        names = list(get_state_dict(runner.model).keys())

        def bare(key):
            return [part for part in key.split('.') if part != 'module']

        if len(names) != len(saved) or any(
                bare(name) != bare(key) for name, key in zip(names, saved)):
            raise RuntimeError('the checkpoint\'s state dict does not match '
                               'the model\'s parameters and buffers')
        checkpoint['state_dict'] = OrderedDict(
            zip(names,
                weights_to_cpu(saved).values()))
