"""IPL-CFCL end to end through tools/train.py on tiny data: source
pretraining, a stage-1 and a stage-2 round with their pseudo-labels on disk,
and a resume after an interruption in the middle of a round."""
import glob
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from emda.datasets import pipelines

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'ipl_cfcl',
                  'ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py')

STOP_HOOK = '''
import os
from mmengine.hooks import Hook
from emda.registry import HOOKS


@HOOKS.register_module()
class StopAtIterHook(Hook):
    """Kill the process after iteration ``at`` (and its checkpoint) when
    EMDA_TEST_STOP is set: an interruption in the middle of a round."""
    priority = 'LOWEST'

    def __init__(self, at):
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if os.environ.get('EMDA_TEST_STOP') and runner.iter + 1 == self.at:
            os._exit(3)


@HOOKS.register_module()
class SaveWeightsHook(Hook):
    """Save the model's state dict as the round hook left it at the start
    of iteration ``at`` (runs after it)."""
    priority = 'LOW'

    def __init__(self, at, path):
        self.at, self.path = at, path

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at:
            import torch
            torch.save(runner.model.state_dict(), self.path)
'''


def tiny_config(root: str) -> str:
    crop = (48, 48)
    labels = pipelines.labels_train_pipeline(crop, heatmap_kernel=11)
    pseudo = pipelines.pseudo_train_pipeline(crop, heatmap_kernel=11)
    return f'''
_base_ = [{CONFIG!r}]
custom_imports = dict(imports=['stop_hook'], allow_failed_imports=False)
synthetic_data = None
simulated_points = []
root = {root!r}
model = dict(
    prototype_interval=2,
    anchor_conf=0.5,
    prototype_bank=dict(kmeans_n_init=1))
train_dataloader = dict(
    batch_size=1, num_workers=1, persistent_workers=True,
    dataset=dict(
        source=dict(data_root=root, img_path='src/images',
                    ann_path='src/labels',
                    pipeline={labels}),
        target=dict(data_root=root, img_path='tgt/images',
                    pipeline={pseudo})))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=root, img_path='tgt/images',
                 ann_path='tgt/labels'))
test_dataloader = val_dataloader
round_hook = _base_.custom_hooks[0]
custom_hooks = [
    dict(round_hook,
         dataset=dict(round_hook.dataset, data_root=root,
                      img_path='tgt/images', points_file='tgt/points.json'),
         selector=dict(round_hook.selector, kernel_size=11,
                       blob_kernel=(3, 3), ring_kernel=(5, 5),
                       det_bg_point_kernel=11)),
    dict(type='StopAtIterHook', at=4)]
train_cfg = dict(pretrain_iters=2, val_interval=1,
                 rounds=[dict(stage=1, iters=3, ratio=0.3, tau=0.6),
                         dict(stage=2, iters=3, ratio=0.5, tau=0.6)])
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False,
                        begin=0, end=8)]
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=10))
'''


def train(cwd, *args, stop=False):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join([REPO, cwd])
    env.pop('EMDA_TEST_STOP', None)
    if stop:
        env['EMDA_TEST_STOP'] = '1'
    return subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), 'ipl.py', '--work-dir', 'wd',
        *args
    ],
                          cwd=cwd,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)


@pytest.fixture(scope='module')
def interrupted_then_resumed(tiny_em, tmp_path_factory):
    cwd = str(tmp_path_factory.mktemp('ipl'))
    with open(osp.join(cwd, 'stop_hook.py'), 'w') as f:
        f.write(STOP_HOOK)
    with open(osp.join(cwd, 'ipl.py'), 'w') as f:
        f.write(tiny_config(tiny_em))
    first = train(cwd, stop=True)
    assert first.returncode == 3, first.stdout[-3000:] + first.stderr[-3000:]
    pl = osp.join(cwd, 'wd', 'pseudo_labels')
    snapshot = {
        p: (os.path.getmtime(p), cv2.imread(p, cv2.IMREAD_UNCHANGED))
        for p in glob.glob(osp.join(pl, 'round_01', 'label', '*.png'))
    }
    ckpt_4 = torch.load(
        osp.join(cwd, 'wd', 'iter_4.pth'),
        map_location='cpu',
        weights_only=False)
    second = train(cwd, '--resume', 'auto')
    assert second.returncode == 0, (
        second.stdout[-3000:] + second.stderr[-3000:])
    return cwd, first.stdout + first.stderr, second.stdout + second.stderr, \
        snapshot, ckpt_4


EMA_ROUNDS = '''
custom_hooks = [
    dict(custom_hooks[0], init_from='last'),
    dict(type='EMAHook', momentum=0.5, begin_iter=2),
    dict(type='SaveWeightsHook', at=5, path='round_02_start.pth')]
'''


