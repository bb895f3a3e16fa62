"""Compare methods: train configs over seeds (or collect finished runs) and
write a results table (``results.md``, ``results.csv``, ``runs.csv``) and a
bar chart (``results.png``).

``python tools/compare.py [CONFIGS ...] [--suite NAME] [--seeds 0 1 2]``;
see ``docs/user_guides/compare.md``. Each (config, seed) trains in its own
subprocess into ``WORK_ROOT/<config stem>/seed<k>/``, so one failing run is
recorded (``run_info.json``, ``run.log``) and the others still run.
"""
import argparse
import csv
import glob
import inspect
import json
import os
import os.path as osp
import re
import shutil
import statistics
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.config import Config

from emda.evaluation.metrics.em_seg_metric import HISTORY_FILE

METRICS = ('Dice', 'Jaccard', 'AJI', 'PQ')
#: logged by LabelFreeSelectionHook at every validation (DESIGN rule 12)
LABEL_FREE_KEY = 'label_free/score'
# suite name -> file-name pattern of its configs in ``configs/<method>/``;
# a method joins a suite by adding a config with the matching suffix.
SUITES = {
    'vnc2lucchi-cpu': '*_vnc3-lucchi-cpu-256x256.py',
    'vnc2lucchi-paper': '*_vnc3-lucchi-paper-512x512.py',
    'synth': '*_synth-192x192.py',
}
RUN_INFO_FILE = 'run_info.json'
RUN_LOG_FILE = 'run.log'
SEED_DIR = re.compile(r'^seed(\d+)$')
TRAIN_PROGRESS = re.compile(r'Iter\(train\)\s*\[\s*(\d+)/(\d+)\]')
ERROR_LINE = re.compile(r'^([\w.]+(Error|Exception|Interrupt)|Killed)\b')


@dataclass
class ConfigInfo:
    """What the table shows about a config; ``cfg`` is None when the file
    could not be read (its runs will then fail and be reported)."""
    path: str
    stem: str
    method: str
    supervision: str
    cfg: Optional[Config] = None


@dataclass
class Run:
    """One (config, seed) training run and its directory."""
    config: ConfigInfo
    seed: Optional[int]
    run_dir: str

    @property
    def name(self) -> str:
        return f'{self.config.stem} seed{self.seed}'


@dataclass
class RunResult:
    """A run's best-Dice validation scores, or why it failed."""
    seed: Optional[int]
    run_dir: str
    status: str  # 'ok' or 'failed'
    metrics: Dict[str, float] = field(default_factory=dict)
    best_iter: Optional[int] = None
    wall_s: Optional[float] = None
    error: str = ''
    # target val Dice where the label-free score peaked (None: not logged)
    label_free_Dice: Optional[float] = None


# ----------------------------------------------------------------- configs
def expand_suite(name: str, config_root: str = 'configs') -> List[str]:
    """The configs of a named suite: every ``<config_root>/<method>/``
    file matching the suite's pattern (``_base_`` excluded), sorted."""
    if name not in SUITES:
        raise ValueError(f'unknown suite {name!r}; known suites: '
                         f'{", ".join(sorted(SUITES))}')
    pattern = osp.join(config_root, '[!_]*', SUITES[name])
    paths = sorted(glob.glob(pattern))
    if not paths:
        raise ValueError(f'suite {name!r} matches no config ({pattern})')
    return paths


def select_configs(configs: Sequence[str] = (),
                   suite: Optional[str] = None,
                   config_root: str = 'configs') -> List[str]:
    """Explicit configs, then the suite's, without duplicates; a missing
    explicit config is an error rather than a failed row."""
    for path in configs:
        if not osp.isfile(path):
            raise FileNotFoundError(f'config not found: {path}')
    paths = list(configs) + (expand_suite(suite, config_root) if suite else [])
    unique: Dict[str, str] = {}
    for path in paths:
        unique.setdefault(osp.normpath(path), path)
    return list(unique.values())


def _describe_target(target: dict) -> str:
    """'full labels', 'points (15 %)' or 'none (UDA)' for one target
    training dataset config."""
    if target.get('ann_path'):
        return 'full labels'
    points_file = target.get('points_file')
    if points_file:
        ratio = re.search(r'(\d+(?:\.\d+)?)\s*pct', osp.basename(points_file))
        return f'points ({ratio.group(1)} %)' if ratio else 'points'
    return 'none (UDA)'


