"""WeightAverageHook: the uniform mean of the weights checkpointed from
begin_iter on, the teacher's under EMAHook, the same after a resume, and
the same as averaging the kept checkpoints afterwards."""
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.model import BaseModel
from mmengine.runner import Runner

import emda.engine  # noqa: F401 (registers the hooks)
from emda.engine.hooks.weight_average_hook import accumulate_average_
from emda.tools.average_checkpoints import average_checkpoints
from emda.tools.select_checkpoint import run_checkpoints


class ToyRegressor(BaseModel):
    """A linear layer and a BN (buffers, an integer counter among them)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.norm = nn.BatchNorm1d(2)
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='loss'):
        out = self.linear(self.norm(inputs))
        if mode == 'loss':
            return dict(loss=((out - 1.)**2).mean())
        return [dict(out=out.detach())]


class RisingMetric(BaseMetric):
    """A score that rises at every validation, so that each one also saves
    a best checkpoint (a second save of the same weights)."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def process(self, data_batch, data_samples):
        self.results.append(len(data_samples))

    def compute_metrics(self, results):
        self.calls += 1
        return dict(score=float(self.calls))


def _loader():
    data = [dict(inputs=torch.tensor([float(i), 2. - i])) for i in range(8)]
    return dict(
        dataset=data,
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=4,
        collate_fn=dict(type='default_collate'))


def _runner(work_dir,
            begin_iter=4,
            max_iters=8,
            resume=False,
            ema=True,
            load_from=None):
    hooks = [dict(type='WeightAverageHook', begin_iter=begin_iter)]
    if ema:
        hooks.append(dict(type='EMAHook', momentum=0.5))
    return Runner(
        model=ToyRegressor(),
        work_dir=str(work_dir),
        train_dataloader=_loader(),
        val_dataloader=_loader(),
        val_evaluator=Evaluator(RisingMetric()),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=2),
        default_hooks=dict(
            logger=None,
            checkpoint=dict(
                type='CheckpointHook',
                by_epoch=False,
                interval=2,
                max_keep_ckpts=-1,
                save_best='score',
                rule='greater')),
        custom_hooks=hooks,
        resume=resume,
        load_from=load_from,
        default_scope='emda',
        experiment_name=f'toy_{work_dir.name}_{resume}')


def _load(path):
    return torch.load(path, map_location='cpu', weights_only=False)


def test_accumulate_average_is_the_uniform_mean():
    states = [
        dict(w=torch.tensor([1., 2.]), n=torch.tensor(1)),
        dict(w=torch.tensor([3., 6.]), n=torch.tensor(2)),
        dict(w=torch.tensor([8., 1.]), n=torch.tensor(5)),
    ]
    average = {}
    for count, state in enumerate(states):
        accumulate_average_(average, state, count)
    assert torch.allclose(average['w'], torch.tensor([4., 3.]))
    assert average['n'].item() == 5  # an integer entry is the latest
    assert states[0]['w'].tolist() == [1., 2.]  # the inputs are untouched
    try:
        accumulate_average_(average, dict(v=torch.ones(1)), 3)
    except ValueError as err:
        assert 'different keys' in str(err)
    else:
        raise AssertionError('states with other keys were averaged')


def test_the_average_is_of_the_checkpointed_teachers(tmp_path):
    _runner(tmp_path).train()
    saved = _load(tmp_path / 'weight_average.pth')
    assert saved['meta']['averaged_iters'] == [4, 6, 8]
    # CheckpointHook saves EMAHook's teacher as state_dict (the student as
    # ema_state_dict): the hook averaged the teachers at iterations 4-8
    teachers = [
        _load(tmp_path / f'iter_{i}.pth')['state_dict'] for i in (4, 6, 8)
    ]
    for key in ('linear.weight', 'linear.bias', 'norm.weight'):
        mean = sum(t[key] for t in teachers) / 3
        assert torch.allclose(saved['state_dict'][key], mean, atol=1e-6)
    students = [
        _load(tmp_path / f'iter_{i}.pth')['ema_state_dict'] for i in (4, 6, 8)
    ]
    student_mean = sum(s['module.linear.weight'] for s in students) / 3
    assert not torch.allclose(
        saved['state_dict']['linear.weight'], student_mean, atol=1e-4)
    # the post-hoc tool gives the same average from the kept checkpoints
    posthoc = average_checkpoints(run_checkpoints(str(tmp_path), 4))
    for key, value in saved['state_dict'].items():
        assert torch.allclose(
            posthoc['state_dict'][key].float(), value.float(), atol=1e-6), key


def test_a_resumed_run_goes_on_with_its_average(tmp_path):
    whole = tmp_path / 'whole'
    _runner(whole, ema=False).train()
    parted = tmp_path / 'parted'
    _runner(parted, max_iters=6, ema=False).train()  # averages 4 and 6
    _runner(parted, resume=True, ema=False).train()  # resumes at 6, adds 8
    a = _load(whole / 'weight_average.pth')
    b = _load(parted / 'weight_average.pth')
    assert b['meta']['averaged_iters'] == [4, 6, 8]
    for key, value in a['state_dict'].items():
        assert torch.allclose(
            b['state_dict'][key].float(), value.float(), atol=1e-6), key


def test_a_run_that_only_loads_weights_starts_its_own_average(tmp_path):
    _runner(tmp_path / 'first', ema=False).train()
    second = tmp_path / 'second'
    _runner(
        second,
        begin_iter=6,
        ema=False,
        load_from=str(tmp_path / 'first' / 'iter_8.pth')).train()
    assert _load(second /
                 'weight_average.pth')['meta']['averaged_iters'] == [6, 8]


def test_nothing_is_saved_before_begin_iter(tmp_path):
    _runner(tmp_path, begin_iter=100, ema=False).train()
    assert not (tmp_path / 'weight_average.pth').exists()
