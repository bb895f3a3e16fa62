"""What the tools print for a person: the ``--verbose`` switch and the
closing lines that say where a run's outputs are."""
import argparse
import glob
import os.path as osp
from typing import List, Tuple

#: metric files EMSegMetric writes beside the run's log
SCORE_FILES = ('em_seg_per_slice.csv', 'em_seg_summary.json',
               'em_seg_history.csv')


def add_cfg_options_flag(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options k=v ...``: config overrides, MMEngine's syntax."""
    from mmengine.config import DictAction
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. train_cfg.max_iters=100')


def add_verbose_flag(parser: argparse.ArgumentParser) -> None:
    """``--verbose``: also print the environment, config and hook dumps
    that otherwise go to the log file only."""
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='print the environment, config and hook dumps to the '
        'terminal too (they are always in the log file)')


def run_outputs(work_dir: str, log_dir: str) -> List[Tuple[str, str]]:
    """``(what, path)`` of the files a train/test run left, existing only."""
    found = []
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            found.append(('last checkpoint', f.read().strip()))
    for path in sorted(glob.glob(osp.join(work_dir, 'best_*.pth'))):
        found.append(('best checkpoint', path))
    logs = sorted(glob.glob(osp.join(log_dir, '*.log')))
    if logs:
        found.append(('log', logs[-1]))
    for name in SCORE_FILES:
        path = osp.join(log_dir, name)
        if osp.isfile(path):
            found.append(('scores', path))
    pseudo = osp.join(work_dir, 'pseudo_labels')
    if osp.isdir(pseudo):
        found.append(('pseudo-labels', pseudo))
    return found


def print_outputs(runner, extra: List[Tuple[str, str]] = ()) -> None:
    """Print, on the main process, where the run's outputs are."""
    from mmengine.dist import is_main_process
    if not is_main_process():
        return
    rows = run_outputs(runner.work_dir, runner.log_dir) + list(extra)
    print(f'\nOutputs of this run (work_dir {runner.work_dir}):')
    width = max(len(what) for what, _ in rows) if rows else 0
    for what, path in rows:
        print(f'  {what:<{width}}  {path}')
