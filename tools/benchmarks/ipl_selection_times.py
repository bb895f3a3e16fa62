"""Time of the IPL pseudo-label rounds of finished IPL-CFCL runs.

Reads ``<run>/pseudo_labels/round_XX/selection.csv`` (written by the round
hook: per slice the TTA prediction time ``predict_s`` and the selection
time ``select_s``), prints per round the mean seconds per slice and the
total over the target set, and writes ``selection_times.csv`` next to the
first run. Usage::

    python tools/benchmarks/ipl_selection_times.py work_dirs/vnc/ipl-cfcl_*/seed0
"""
import argparse
import csv
import glob
import os.path as osp
import statistics

from emda.benchmarking.report import print_table_and_csv as report


def round_times(run_dir: str):
    """One row per round of ``run_dir``."""
    rows = []
    pattern = osp.join(run_dir, 'pseudo_labels', 'round_*', 'selection.csv')
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            slices = list(csv.DictReader(f))
        if not slices:
            continue
        select = [float(s['select_s']) for s in slices]
        predict = [float(s['predict_s']) for s in slices]
        rows.append(
            dict(
                run=run_dir,
                round=osp.basename(osp.dirname(path)),
                slices=len(slices),
                ratio=slices[0].get('ratio', ''),
                select_s_per_slice=f'{statistics.mean(select):.4f}',
                select_s_total=f'{sum(select):.2f}',
                predict_tta_s_per_slice=f'{statistics.mean(predict):.3f}',
                predict_tta_s_total=f'{sum(predict):.1f}',
                fg_fraction=f'''{statistics.mean(
                    float(s['fg_fraction']) for s in slices):.4f}''',
                ignore_fraction=f'''{statistics.mean(
                    float(s['ignore_fraction']) for s in slices):.4f}'''))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', help='run folders (work_dirs)')
    args = parser.parse_args(argv)
    rows = [row for run in args.runs for row in round_times(run)]
    if not rows:
        raise SystemExit('no pseudo_labels/round_*/selection.csv found in '
                         f'{args.runs}')
    report(rows, osp.join(args.runs[0], 'selection_times.csv'))


if __name__ == '__main__':
    main()
