"""Every final config parses and its model builds and runs on CPU."""
import glob
import os
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from emda.registry import MODELS
from emda.tools.select_checkpoint import selection_setup
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
    # the heads' channel arguments fit the backbone's features (a wider
    # backbone whose heads were not told fails here, not in a run)
    model.segmentor.eval()
    with torch.no_grad():
        out = model.segmentor(torch.zeros(1, 1, 64, 64), mode='tensor')
    seg = out['seg'] if isinstance(out, dict) else out
    assert seg.shape[-2:] == (64, 64)
    assert cfg.train_dataloader.dataset.type == 'MultiDomainDataset'
    assert cfg.val_evaluator.type == 'EMSegMetric'


DATASET_BASES = sorted(
    glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets', '*.py')))


@pytest.mark.parametrize('path', DATASET_BASES, ids=lambda p: osp.basename(p))
def test_dataset_bases_are_composed(path):
    """Every datasets/ base is used: by a pair (the datasets, the shared
    transforms) or by a final or method base (the training loader)."""
    users = [
        p for p in glob.glob(
            osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
        if path in _base_files(p)
    ]
    assert users, f'{osp.relpath(path, REPO)} is composed by no config'


@pytest.mark.parametrize('path', DATASET_BASES, ids=lambda p: osp.basename(p))
def test_public_dataset_bases_build(path):
    from emda.registry import DATASETS
    cfg = Config.fromfile(path)
    datasets = [
        v for v in cfg.values()
        if isinstance(v, dict) and v.get('type') == 'EMSliceDataset'
    ]
    for ds in datasets:
        # lazy: the files are the user's download, not checked here
        built = DATASETS.build(dict(ds, lazy_init=True))
        assert built.metainfo['classes'] == ('background', 'mitochondria')


def _base_files(path):
    """The ``_base_`` entries of ``path`` as absolute paths."""
    import ast
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            bases = ast.literal_eval(node.value)
            bases = [bases] if isinstance(bases, str) else bases
            return [
                osp.normpath(osp.join(osp.dirname(path), b)) for b in bases
            ]
    return []


#: IPL-CFCL's ablations and longer / other-data variants, and the
#: histogram-matched SourceOnly, derive from their method's main final (they
#: override a few keys of one method's setting); no other final, and none
#: across methods, inherits a final config
VARIANTS_OF = {
    'source_only': {
        'source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py',
    },
    'ipl_cfcl': {
        'ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py',
        'ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py',
        'ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py',
    },
}


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.basename(p))
def test_finals_compose_only_base_files(path):
    """A final config composes ``configs/_base_/`` pieces (model, method,
    pair, loader, schedule, runtime), never another final config."""
    base_dir = osp.join(REPO, 'configs', '_base_') + os.sep
    method = osp.basename(osp.dirname(path))
    for base in _base_files(path):
        if base.startswith(base_dir):
            continue
        assert (osp.dirname(base) == osp.dirname(path)
                and osp.basename(base) in VARIANTS_OF.get(method, ())), (
                    f'{osp.relpath(path, REPO)} inherits the final config '
                    f'{osp.relpath(base, REPO)}: compose _base_/ files')


def _pipelines(node, where=''):
    """Every ``pipeline`` value under ``node`` with its key path."""
    if isinstance(node, dict):
        for k, v in node.items():
            p = f'{where}.{k}' if where else str(k)
            if k == 'pipeline':
                yield p, v
            else:
                yield from _pipelines(v, p)
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _pipelines(v, f'{where}[{i}]')


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.basename(p))
def test_pipelines_are_lists_of_registered_transforms(path):
    """Every dataset pipeline of a final is a plain list of transforms,
    each a registered one, none a pipeline behind one name."""
    from mmengine.registry import init_default_scope

    from emda.registry import TRANSFORMS
    init_default_scope('emda')
    cfg = Config.fromfile(path).to_dict()
    found = list(_pipelines(cfg))
    assert found
    for where, pipeline in found:
        assert isinstance(pipeline, list) and pipeline, where
        for step in pipeline:
            assert isinstance(step, dict) and 'type' in step, (where, step)
            assert TRANSFORMS.get(step['type']) is not None, (where, step)
            assert not any(
                isinstance(v, (list, dict)) and _is_steps(v)
                for v in step.values()), (where, step)
            assert step['type'] not in ('Compose', 'EMTrainPipeline',
                                        'EMTestPipeline'), (where, step)


def _is_steps(value):
    items = value if isinstance(value, list) else [value]
    return any(isinstance(i, dict) and 'type' in i for i in items)


