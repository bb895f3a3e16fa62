"""The interface of staged methods, the one ``SelfTrainingRoundHook``
drives: a stage index, step counters, ``set_stage`` and per-stage loss
weights."""
from typing import Dict

import torch

from .base_da_model import BaseDAModel
from .staged_training import STAGE_NAMES, check_stage

#: counters of :class:`StagedDAModel` (buffers, so checkpoints keep them)
STAGE_COUNTERS = ('stage_step', 'step')


class StagedDAModel(BaseDAModel):
    """A method trained in stages (0 = source pretraining, 1, 2).

    State, all buffers (checkpointed, so a resumed or reloaded model
    continues where it stopped):

    - ``stage``: the current stage, set by :meth:`set_stage` (the round
      hook calls it at every round start);
    - ``stage_step``: training steps since the stage last changed;
    - ``step``: training steps of the whole run.

    Both counters advance by :meth:`advance_step`, which
    ``SelfTrainingRoundHook`` calls after every training iteration (after
    the optimizer step, before checkpoints are saved), not in ``loss()``:
    the losses of step ``i`` see the value ``i``. A hook rather than
    ``train_step``, because ``MMDistributedDataParallel`` does not call the
    module's ``train_step``.
    Subclasses set ``self.loss_weights`` (stage name -> term -> weight,
    see :func:`merge_stage_weights`) and may override
    :meth:`on_stage_change`.

    The constructor forwards every argument, so the class combines with
    other bases (``class WDANet(StagedDAModel, OutputAdversarialDA)``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_weights: Dict[str, Dict[str, float]] = {}
        self.register_buffer('stage', torch.tensor(0, dtype=torch.long))
        for name in STAGE_COUNTERS:
            self.register_buffer(name, torch.tensor(0, dtype=torch.long))

    def set_stage(self, stage: int) -> None:
        """Enter ``stage``; a change restarts ``stage_step``, then
        :meth:`on_stage_change` runs (also when the stage stays)."""
        stage = check_stage(int(stage))
        previous = int(self.stage)
        if stage != previous:
            self.stage_step.zero_()
        self.stage.fill_(stage)
        self.on_stage_change(previous, stage)

    def on_stage_change(self, previous: int, stage: int) -> None:
        """Called by :meth:`set_stage`; nothing by default."""

    def weights(self) -> Dict[str, float]:
        """Loss weights of the current stage."""
        return self.loss_weights[STAGE_NAMES[int(self.stage)]]

    def advance_step(self) -> None:
        """One training step done: advance both counters."""
        self.stage_step += 1
        self.step += 1

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        """Accept checkpoints written before both counters existed (an
        IPLCFCL one has no ``stage_step``, a WDANet one no ``step``): a
        missing counter keeps its value here."""
        if any(k.startswith(prefix + 'stage') for k in state_dict):
            for name in STAGE_COUNTERS:
                state_dict.setdefault(prefix + name,
                                      getattr(self, name).clone())
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
