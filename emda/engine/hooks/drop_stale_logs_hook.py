"""Keep the training log to the loss terms the model still returns."""
from typing import Optional

from mmengine.hooks import Hook

from emda.registry import HOOKS


@HOOKS.register_module()
class DropStaleLogsHook(Hook):
    """Drop from the message hub the train outputs the model stopped
    returning, so that the log does not print them at their last value.

    MMEngine's ``RuntimeInfoHook`` writes each key of a train step's
    outputs to the message hub as ``train/<key>``, and the log processor
    prints every ``train/`` scalar the hub holds. A term that stops being
    returned (the source losses once IPL-CFCL's stage 2 starts: METHOD_SPEC
    3 drops them) would stay in every later log line, frozen. This hook
    runs after ``RuntimeInfoHook`` and before ``LoggerHook``; it keeps the
    keys of the previous step's outputs in the hub's runtime info (saved
    in checkpoints, so a resumed run drops them too) and removes the
    scalars of the keys the current step no longer returns. A run resumed
    from a checkpoint saved without this hook keeps the frozen keys it
    already had: nothing tells them from scalars other hooks write.
    """

    priority = 'HIGH'
    info_key = 'train_output_keys'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        """Remove ``train/<key>`` for each output key that has gone."""
        if outputs is None:
            return
        hub = runner.message_hub
        current = sorted(outputs)
        for key in set(hub.get_info(self.info_key, [])) - set(current):
            hub.log_scalars.pop(f'train/{key}', None)
        hub.update_info(self.info_key, current)
