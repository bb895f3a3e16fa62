"""What flip test-time augmentation adds to the checkpoint a user keeps: the
final checkpoint of each finished run (the label-free choice), or another
label-free one (``--checkpoint weight_average.pth``, what
``WeightAverageHook`` / ``tools/average_checkpoints.py`` write), scored on
the config's labeled test split with and without ``tools/test.py --tta``.

    OMP_NUM_THREADS=1 python tools/benchmarks/tta_gain.py CONFIG [CONFIG ...]
        --work-root WORK_ROOT [--seeds 0 1 2] [--tta flip]
        [--checkpoint FILE] [--amp] [--out results/tta_gain] [--jobs 2]
        [--cfg-options ...]

The runs are ``tools/compare.py``'s (``WORK_ROOT/<config stem>/seed<k>``).
Both columns come from ``tools/test.py`` on the same checkpoint, in the same
process setup, so the gain is paired per run. TTA is chosen before looking
at the scores (the 4 flips, the TTA of pseudo-labelling and of
``emda-infer --tta``): the split is never used to pick it. Writes
``tta_gain.csv`` (one row per run), ``tta_gain.md`` (mean +- sample std
per config) and ``tta_gain.png``.
"""
import argparse
import csv
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
#: run one evaluation in a fresh process and print its metrics as JSON
EVALUATE = ('import json, sys; from emda.tools.test import main; '
            'metrics = main(sys.argv[1:]); '
            'print("EMDA_METRICS " + json.dumps({k: float(v) for k, v in '
            'metrics.items()}))')


