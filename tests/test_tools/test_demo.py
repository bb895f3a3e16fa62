"""``tools/demo.py`` end to end on tiny data: it trains, scores the
source-pretrained and the last checkpoint, and writes the summary, the
per-slice table and the side-by-side overlays."""
import csv
import json
import os.path as osp

import cv2

from test_ipl_cfcl_rounds import tiny_config


def test_demo_scores_before_and_after(tiny_em, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tiny_config(tiny_em) + '''
custom_imports = dict(imports=[], allow_failed_imports=False)
custom_hooks = custom_hooks[:1]  # the round hook, no stop
train_cfg = dict(pretrain_iters=2, val_interval=2,
                 rounds=[dict(stage=1, iters=2, ratio=0.3, tau=0.6),
                         dict(stage=2, iters=2, ratio=0.5, tau=0.6)])
'''
    with open('demo_cfg.py', 'w') as f:
        f.write(config)
    from emda.tools.demo import main
    result = main(['--config', 'demo_cfg.py', '--work-dir', 'wd'])
    assert osp.isfile('wd/iter_2.pth') and osp.isfile('wd/iter_6.pth')
    with open('wd/summary.json') as f:
        summary = json.load(f)
    assert summary['checkpoints']['before'].endswith('iter_2.pth')
    assert summary['checkpoints']['after'].endswith('iter_6.pth')
    assert summary['before'] == result['before']
    assert summary['precision'].startswith(('float32', 'bf16'))
    # the two evaluations are of different weights, so their masks differ
    with open('wd/per_slice.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    before = cv2.imread('wd/eval_before/predictions/masks/z000.png', 0)
    after = cv2.imread('wd/eval_after/predictions/masks/z000.png', 0)
    assert before.shape == after.shape == (64, 64)
    overlay = cv2.imread('wd/before_after.png')
    # 3 slices x (image, before, after, label) panels of 64 x 64
    assert overlay.shape[:2] == (3 * 64, 4 * 64)
    with open('wd/summary.md') as f:
        text = f.read()
    assert 'before adaptation' in text and 'gain' in text


def test_demo_trains_in_float32_where_bf16_is_emulated(bf16_cpu):
    """The first-hour command must not pick the slow path: ``--amp`` only
    where bfloat16 is native (or on a GPU), float32 when asked."""
    from emda.tools.demo import use_amp
    for native in (False, True):
        bf16_cpu(native)
        assert use_amp(fp32=False) is native
        assert use_amp(fp32=True) is False
