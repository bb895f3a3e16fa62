"""WDANet end to end through tools/train.py on tiny data: source
pretraining (stage 0), a stage-1 round and a stage-2 round with entropy
pseudo-labels on disk, three optimizers and the frozen counter in the
checkpoint."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from emda.datasets import pipelines

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'wdanet',
                  'wdanet_unet-s4-c16_2x2-800_synth-192x192.py')


def tiny_config(root: str) -> str:
    crop = (48, 48)
    labels = pipelines.labels_train_pipeline(crop, heatmap_kernel=11)
    pseudo = pipelines.pseudo_train_pipeline(
        crop, heatmap_kernel=11, with_points=True)
    return f'''
_base_ = [{CONFIG!r}]
synthetic_data = None
simulated_points = []
root = {root!r}
model = dict(heatmap_kernel=11, rank_decay_iters=2, mixer=dict(prob=1.0),
             discriminator=dict(ndf=32, num_convs=3))
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(
        source=dict(data_root=root, img_path='src/images',
                    ann_path='src/labels',
                    pipeline={labels}),
        target=dict(data_root=root, img_path='tgt/images',
                    points_file='tgt/points.json',
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
                      img_path='tgt/images', points_file='tgt/points.json'))
]
train_cfg = dict(pretrain_iters=2, round_iters=2, val_interval=2)
constant = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0,
                 end=6)]
param_scheduler = dict(segmentor=constant, count_head=constant,
                       discriminator=constant)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, max_keep_ckpts=10))
'''


@pytest.fixture(scope='module')
def trained(tiny_em, tmp_path_factory):
    cwd = str(tmp_path_factory.mktemp('wdanet'))
    with open(osp.join(cwd, 'wdanet.py'), 'w') as f:
        f.write(tiny_config(tiny_em))
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    run = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), 'wdanet.py', '--work-dir', 'wd'
    ],
                         cwd=cwd,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=300)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-4000:]
    return cwd, log


def test_stages_switch_the_losses(trained):
    cwd, log = trained
    lines = log.splitlines()

    def logged(iteration):
        return ' '.join(ln for ln in lines
                        if f'Iter(train) [{iteration}/6]' in ln)

    assert 'src.loss_count' in logged(2) and 'tgt.' not in logged(2)
    stage1 = logged(3)
    assert 'tgt.loss_rank' in stage1 and 'adv.loss_d_tgt' in stage1
    assert 'tgt.loss_seg' not in stage1
    assert 'tgt.paste_fraction' in stage1
    assert 'tgt.loss_seg' in logged(6) and 'tgt.loss_rank' in logged(6)


def test_rounds_write_entropy_pseudo_labels(trained):
    cwd, log = trained
    pl = osp.join(cwd, 'wd', 'pseudo_labels')
    assert sorted(os.listdir(pl)) == ['round_01', 'round_02']
    assert osp.isfile(osp.join(pl, 'round_02', 'done'))
    for name in ('round_01', 'round_02'):
        assert osp.isfile(osp.join(pl, name, 'done'))
        assert sorted(os.listdir(osp.join(
            pl, name, 'label'))) == [f'z{i:03d}.png' for i in range(4)]


def test_checkpoint_carries_the_stage_and_the_frozen_counter(trained):
    cwd, _ = trained
    ckpt = torch.load(
        osp.join(cwd, 'wd', 'iter_6.pth'),
        map_location='cpu',
        weights_only=False)
    state = ckpt['state_dict']
    assert int(state['stage']) == 2 and int(state['counter_ready']) == 1
    assert any(k.startswith('frozen_counter.segmentor.') for k in state)
    assert any(k.startswith('count_head.') for k in state)
    assert set(
        ckpt['optimizer']) == {'segmentor', 'count_head', 'discriminator'}
