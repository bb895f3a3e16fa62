"""Two gloo processes through ``tools/train.py --launcher pytorch`` on CPU:
a plain method, an adversarial one (separate DDP wrappers) and IPL-CFCL
across a round boundary train, validate and checkpoint; what a round
writes is written once, by rank 0; every rank ends with the same state;
the pseudo-labels equal a single process's from the same checkpoint."""
import collections
import csv
import glob
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint

from tiny_runs import (IPL_PRETRAIN, IPL_ROUNDS, logged_values, tiny_config,
                       train, writes)

KINDS = ('label', 'det_background', 'point_instances', 'heatmap', 'overlay')


def ddp_run(method, root, tmp_path_factory):
    cwd = str(tmp_path_factory.mktemp(f'ddp_{method}'))
    config = osp.join(cwd, 'cfg.py')
    with open(config, 'w') as f:
        f.write(tiny_config(method, root))
    log = train(cwd, config, nproc=2)
    return cwd, config, log


def rank_states(cwd):
    states = []
    for rank in (0, 1):
        with open(osp.join(cwd, f'writes.txt.rank{rank}')) as f:
            states.append(json.load(f))
    return states


def history(cwd):
    files = glob.glob(osp.join(cwd, 'wd', '*', 'em_seg_history.csv'))
    assert len(files) == 1, files  # rank 0 alone writes the metric files
    with open(files[0]) as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize('method', ['source_only', 'adaptsegnet'])
def test_two_processes_train_validate_and_checkpoint(method, tiny_em,
                                                     tmp_path_factory):
    cwd, _, log = ddp_run(method, tiny_em, tmp_path_factory)
    assert 'Iter(train) [4/4]' in log
    assert osp.isfile(osp.join(cwd, 'wd', 'iter_4.pth'))
    assert glob.glob(osp.join(cwd, 'wd', 'best_Dice_iter_*.pth'))
    assert [(r['evaluation'], r['iter']) for r in history(cwd)] == [('0', '2'),
                                                                    ('1', '4')]
    first, second = rank_states(cwd)
    assert first['world_size'] == 2
    assert first == second  # weights and (synced) buffers


@pytest.fixture(scope='module')
def ipl_ddp(tiny_em, tmp_path_factory):
    return ddp_run('ipl_cfcl', tiny_em, tmp_path_factory)


def test_ipl_cfcl_trains_across_rounds(ipl_ddp):
    cwd, _, log = ipl_ddp
    total = IPL_PRETRAIN + sum(r['iters'] for r in IPL_ROUNDS)
    assert f'Iter(train) [{total}/{total}]' in log
    assert 'tgt.loss_seg' in log  # stage 2 trained on the pseudo-labels
    pl = osp.join(cwd, 'wd', 'pseudo_labels')
    assert sorted(os.listdir(pl)) == ['round_01', 'round_02']
    final = torch.load(
        osp.join(cwd, 'wd', f'iter_{total}.pth'),
        map_location='cpu',
        weights_only=False)
    assert int(final['state_dict']['stage']) == 2
    assert [r['iter'] for r in history(cwd)] == [str(total)]
    assert len(logged_values(log)) == total + 1


def test_each_round_file_is_written_once_by_rank_0(ipl_ddp, tiny_em):
    cwd = ipl_ddp[0]
    records = [line.split(' ', 1) for line in writes(cwd)]
    assert {rank for rank, _ in records} == {'0'}
    counts = collections.Counter(path for _, path in records)
    assert set(counts.values()) == {1}
    pl = osp.join(cwd, 'wd', 'pseudo_labels')
    n_slices = len(glob.glob(osp.join(tiny_em, 'tgt', 'images', '*.png')))
    expected = {
        osp.join(pl, f'round_0{r}', kind, f'z{i:03d}.png')
        for r in (1, 2)
        for kind in KINDS
        for i in range(n_slices)
    } | {osp.join(pl, f'round_0{r}', 'done')
         for r in (1, 2)}
    assert set(counts) == expected


def test_every_rank_ends_with_the_same_state(ipl_ddp):
    first, second = rank_states(ipl_ddp[0])
    assert first['world_size'] == 2 and first['round'] == 'round_02'
    banks = [k for k in first['last_iter'] if k.startswith('prototype_bank')]
    assert banks and 'stage' in first['last_iter']
    # refreshed from the global batch: equal before any buffer sync
    assert first['last_iter'] == second['last_iter']
    assert first == second  # and BN statistics after the final sync


def test_pseudo_labels_equal_a_single_process_from_the_same_checkpoint(
        ipl_ddp, tmp_path):
    """Each round starts from the previous iteration's weights
    (``init_from='current'``), i.e. from that iteration's checkpoint."""
    from emda.engine.pseudo_label_generator import PseudoLabelGenerator
    from emda.registry import MODELS
    cwd, config, _ = ipl_ddp
    cfg = Config.fromfile(config, import_custom_modules=False)
    start = IPL_PRETRAIN
    for index, spec in enumerate(IPL_ROUNDS):
        name = f'round_0{index + 1}'
        model = MODELS.build(cfg.model)
        load_checkpoint(
            model,
            osp.join(cwd, 'wd', f'iter_{start}.pth'),
            map_location='cpu')
        hook = [
            h for h in cfg.custom_hooks if h['type'] == 'SelfTrainingRoundHook'
        ][0]
        generator = PseudoLabelGenerator(hook['dataset'], hook['selector'],
                                         str(tmp_path))
        generator.run(model, name, ratio=spec['ratio'], tau=spec['tau'])
        for kind in ('label', 'det_background', 'point_instances'):
            ours = sorted(glob.glob(osp.join(tmp_path, name, kind, '*.png')))
            assert ours
            for path in ours:
                ddp = osp.join(cwd, 'wd', 'pseudo_labels', name, kind,
                               osp.basename(path))
                assert np.array_equal(
                    cv2.imread(path, cv2.IMREAD_UNCHANGED),
                    cv2.imread(ddp, cv2.IMREAD_UNCHANGED)), (name, kind, path)
        start += spec['iters']