def _hook_defaults(hook_type) -> dict:
    """Default arguments of a registered hook (a hook may name its dataset
    by a default config key, as ``SelfTrainingRoundHook`` does)."""
    if not isinstance(hook_type, str):
        return {}
    from emda.registry import HOOKS
    from emda.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    hook_cls = HOOKS.get(hook_type)
    if hook_cls is None:
        return {}
    return {
        name: param.default
        for name, param in inspect.signature(hook_cls).parameters.items()
        if param.default is not inspect.Parameter.empty
    }


def _hook_point_datasets(cfg: Config) -> List[dict]:
    """Datasets with a ``points_file`` that custom hooks feed to training,
    inline or by config key (IPL-CFCL's rounds read the target points)."""
    found = []
    for hook in cfg.get('custom_hooks') or []:
        for value in {**_hook_defaults(hook.get('type')), **hook}.values():
            if isinstance(value, str) and value.isidentifier():
                value = cfg.get(value)
            if isinstance(value, dict) and value.get('points_file'):
                found.append(value)
    return found


def target_supervision(cfg: Config) -> str:
    """How the target domain is supervised in training: the config's
    ``target_supervision`` if set, else read from the two-domain training
    dataset (``train_dataloader.dataset.target``) and, for points, from
    the datasets that hooks feed to training."""
    if isinstance(cfg.get('target_supervision'), str):
        return cfg.target_supervision
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    if 'source' not in dataset and 'target' not in dataset:
        return 'unknown'
    target = dataset.get('target') or []
    targets = list(target) if isinstance(target, (list, tuple)) else [target]
    kinds = {
        _describe_target(t)
        for t in targets + _hook_point_datasets(cfg) if isinstance(t, dict)
    }
    if not targets and not kinds:
        return 'none (source only)'
    # the strongest annotation the training sees
    if 'full labels' in kinds:
        return 'full labels'
    points = sorted(k for k in kinds if k.startswith('points'))
    return points[0] if points else 'none (UDA)'


def method_name(cfg: Config, stem: str) -> str:
    """``model.type`` (with its ``mode``, e.g. ``ADVENT (minent)``), else
    the algorithm part of the config name."""
    model = cfg.get('model') or {}
    method = model.get('type')
    if not isinstance(method, str):
        return stem.split('_')[0]
    mode = model.get('mode')
    return f'{method} ({mode})' if isinstance(mode, str) else method


def describe_config(path: str) -> ConfigInfo:
    """Method and target supervision of a config; a config that cannot be
    read still gets a row (named after its file) so its failure shows."""
    stem = osp.splitext(osp.basename(path))[0]
    try:
        cfg = Config.fromfile(path)
    except Exception:  # noqa: B902 (any error: the run reports it)
        return ConfigInfo(path, stem, stem.split('_')[0], 'unknown')
    return ConfigInfo(path, stem, method_name(cfg, stem),
                      target_supervision(cfg), cfg)


# -------------------------------------------------------------------- runs
def plan_runs(configs: Sequence[ConfigInfo], seeds: Sequence[int],
              work_root: str) -> List[Run]:
    """One run per (config, seed) in ``work_root/<stem>/seed<k>``."""
    stems = [c.stem for c in configs]
    clashes = sorted({s for s in stems if stems.count(s) > 1})
    if clashes:
        raise ValueError(f'configs share a file name, so their run dirs '
                         f'would clash: {", ".join(clashes)}')
    return [
        Run(config, seed, osp.join(work_root, config.stem, f'seed{seed}'))
        for config in configs for seed in seeds
    ]


def discover_runs(configs: Sequence[ConfigInfo], work_root: str) -> List[Run]:
    """The finished runs of the configs: every ``seed<k>`` folder, else a
    plain ``tools/train.py`` work_dir ``work_root/<stem>`` itself."""
    runs = []
    for config in configs:
        config_dir = osp.join(work_root, config.stem)
        seeds = sorted(
            int(m.group(1))
            for m in map(SEED_DIR.match, _list_dirs(config_dir)) if m)
        if seeds:
            runs += plan_runs([config], seeds, work_root)
        elif glob.glob(osp.join(config_dir, '*', HISTORY_FILE)):
            runs.append(Run(config, None, config_dir))
    return runs


