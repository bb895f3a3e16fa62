"""tools/select_checkpoint.py scores a run's kept checkpoints without target
labels and names the best one, whatever order they were saved in."""
import csv
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from emda.tools import select_checkpoint as tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SOURCE_ONLY = osp.join(REPO, 'configs', 'source_only',
                       'source-only_unet-s4-c16_1xb4-2k_synth-192x192.py')
IPL_CFCL = osp.join(REPO, 'configs', 'ipl_cfcl',
                    'ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py')


def save_biased(model, path, foreground: bool):
    """A checkpoint whose segmentation head predicts every pixel as
    foreground (or as background)."""
    head = model.segmentor.decode_head.conv_seg
    with torch.no_grad():
        head.weight.zero_()
        head.bias.copy_(
            torch.tensor([-50., 50.] if foreground else [50., -50.]))
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)


@pytest.fixture
def biased_run(tmp_path, monkeypatch):
    """A SourceOnly synth run dir: iter_200 predicts everything foreground,
    iter_1000 (the later, the one a 'keep the last' rule takes) nothing."""
    monkeypatch.chdir(tmp_path)
    from emda.registry import MODELS
    from emda.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(SOURCE_ONLY)
    model = MODELS.build(cfg.model)
    run = tmp_path / 'run'
    run.mkdir()
    save_biased(model, run / 'iter_200.pth', foreground=True)
    save_biased(model, run / 'iter_1000.pth', foreground=False)
    return str(run)


@pytest.mark.parametrize('metric', ['points', 'flip'])
def test_chooses_the_better_checkpoint_not_the_last(biased_run, metric):
    chosen = tool.main([
        SOURCE_ONLY, biased_run, '--metric', metric, '--point-ratio', '0.15',
        '--no-progress'
    ])
    # an empty prediction scores 0 under both metrics; everything
    # foreground holds every point (points) and agrees with its flips
    assert chosen['iter'] == 200
    assert chosen['label_free/score'] > 0
    with open(osp.join(biased_run, 'label_free_scores.csv')) as f:
        rows = list(csv.DictReader(f))
    assert [int(r['iter']) for r in rows] == [200, 1000]  # numeric order
    assert float(rows[1]['label_free/score']) == 0.
    assert osp.getsize(osp.join(biased_run, 'label_free_scores.png')) > 0


def test_metric_follows_the_config():
    cfg = Config.fromfile(IPL_CFCL)
    metric, dataset = tool.selection_setup(cfg, point_ratio=0.15)
    assert metric == dict(type='PointInstanceMetric', point_ratio=0.15)
    assert dataset['points_file']
    cfg.custom_hooks[0].dataset.points_file = None  # UDA: no points
    metric, dataset = tool.selection_setup(cfg)
    assert metric == dict(type='FlipAgreementMetric')
    with pytest.raises(ValueError, match='no points_file'):
        tool.selection_setup(cfg, metric='points', point_ratio=0.15)
    # the pair declares the fraction its points annotate: no flag needed
    metric, _ = tool.selection_setup(Config.fromfile(IPL_CFCL), 'points')
    assert metric['point_ratio'] == 0.15
    undeclared = Config.fromfile(IPL_CFCL)
    undeclared.pop('point_ratio')
    with pytest.raises(ValueError, match='--point-ratio'):
        tool.selection_setup(undeclared, metric='points')


def test_label_free_config_keeps_its_own_metric():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'ipl_cfcl',
                 'ipl-cfcl-label-free_unet-s4-c16_2x2-800_synth-192x192.py'))
    metric, _ = tool.selection_setup(cfg)
    assert metric['type'] == 'PointInstanceMetric'
    assert metric['point_ratio'] == cfg.point_ratio


def test_refuses_a_run_without_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError, match='no iter_'):
        tool.run_checkpoints(str(tmp_path))


def test_from_iter_keeps_the_later_checkpoints(tmp_path):
    for it in (200, 1000, 1600, 2000):
        (tmp_path / f'iter_{it}.pth').touch()
    (tmp_path / 'best_Dice_iter_1000.pth').touch()  # not a round end
    kept = tool.run_checkpoints(str(tmp_path), from_iter=1600)
    assert [it for it, _ in kept] == [1600, 2000]
    with pytest.raises(FileNotFoundError, match='the last is 2000'):
        tool.run_checkpoints(str(tmp_path), from_iter=2200)
