"""What compare shows of a config comes from ``configs/<method>/
metafile.yaml``: every final config is listed with the method and target
supervision the table showed when compare read them from the config; a
config no metafile lists gets a marked row, a malformed entry an error
naming it."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

from emda.benchmarking.metafile import (METAFILE, read_metafile,
                                        supervision_label)
from emda.benchmarking.plan import NOT_IN_METAFILE, describe_config
from emda.tools.compare import main
from emda.tools.select_checkpoint import selection_setup

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')
FINAL_CONFIGS = sorted(glob.glob(osp.join(CONFIGS, '[!_]*', '*.py')))
METAFILES = sorted(glob.glob(osp.join(CONFIGS, '[!_]*', METAFILE)))
MODEL = """\
Collections:
  - Name: Mine
    Paper: {{Title: A method, URL: 'https://arxiv.org/abs/0000.00000'}}
Models:
  - Name: mine_net_synth-192x192
    In Collection: {collection}
    Config: somewhere/mine_net_synth-192x192.py
    Metadata:
      Method: Mine
      Target Supervision: {supervision}
"""


def test_every_final_config_is_in_its_metafile():
    listed = {}
    for path in METAFILES:
        for name, entry in read_metafile(path).items():
            # the entry names its config by repo path and by stem
            assert osp.isfile(osp.join(REPO, entry.config)), entry.config
            assert osp.dirname(osp.join(REPO, entry.config)) == \
                osp.dirname(path)
            assert entry.name == osp.splitext(name)[0]
            assert entry.setting.get('Pair') and entry.setting.get('Profile')
            listed[osp.join(osp.dirname(path), name)] = entry
    assert sorted(listed) == FINAL_CONFIGS


# the method and supervision columns the table showed for these configs
# when compare read them from the config (model.type, the points file name,
# a target_supervision variable)
@pytest.mark.parametrize('config,method,supervision', [
    ('source_only/source-only_unet-s4-c16_1xb4-2k_synth-192x192', 'SourceOnly',
     'none (source only)'),
    ('supervised/supervised_hsc-c72_1xb1-50k_vnc3-lucchi-paper-512x512',
     'Supervised', 'full labels'),
    ('adaptsegnet/adaptsegnet_unet-s4-c16_1xb4-2k_synth-192x192',
     'AdaptSegNet', 'none (UDA)'),
    ('advent/advent-minent_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256',
     'ADVENT (minent)', 'none (UDA)'),
    ('advent/advent_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256',
     'ADVENT (adv)', 'none (UDA)'),
    ('mean_teacher/mean-teacher_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256',
     'MeanTeacher', 'none (UDA)'),
    ('point_only/point-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256',
     'PointOnly', 'points (15 %)'),
    ('wdanet/wdanet_unet-s4-c16_2x2-800_synth-192x192', 'WDANet',
     'points (15 %)'),
    ('ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256', 'IPLCFCL',
     'points (15 %)'),
    ('ipl_cfcl/ipl-cfcl-5pct_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256',
     'IPLCFCL', 'points (5 %)'),
    ('ipl_cfcl/ipl-cfcl-100pct_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256',
     'IPLCFCL', 'points (100 %, simulated)'),
    ('ipl_cfcl/ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256',
     'IPLCFCL', 'none (UDA)'),
    ('ipl_cfcl/ipl-cfcl-label-free-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-'
     '256x256', 'IPLCFCL', 'none (UDA)'),
])
def test_repo_configs_keep_their_table_columns(config, method, supervision):
    info = describe_config(osp.join(CONFIGS, f'{config}.py'))
    assert (info.method, info.supervision) == (method, supervision)
    assert info.entry is not None and info.cfg is not None


@pytest.mark.parametrize('method_dir', ['point_only', 'ipl_cfcl', 'wdanet'])
def test_point_methods_in_repo_are_weakly_supervised(method_dir):
    for entry in read_metafile(osp.join(CONFIGS, method_dir,
                                        METAFILE)).values():
        if '-uda' in entry.name.split('_')[0]:  # UDA variants: no points
            assert entry.supervision == 'none (UDA)', entry.name
        else:
            assert entry.supervision.startswith('points'), entry.name


@pytest.mark.parametrize('spec,label', [
    (dict(Type='source only'), 'none (source only)'),
    (dict(Type='none'), 'none (UDA)'),
    (dict(Type='points', Ratio=15), 'points (15 %)'),
    (dict(Type='points', Ratio=2.5), 'points (2.5 %)'),
    (dict(Type='points', Ratio=100,
          Note='simulated'), 'points (100 %, simulated)'),
    (dict(Type='points', Note='3 per slice'), 'points (3 per slice)'),
    (dict(Type='points'), 'points'),
    (dict(Type='full labels'), 'full labels'),
])
def test_supervision_labels(spec, label):
    assert supervision_label(spec) == label


def test_a_config_missing_from_the_metafiles_is_marked(tmp_path, capsys):
    """No metafile beside it, or one that does not list it: the row is
    kept, named by ``model.type``, its supervision marked, and compare
    says which configs those are."""
    config = tmp_path / 'mine_net_synth-192x192.py'
    config.write_text("model = dict(type='PointOnly')\n")
    info = describe_config(str(config))
    assert (info.method, info.supervision,
            info.entry) == ('PointOnly', NOT_IN_METAFILE, None)
    assert NOT_IN_METAFILE == 'unknown (not in metafile.yaml)'
    (tmp_path / METAFILE).write_text(
        MODEL.format(collection='Mine', supervision='{Type: none}').replace(
            'mine_net', 'other_net'))
    assert describe_config(str(config)).supervision == NOT_IN_METAFILE
    broken = tmp_path / 'broken-method_net_synth.py'
    broken.write_text('model = dict(\n')
    info = describe_config(str(broken))
    assert (info.method, info.supervision, info.cfg) == ('broken-method',
                                                         NOT_IN_METAFILE, None)
    root = tmp_path / 'wr'
    run_dir = root / config.stem / 'seed0' / 'ts' / 'vis_data'
    run_dir.mkdir(parents=True)
    (run_dir / 'scalars.json').write_text(
        '{"Dice": 0.5, "Jaccard": 0.4, "AJI": 0.3, "PQ": 0.2, "step": 10}\n')
    rows = main([str(config), '--collect-only', '--work-root', str(root)])
    assert rows[0]['target_supervision'] == NOT_IN_METAFILE
    assert f'not in a {METAFILE}' in capsys.readouterr().out


def test_metafile_entry_is_read(tmp_path):
    config = tmp_path / 'mine_net_synth-192x192.py'
    config.write_text("model = dict(type='SomethingElse')\n")
    (tmp_path / METAFILE).write_text(
        MODEL.format(
            collection='Mine', supervision='{Type: points, Ratio: 10}'))
    info = describe_config(str(config))
    # the metafile, not model.type or a points file name, names the row
    assert (info.method, info.supervision) == ('Mine', 'points (10 %)')
    assert info.entry.paper['URL'] == 'https://arxiv.org/abs/0000.00000'


@pytest.mark.parametrize('collection,supervision,message', [
    ('Mine', '{Type: weak}', 'Target Supervision needs a Type'),
    ('Mine', 'points', 'Target Supervision needs a Type'),
    ('Nobody', '{Type: none}', "In Collection 'Nobody' is not in"),
])
def test_malformed_metafile_is_a_clear_error(tmp_path, collection, supervision,
                                             message):
    config = tmp_path / 'mine_net_synth-192x192.py'
    config.write_text("model = dict(type='Mine')\n")
    (tmp_path / METAFILE).write_text(
        MODEL.format(collection=collection, supervision=supervision))
    with pytest.raises(SystemExit, match=f'{METAFILE}: mine_net.*{message}'):
        main([str(config), '--collect-only', '--work-root', str(tmp_path)])


def test_the_points_share_of_the_table_is_the_configs_point_ratio():
    """The "points (N %)" of a row and the point_ratio its label-free
    checkpoint choice uses (tools/select_checkpoint.py) are one number."""
    checked = 0
    for path in METAFILES:
        for name, entry in read_metafile(path).items():
            share = re.match(r'points \(([\d.]+) %', entry.supervision)
            if not share:
                continue
            cfg = Config.fromfile(osp.join(osp.dirname(path), name))
            metric, _ = selection_setup(cfg, 'points')
            assert metric['point_ratio'] * 100 == pytest.approx(
                float(share.group(1))), name
            checked += 1
    assert checked >= 20