def discover_recorded_runs(work_root: str) -> List[Run]:
    """Every run under ``work_root`` that compare recorded, grouped by the
    config named in its ``run_info.json``."""
    by_config: Dict[str, List[tuple]] = {}
    pattern = osp.join(work_root, '*', 'seed*', RUN_INFO_FILE)
    for info_path in sorted(glob.glob(pattern)):
        run_dir = osp.dirname(info_path)
        match = SEED_DIR.match(osp.basename(run_dir))
        config = read_run_info(run_dir).get('config')
        if match and config:
            by_config.setdefault(config, []).append(
                (int(match.group(1)), run_dir))
    runs = []
    for path, seed_dirs in by_config.items():
        info = describe_config(path)
        runs += [
            Run(info, seed, run_dir) for seed, run_dir in sorted(seed_dirs)
        ]
    return runs


def _list_dirs(path: str) -> List[str]:
    if not osp.isdir(path):
        return []
    return [d for d in os.listdir(path) if osp.isdir(osp.join(path, d))]


def schedule_end_options(cfg: Config, iters: int) -> List[str]:
    """``--cfg-options`` that make the schedulers spanning the whole run
    (``end >= max_iters``) end at ``iters`` instead; shorter ones (e.g.
    warm-up) are left alone. Handles a list of schedulers, a single one and
    a dict of lists keyed by optimizer."""
    max_iters = cfg.get('train_cfg', {}).get('max_iters')
    schedulers = cfg.get('param_scheduler')
    if not max_iters or not schedulers:
        return []
    if isinstance(schedulers, dict) and 'type' not in schedulers:
        groups = {f'param_scheduler.{k}': v for k, v in schedulers.items()}
    else:
        groups = {'param_scheduler': schedulers}
    options = []
    for prefix, group in groups.items():
        is_list = isinstance(group, (list, tuple))
        for index, scheduler in enumerate(group if is_list else [group]):
            end = scheduler.get('end') if isinstance(scheduler, dict) else None
            if isinstance(end, (int, float)) and end >= max_iters:
                key = f'{prefix}.{index}.end' if is_list else f'{prefix}.end'
                options.append(f'{key}={iters}')
    return options


def train_options(config: ConfigInfo,
                  seed: int,
                  iters: Optional[int] = None,
                  val_interval: Optional[int] = None) -> List[str]:
    """The ``--cfg-options`` compare sets for one run: the seed and, with
    ``iters``, a shorter run (schedules cut to match) validated at least
    once (the loop always validates after the last iteration)."""
    options = [f'randomness.seed={seed}']
    train_cfg = config.cfg.get('train_cfg', {}) if config.cfg else {}
    if iters:
        options.append(f'train_cfg.max_iters={iters}')
        if config.cfg:
            options += schedule_end_options(config.cfg, iters)
        val_interval = val_interval or min(
            train_cfg.get('val_interval') or iters, iters)
    if val_interval:
        options.append(f'train_cfg.val_interval={val_interval}')
    return options


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


# -------------------------------------------------------------- collecting
def validation_history(run_dir: str) -> List[dict]:
    """Every validation of a run (all its timestamped log folders, so a
    resumed run's too), in iteration order; a validation repeated at the
    same iteration (after a resume) counts once, the latest."""
    by_iter: Dict[str, dict] = {}
    for path in sorted(glob.glob(osp.join(run_dir, '*', HISTORY_FILE))):
        with open(path, newline='') as f:
            for row in csv.DictReader(f):
                by_iter[row.get('iter', '')] = row

    def order(row: dict) -> int:
        return int(row['iter']) if row['iter'].isdigit() else -1

    return sorted(by_iter.values(), key=order)


def best_validation_row(run_dir: str) -> Optional[dict]:
    """The validation with the highest Dice over all of the run's
    evaluations, or None."""
    scored = []
    for row in validation_history(run_dir):
        try:
            scored.append((float(row['Dice']), row))
        except (KeyError, TypeError, ValueError):
            continue
    scored = [(dice, row) for dice, row in scored if dice == dice]  # no NaN
    return max(scored, key=lambda item: item[0])[1] if scored else None


def selects_with_target_labels(cfg: Optional[Config]) -> bool:
    """Whether the run itself reads target labels to choose weights: a
    round hook that starts rounds from the best checkpoint by a labeled
    metric (anything but a ``label_free/`` key). Such a run has no
    label-free checkpoint, not even its last one."""
    if cfg is None:
        return True
    for hook in cfg.get('custom_hooks', None) or []:
        if hook.get('type') != 'SelfTrainingRoundHook':
            continue
        select_by = str(hook.get('select_by') or 'Dice')
        if hook.get(
                'init_from',
                'best') == 'best' and not select_by.startswith('label_free/'):
            return True
    return False


