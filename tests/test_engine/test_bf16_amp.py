"""bf16 mixed precision on CPU: the optimizer wrapper autocasts and keeps
float32 weights, the channels_last hook changes only the layout, and
``tools/train.py --amp`` trains and resumes with the optimizer state."""
import argparse
import os
import os.path as osp
import subprocess
import sys
import warnings
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper

from emda.engine.hooks import ChannelsLastHook
from emda.tools.train import build_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'source_only',
                  'source-only_unet-s4-c16_1xb4-2k_synth-192x192.py')
ADVERSARIAL = osp.join(REPO, 'configs', 'adaptsegnet',
                       'adaptsegnet_unet-s4-c16_1xb4-2k_synth-192x192.py')


def conv_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.LazyLinear(1))


def test_bf16_wrapper_autocasts_and_keeps_float32_state():
    torch.manual_seed(0)
    model = conv_net()
    model(torch.zeros(1, 1, 8, 8))
    wrapper = build_optim_wrapper(
        model,
        dict(type='BF16OptimWrapper', optimizer=dict(type='Adam', lr=0.1)))
    before = [p.detach().clone() for p in model.parameters()]
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 1, 8, 8))
    assert out.dtype == torch.bfloat16  # the forward ran in bf16
    wrapper.update_params(out.float().pow(2).mean())
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert all(not torch.equal(a, p)
               for a, p in zip(before, model.parameters()))
    state = wrapper.state_dict()['state']
    assert all(s['exp_avg'].dtype == torch.float32 for s in state.values())


def test_channels_last_hook_changes_only_the_layout():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 2, 1))
    x = torch.randn(1, 1, 9, 9)
    expected = model(x)
    runner = SimpleNamespace(
        model=model, logger=MMLogger.get_instance('test_channels_last'))
    ChannelsLastHook().before_train(runner)
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(model(x), expected)


def test_channels_last_hook_converts_before_a_test_run_too():
    """``tools/test.py --amp`` has no training: the test run converts."""
    model = nn.Sequential(nn.Conv2d(2, 4, 3))
    runner = SimpleNamespace(
        model=model, logger=MMLogger.get_instance('test_channels_last_t'))
    assert not model[0].weight.is_contiguous(memory_format=torch.channels_last)
    ChannelsLastHook().before_test(runner)
    assert model[0].weight.is_contiguous(memory_format=torch.channels_last)


def amp_args(config):
    return argparse.Namespace(
        config=config,
        work_dir='wd',
        resume=None,
        amp=True,
        cfg_options=None,
        launcher='none')


def test_amp_on_cpu_selects_bf16_for_every_wrapper():
    cfg = build_config(amp_args(CONFIG))
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    assert [h['type'] for h in cfg.custom_hooks].count('ChannelsLastHook') \
        == 1
    cfg = build_config(amp_args(ADVERSARIAL))  # an OptimWrapperDict
    children = [v for v in cfg.optim_wrapper.values() if isinstance(v, dict)]
    assert len(children) == 2
    assert all(c.type == 'BF16OptimWrapper' for c in children)


@pytest.mark.parametrize('native', [False, True])
def test_amp_warns_only_where_bf16_is_emulated(bf16_cpu, native):
    """``--amp`` on a CPU without AVX512-BF16 / AMX is slower than float32
    (``results/bf16_throughput_avx2.md``): the user is told, and still gets
    what was asked for."""
    from emda.utils.bf16_support import EmulatedBF16Warning
    bf16_cpu(native)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        cfg = build_config(amp_args(CONFIG))
    emulated = [
        str(w.message) for w in caught if w.category is EmulatedBF16Warning
    ]
    assert len(emulated) == (0 if native else 1)
    assert all('tools/train.py --amp' in m for m in emulated)
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'


SMALL = [
    'train_dataloader.batch_size=1', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0', 'default_hooks.checkpoint.interval=2',
    'default_hooks.logger.interval=1', 'train_cfg.val_interval=100'
]


def train(cwd, *args):
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), CONFIG, '--amp', *args
    ],
                          cwd=cwd,
                          env=dict(
                              os.environ, OMP_NUM_THREADS='1',
                              PYTHONPATH=REPO),
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def adam_steps(path):
    state = torch.load(path, map_location='cpu', weights_only=False)
    steps = {float(s['step']) for s in state['optimizer']['state'].values()}
    return steps


def test_amp_trains_and_resumes_with_the_optimizer_state(tmp_path):
    cwd = str(tmp_path)
    log = train(cwd, '--work-dir', 'wd', '--cfg-options',
                'train_cfg.max_iters=2', *SMALL)
    assert 'channels_last' in log
    steps = adam_steps(osp.join(cwd, 'wd', 'iter_2.pth'))
    assert steps == {2.}
    log = train(cwd, '--work-dir', 'wd', '--resume', '--cfg-options',
                'train_cfg.max_iters=4', *SMALL)
    assert 'resumed' in log.lower() and 'Iter(train) [1/4]' not in log
    steps = adam_steps(osp.join(cwd, 'wd', 'iter_4.pth'))
    assert steps == {4.}  # Adam continued from step 2, not from scratch
