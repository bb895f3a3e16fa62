"""Quality of the self-training pseudo-labels of a finished run, against
the dense target training labels (analysis only: no method reads them).

Per round: precision of the pseudo-foreground, share of the true
foreground it covers, share of pseudo-background that is truly foreground.
Prints a markdown table and writes ``pseudo_label_quality.csv`` in the run.
Usage::

    python tools/benchmarks/pseudo_label_quality.py RUN_DIR LABEL_DIR
    # e.g. work_dirs/vnc/ipl-cfcl_*/seed0 ../shared/data/lucchi/train/labels
"""
import argparse
import glob
import os
import os.path as osp

import cv2

from emda.benchmarking.report import print_table_and_csv as report


def round_quality(round_dir: str, label_dir: str) -> dict:
    tp = fp = fn = bg_wrong = bg_total = 0
    for path in sorted(glob.glob(osp.join(round_dir, 'label', '*.png'))):
        pseudo = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        gt_path = osp.join(label_dir, osp.basename(path))
        gt = cv2.imread(gt_path, cv2.IMREAD_UNCHANGED)
        if gt is None:
            raise FileNotFoundError(f'no label {gt_path} for {path}')
        gt = gt > 0
        fg, bg = pseudo == 1, pseudo == 0
        tp += int((fg & gt).sum())
        fp += int((fg & ~gt).sum())
        fn += int((gt & ~fg).sum())
        bg_wrong += int((bg & gt).sum())
        bg_total += int(bg.sum())
    return dict(
        round=osp.basename(round_dir),
        fg_precision=f'{tp / max(tp + fp, 1):.3f}',
        true_fg_covered=f'{tp / max(tp + fn, 1):.3f}',
        bg_that_is_fg=f'{bg_wrong / max(bg_total, 1):.4f}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('run_dir')
    parser.add_argument('label_dir')
    args = parser.parse_args(argv)
    rounds = sorted(
        glob.glob(osp.join(args.run_dir, 'pseudo_labels', 'round_*')))
    rows = [round_quality(r, args.label_dir) for r in rounds if osp.isdir(r)]
    if not rows:
        raise SystemExit(f'no pseudo_labels/round_* in {args.run_dir}')
    report(rows, osp.join(args.run_dir, 'pseudo_label_quality.csv'))


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    main()
