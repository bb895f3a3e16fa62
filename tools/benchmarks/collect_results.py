"""Collect finished runs into a results table.

Reads each run's best validation scores (``em_seg_history.csv`` written by
``EMSegMetric``; the row with the best Dice, i.e. model selection on the
labeled target split) and its wall time (``walltimes.csv`` of
``run_baselines.sh``), prints a markdown table and writes ``results.md`` and
``results.csv`` into the bench folder. Usage::

    python tools/benchmarks/collect_results.py work_dirs/bench
"""
import argparse
import csv
import glob
import os.path as osp

METRICS = ('Dice', 'Jaccard', 'AJI', 'PQ', 'vol_Dice')


def best_row(run_dir: str):
    """The validation row with the highest Dice, over every evaluation of
    the run (all timestamps), or None."""
    rows = []
    for path in glob.glob(osp.join(run_dir, '*', 'em_seg_history.csv')):
        with open(path) as f:
            rows += list(csv.DictReader(f))
    rows = [r for r in rows if r.get('Dice')]
    return max(rows, key=lambda r: float(r['Dice'])) if rows else None


def collect(bench_dir: str):
    walltimes = {}
    wt_path = osp.join(bench_dir, 'walltimes.csv')
    if osp.isfile(wt_path):
        with open(wt_path) as f:
            walltimes = {r['run']: r for r in csv.DictReader(f)}
    table = []
    for run in sorted(walltimes):
        row = best_row(osp.join(bench_dir, run))
        wt = walltimes[run]
        entry = dict(
            run=run,
            status='ok' if wt['exit_code'] == '0' and row else 'failed',
            iters=wt['iters'],
            seed=wt['seed'],
            wall_min=f'{int(wt["wall_s"]) / 60:.1f}',
            best_iter=row.get('iter', '') if row else '')
        for m in METRICS:
            entry[m] = f'{float(row[m]):.4f}' if row else ''
        table.append(entry)
    return table


def to_markdown(table) -> str:
    cols = [
        'run', 'status', 'iters', 'seed', 'best_iter', *METRICS, 'wall_min'
    ]
    lines = ['| ' + ' | '.join(cols) + ' |', '|' + '---|' * len(cols)]
    lines += ['| ' + ' | '.join(str(r[c]) for c in cols) + ' |' for r in table]
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('bench_dir', nargs='?', default='work_dirs/bench')
    args = parser.parse_args(argv)
    table = collect(args.bench_dir)
    if not table:
        raise SystemExit(f'no runs recorded in {args.bench_dir}/walltimes.csv')
    md = to_markdown(table)
    print(md)
    with open(osp.join(args.bench_dir, 'results.md'), 'w') as f:
        f.write(md + '\n')
    with open(osp.join(args.bench_dir, 'results.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


if __name__ == '__main__':
    main()
