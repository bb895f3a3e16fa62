"""Choose a finished run's checkpoint without target labels:
``emda-select-checkpoint CONFIG RUN_DIR [--metric points|flip]
[--point-ratio R] [--out CSV] [--report-val]``.

Every kept ``iter_*.pth`` of the run is scored by a label-free metric on the
target training slices, with the same ``LabelFreeSelectionHook`` that the
label-free configs run at every validation, and the best one is named (CSV and plot beside the run). This
is what a user without target labels can do with a run that did not score
itself during training (any config that kept its checkpoints); the metric,
the slices and the refusal of labelled slices are the hook's.
"""
import argparse
import csv
import glob
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from emda.tools.tool_output import add_cfg_options_flag

#: the metric a run is scored with: ``points`` needs the target points
METRICS = {
    'points': 'PointInstanceMetric',
    'flip': 'FlipAgreementMetric',
}
SCORE_KEY = 'label_free/score'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Score the checkpoints of a run without target labels '
        'and name the one to keep')
    parser.add_argument('config', help='the config the run was trained with')
    parser.add_argument('run_dir', help='the run\'s work dir (iter_*.pth)')
    parser.add_argument(
        '--metric',
        choices=sorted(METRICS),
        help='points: PointInstanceMetric (WDA, needs the target points); '
        'flip: FlipAgreementMetric (UDA). Default: the config\'s '
        'LabelFreeSelectionHook metric, else points when the target slices '
        'have a points_file, else flip')
    parser.add_argument(
        '--point-ratio',
        type=float,
        help='fraction of the instances the points annotate (points metric; '
        'default: the config\'s point_ratio)')
    parser.add_argument(
        '--out',
        help='CSV of the scores (default: RUN_DIR/label_free_scores.csv)')
    parser.add_argument(
        '--report-val',
        action='store_true',
        help='print the validation Dice the run logged at the chosen '
        'iteration and its best one (benchmarking: it never affects the '
        'choice)')
    parser.add_argument(
        '--from-iter',
        type=int,
        default=0,
        help='score only the checkpoints from this iteration on (e.g. the '
        'start of the self-training rounds; default: all)')
    parser.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    add_cfg_options_flag(parser)
    return parser.parse_args(argv)


def _find_hook(cfg, hook_type: str) -> Optional[dict]:
    for hook in cfg.get('custom_hooks', []) or []:
        if hook.get('type') == hook_type:
            return hook
    return None


def selection_setup(cfg,
                    metric: Optional[str] = None,
                    point_ratio: Optional[float] = None) -> Tuple[dict, dict]:
    """The label-free metric and target slices (configs) to score ``cfg``'s
    checkpoints with: the config's ``LabelFreeSelectionHook`` when it has
    one, else the round hook's slices (or the pair's
    ``target_pseudo_source``) with the metric ``metric`` names."""
    hook = _find_hook(cfg, 'LabelFreeSelectionHook')
    round_hook = _find_hook(cfg, 'SelfTrainingRoundHook')
    if hook is not None:
        dataset = hook['dataset']
    elif round_hook is not None and isinstance(
            round_hook.get('dataset'), dict):
        dataset = round_hook['dataset']
    elif isinstance(cfg.get('target_pseudo_source'), dict):
        dataset = cfg.target_pseudo_source
    else:
        raise ValueError(
            'the config names no unlabelled target slices to score on: no '
            'LabelFreeSelectionHook, SelfTrainingRoundHook(dataset=...) or '
            'target_pseudo_source')
    dataset = dict(dataset)
    if metric is None and hook is not None:
        metric_cfg = dict(hook['metric'])
    else:
        if metric is None:
            metric = 'points' if dataset.get('points_file') else 'flip'
        metric_cfg = dict(type=METRICS[metric])
    if metric_cfg['type'] == 'PointInstanceMetric':
        ratio = point_ratio or metric_cfg.get('point_ratio') or cfg.get(
            'point_ratio')
        if not ratio:
            raise ValueError('the points metric needs the fraction of '
                             'instances the points annotate: pass '
                             '--point-ratio (e.g. 0.15)')
        if not dataset.get('points_file'):
            raise ValueError('the points metric needs target points, but '
                             'the target slices have no points_file: use '
                             '--metric flip')
        metric_cfg['point_ratio'] = float(ratio)
    return metric_cfg, dataset


def run_checkpoints(run_dir: str,
                    from_iter: int = 0,
                    to_iter: Optional[int] = None) -> List[Tuple[int, str]]:
    """``(iteration, path)`` of the run's ``iter_*.pth`` from iteration
    ``from_iter`` on (up to ``to_iter`` when given), by iteration."""
    found = []
    for path in glob.glob(osp.join(run_dir, 'iter_*.pth')):
        match = re.fullmatch(r'iter_(\d+)\.pth', osp.basename(path))
        if match:
            found.append((int(match.group(1)), path))
    if not found:
        raise FileNotFoundError(
            f'no iter_*.pth in {run_dir}: train with a checkpoint at every '
            'validation and keep them (default_hooks.checkpoint.interval, '
            'max_keep_ckpts)')
    kept = [(it, path) for it, path in found
            if it >= from_iter and (to_iter is None or it <= to_iter)]
    if not kept:
        span = f'from iteration {from_iter} on' if to_iter is None else (
            f'from iteration {from_iter} to {to_iter}')
        raise FileNotFoundError(f'no iter_*.pth in {run_dir} {span} '
                                f'(the last is {max(found)[0]})')
    return sorted(kept)


