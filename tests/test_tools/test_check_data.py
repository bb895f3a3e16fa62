"""tools/check_data.py lists the problems of every dataset of a config, and
tools/train.py stops on bad data before its first iteration without
touching what the work_dir already holds."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
from emda.datasets import pipelines

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'source_only',
                  'source-only_unet-s4-c16_1xb4-2k_synth-192x192.py')


def tiny_config(root: str) -> str:
    return f'''
_base_ = [{CONFIG!r}]
synthetic_data = None
simulated_points = []
root = {root!r}
train_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(source=dict(
        data_root=root, img_path='src/images', ann_path='src/labels',
        pipeline={pipelines.labels_train_pipeline((48, 48))})))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=root, img_path='tgt/images',
                 ann_path='tgt/labels'))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=2, val_interval=2)
'''


@pytest.fixture
def broken(tiny_em, tmp_path):
    """A copy of tiny_em with a corrupt target slice and a source label of
    the wrong shape, and its config."""
    root = str(tmp_path / 'data')
    shutil.copytree(tiny_em, root)
    with open(osp.join(root, 'tgt', 'images', 'z002.png'), 'wb') as f:
        f.write(b'\x89PNG truncated')
    cv2.imwrite(
        osp.join(root, 'src', 'labels', 'z001.png'),
        np.zeros((32, 64), np.uint8))
    config = tmp_path / 'cfg.py'
    config.write_text(tiny_config(root))
    return str(config)


def test_check_data_reports_every_dataset(broken, capsys):
    from emda.tools.check_data import main
    assert main([broken]) == 1
    out = capsys.readouterr().out
    assert 'FAIL train_dataloader.dataset.source' in out
    assert 'src/labels/z001.png has shape (32, 64)' in out
    assert 'FAIL val_dataloader.dataset' in out
    assert 'tgt/images/z002.png: unknown format or corrupt file' in out
    assert '2 dataset(s) with problems' in out


def test_check_data_passes_good_data(tiny_em, tmp_path, capsys):
    from emda.tools.check_data import main
    config = tmp_path / 'cfg.py'
    config.write_text(tiny_config(tiny_em))
    assert main([str(config)]) == 0
    assert 'all data ok' in capsys.readouterr().out


def test_train_stops_before_iterating_and_keeps_existing_files(
        broken, tmp_path):
    work_dir = tmp_path / 'wd'
    (work_dir / 'pseudo_labels' / 'round_01').mkdir(parents=True)
    existing = {
        work_dir / 'iter_2.pth': b'an earlier checkpoint',
        work_dir / 'pseudo_labels' / 'round_01' / 'done': b'ok\n'
    }
    for path, data in existing.items():
        path.write_bytes(data)
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), broken, '--work-dir',
        str(work_dir)
    ],
                          cwd=tmp_path,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert 'DataCheckError' in proc.stderr
    assert 'src/labels/z001.png has shape (32, 64)' in proc.stderr
    assert 'Iter(train)' not in proc.stdout + proc.stderr
    for path, data in existing.items():
        assert path.read_bytes() == data
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_2.pth']
