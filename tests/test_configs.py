"""Every final config parses and its model builds on CPU."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from emda.registry import MODELS
from emda.utils.config_check import check_component_names

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def test_there_are_configs():
    assert len(CONFIGS) >= 4


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.basename(p))
def test_config_parses_and_model_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'emda'
    check_component_names(cfg)  # every type is registered somewhere
    model = MODELS.build(cfg.model)
    assert hasattr(model, 'segmentor')
    assert cfg.train_dataloader.dataset.type == 'MultiDomainDataset'
    assert cfg.val_evaluator.type == 'EMSegMetric'


DATASET_BASES = sorted(
    glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets', '*.py')))


@pytest.mark.parametrize('path', DATASET_BASES, ids=lambda p: osp.basename(p))
def test_public_dataset_bases_build(path):
    from emda.registry import DATASETS
    cfg = Config.fromfile(path)
    datasets = [
        v for v in cfg.values()
        if isinstance(v, dict) and v.get('type') == 'EMSliceDataset'
    ]
    assert datasets
    for ds in datasets:
        # lazy: the files are the user's download, not checked here
        built = DATASETS.build(dict(ds, lazy_init=True))
        assert built.metainfo['classes'] == ('background', 'mitochondria')