def test_ema_rounds_start_from_the_averaged_weights(tiny_em, tmp_path):
    """init_from='last' under MMEngine's EMAHook: round 2 (iteration 5)
    starts from the checkpoint of round 1's end, whose state dict holds the
    EMA weights, not the student's (kept in its ema_state_dict)."""
    cwd = str(tmp_path)
    with open(osp.join(cwd, 'stop_hook.py'), 'w') as f:
        f.write(STOP_HOOK)
    with open(osp.join(cwd, 'ipl.py'), 'w') as f:
        f.write(tiny_config(tiny_em) + EMA_ROUNDS)
    run = train(cwd)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    assert 'round starts from the last checkpoint' in log
    ckpt = torch.load(
        osp.join(cwd, 'wd', 'iter_5.pth'),
        map_location='cpu',
        weights_only=False)
    start = torch.load(
        osp.join(cwd, 'round_02_start.pth'),
        map_location='cpu',
        weights_only=False)
    student = {
        k[len('module.'):]: v
        for k, v in ckpt['ema_state_dict'].items() if k.startswith('module.')
    }
    params = [k for k, v in start.items() if v.is_floating_point()]
    assert params and all(
        torch.equal(start[k], ckpt['state_dict'][k]) for k in params)
    assert any(not torch.equal(start[k], student[k]) for k in params)


def test_rounds_write_pseudo_labels_and_visuals(interrupted_then_resumed):
    cwd, _, _, _, _ = interrupted_then_resumed
    pl = osp.join(cwd, 'wd', 'pseudo_labels')
    assert sorted(os.listdir(pl)) == ['round_01', 'round_02']
    assert osp.isfile(osp.join(pl, 'round_02', 'done'))
    for name in ('round_01', 'round_02'):
        for kind in ('label', 'det_background', 'point_instances', 'heatmap',
                     'overlay'):
            files = sorted(os.listdir(osp.join(pl, name, kind)))
            assert files == [f'z{i:03d}.png' for i in range(4)], (name, kind)
        assert osp.isfile(osp.join(pl, name, 'done'))
        label = cv2.imread(
            osp.join(pl, name, 'label', 'z000.png'), cv2.IMREAD_UNCHANGED)
        assert label.shape == (64, 64)
        assert set(np.unique(label)) <= {0, 1, 255}
        assert osp.isfile(osp.join(pl, name, 'selection.csv'))
    # every annotated point lands on pseudo-foreground (its instance or
    # its blob), in both rounds
    from emda.datasets.point_annotations import load_points
    points = load_points(osp.join(tiny_em_root(cwd), 'tgt', 'points.json'))
    assert any(len(p) for p in points.values())
    for name in ('round_01', 'round_02'):
        for slice_name, pts in points.items():
            label = cv2.imread(
                osp.join(pl, name, 'label', slice_name), cv2.IMREAD_UNCHANGED)
            for y, x in pts:
                assert label[y, x] == 1, (name, slice_name, y, x)


def tiny_em_root(cwd):
    with open(osp.join(cwd, 'ipl.py')) as f:
        line = [ln for ln in f if ln.startswith('root = ')][0]
    return line.split('=', 1)[1].strip().strip("'")


def test_stage_switch_changes_the_losses(interrupted_then_resumed):
    _, first, second, _, ckpt_4 = interrupted_then_resumed
    assert 'src.loss_det' in first and 'tgt.loss_det' in first
    assert 'tgt.loss_seg' in second  # stage 2 trains on the pseudo-labels
    assert int(ckpt_4['state_dict']['stage']) == 1


def test_resume_mid_round_reuses_the_round_and_its_banks(
        interrupted_then_resumed):
    cwd, _, second, snapshot, ckpt_4 = interrupted_then_resumed
    assert 'resuming round_01' in second
    assert 'pseudo-labels round_01' not in second  # not regenerated
    assert 'pseudo-labels round_02' in second
    # round 1 (iterations 2-4) rebuilt its loader at iteration 2 and drew
    # from it at iteration 3: only that one batch is skipped, not all 4
    assert 'resuming at iteration 4: skipping 1 batches' in second
    assert 'Advance dataloader' not in second
    assert snapshot
    for path, (mtime, label) in snapshot.items():
        assert os.path.getmtime(path) == mtime
        assert np.array_equal(cv2.imread(path, cv2.IMREAD_UNCHANGED), label)
    # the banks were filled before the interruption and checkpointed
    bank = {
        k: v
        for k, v in ckpt_4['state_dict'].items()
        if k.startswith('prototype_bank.')
    }
    assert bank
    assert any(v.numel() and v.abs().sum() > 0 for v in bank.values())
    final = torch.load(
        osp.join(cwd, 'wd', 'iter_8.pth'),
        map_location='cpu',
        weights_only=False)
    assert final['meta']['iter'] == 8
    assert int(final['state_dict']['stage']) == 2


def test_amp_rounds_pseudo_label_and_validate_in_bf16(tiny_em, tmp_path):
    """``--amp`` on CPU: the resolved config pseudo-labels under autocast
    and validates under ValLoop(fp16=True) (bfloat16 on CPU), and the
    rounds still run to the end and write complete pseudo-labels."""
    cwd = str(tmp_path)
    with open(osp.join(cwd, 'stop_hook.py'), 'w') as f:
        f.write(STOP_HOOK)
    with open(osp.join(cwd, 'ipl.py'), 'w') as f:
        f.write(tiny_config(tiny_em))
    run = train(cwd, '--amp')
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(cwd, 'wd', 'ipl.py'), import_custom_modules=False)
    round_hook = [
        h for h in cfg.custom_hooks if h['type'] == 'SelfTrainingRoundHook'
    ]
    assert round_hook[0]['autocast'] is True
    assert cfg.val_cfg.fp16 is True
    for name in ('round_01', 'round_02'):
        assert osp.isfile(osp.join(cwd, 'wd', 'pseudo_labels', name, 'done'))
