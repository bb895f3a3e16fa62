"""Scores of the first ITER iterations of longer runs, read as runs of the
shorter config whose schedule is their prefix (the 3k teacher config is
the first 3000 iterations of the 4k one: same schedule, same seeds, same
code up to there).

    python tools/benchmarks/prefix_scores.py RUN_DIR [RUN_DIR ...] --at 3000
        [--out results/<dir>/prefix_3000]

Per run: the validation at ITER (the shorter config's final checkpoint, its
label-free choice) and the best validation up to ITER (its oracle, chosen
on the split it is scored on); then mean +- sample std over the runs.
Writes ``OUT.md`` and ``OUT.csv``.
"""
import argparse
import os.path as osp
import sys

from emda.benchmarking.collect import mean_std, validation_history
from emda.benchmarking.report import format_score, write_benchmark_report

METRICS = ('Dice', 'Jaccard', 'AJI', 'PQ')


def prefix_scores(run_dir: str, at: int) -> dict:
    """``final_*`` (the validation at step ``at``) and ``oracle_*`` (the
    best Dice validation at or before it) of one run."""
    history = [r for r in validation_history(run_dir) if r['step'] <= at]
    final = [r for r in history if r['step'] == at]
    if not final:
        done = history[-1]['step'] if history else 0
        raise SystemExit(f'{run_dir}: no validation at iteration {at} '
                         f'(last: {done})')
    best = max(history, key=lambda r: r['Dice'])
    row = dict(run=run_dir, oracle_iter=int(best['step']))
    for metric in METRICS:
        row[f'final_{metric}'] = round(float(final[0][metric]), 4)
    for metric in METRICS:
        row[f'oracle_{metric}'] = round(float(best[metric]), 4)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('run_dirs', nargs='+')
    parser.add_argument('--at', type=int, required=True)
    parser.add_argument('--out', required=True)
    args = parser.parse_args(argv)
    rows = [prefix_scores(d, args.at) for d in args.run_dirs]
    summary = dict(run=f'mean ± std ({len(rows)} runs)', oracle_iter='')
    for key in list(rows[0])[2:]:
        summary[key] = format_score(*mean_std([r[key] for r in rows]))
    header = (f'# The first {args.at} iterations of {len(rows)} runs\n\n'
              f'final_*: the validation at iteration {args.at} (the '
              'label-free choice of a config that ends there); oracle_*: '
              'the best validation up to it, chosen on the split it is '
              'scored on.\n'
              'Command: python tools/benchmarks/prefix_scores.py '
              f'{" ".join(argv if argv is not None else sys.argv[1:])}\n\n')
    write_benchmark_report(rows + [summary], args.out, header)
    return rows, summary


if __name__ == '__main__':
    main()
