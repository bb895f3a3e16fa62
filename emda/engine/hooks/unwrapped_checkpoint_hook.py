"""Checkpoints without DDP wrapper names in their keys."""
from mmengine.hooks import Hook
from mmengine.runner.checkpoint import get_state_dict, weights_to_cpu

from emda.registry import HOOKS


@HOOKS.register_module()
class UnwrappedCheckpointHook(Hook):
    """Save the model's state dict with the keys of the bare model.

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
        checkpoint['state_dict'] = weights_to_cpu(get_state_dict(runner.model))
