"""``tools/test.py --tta --tile --overlap`` reach the prediction layer."""
import os.path as osp

import pytest
from mmengine.config import Config

from emda.tools.test import apply_predict_options, parse_args

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    REPO, 'configs/source_only/'
    'source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py')


def test_options_parse():
    args = parse_args(
        ['c.py', 'k.pth', '--tta', '--tile', '256', '320', '--overlap', '32'])
    assert (args.tta, args.tile, args.overlap) == ('flip', [256, 320], 32)
    assert parse_args(['c.py', 'k.pth', '--tta', 'dihedral']).tta == \
        'dihedral'
    plain = parse_args(['c.py', 'k.pth'])
    assert (plain.tta, plain.tile, plain.overlap) == (None, None, None)


def test_options_reach_the_built_model():
    from emda.apis import eval_options
    from emda.registry import MODELS
    from emda.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(CONFIG)
    before = dict(cfg.model.segmentor.test_cfg)
    apply_predict_options(cfg)  # nothing given: the config is untouched
    assert dict(cfg.model.segmentor.test_cfg) == before
    apply_predict_options(cfg, 'dihedral', [128, 160], 16)
    model = MODELS.build(cfg.model)
    opts = eval_options(model.segmentor, model.data_preprocessor)
    assert opts['tta'] == 'dihedral'
    assert opts['tile'] == (128, 160) and opts['overlap'] == 16
    assert opts['divisor'] == 16  # the CPU profile's size divisor
    assert model.segmentor.test_cfg['mode'] == 'whole'


def test_overlap_without_tile_is_refused():
    cfg = Config.fromfile(CONFIG)
    with pytest.raises(SystemExit, match='--tile'):
        apply_predict_options(cfg, overlap=16)


def test_amp_tests_as_training_validated():
    """``--amp``: the test loop under autocast and, on CPU, channels_last
    weights (once, however often it is applied)."""
    from emda.tools.test import apply_amp
    assert parse_args(['c.py', 'k.pth', '--amp']).amp
    assert not parse_args(['c.py', 'k.pth']).amp
    cfg = Config.fromfile(CONFIG)
    assert not cfg.test_cfg.get('fp16')
    apply_amp(cfg)
    apply_amp(cfg)
    assert cfg.test_cfg == dict(type='TestLoop', fp16=True)
    types = [h['type'] for h in cfg.custom_hooks]
    assert types.count('ChannelsLastHook') == 1
