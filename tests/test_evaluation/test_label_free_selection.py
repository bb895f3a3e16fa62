"""LabelFreeSelectionHook scores the target training slices without their
labels and adds the score to the validation metrics; the round hook starts
rounds from the checkpoint that score selected."""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub, MMLogger

from emda.engine.hooks import LabelFreeSelectionHook, SelfTrainingRoundHook
from emda.registry import MODELS
from emda.datasets import pipelines

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SOURCE_ONLY = osp.join(REPO, 'configs', 'source_only',
                       'source-only_unet-s4-c16_1xb4-2k_synth-192x192.py')


def target_slices(root, **kwargs):
    return dict(
        type='EMSliceDataset',
        data_root=root,
        img_path='images',
        pipeline=pipelines.test_pipeline(with_labels=False),
        **kwargs)


@pytest.fixture
def unlabeled_target(tiny_em, tmp_path):
    """The tiny target images and points, with label files that are
    corrupt (any attempt to read them fails)."""
    root = str(tmp_path / 'tgt')
    shutil.copytree(
        osp.join(tiny_em, 'tgt', 'images'), osp.join(root, 'images'))
    shutil.copy(osp.join(tiny_em, 'tgt', 'points.json'), root)
    os.makedirs(osp.join(root, 'labels'))
    for name in os.listdir(osp.join(root, 'images')):
        with open(osp.join(root, 'labels', name), 'wb') as f:
            f.write(b'not a png')
    return root


def runner_with(model, cfg):
    hub = MessageHub.get_instance('label_free_test')
    return SimpleNamespace(
        model=model,
        cfg=Config(cfg),
        message_hub=hub,
        logger=MMLogger.get_instance('label_free_test'))


def tiny_method(tiny_model_parts):
    segmentor, preprocessor = tiny_model_parts
    return MODELS.build(
        dict(
            type='SourceOnly',
            segmentor=segmentor,
            data_preprocessor=preprocessor))


@pytest.mark.parametrize('metric', [
    dict(type='PointInstanceMetric', point_ratio=0.3),
    dict(type='FlipAgreementMetric')
])
def test_hook_scores_without_labels(unlabeled_target, tiny_model_parts,
                                    metric):
    model = tiny_method(tiny_model_parts)
    runner = runner_with(model, dict())
    metrics = {'Dice': 0.7}
    hook = LabelFreeSelectionHook(
        metric=metric,
        dataset=target_slices(unlabeled_target, points_file='points.json'))
    hook.after_val_epoch(runner, metrics)
    assert 0. <= metrics['label_free/score'] <= 1.
    assert metrics['Dice'] == 0.7  # the oracle stays beside it
    assert runner.message_hub.get_scalar(
        'val/label_free/score').current() == metrics['label_free/score']
    assert model.training  # restored


def test_hook_refuses_a_dataset_with_labels(unlabeled_target):
    hook = LabelFreeSelectionHook(
        metric=dict(type='PointInstanceMetric', point_ratio=0.3),
        dataset=dict(type='EMSliceDataset'))
    with pytest.raises(ValueError, match='must not see target labels'):
        hook.build(
            target_slices(
                unlabeled_target, ann_path='labels',
                points_file='points.json'))


def test_point_metric_needs_the_points(unlabeled_target):
    hook = LabelFreeSelectionHook(
        metric=dict(type='PointInstanceMetric', point_ratio=0.3),
        dataset=dict(type='EMSliceDataset'))
    with pytest.raises(ValueError, match='needs target points'):
        hook.build(target_slices(unlabeled_target))


def round_hook_key(select_by, save_best):
    runner = SimpleNamespace(
        hooks=[CheckpointHook(save_best=save_best, rule='greater')])
    return SelfTrainingRoundHook(
        dataset=dict(type='EMSliceDataset'),
        selector=dict(type='ThresholdSelector'),
        select_by=select_by)._best_ckpt_key(runner)


def test_round_hook_starts_from_the_selected_checkpoint():
    both = ['label_free/score', 'Dice']
    assert round_hook_key('label_free/score',
                          both) == 'best_ckpt_label_free/score'
    assert round_hook_key('Dice', both) == 'best_ckpt_Dice'
    assert round_hook_key(None, 'Dice') == 'best_ckpt'
    assert round_hook_key('label_free/score',
                          'label_free/score') == 'best_ckpt'
    with pytest.raises(ValueError, match='set SelfTrainingRoundHook'):
        round_hook_key(None, both)
    with pytest.raises(ValueError, match='is not among'):
        round_hook_key('label_free/score', 'Dice')


def test_checkpoint_hook_saves_the_label_free_best(tmp_path):
    """Through tools/train.py: the score reaches CheckpointHook and the
    logged scalars, beside the oracle Dice."""
    config = tmp_path / 'label_free.py'
    config.write_text(
        f"_base_ = ['{SOURCE_ONLY}']\n"
        "default_hooks = dict(checkpoint=dict(interval=2, save_best=["
        "'label_free/score', 'Dice'], rule='greater'))\n"
        "custom_hooks = [dict(type='LabelFreeSelectionHook', "
        "dataset=_base_.target_pseudo_source, metric=dict("
        "type='PointInstanceMetric', point_ratio=0.15))]\n")
    options = [
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'train_dataloader.batch_size=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0'
    ]
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'),
        str(config), '--work-dir', 'wd', '--cfg-options', *options
    ],
                          cwd=tmp_path,
                          env=dict(
                              os.environ, OMP_NUM_THREADS='1',
                              PYTHONPATH=REPO),
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert glob.glob(str(tmp_path / 'wd' / 'best_label_free_score_iter_2*'))
    assert glob.glob(str(tmp_path / 'wd' / 'best_Dice_iter_2*'))
    scalars = glob.glob(
        str(tmp_path / 'wd' / '*' / 'vis_data' / 'scalars.json'))
    rows = [json.loads(line) for line in open(scalars[0])]
    val = [r for r in rows if 'Dice' in r]
    assert val and 'label_free/score' in val[-1]
