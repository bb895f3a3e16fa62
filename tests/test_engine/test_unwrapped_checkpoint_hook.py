"""UnwrappedCheckpointHook: bare-model keys, the checkpoint's values."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from emda.registry import HOOKS


class TwoPart(nn.Module):

    def __init__(self):
        super().__init__()
        # a wrapped child, as MMSeparateDistributedDataParallel leaves them
        self.segmentor = nn.DataParallel(nn.Linear(2, 2))
        self.head = nn.Linear(2, 1)


def _saved(runner):
    """What Runner.save_checkpoint puts there: the outer wrapper removed,
    inner ones kept."""
    return dict(state_dict=runner.model.module.state_dict())


def test_keys_lose_every_wrapper_and_values_stay_the_checkpoints():
    runner = SimpleNamespace(model=nn.DataParallel(TwoPart()))
    checkpoint = _saved(runner)
    assert 'segmentor.module.weight' in checkpoint['state_dict']
    # another hook (MMEngine's EMAHook) swapped in other weights
    for value in checkpoint['state_dict'].values():
        value.data = torch.zeros_like(value)
    HOOKS.build(dict(type='UnwrappedCheckpointHook')).before_save_checkpoint(
        runner, checkpoint)
    state = checkpoint['state_dict']
    assert list(state) == [
        'segmentor.weight', 'segmentor.bias', 'head.weight', 'head.bias'
    ]
    assert all(not value.any() for value in state.values())
    assert runner.model.module.head.weight.abs().sum() > 0  # model untouched


def test_a_state_dict_that_is_not_the_models_is_refused():
    runner = SimpleNamespace(model=nn.DataParallel(TwoPart()))
    checkpoint = _saved(runner)
    checkpoint['state_dict'].pop('head.bias')
    with pytest.raises(RuntimeError, match='does not match'):
        HOOKS.build(
            dict(type='UnwrappedCheckpointHook')).before_save_checkpoint(
                runner, checkpoint)