def label_free_selected_dice(run_dir: str,
                             last_if_unscored: bool = False
                             ) -> Optional[float]:
    """Target validation Dice of the validation with the highest
    label-free score (the earliest on ties, as ``CheckpointHook`` keeps
    it), read from the run's logged scalars. A run that logged no such
    score gives its last validation when ``last_if_unscored`` (the final
    checkpoint, what a user without labels keeps), else None."""
    best = last = None
    pattern = osp.join(run_dir, '*', 'vis_data', 'scalars.json')
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if 'Dice' not in row:
                    continue
                if last is None or row.get('step', 0) >= last.get('step', 0):
                    last = row
                if LABEL_FREE_KEY in row and (best is None
                                              or row[LABEL_FREE_KEY]
                                              > best[LABEL_FREE_KEY]):
                    best = row
    if best is None and last_if_unscored:
        best = last
    return None if best is None else float(best['Dice'])


def last_error_line(log_path: str) -> str:
    """The last exception line of a log (``ValueError: ...``), else its
    last non-empty line, else ''."""
    if not osp.isfile(log_path):
        return ''
    with open(log_path, errors='replace') as f:
        lines = [line.strip() for line in f if line.strip()]
    for line in reversed(lines):
        if ERROR_LINE.match(line):
            return line[:300]
    return lines[-1][:300] if lines else ''


def collect_run(run: Run) -> Optional[RunResult]:
    """A run's result; None when it has neither a ``run_info`` nor any
    validation (it was never run here)."""
    info = read_run_info(run.run_dir)
    best = best_validation_row(run.run_dir)
    if not info and best is None:
        return None
    result = RunResult(
        run.seed, run.run_dir, 'failed', wall_s=info.get('wall_s'))
    exit_code = info.get('exit_code')
    if info.get('status') == 'running':
        result.error = 'did not finish (interrupted, or still running)'
    elif info and exit_code != 0:
        result.error = (
            info.get('error')
            or last_error_line(osp.join(run.run_dir, RUN_LOG_FILE))
            or f'exit code {exit_code}')
    elif best is None:
        result.error = f'no validation metrics ({HISTORY_FILE} missing)'
    else:
        result.status = 'ok'
        result.metrics = {m: float(best[m]) for m in METRICS}
        # MessageHub's 0-based index -> iterations trained (iter_N.pth)
        if str(best.get('iter', '')).isdigit():
            result.best_iter = int(best['iter']) + 1
        result.label_free_Dice = label_free_selected_dice(
            run.run_dir,
            last_if_unscored=not selects_with_target_labels(run.config.cfg))
    return result


def aggregate(config: ConfigInfo, results: Sequence[RunResult]) -> dict:
    """One table row: mean and sample std (n-1) over the successful seeds;
    no std with one seed; failures counted and their errors joined."""
    ok = [r for r in results if r.status == 'ok']
    failed = [r for r in results if r.status != 'ok']
    row = dict(
        method=config.method,
        config=config.stem,
        config_path=config.path,
        target_supervision=config.supervision,
        n_seeds=len(ok),
        n_runs=len(results),
        seeds=' '.join(str(r.seed) for r in ok if r.seed is not None))
    for metric in METRICS:
        values = [r.metrics[metric] for r in ok]
        row[f'{metric}_mean'] = statistics.mean(values) if values else None
        row[f'{metric}_std'] = (
            statistics.stdev(values) if len(values) > 1 else None)
    label_free = [
        r.label_free_Dice for r in ok if r.label_free_Dice is not None
    ]
    # the oracle columns above, the user's (label-free) choice here
    row['label_free_Dice_mean'] = (
        statistics.mean(label_free) if label_free else None)
    row['label_free_Dice_std'] = (
        statistics.stdev(label_free) if len(label_free) > 1 else None)
    walls = [r.wall_s for r in ok if r.wall_s is not None]
    row['wall_min_mean'] = statistics.mean(walls) / 60 if walls else None
    row['status'] = 'ok' if not failed else 'partial' if ok else 'failed'
    row['error'] = '; '.join(f'{osp.basename(r.run_dir)}: {r.error}'
                             for r in failed)
    return row


