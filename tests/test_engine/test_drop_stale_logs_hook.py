"""DropStaleLogsHook: a loss term the model stops returning leaves the log
lines, in a run and after the message hub is restored from a checkpoint."""
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner

import emda.engine  # noqa: F401 (registers the hooks)
from emda.registry import HOOKS


class TwoStageToy(BaseModel):
    """Returns ``loss_src`` and ``loss_tgt`` for 3 steps, then ``loss_tgt``
    only (as IPL-CFCL's stage 2 drops the source losses)."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(1))
        self.steps = 0

    def forward(self, inputs, data_samples=None, mode='loss'):
        self.steps += 1
        losses = dict(loss_tgt=(self.weight * inputs).mean())
        if self.steps <= 3:
            losses['loss_src'] = 7.25 + 0 * self.weight.sum()
        return losses


def _log_lines(tmp_path, hooks):
    runner = Runner(
        model=TwoStageToy(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(1))] * 8,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=1,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.)),
        train_cfg=dict(by_epoch=False, max_iters=6),
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=None,
            **hooks),
        log_processor=dict(by_epoch=False, window_size=1),
        default_scope='emda',
        experiment_name=f'toy_{len(hooks)}')
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    runner.logger.addHandler(handler)
    runner.train()
    return [line for line in lines if 'Iter(train)' in line]


def test_the_dropped_term_leaves_the_log_lines(tmp_path):
    lines = _log_lines(tmp_path / 'with',
                       dict(drop_stale_logs=dict(type='DropStaleLogsHook')))
    assert len(lines) == 6
    assert all('loss_src: 7.2500' in line for line in lines[:3])
    assert not any('loss_src' in line for line in lines[3:])
    assert all('loss_tgt' in line for line in lines)
    # without the hook, MMEngine keeps printing the last value
    plain = _log_lines(tmp_path / 'without', {})
    assert all('loss_src: 7.2500' in line for line in plain[3:])


def _runner(hub):
    return SimpleNamespace(message_hub=hub)


def test_a_restored_hub_drops_the_keys_of_the_previous_step_too():
    hook = HOOKS.build(dict(type='DropStaleLogsHook'))
    hub = MessageHub('stale_logs_before')
    hub.update_scalar('train/lr', 0.1)  # written by another hook
    outputs = dict(loss_src=1.0, loss_tgt=2.0)
    for key, value in outputs.items():
        hub.update_scalar(f'train/{key}', value)
    hook.after_train_iter(_runner(hub), 0, outputs=outputs)

    restored = MessageHub('stale_logs_after')
    restored.load_state_dict(hub.state_dict())  # what a checkpoint holds
    restored.update_scalar('train/loss_tgt', 3.0)
    hook = HOOKS.build(dict(type='DropStaleLogsHook'))  # a fresh process
    hook.after_train_iter(_runner(restored), 1, outputs=dict(loss_tgt=3.0))
    assert sorted(restored.log_scalars) == ['train/loss_tgt', 'train/lr']
