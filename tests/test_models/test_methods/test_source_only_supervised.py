"""SourceOnly and Supervised train through MMEngine's Runner, each on its
own domain's labels."""
import copy
import os.path as osp

import numpy as np
import pytest
from mmengine.runner import Runner

FIXED = [
    dict(type='LoadEMImage'),
    dict(type='LoadEMAnnotations'),
    dict(type='NormalizeIntensity'),
    dict(type='PackEMInputs')
]


def runner_cfg(tiny_em, parts, method, work_dir, iters=12):
    dom = 'src' if method == 'SourceOnly' else 'tgt'
    ds = dict(
        type='EMSliceDataset',
        data_root=tiny_em,
        img_path=f'{dom}/images',
        ann_path=f'{dom}/labels',
        slice_range=(0, 1),  # one fixed slice: the loss must fall
        pipeline=FIXED)
    key = 'source' if method == 'SourceOnly' else 'target'
    return dict(
        model=dict(
            type=method, segmentor=parts[0], data_preprocessor=parts[1]),
        work_dir=str(work_dir),
        # runners built in the same second would share one MessageHub
        experiment_name=f'{method}_{osp.basename(str(work_dir))}',
        train_dataloader=dict(
            batch_size=2,
            num_workers=0,
            sampler=dict(type='InfiniteSampler', shuffle=False),
            dataset=dict(type='MultiDomainDataset', **{key: ds})),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=iters),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-2)),
        default_scope='emda',
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        log_level='WARNING',
        randomness=dict(seed=0))


@pytest.mark.parametrize('method,prefix', [('SourceOnly', 'src.'),
                                           ('Supervised', 'tgt.')])
def test_loss_decreases_on_a_fixed_batch(tiny_em, tiny_model_parts, tmp_path,
                                         method, prefix):
    runner = Runner(**runner_cfg(tiny_em, tiny_model_parts, method, tmp_path))
    runner.train()
    hub = runner.message_hub
    losses = hub.get_scalar('train/loss').data[0]
    assert len(losses) == 12
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:3])
    keys = [k for k in hub.log_scalars if k.startswith('train/')]
    assert any(k.startswith('train/' + prefix) for k in keys)
    other = 'tgt.' if prefix == 'src.' else 'src.'
    assert not any(k.startswith('train/' + other) for k in keys)


def test_method_without_its_domain_says_which(tiny_em, tiny_model_parts,
                                              tmp_path):
    cfg = runner_cfg(tiny_em, tiny_model_parts, 'SourceOnly', tmp_path, 1)
    ds = cfg['train_dataloader']['dataset']
    ds['target'] = ds.pop('source')
    with pytest.raises(KeyError, match='needs a "source" batch'):
        Runner(**cfg).train()


def test_plain_segmentor_checkpoint_loads_into_method(tiny_em,
                                                      tiny_model_parts,
                                                      tmp_path):
    from mmengine.config import ConfigDict

    from emda.registry import MODELS
    cfg = runner_cfg(tiny_em, tiny_model_parts, 'SourceOnly', tmp_path)
    method = MODELS.build(copy.deepcopy(cfg['model']))
    plain = MODELS.build(ConfigDict(tiny_model_parts[0]))
    for p in plain.parameters():
        p.data.fill_(0.5)
    method.load_state_dict(plain.state_dict(), strict=False)
    assert all((p == 0.5).all() for p in method.segmentor.parameters())