def collect(runs: Sequence[Run]) -> tuple:
    """Table rows (one per config, in run order) and per-run results."""
    grouped: Dict[str, tuple] = {}
    for run in runs:
        result = collect_run(run)
        if result is not None:
            grouped.setdefault(run.config.path, (run.config, []))[1].append(
                (run, result))
    rows = [
        aggregate(config, [result for _, result in pairs])
        for config, pairs in grouped.values()
    ]
    per_run = [(run, result) for _, pairs in grouped.values()
               for run, result in pairs]
    if all(row['label_free_Dice_mean'] is None for row in rows):
        for row in rows:  # no run selects label-free: no such columns
            del row['label_free_Dice_mean'], row['label_free_Dice_std']
    return rows, per_run


# ----------------------------------------------------------------- writing
def format_score(mean: Optional[float], std: Optional[float]) -> str:
    """``0.812 ± 0.010``; the mean alone without a std; '-' when none."""
    if mean is None:
        return '-'
    return f'{mean:.3f}' if std is None else f'{mean:.3f} ± {std:.3f}'


def row_status(row: dict) -> str:
    if row['status'] == 'ok':
        return 'ok'
    failed = row['n_runs'] - row['n_seeds']
    label = 'failed' if row['status'] == 'failed' else f'{failed} failed'
    return f'{label}: {row["error"]}'


def to_markdown(rows: Sequence[dict], title: str = 'Comparison') -> str:
    """The results table with a note on how the numbers were obtained."""
    label_free = any('label_free_Dice_mean' in row for row in rows)
    header = [
        'method', 'config', 'target supervision', 'seeds', *METRICS,
        *(['Dice (label-free selection)'] if label_free else []),
        'wall time (min/run)', 'status'
    ]
    lines = [
        f'# {title}', '',
        'Per-slice scores on the labeled target validation split. For each '
        'seed the best-Dice validation is taken (model selection on that '
        'same labeled split, as the papers do), then mean ± sample standard '
        'deviation over the seeds that succeeded (the mean alone with one '
        'seed).' +
        (' Dice (label-free selection): the same split\'s Dice '
         'at the validation where the run\'s label-free score '
         f'({LABEL_FREE_KEY}, no target labels) peaked, or at the last '
         'validation for a run that logs no such score and chooses no '
         'weights by target labels (the final checkpoint): what a user '
         'without labels would have picked; "-" for a run whose rounds '
         'start from the best labeled checkpoint.' if label_free else '') +
        ' Wall time: mean minutes per successful run.', '',
        '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)
    ]
    for row in rows:
        seeds = str(row['n_seeds'])
        if row['n_seeds'] != row['n_runs']:
            seeds = f'{row["n_seeds"]} of {row["n_runs"]}'
        wall = row['wall_min_mean']
        cells = [
            row['method'], row['config'], row['target_supervision'], seeds, *[
                format_score(row[f'{m}_mean'], row[f'{m}_std'])
                for m in METRICS
            ], *([
                format_score(
                    row.get('label_free_Dice_mean'),
                    row.get('label_free_Dice_std'))
            ] if label_free else []), '-' if wall is None else f'{wall:.1f}',
            row_status(row)
        ]
        lines.append('| ' +
                     ' | '.join(str(c).replace('|', '\\|')
                                for c in cells) + ' |')
    return '\n'.join(lines) + '\n'


def _csv_value(value):
    if value is None:
        return ''
    return round(value, 6) if isinstance(value, float) else value


def write_csv(path: str, records: Sequence[dict]) -> None:
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows({
            k: _csv_value(v)
            for k, v in r.items()
        } for r in records)


def run_records(per_run: Sequence[tuple]) -> List[dict]:
    """One record per run for ``runs.csv``."""
    return [
        dict(
            config=run.config.stem,
            seed='' if result.seed is None else result.seed,
            status=result.status,
            best_iter=result.best_iter,
            **{m: result.metrics.get(m)
               for m in METRICS},
            **({} if all(r.label_free_Dice is None
                         for _, r in per_run) else dict(
                             label_free_Dice=result.label_free_Dice)),
            wall_s=result.wall_s,
            error=result.error,
            run_dir=result.run_dir) for run, result in per_run
    ]


