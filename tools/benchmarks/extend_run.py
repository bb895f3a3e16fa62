"""Continue a finished run under a longer schedule without touching it.

Copies the run's last checkpoint, best checkpoint, logs, validation history
and (for self-training methods) its pseudo-label rounds into the work dir
``tools/compare.py`` uses for the longer config, rewriting the checkpoint
paths the checkpoint records, so that::

    python tools/benchmarks/extend_run.py SRC_RUN_DIR LONGER_CONFIG \\
        --work-root WORK_ROOT [--seed 0]
    python tools/compare.py LONGER_CONFIG --work-root WORK_ROOT --resume

trains only the extra iterations (e.g. more stage-2 rounds of IPL-CFCL). The
longer config must repeat the shorter one's schedule as its prefix; the
recorded wall time starts at the source run's. When the source run had no
LR scheduler and the longer config adds one (e.g. a decay over the extra
rounds), the resumed checkpoint gets that scheduler's state at the source
iteration, so it acts at the iterations the config names, not that many
iterations after the resume.

With ``--at ITER`` the new run forks from the run's ``iter_ITER.pth``
instead (another config whose first ITER iterations are the same, e.g. the
UDA rounds after the shared source pretraining of an IPL-CFCL run). Only
that checkpoint is copied: the later best checkpoints, logs and
pseudo-label rounds belong to the source run's own continuation. ITER
should be a round start (or within pretraining), and the recorded wall
time is the fork's own.
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
from typing import List, Optional

import torch
from mmengine.config import Config

from emda.benchmarking.plan import describe_config, plan_runs
from emda.benchmarking.run import RUN_INFO_FILE, read_run_info, write_run_info

RUNTIME_PATH_KEYS = ('last_ckpt', 'best_ckpt')
#: the step counters of an MMEngine param scheduler's state
SCHEDULER_COUNTERS = ('last_step', '_global_step')


def scheduler_states(config: str, iteration: int) -> Optional[List[dict]]:
    """The step counters of ``config``'s iteration-based param schedulers
    after ``iteration`` training iterations (None without schedulers):
    each is built by MMEngine over a one-parameter optimizer and stepped as
    the runner steps it, and only its counters are kept, so the resumed
    run's own scheduler keeps its base LRs and parameter groups."""
    from emda.registry import PARAM_SCHEDULERS
    cfg = Config.fromfile(config)
    schedulers = cfg.get('param_scheduler')
    if not schedulers:
        return None
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    if any(s.get('by_epoch', True) for s in schedulers):
        raise ValueError(f'{config}: only iteration-based schedulers '
                         '(by_epoch=False) can be fast-forwarded')
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))],
                                lr=cfg.optim_wrapper.optimizer.lr)
    built = [
        PARAM_SCHEDULERS.build(
            dict(s), default_args=dict(optimizer=optimizer))
        for s in schedulers
    ]
    for _ in range(iteration):
        optimizer.step()
        for scheduler in built:
            scheduler.step()
    return [{
        key: s.state_dict()[key]
        for key in SCHEDULER_COUNTERS
    } for s in built]


def copy_checkpoint(src: str,
                    dst: str,
                    src_dir: str,
                    dst_dir: str,
                    config: Optional[str] = None) -> None:
    """Copy a checkpoint, pointing its recorded checkpoint paths at
    ``dst_dir`` (otherwise the new run would delete the old run's best
    checkpoint when it saves a better one). With ``config``, a checkpoint
    without scheduler state gets the state of ``config``'s schedulers at
    the checkpoint's iteration (:func:`scheduler_states`)."""
    checkpoint = torch.load(src, map_location='cpu', weights_only=False)
    info = checkpoint.get('message_hub', {}).get('runtime_info', {})
    for key in RUNTIME_PATH_KEYS:
        if isinstance(info.get(key), str):
            info[key] = info[key].replace(src_dir, dst_dir)
    if config is not None and 'param_schedulers' not in checkpoint:
        iteration = checkpoint.get('meta', {}).get('iter', info.get('iter'))
        states = scheduler_states(config, int(iteration))
        if states is not None:
            checkpoint['param_schedulers'] = states
    torch.save(checkpoint, dst)


def extend_run(src_dir: str,
               dst_dir: str,
               config: str,
               at: Optional[int] = None) -> str:
    """Prepare ``dst_dir`` to resume from ``src_dir``'s last checkpoint (or
    a fork from its iteration ``at``); returns the checkpoint it will
    resume from."""
    src_dir, dst_dir = osp.abspath(src_dir), osp.abspath(dst_dir)
    pointer = osp.join(src_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        raise FileNotFoundError(f'{src_dir} has no last_checkpoint')
    if osp.exists(dst_dir):
        raise FileExistsError(f'{dst_dir} exists; remove it first')
    with open(pointer) as f:
        last = osp.join(src_dir, osp.basename(f.read().strip()))
    if at is not None:
        last = osp.join(src_dir, f'iter_{at}.pth')
        if not osp.isfile(last):
            raise FileNotFoundError(f'{src_dir} has no iter_{at}.pth')
    bests = glob.glob(osp.join(src_dir, 'best_*.pth')) if at is None else []
    os.makedirs(dst_dir)
    for path in [last] + bests:
        copy_checkpoint(
            path,
            osp.join(dst_dir, osp.basename(path)),
            src_dir,
            dst_dir,
            config=config if path == last else None)
    for name in os.listdir(src_dir) if at is None else []:
        path = osp.join(src_dir, name)
        if osp.isdir(path):  # timestamped logs (history) and pseudo_labels
            shutil.copytree(path, osp.join(dst_dir, name), symlinks=True)
        elif name.endswith(('.log', '.csv')):
            shutil.copy2(path, dst_dir)
    resume_from = osp.join(dst_dir, osp.basename(last))
    with open(osp.join(dst_dir, 'last_checkpoint'), 'w') as f:
        f.write(resume_from)
    info = read_run_info(src_dir)
    write_run_info(
        dst_dir,
        dict(
            config=config,
            seed=info.get('seed'),
            status='extending',
            wall_s=info.get('wall_s') if at is None else None,
            extended_from=src_dir if at is None else f'{src_dir}@{at}'))
    return resume_from


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src_run', help='finished run dir to continue')
    parser.add_argument('config', help='the longer config')
    parser.add_argument('--work-root', required=True)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--at',
        type=int,
        help='fork from this iteration\'s checkpoint instead of the last')
    args = parser.parse_args(argv)
    if not osp.isfile(osp.join(args.src_run, RUN_INFO_FILE)):
        parser.error(f'{args.src_run} is not a run dir of tools/compare.py')
    run = plan_runs([describe_config(args.config)], [args.seed],
                    args.work_root)[0]
    resume_from = extend_run(
        args.src_run, run.run_dir, args.config, at=args.at)
    print(f'{run.run_dir} resumes from {resume_from}:\n'
          f'  python tools/compare.py {args.config} --work-root '
          f'{args.work_root} --seeds {args.seed} --resume')


if __name__ == '__main__':
    main()
