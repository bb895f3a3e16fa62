"""SourceOnly and Supervised train through MMEngine's Runner, each on its
own domain's labels."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.registry import MODELS

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


def test_one_supervised_loss_from_images_or_logits(tiny_model_parts):
    """BaseDAModel.supervised_loss, the source loss of every method: from
    images (segmentor.loss) or from precomputed logits (the decode head's
    loss_by_feat) the same keys and values; ``weight`` scales the loss
    terms only."""
    model = MODELS.build(
        dict(
            type='SourceOnly',
            segmentor=tiny_model_parts[0],
            data_preprocessor=tiny_model_parts[1])).eval()
    gen = torch.Generator().manual_seed(2)
    images = torch.randn(2, 1, 16, 16, generator=gen)
    samples = []
    for _ in range(2):
        sample = SegDataSample(
            metainfo=dict(img_shape=(16, 16), ori_shape=(16, 16)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 2, (1, 16, 16), generator=gen))
        samples.append(sample)
    logits = model.segmentor(images, mode='tensor')
    from_images = model.supervised_loss(samples, images)
    from_logits = model.supervised_loss(samples, seg_logits=logits)
    assert list(from_images) == ['src.decode.loss_ce', 'src.decode.acc_seg']
    assert list(from_logits) == list(from_images)
    assert all(
        torch.equal(from_images[k], from_logits[k]) for k in from_images)
    half = model.supervised_loss(
        samples, seg_logits=logits, prefix='tgt', weight=0.5)
    assert torch.equal(half['tgt.decode.loss_ce'],
                       0.5 * from_logits['src.decode.loss_ce'])
    assert torch.equal(half['tgt.decode.acc_seg'],
                       from_logits['src.decode.acc_seg'])
    with pytest.raises(ValueError, match='exactly one'):
        model.supervised_loss(samples)