def chart_labels(rows: Sequence[dict]) -> List[str]:
    """Method names, made unique where a method has several configs by the
    parts of the config name (``_``-separated: variant, network, schedule,
    data) in which those configs differ, e.g. ``ipl-cfcl-uda`` or
    ``2x2-3k``."""
    parts = {r['config']: r['config'].split('_') for r in rows}
    labels = []
    for row in rows:
        same = [
            parts[r['config']] for r in rows if r['method'] == row['method']
        ]
        if len(same) == 1:
            labels.append(row['method'])
            continue
        width = max(len(p) for p in same)
        padded = [p + [''] * (width - len(p)) for p in same]
        mine = parts[row['config']] + [''] * (
            width - len(parts[row['config']]))
        differing = [
            mine[k] for k in range(width)
            if len({p[k]
                    for p in padded}) > 1 and mine[k]
        ]
        labels.append(f'{row["method"]}\n' +
                      (' '.join(differing) or row['config']))
    return labels


def plot_results(rows: Sequence[dict],
                 path: str,
                 title: str = 'Comparison') -> None:
    """Grouped bars (one group per config, one bar per metric) with std
    error bars; a config without scores is labeled 'failed'."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(max(6.0, 1.5 * len(rows) + 2), 4.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / len(METRICS)
    for k, metric in enumerate(METRICS):
        offset = (k - (len(METRICS) - 1) / 2) * width
        scored = [(i + offset, r[f'{metric}_mean'], r[f'{metric}_std'])
                  for i, r in enumerate(rows)
                  if r[f'{metric}_mean'] is not None]
        ax.bar([x for x, _, _ in scored], [m for _, m, _ in scored],
               width,
               label=metric)
        spread = [(x, m, s) for x, m, s in scored if s is not None]
        if spread:  # error bars only where there are several seeds
            ax.errorbar([x for x, _, _ in spread], [m for _, m, _ in spread],
                        yerr=[s for _, _, s in spread],
                        fmt='none',
                        ecolor='black',
                        capsize=3)
    for i, row in enumerate(rows):
        if row['status'] == 'failed':
            ax.text(
                i,
                0.5,
                'failed',
                ha='center',
                va='center',
                rotation=90,
                color='tab:red',
                fontsize=12)
    ax.set_xlim(-0.5, len(rows) - 0.5)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(chart_labels(rows), fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel('target validation score')
    ax.set_title(title)
    ax.legend(ncol=len(METRICS), loc='upper center', frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def plot_curves(rows: Sequence[dict],
                per_run: Sequence[tuple],
                path: str,
                title: str = 'Comparison') -> None:
    """Validation Dice against the run's iterations, one line per run
    (a config's seeds share a colour), so a reader sees when each method
    peaked and whether it was still rising."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = dict(
        zip([r['config_path'] for r in rows],
            [label.replace('\n', ' ') for label in chart_labels(rows)]))
    # ten colours, then the next line style
    index = {r['config_path']: i for i, r in enumerate(rows)}
    styles = ['-', '--', ':', '-.']
    labelled = set()
    for run, _ in per_run:
        points = []
        for row in validation_history(run.run_dir):
            try:
                points.append((int(row['iter']) + 1, float(row['Dice'])))
            except (KeyError, TypeError, ValueError):
                continue
        if not points:
            continue
        config = run.config.path
        k = index.get(config, len(index))
        ax.plot([x for x, _ in points], [y for _, y in points],
                marker='o',
                markersize=3,
                color=f'C{k % 10}',
                linestyle=styles[k // 10 % len(styles)],
                label=None if config in labelled else labels.get(
                    config, run.config.stem))
        labelled.add(config)
    ax.set_xlabel('iterations of the run (a run loaded from a checkpoint '
                  'starts at 0)')
    ax.set_ylabel('target validation Dice')
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.set_title(f'{title}: validation during training')
    if labelled:
        ax.legend(fontsize=7, loc='lower right', ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=150)


def write_outputs(rows: Sequence[dict], per_run: Sequence[tuple], out_dir: str,
                  title: str) -> str:
    """``results.md``, ``results.csv``, ``runs.csv``, ``results.png`` and
    ``curves.png``; returns the markdown."""
    os.makedirs(out_dir, exist_ok=True)
    markdown = to_markdown(rows, title)
    with open(osp.join(out_dir, 'results.md'), 'w') as f:
        f.write(markdown)
    write_csv(osp.join(out_dir, 'results.csv'), rows)
    write_csv(osp.join(out_dir, 'runs.csv'), run_records(per_run))
    plot_results(rows, osp.join(out_dir, 'results.png'), title)
    plot_curves(rows, per_run, osp.join(out_dir, 'curves.png'), title)
    return markdown


# --------------------------------------------------------------------- CLI
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
                             f'run_info.json or {HISTORY_FILE} found')
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
