"""Running the planned runs: each (config, seed) is one ``tools/train.py``
run in its own subprocess (``python -m emda.tools.train``), one after the
other, logging to ``run.log`` and recording ``run_info.json`` (command,
status, exit code, wall time); ``--resume`` continues a run from its last
checkpoint, and SIGTERM / Ctrl-C stop the training and record it as
interrupted."""
import json
import os
import os.path as osp
import re
import shutil
import signal
import subprocess
import sys
import time
from typing import Callable, List, Optional, Sequence

from emda.benchmarking.plan import Run

RUN_INFO_FILE = 'run_info.json'
RUN_LOG_FILE = 'run.log'
TRAIN_PROGRESS = re.compile(r'Iter\(train\)\s*\[\s*(\d+)/(\d+)\]')


def train_command(
    run: Run, options: Sequence[str], flags: Sequence[str] = ()) -> List[str]:
    """``tools/train.py``'s command for a run (the same ``main``, run as a
    module so it does not depend on the current directory); ``flags`` are
    train.py switches such as ``--amp``."""
    return [
        sys.executable, '-m', 'emda.tools.train', run.config.path,
        '--work-dir', run.run_dir, *flags, '--cfg-options', *options
    ]


def read_run_info(run_dir: str) -> dict:
    path = osp.join(run_dir, RUN_INFO_FILE)
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def write_run_info(run_dir: str, info: dict) -> None:
    path = osp.join(run_dir, RUN_INFO_FILE)
    with open(path + '.tmp', 'w') as f:
        json.dump(info, f, indent=2)
    os.replace(path + '.tmp', path)


def training_progress(log_path: str) -> str:
    """``iter 120/600`` from the last training log line, or ''."""
    try:
        with open(log_path, 'rb') as f:
            f.seek(max(0, osp.getsize(log_path) - 8192))
            tail = f.read().decode(errors='replace')
    except OSError:
        return ''
    matches = TRAIN_PROGRESS.findall(tail)
    return f'iter {matches[-1][0]}/{matches[-1][1]}' if matches else ''


def can_resume(run_dir: str) -> bool:
    """Whether a run dir holds a checkpoint to continue from (mmengine's
    ``last_checkpoint`` pointer)."""
    return osp.isfile(osp.join(run_dir, 'last_checkpoint'))


def execute_run(run: Run,
                options: Sequence[str],
                on_progress: Optional[Callable[[str], None]] = None,
                poll_s: float = 2.0,
                resume: bool = False,
                flags: Sequence[str] = ()) -> dict:
    """Train one run in a subprocess, logging to ``run.log``; returns and
    writes its ``run_info``.

    A previous attempt's run dir is replaced, unless ``resume`` and it holds
    a checkpoint: then training continues from that checkpoint
    (``tools/train.py --resume``), the log is appended to and the recorded
    wall time is the sum over the attempts.
    """
    resume = resume and can_resume(run.run_dir)
    previous_wall = 0.0
    if resume:
        previous_wall = read_run_info(run.run_dir).get('wall_s') or 0.0
    else:
        if osp.isdir(run.run_dir):
            shutil.rmtree(run.run_dir)
        os.makedirs(run.run_dir)
    log_path = osp.join(run.run_dir, RUN_LOG_FILE)
    command = train_command(run, options, flags)
    if resume:
        command.append('--resume')
    info = dict(
        config=run.config.path,
        seed=run.seed,
        command=command,
        status='running',
        exit_code=None,
        wall_s=None,
        started=time.strftime('%Y-%m-%d %H:%M:%S'))
    if resume:
        info['resumed_after_wall_s'] = previous_wall
    write_run_info(run.run_dir, info)
    start = time.monotonic()
    with open(log_path, 'a' if resume else 'w') as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT)
        try:
            while process.poll() is None:
                try:
                    process.wait(timeout=poll_s)
                except subprocess.TimeoutExpired:
                    if on_progress:
                        on_progress(training_progress(log_path))
        finally:
            interrupted = process.poll() is None
            if interrupted:  # do not leave a training behind
                process.terminate()
                process.wait()
            info.update(
                status='done' if process.returncode == 0 else 'failed',
                exit_code=process.returncode,
                wall_s=round(previous_wall + time.monotonic() - start, 1),
                finished=time.strftime('%Y-%m-%d %H:%M:%S'))
            if interrupted:
                info['error'] = 'interrupted'
            write_run_info(run.run_dir, info)
    return info


def _exit_on_sigterm(signum, frame):
    """SIGTERM as SystemExit, so the running training is stopped and
    recorded as interrupted (the default handler would orphan it)."""
    raise SystemExit(128 + signum)


def run_all(runs: Sequence[Run],
            options_for: Callable[[Run], List[str]],
            rerun: bool = False,
            resume: bool = False,
            flags: Sequence[str] = ()) -> None:
    """Execute the runs one after the other under a progress bar, skipping
    those whose ``run_info`` says done unless ``rerun``; with ``resume``
    unfinished runs continue from their last checkpoint."""
    from tqdm import tqdm
    pending = [
        run for run in runs
        if rerun or read_run_info(run.run_dir).get('status') != 'done'
    ]
    if len(pending) < len(runs):
        print(f'{len(runs) - len(pending)} of {len(runs)} runs already done, '
              f'skipped (--rerun runs them again)')
    try:  # only the main thread may set handlers
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    except ValueError:
        previous = None
    try:
        bar = tqdm(pending, desc='compare', unit='run', dynamic_ncols=True)
        for run in bar:

            def show(progress: str, name: str = run.name) -> None:
                bar.set_postfix_str(f'{name} {progress}'.rstrip())

            show('')
            info = execute_run(
                run,
                options_for(run),
                on_progress=show,
                resume=resume,
                flags=flags)
            if info['status'] != 'done':
                bar.write(
                    f'{run.name}: failed (exit code {info["exit_code"]}), '
                    f'see {osp.join(run.run_dir, RUN_LOG_FILE)}')
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