def score_checkpoints(cfg,
                      checkpoints: List[Tuple[int, str]],
                      metric_cfg: dict,
                      dataset_cfg: dict,
                      progress: bool = True) -> List[Dict[str, float]]:
    """One row per checkpoint: its iteration and label-free scores."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from tqdm import tqdm

    from emda.engine.hooks import LabelFreeSelectionHook
    from emda.registry import MODELS
    from emda.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'emda'))
    model = MODELS.build(cfg.model)
    hook = LabelFreeSelectionHook(metric=metric_cfg, dataset=dataset_cfg)
    hook.build(dataset_cfg)
    rows = []
    for iteration, path in tqdm(
            checkpoints, desc='label-free scoring', disable=not progress):
        load_checkpoint(
            model, path, map_location='cpu', strict=True, logger='silent')
        rows.append(dict(iter=iteration, **hook.evaluate(model)))
    return rows


def choose(rows: List[Dict[str, float]]) -> Dict[str, float]:
    """The row with the highest score; the later one on a tie (it has seen
    more training)."""
    return max(rows, key=lambda row: (row[SCORE_KEY], row['iter']))


def logged_val_dice(run_dir: str) -> Dict[int, float]:
    """Validation Dice by iteration from the run's ``em_seg_history.csv``
    files (an extended run has one per session; later ones win)."""
    dice = {}
    for path in sorted(
            glob.glob(osp.join(run_dir, '*', 'em_seg_history.csv'))):
        with open(path) as f:
            for row in csv.DictReader(f):
                dice[int(row['iter'])] = float(row['Dice'])
    return dice


def write_rows(rows: List[Dict[str, float]], path: str) -> None:
    keys = ['iter'] + sorted({k for row in rows for k in row} - {'iter'})
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=keys)
        writer.writeheader()
        writer.writerows(rows)


def plot_scores(rows: List[Dict[str, float]],
                chosen: Dict[str, float],
                path: str,
                val_dice: Optional[Dict[int, float]] = None) -> None:
    """The label-free score against iteration, the choice marked; with
    ``val_dice`` the run's logged validation Dice beside it (labels; shown,
    never used)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    iters = [row['iter'] for row in rows]
    ax.plot(
        iters, [row[SCORE_KEY] for row in rows],
        'o-',
        label=f'{SCORE_KEY} (no target labels)')
    ax.plot([chosen['iter']], [chosen[SCORE_KEY]],
            '*',
            markersize=14,
            label=f'chosen: iter {chosen["iter"]}')
    if val_dice:
        ax.plot(
            sorted(val_dice), [val_dice[i] for i in sorted(val_dice)],
            's--',
            alpha=0.6,
            label='validation Dice (labels: shown, not used)')
    ax.set_xlabel('iteration')
    ax.set_ylabel('score')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None):
    args = parse_args(argv)
    from emda.tools.train import load_config, prepare_data
    cfg = load_config(args.config, args.cfg_options)
    checkpoints = run_checkpoints(args.run_dir, args.from_iter)
    metric_cfg, dataset_cfg = selection_setup(cfg, args.metric,
                                              args.point_ratio)
    prepare_data(cfg)
    rows = score_checkpoints(cfg, checkpoints, metric_cfg, dataset_cfg,
                             not args.no_progress)
    out = args.out or osp.join(args.run_dir, 'label_free_scores.csv')
    write_rows(rows, out)
    chosen = choose(rows)
    dice = logged_val_dice(args.run_dir) if args.report_val else None
    figure = osp.splitext(out)[0] + '.png'
    plot_scores(rows, chosen, figure, dice)
    print(f'{metric_cfg["type"]} on {len(rows)} checkpoints '
          f'(scores in {out}, plot {figure}):')
    for row in rows:
        mark = '  <- chosen' if row is chosen else ''
        print(f'  iter {row["iter"]:>6}: {SCORE_KEY} '
              f'{row[SCORE_KEY]:.4f}{mark}')
    print(f'keep: {osp.join(args.run_dir, "iter_%d.pth" % chosen["iter"])}')
    if args.report_val:
        if chosen['iter'] in dice:
            best = max(dice, key=dice.get)
            print(f'validation Dice at the choice: {dice[chosen["iter"]]:.4f}'
                  f' (the run\'s best, chosen by labels: {dice[best]:.4f} at '
                  f'iteration {best}); reported only, not used to choose')
        else:
            print('the run logged no validation at the chosen iteration')
    return chosen


if __name__ == '__main__':
    main()
