"""Reading finished runs: every validation a run logged, from MMEngine's
own ``<timestamp>/vis_data/scalars.json`` (``LocalVisBackend``) of each of
its timestamped log folders, so a resumed run counts as one; the best-Dice
validation per run, the label-free choice beside it, and the mean / sample
std over seeds per config."""
import glob
import json
import os
import os.path as osp
import re
import statistics
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from emda.benchmarking.plan import (SEED_DIR, ConfigInfo, Run, describe_config,
                                    plan_runs)
from emda.benchmarking.run import RUN_INFO_FILE, RUN_LOG_FILE, read_run_info

METRICS = ('Dice', 'Jaccard', 'AJI', 'PQ')
#: logged by LabelFreeSelectionHook at every validation (DESIGN rule 12)
LABEL_FREE_KEY = 'label_free/score'
#: MMEngine's scalar log of one run (one folder per start, resumes too)
SCALARS = osp.join('*', 'vis_data', 'scalars.json')
ERROR_LINE = re.compile(r'^([\w.]+(Error|Exception|Interrupt)|Killed)\b')


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


def validation_history(run_dir: str) -> List[dict]:
    """Every validation of a run: the ``scalars.json`` records with a
    ``Dice`` of all its timestamped log folders, in step (training
    iterations done) order; a validation repeated at the same step (after
    a resume) counts once, the latest folder's."""
    by_step: Dict[int, dict] = {}
    for path in sorted(glob.glob(osp.join(run_dir, SCALARS))):
        with open(path) as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:  # a line cut short by a kill
                    continue
                if isinstance(record, dict) and 'Dice' in record:
                    by_step[int(record.get('step', 0))] = record
    return [by_step[step] for step in sorted(by_step)]


def best_validation(run_dir: str) -> Optional[dict]:
    """The validation with the highest Dice over all of the run's
    evaluations (the earliest on ties), or None."""
    scored = []
    for record in validation_history(run_dir):
        try:
            dice = float(record['Dice'])
        except (TypeError, ValueError):
            continue
        if dice == dice:  # no NaN
            scored.append((dice, record))
    return max(scored, key=lambda item: item[0])[1] if scored else None


def selects_with_target_labels(cfg) -> bool:
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
    history = validation_history(run_dir)
    scored = [r for r in history if LABEL_FREE_KEY in r]
    if scored:
        best = max(scored, key=lambda record: record[LABEL_FREE_KEY])
    elif history and last_if_unscored:
        best = history[-1]
    else:
        return None
    return float(best['Dice'])


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
    best = best_validation(run.run_dir)
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
        result.error = 'no validation metrics (no Dice in vis_data/' \
            'scalars.json)'
    else:
        result.status = 'ok'
        result.metrics = {m: float(best[m]) for m in METRICS}
        # MMEngine logs a validation at the iterations done (iter_N.pth)
        result.best_iter = int(best['step']) if 'step' in best else None
        result.label_free_Dice = label_free_selected_dice(
            run.run_dir,
            last_if_unscored=not selects_with_target_labels(run.config.cfg))
    return result


def _list_dirs(path: str) -> List[str]:
    if not osp.isdir(path):
        return []
    return [d for d in os.listdir(path) if osp.isdir(osp.join(path, d))]


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
        elif glob.glob(osp.join(config_dir, SCALARS)):
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


def mean_std(values: Sequence[float]) -> tuple:
    """Mean and sample std (n-1); None where undefined."""
    return (statistics.mean(values) if values else None,
            statistics.stdev(values) if len(values) > 1 else None)


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
        row[f'{metric}_mean'], row[f'{metric}_std'] = mean_std(
            [r.metrics[metric] for r in ok])
    # the oracle columns above, the user's (label-free) choice here
    row['label_free_Dice_mean'], row['label_free_Dice_std'] = mean_std(
        [r.label_free_Dice for r in ok if r.label_free_Dice is not None])
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
