"""The same config and seed train to the same losses, metrics and
pseudo-labels (one process), so a difference between runs means a
difference in the runs."""
import csv
import glob
import os.path as osp

import cv2
import numpy as np

from tiny_runs import logged_values, tiny_config, train


def test_same_seed_gives_identical_losses_metrics_and_pseudo_labels(
        tiny_em, tmp_path):
    runs = []
    for name in ('a', 'b'):
        cwd = tmp_path / name
        cwd.mkdir()
        config = cwd / 'cfg.py'
        config.write_text(tiny_config('ipl_cfcl', tiny_em))
        log = train(str(cwd), str(config))
        history = glob.glob(str(cwd / 'wd' / '*' / 'em_seg_history.csv'))
        with open(history[0]) as f:
            rows = list(csv.DictReader(f))
        labels = {
            osp.relpath(p, cwd): cv2.imread(p, cv2.IMREAD_UNCHANGED)
            for p in glob.glob(
                str(cwd / 'wd' / 'pseudo_labels' / '*' / '*' / '*.png'))
        }
        runs.append((logged_values(log), rows, labels))
    (values_a, rows_a, labels_a), (values_b, rows_b, labels_b) = runs
    assert values_a and values_a == values_b
    assert any('tgt.loss_seg' in v for v in values_a)  # reached stage 2
    assert rows_a == rows_b
    assert labels_a and labels_a.keys() == labels_b.keys()
    assert all(np.array_equal(labels_a[k], labels_b[k]) for k in labels_a)
