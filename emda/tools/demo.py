"""The first-hour demo: adapt to the synthetic target and show the gain.

``emda-demo`` (``make demo``) trains the paper's method (IPL-CFCL, 15 %
simulated points) on the embedded synthetic pair, then scores two
checkpoints of that one run on the target validation slices:

- *before adaptation*: the network at the end of source pretraining
  (trained on source labels only; the SourceOnly model of this network);
- *after adaptation*: the last checkpoint of the run.

Neither choice reads target labels, so the gain shown is one a user gets.
It writes a summary (``summary.md`` / ``summary.json``), the per-slice
scores of both (``per_slice.csv``) and a side-by-side overlay PNG (image /
before / after / label) to the demo's work_dir, and prints where they are.
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List

DEMO_CONFIG = ('configs/ipl_cfcl/'
               'ipl-cfcl-continue_unet-s4-c16_2x2-800_synth-192x192.py')
SCORES = ('dice', 'jaccard', 'aji', 'pq')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Adapt IPL-CFCL to the synthetic target and compare '
        'before / after adaptation')
    parser.add_argument('--config', default=DEMO_CONFIG, help='config file')
    parser.add_argument(
        '--work-dir', default='work_dirs/demo', help='where it all goes')
    parser.add_argument('--seed', type=int, default=0, help='training seed')
    parser.add_argument(
        '--slices', type=int, default=3, help='slices in the overlay PNG')
    parser.add_argument(
        '--fp32',
        action='store_true',
        help='train in float32 (default: --amp, bf16 autocast, about 2x '
        'faster at the same accuracy on a CPU with AVX512-BF16 or AMX, '
        'results/bf16_throughput.md; a CPU without them trains in float32 '
        'anyway, since there bf16 is emulated and slower)')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], help='config overrides')
    return parser.parse_args(argv)


def use_amp(fp32: bool) -> bool:
    """Train under ``--amp`` unless ``--fp32`` was given or this is a
    CPU-only machine whose CPU can only emulate bfloat16
    (``results/bf16_throughput_avx2.md``: slower than float32 there)."""
    if fp32:
        return False
    import torch

    from emda.utils.bf16_support import cpu_has_native_bf16
    return torch.cuda.is_available() or cpu_has_native_bf16()


def read_per_slice(eval_dir: str) -> List[dict]:
    """The per-slice rows EMSegMetric wrote under ``eval_dir``."""
    from emda.evaluation.metrics.em_seg_metric import PER_SLICE_FILE
    found = []
    for root, _, files in os.walk(eval_dir):
        if PER_SLICE_FILE in files:
            found.append(osp.join(root, PER_SLICE_FILE))
    if not found:
        raise FileNotFoundError(f'no {PER_SLICE_FILE} under {eval_dir}')
    with open(sorted(found)[-1], newline='') as f:
        return list(csv.DictReader(f))


def mean_scores(rows: List[dict]) -> Dict[str, float]:
    return {
        key: sum(float(r[key]) for r in rows) / len(rows)
        for key in SCORES
    }


def side_by_side(rows: List[dict], before_dir: str, after_dir: str,
                 label_dir: str, path: str, n_slices: int) -> str:
    """One row per slice: image, before, after (prediction in green) and
    the label (green), each with its title."""
    import cv2
    import numpy as np
    order = sorted(rows, key=lambda r: r['name'])[:n_slices]
    lines = []
    for row in order:
        name = osp.splitext(row['name'])[0] + '.png'
        image = cv2.imread(row['img_path'], cv2.IMREAD_GRAYSCALE)
        panels = [cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)]
        masks = [
            cv2.imread(osp.join(d, 'masks', name), cv2.IMREAD_GRAYSCALE)
            for d in (before_dir, after_dir)
        ]
        masks.append(
            cv2.imread(osp.join(label_dir, row['name']), cv2.IMREAD_GRAYSCALE))
        for mask in masks:
            rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            tint = rgb.copy()
            tint[mask > 0] = (0, 200, 0)
            panels.append(cv2.addWeighted(rgb, 0.55, tint, 0.45, 0))
        titles = ('image', 'before adaptation', 'after adaptation', 'label')
        for panel, title in zip(panels, titles):
            cv2.putText(panel, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                        (0, 0, 255), 1, cv2.LINE_AA)
        lines.append(np.concatenate(panels, axis=1))
    if not cv2.imwrite(path, np.concatenate(lines, axis=0)):
        raise OSError(f'could not write {path}')
    return path


def summarize(before: List[dict], after: List[dict], info: dict) -> str:
    """The markdown summary of the two evaluations."""
    b, a = mean_scores(before), mean_scores(after)
    lines = [
        '# emda demo: IPL-CFCL on the synthetic target', '',
        f'{info["slices"]} target validation slices, seed {info["seed"]}, '
        f'{info["iters"]} iterations ({info["pretrain_iters"]} source '
        f'pretraining) in {info.get("precision", "float32")}, '
        f'{info["minutes"]:.1f} min in all.', '',
        '| model | Dice | Jaccard | AJI | PQ |', '|---|---|---|---|---|',
        '| before adaptation (end of source pretraining) | ' +
        ' | '.join(f'{b[k]:.3f}' for k in SCORES) + ' |',
        '| after adaptation (last checkpoint) | ' +
        ' | '.join(f'{a[k]:.3f}' for k in SCORES) + ' |',
        '| gain | ' + ' | '.join(f'{a[k] - b[k]:+.3f}' for k in SCORES) + ' |',
        '', 'Neither checkpoint was chosen with target labels.'
    ]
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config

    from emda.tools import test as test_tool
    from emda.tools import train as train_tool
    start = time.time()
    work_dir = args.work_dir
    cfg = Config.fromfile(args.config)
    from emda.engine.loops import schedule_iters
    pretrain, total = schedule_iters(cfg.train_cfg)
    overrides = [
        f'randomness.seed={args.seed}',
        'default_hooks.checkpoint.max_keep_ckpts=-1', *args.cfg_options
    ]
    amp = use_amp(args.fp32)
    precision = 'bf16 autocast (--amp)' if amp else 'float32' + (
        '' if args.fp32 else ' (this CPU has no native bfloat16)')
    print(f'[1/3] training IPL-CFCL on the synthetic pair: {pretrain} '
          f'source pretraining iterations, then {total - pretrain} '
          f'self-training iterations on the target, in {precision}')
    train_tool.main([args.config, '--work-dir', work_dir] +
                    (['--amp'] if amp else []) + ['--cfg-options', *overrides])
    checkpoints = dict(
        before=osp.join(work_dir, f'iter_{pretrain}.pth'),
        after=osp.join(work_dir, f'iter_{total}.pth'))
    rows = {}
    for step, (name, checkpoint) in enumerate(checkpoints.items(), 2):
        if step == 2:
            print('[2/3] scoring before / after adaptation on the target '
                  'validation slices')
        eval_dir = osp.join(work_dir, f'eval_{name}')
        test_tool.main([
            args.config, checkpoint, '--work-dir', eval_dir, '--out',
            osp.join(eval_dir, 'predictions')
        ])
        rows[name] = read_per_slice(eval_dir)
    minutes = (time.time() - start) / 60
    info = dict(
        seed=args.seed,
        iters=total,
        pretrain_iters=pretrain,
        slices=len(rows['after']),
        precision=precision,
        minutes=minutes)
    summary = summarize(rows['before'], rows['after'], info)
    print('[3/3] writing the summary and the side-by-side overlays')
    with open(osp.join(work_dir, 'summary.md'), 'w') as f:
        f.write(summary)
    with open(osp.join(work_dir, 'summary.json'), 'w') as f:
        json.dump(
            dict(
                info,
                checkpoints=checkpoints,
                before=mean_scores(rows['before']),
                after=mean_scores(rows['after'])),
            f,
            indent=2)
    per_slice = osp.join(work_dir, 'per_slice.csv')
    with open(per_slice, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['name'] + [f'{k}_before' for k in SCORES] +
                        [f'{k}_after' for k in SCORES])
        for b, a in zip(rows['before'], rows['after']):
            writer.writerow([b['name']] + [b[k] for k in SCORES] +
                            [a[k] for k in SCORES])
    test_set = cfg.test_dataloader.dataset
    label_dir = osp.join(test_set.data_root, test_set.ann_path)
    overlay = side_by_side(rows['after'],
                           osp.join(work_dir, 'eval_before', 'predictions'),
                           osp.join(work_dir, 'eval_after',
                                    'predictions'), label_dir,
                           osp.join(work_dir, 'before_after.png'), args.slices)
    print('\n' + summary)
    print('Outputs of the demo:')
    for what, path in (('adapted checkpoint', checkpoints['after']),
                       ('source-only checkpoint', checkpoints['before']),
                       ('summary', osp.join(work_dir, 'summary.md')),
                       ('per-slice scores',
                        per_slice), ('side-by-side overlays', overlay),
                       ('pseudo-labels', osp.join(work_dir, 'pseudo_labels'))):
        print(f'  {what:<22}  {path}')
    return dict(
        before=mean_scores(rows['before']), after=mean_scores(rows['after']))


if __name__ == '__main__':
    sys.exit(main() and 0)
