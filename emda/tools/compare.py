"""Compare methods: train configs over seeds (or collect finished runs) and
write a results table (``results.md``, ``results.csv``, ``runs.csv``) and
charts (``results.png``, ``curves.png``).

``python tools/compare.py [CONFIGS ...] [--suite NAME] [--seeds 0 1 2]``;
see ``docs/user_guides/compare.md``. The command line only: planning,
running, collecting and reporting live in :mod:`emda.benchmarking`, and
what each config is (method, target supervision) in
``configs/<method>/metafile.yaml``.
"""
import argparse
from typing import List

from emda.benchmarking.collect import (SCALARS, collect,
                                       discover_recorded_runs, discover_runs)
from emda.benchmarking.metafile import METAFILE
from emda.benchmarking.plan import (NOT_IN_METAFILE, SUITES, Run,
                                    describe_config, plan_runs, select_configs,
                                    train_options)
from emda.benchmarking.report import write_outputs
from emda.benchmarking.run import RUN_INFO_FILE, run_all


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Train configs over seeds (or collect finished runs) '
        'and write results.md, results.csv, runs.csv and results.png')
    parser.add_argument('configs', nargs='*', help='config files')
    parser.add_argument(
        '--suite', help=f'named set of configs: {", ".join(sorted(SUITES))}')
    parser.add_argument(
        '--seeds',
        type=int,
        nargs='+',
        help='seeds (default: 0; with --collect-only: the seed<k> folders '
        'found)')
    parser.add_argument('--work-root', default='work_dirs/compare')
    parser.add_argument(
        '--collect-only',
        action='store_true',
        help='train nothing; collect the runs in --work-root (all recorded '
        'runs when no config or suite is given)')
    parser.add_argument(
        '--rerun', action='store_true', help='run again runs already done')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='continue unfinished runs (killed, failed, or extended to a '
        'longer schedule) from their last checkpoint instead of starting '
        'them over')
    parser.add_argument(
        '--iters',
        type=int,
        help='train this many iterations (schedulers spanning the whole run '
        'are cut to end there)')
    parser.add_argument('--val-interval', type=int)
    parser.add_argument(
        '--amp',
        action='store_true',
        help='train with tools/train.py --amp (bf16 + channels_last on CPU)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='passed to every training run, after compare\'s own options')
    parser.add_argument('--config-root', default='configs')
    parser.add_argument(
        '--out', help='where the outputs go (default: --work-root)')
    parser.add_argument('--title', help='title of the table and chart')
    return parser.parse_args(argv)


def find_runs(args) -> List[Run]:
    """Train what is asked (unless ``--collect-only``) and return the runs
    to collect."""
    paths = select_configs(args.configs, args.suite, args.config_root)
    configs = [describe_config(p) for p in paths]
    if args.collect_only:
        if not configs:
            return discover_recorded_runs(args.work_root)
        if args.seeds:
            return plan_runs(configs, args.seeds, args.work_root)
        return discover_runs(configs, args.work_root)
    if not configs:
        raise ValueError('nothing to run: give config files or --suite NAME '
                         '(or --collect-only)')
    runs = plan_runs(configs, args.seeds or [0], args.work_root)

    def options_for(run: Run) -> List[str]:
        return train_options(run.config, run.seed, args.iters,
                             args.val_interval) + args.cfg_options

    run_all(
        runs,
        options_for,
        rerun=args.rerun,
        resume=args.resume,
        flags=['--amp'] if args.amp else [])
    return runs


def main(argv=None):
    args = parse_args(argv)
    bad = [o for o in args.cfg_options if '=' not in o]
    if bad:
        raise SystemExit(f'compare: error: --cfg-options expects KEY=VALUE, '
                         f'got {" ".join(bad)}')
    try:
        runs = find_runs(args)
        rows, per_run = collect(runs)
        collected = {id(run) for run, _ in per_run}
        missing = [run.name for run in runs if id(run) not in collected]
        if missing:
            print(f'not found, left out: {", ".join(missing)}')
        if not rows:
            raise ValueError(f'nothing to collect in {args.work_root}: no '
                             f'{RUN_INFO_FILE} or {SCALARS} found')
        unlisted = sorted({r.config.path for r in runs if not r.config.entry})
        if unlisted:
            print(f'not in a {METAFILE} (method from model.type, target '
                  f'supervision "{NOT_IN_METAFILE}"): {", ".join(unlisted)}')
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f'compare: error: {err}')
    title = args.title or (f'Comparison: {args.suite}'
                           if args.suite else 'Comparison')
    out_dir = args.out or args.work_root
    print(write_outputs(rows, per_run, out_dir, title))
    failed = sum(result.status != 'ok' for _, result in per_run)
    print(f'{len(per_run) - failed} of {len(per_run)} runs succeeded; '
          f'results in {out_dir}/results.md, results.csv, runs.csv, '
          f'results.png, curves.png')
    return rows


if __name__ == '__main__':
    main()