#: (longer or forked config, the config whose runs it continues, the
#: iteration up to which both train the same): the premise of continuing
#: or forking those runs with tools/benchmarks/extend_run.py
CONTINUATIONS = [
    ('ipl-cfcl-ema-histmatch_unet-s4-c16_2x2-6k_vnc3-lucchi-cpu-256x256.py',
     'ipl-cfcl-ema-histmatch_unet-s4-c16_2x2-4k_vnc3-lucchi-cpu-256x256.py',
     4000),
    ('ipl-cfcl-uda-ema-histmatch-src-anchor_unet-s4-c16_2x2-4k_vnc3-lucchi-'
     'cpu-256x256.py',
     'ipl-cfcl-uda-ema-histmatch_unet-s4-c16_2x2-4k_vnc3-lucchi-cpu-256x256.py',
     1600),
    ('ipl-cfcl-ema-histmatch-anneal_unet-s4-c16_2x2-6k_vnc3-lucchi-cpu-'
     '256x256.py',
     'ipl-cfcl-ema-histmatch_unet-s4-c16_2x2-6k_vnc3-lucchi-cpu-256x256.py',
     5000),
    ('ipl-cfcl-uda-ema-histmatch-anneal_unet-s4-c16_2x2-3k_vnc3-lucchi-'
     'cpu-256x256.py',
     'ipl-cfcl-uda-ema-histmatch_unet-s4-c16_2x2-4k_vnc3-lucchi-cpu-256x256.py',
     2000),
    ('ipl-cfcl-uda-ema-histmatch-zsmooth_unet-s4-c16_2x2-3k_vnc3-lucchi-'
     'cpu-256x256.py',
     'ipl-cfcl-uda-ema-histmatch_unet-s4-c16_2x2-4k_vnc3-lucchi-cpu-256x256.py',
     1000),
]


def _rounds_before(train_cfg, iteration):
    """The rounds that end by ``iteration`` (a round start)."""
    end = train_cfg.pretrain_iters
    done = []
    for rnd in train_cfg.rounds:
        if end >= iteration:
            break
        done.append(rnd)
        end += rnd.get('iters', train_cfg.round_iters)
    assert end == iteration, f'{iteration} is not a round start'
    return done


@pytest.mark.parametrize('longer,shorter,at', CONTINUATIONS)
def test_continuations_share_their_prefix(longer, shorter, at):
    """Up to ``at`` the two configs train alike: the same rounds and
    everything but the schedule's tail and the later stages' loss weights
    equal, so a run of ``shorter`` read at ``at`` is a run of ``longer``."""
    long_cfg, short_cfg = (
        Config.fromfile(osp.join(REPO, 'configs', 'ipl_cfcl', name)).to_dict()
        for name in (longer, shorter))
    long_train = Config(long_cfg.pop('train_cfg'))
    short_train = Config(short_cfg.pop('train_cfg'))
    prefix = _rounds_before(short_train, at)
    assert long_train.rounds[:len(prefix)] == prefix
    assert long_train.pretrain_iters == short_train.pretrain_iters
    trained = {'pretrain'} | {f'stage{r["stage"]}' for r in prefix}
    acting = [[
        s for s in cfg.pop('param_scheduler') or [] if s.get('begin', 0) < at
    ] for cfg in (long_cfg, short_cfg)]
    assert acting[0] == acting[1]  # the LR up to `at`
    for cfg in (long_cfg, short_cfg):
        if not prefix:  # a fork at the end of pretraining: no round yet
            cfg['custom_hooks'] = [
                h for h in cfg['custom_hooks']
                if h['type'] != 'SelfTrainingRoundHook'
            ]
        for helper in [k for k in cfg if k.startswith('_')]:
            cfg.pop(helper)  # a config's own arithmetic (e.g. `_end`)
        weights = cfg['model'].pop('loss_weights', {})
        cfg['model']['loss_weights'] = {
            k: v
            for k, v in weights.items() if k in trained
        }
    assert long_cfg == short_cfg


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.basename(p))
def test_point_ratio_is_the_fraction_the_points_file_names(path):
    """tools/select_checkpoint.py's points metric takes the config's
    point_ratio: it has to be the fraction of the file it scores with."""
    cfg = Config.fromfile(path)
    try:
        metric, dataset = selection_setup(cfg, 'points')
    except ValueError:  # no target slices with points to select on
        return
    name = osp.basename(dataset['points_file'])
    named = re.search(r'_(\d+)pct', name)
    assert named, f'{name}: name the fraction ("_15pct") in the file name'
    assert metric['point_ratio'] == int(named.group(1)) / 100, name


ANNEALED = [
    'ipl-cfcl-ema-histmatch-anneal_unet-s4-c16_2x2-6k_vnc3-lucchi-cpu-'
    '256x256.py',
    'ipl-cfcl-uda-ema-histmatch-anneal_unet-s4-c16_2x2-3k_vnc3-lucchi-cpu-'
    '256x256.py',
]


@pytest.mark.parametrize('name', ANNEALED)
def test_anneal_variants_decay_over_their_last_rounds(name, lr_trace):
    """The "-anneal" variants keep the constant 1e-3 until their last
    ``anneal_rounds`` rounds begin and reach 1e-5 at their last iteration
    (a decay that ended early or began before would change the prefix they
    fork or leave the teacher at a full-LR student)."""
    path = osp.join(REPO, 'configs', 'ipl_cfcl', name)
    cfg = Config.fromfile(path)
    train = cfg.train_cfg
    total = train.pretrain_iters + train.round_iters * len(train.rounds)
    begin = total - train.round_iters * cfg.anneal_rounds
    lrs = lr_trace(path, total)
    assert set(lrs[:begin + 1]) == {1e-3}
    assert 1e-5 < lrs[begin + train.round_iters] < 1e-3
    assert lrs[total] == pytest.approx(1e-5, rel=1e-3)