def final_checkpoint(run_dir: str) -> Optional[str]:
    """The checkpoint ``last_checkpoint`` points at (None: no such run)."""
    pointer = osp.join(run_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        path = osp.join(run_dir, osp.basename(f.read().strip()))
    return path if osp.isfile(path) else None


def evaluate(config: str,
             checkpoint: str,
             work_dir: str,
             tta: Optional[str] = None,
             cfg_options: Optional[List[str]] = None,
             amp: bool = False) -> dict:
    """``tools/test.py``'s metrics of ``checkpoint`` (with ``--tta tta``
    when given, ``--amp`` with ``amp``) and the seconds it took."""
    argv = [config, checkpoint, '--work-dir', work_dir]
    if tta:
        argv += ['--tta', tta]
    if amp:
        argv.append('--amp')
    if cfg_options:
        argv += ['--cfg-options', *cfg_options]
    start = time.time()
    proc = subprocess.run([sys.executable, '-c', EVALUATE, *argv],
                          cwd=REPO,
                          capture_output=True,
                          text=True)
    lines = [
        line for line in proc.stdout.splitlines()
        if line.startswith('EMDA_METRICS ')
    ]
    if proc.returncode or not lines:
        raise RuntimeError(f'tools/test.py {" ".join(argv)} failed '
                           f'(exit {proc.returncode}):\n'
                           f'{(proc.stdout + proc.stderr)[-3000:]}')
    metrics = json.loads(lines[-1][len('EMDA_METRICS '):])
    metrics['seconds'] = time.time() - start
    return metrics


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return (statistics.mean(values),
            statistics.stdev(values) if len(values) > 1 else None)


def summarise(rows: List[dict]) -> List[dict]:
    """Mean +- sample std of plain, TTA and gain per config."""
    table = []
    for stem in dict.fromkeys(r['config'] for r in rows):
        runs = [r for r in rows if r['config'] == stem]
        table.append(
            dict(
                config=stem,
                seeds=' '.join(str(r['seed']) for r in runs),
                plain=mean_std([r['dice_plain'] for r in runs]),
                tta=mean_std([r['dice_tta'] for r in runs]),
                gain=mean_std([r['gain'] for r in runs]),
                worse=sum(r['gain'] < 0 for r in runs)))
    return table


def write_outputs(rows: List[dict],
                  out: str,
                  tta: str,
                  checkpoint: str = 'final checkpoint') -> None:
    from emda.benchmarking.report import format_score as fmt
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, 'tta_gain.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table = summarise(rows)
    lines = [
        f'# Test-time augmentation ({tta}) on the {checkpoint}', '',
        'Per-slice Dice on the config\'s labeled test split (lucchi/val for '
        f'the VNC III -> Lucchi configs) of each run\'s {checkpoint} '
        '(a label-free choice), by `tools/test.py` without and with '
        f'`--tta {tta}`; mean ± sample std over seeds. TTA was fixed '
        'before scoring, not chosen on this split.', '',
        '| config | seeds | Dice | Dice with TTA | gain | runs TTA made '
        'worse |', '|---|---|---|---|---|---|'
    ]
    for row in table:
        lines.append(f'| {row["config"]} | {row["seeds"]} | '
                     f'{fmt(*row["plain"])} | {fmt(*row["tta"])} | '
                     f'{fmt(*row["gain"])} | {row["worse"]} |')
    with open(osp.join(out, 'tta_gain.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 1.4 + 0.7 * len(table)))
    for y, row in enumerate(table):
        runs = [r for r in rows if r['config'] == row['config']]
        for r in runs:
            ax.plot([r['dice_plain'], r['dice_tta']], [y, y],
                    color='0.7',
                    zorder=1)
        ax.scatter([r['dice_plain'] for r in runs], [y] * len(runs),
                   color='tab:blue',
                   label=checkpoint if y == 0 else None,
                   zorder=2)
        ax.scatter([r['dice_tta'] for r in runs], [y] * len(runs),
                   color='tab:orange',
                   label=f'+ TTA ({tta})' if y == 0 else None,
                   zorder=2)
    ax.set_yticks(range(len(table)))
    ax.set_yticklabels([row['config'].split('_')[0] for row in table])
    ax.set_xlabel('Dice (per slice, labeled test split), one dot per seed')
    ax.legend(loc='upper center', bbox_to_anchor=(0.5, -0.35), ncol=2)
    ax.grid(axis='x', alpha=0.3)
    fig.tight_layout()
    fig.savefig(osp.join(out, 'tta_gain.png'), dpi=120)
    plt.close(fig)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('configs', nargs='+')
    p.add_argument('--work-root', required=True)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--tta', choices=['flip', 'dihedral'], default='flip')
    p.add_argument('--out', default=osp.join(REPO, 'results', 'tta_gain'))
    p.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='evaluations at a time (one process each; set '
        'OMP_NUM_THREADS so that jobs x threads fits the cores)')
    p.add_argument(
        '--checkpoint',
        help='score RUN_DIR/CHECKPOINT instead of the final checkpoint '
        '(e.g. weight_average.pth)')
    p.add_argument(
        '--amp',
        action='store_true',
        help='evaluate as a --amp run validates (tools/test.py --amp)')
    p.add_argument('--cfg-options', nargs='+', default=None)
    return p.parse_args(argv)


def chosen_checkpoint(run_dir: str, name: Optional[str]) -> Optional[str]:
    """``RUN_DIR/name`` when it exists, the final checkpoint without a
    name (None: no such file)."""
    if name is None:
        return final_checkpoint(run_dir)
    path = osp.join(run_dir, name)
    return path if osp.isfile(path) else None


def main(argv=None):
    args = parse_args(argv)
    from tqdm import tqdm

    from emda.benchmarking.plan import describe_config, plan_runs
    runs = plan_runs([describe_config(c) for c in args.configs], args.seeds,
                     args.work_root)
    label = args.checkpoint or 'final checkpoint'
    todo = [(run, chosen_checkpoint(run.run_dir, args.checkpoint))
            for run in runs]
    missing = [run.name for run, ckpt in todo if ckpt is None]
    if missing:
        print(f'no {label}, skipped: {", ".join(missing)}')
    todo = [(run, ckpt) for run, ckpt in todo if ckpt is not None]
    if not todo:
        raise SystemExit(f'no run has a {label}')
    jobs = [(run, ckpt, mode) for run, ckpt in todo
            for mode in (None, args.tta)]

    def score(job):
        run, ckpt, mode = job
        work_dir = osp.join(args.out, 'work', run.config.stem,
                            f'seed{run.seed}', mode or 'plain')
        return evaluate(run.config.path, ckpt, work_dir, mode,
                        args.cfg_options, args.amp)

    # the first evaluation alone: it prepares the config's data (e.g. the
    # synthetic volumes), which parallel processes must not write at once
    first = score(jobs[0])
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        scores = [first] + list(
            tqdm(
                pool.map(score, jobs[1:]),
                total=len(jobs) - 1,
                desc='tta',
                unit='eval'))
    rows = []
    for index, (run, ckpt) in enumerate(todo):
        plain, tta = scores[2 * index], scores[2 * index + 1]
        rows.append(
            dict(
                config=run.config.stem,
                seed=run.seed,
                checkpoint=osp.relpath(ckpt, REPO)
                if ckpt.startswith(REPO) else ckpt,
                dice_plain=round(plain['Dice'], 4),
                dice_tta=round(tta['Dice'], 4),
                gain=round(tta['Dice'] - plain['Dice'], 4),
                s_plain=round(plain['seconds'], 1),
                s_tta=round(tta['seconds'], 1)))
    write_outputs(rows, args.out, args.tta, label)


if __name__ == '__main__':
    main()
