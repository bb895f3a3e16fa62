"""The full ``emda-infer`` pipeline against ``tools/test.py`` on the same
checkpoint over ``lucchi/val``: per-slice Dice of each path, their
agreement, and instance counts against the ground truth.

    OMP_NUM_THREADS=1 python tools/benchmarks/infer_vs_test_lucchi.py \
        CONFIG CHECKPOINT [--data-root ../shared/data] [--limit N]

``emda-infer`` (``tools/infer.py``) gets the val images as an unlabeled
slice folder; ``tools/test.py`` the config's labeled test split. Both run
without and with ``--tta``; ``--amp`` adds ``emda-infer --amp`` runs
(bfloat16 on CPU) scored the same way and against the float32 masks.
Writes ``results/infer_vs_test_lucchi.{md,csv}``.
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import time

import numpy as np

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--data-root', default=osp.join(REPO, '../shared/data'))
    p.add_argument(
        '--limit', type=int, help='first N val slices only (a quick check)')
    p.add_argument(
        '--amp',
        action='store_true',
        help='also run emda-infer --amp (connected components)')
    p.add_argument(
        '--work-dir', default=osp.join(REPO, 'work_dirs/infer_vs_test_lucchi'))
    p.add_argument(
        '--results', default=osp.join(REPO, 'results/infer_vs_test_lucchi'))
    return p.parse_args(argv)


def run(args, log):
    """Run a tool in a subprocess (one thread unless told), timed."""
    env = dict(os.environ, PYTHONPATH=REPO)
    env.setdefault('OMP_NUM_THREADS', '1')
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable] + args,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True)
    with open(log, 'w') as f:
        f.write(' '.join(args) + '\n' + proc.stdout + proc.stderr)
    if proc.returncode:
        raise SystemExit(f'{args[0]} failed (log {log}):\n' +
                         proc.stderr[-2000:])
    return time.perf_counter() - start


def read_png(path):
    import cv2
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def dice(pred, gt):
    """Dice of binary masks (1 when both are empty)."""
    pred, gt = pred.astype(bool), gt.astype(bool)
    total = pred.sum() + gt.sum()
    return 1.0 if total == 0 else 2.0 * (pred & gt).sum() / total


def count_instances(mask, dim):
    """Instance count of a (Z, Y, X) mask: 2D components per slice
    summed, or 3D components, as ``emda.apis.instances`` labels them."""
    from emda.apis import instances
    labels = instances(mask.astype(np.uint8), dim=dim)
    if dim == 3:
        return int(labels.max())
    return int(sum(len(np.unique(s)) - (0 in s) for s in labels))


def main(argv=None):
    args = parse_args(argv)
    work = osp.abspath(args.work_dir)
    if osp.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    val = osp.join(args.data_root, 'lucchi/val')
    names = sorted(os.listdir(osp.join(val, 'images')))[:args.limit]
    # the unlabeled input: a folder of the val slices (links), no labels
    images = osp.join(work, 'images')
    os.makedirs(images)
    for name in names:
        os.symlink(
            osp.abspath(osp.join(val, 'images', name)), osp.join(images, name))
    gt = np.stack([read_png(osp.join(val, 'labels', n)) > 0 for n in names])
    from mmengine.config import Config
    has_det = 'det_head' in str(Config.fromfile(args.config).model)

    paths, seconds, counts, commands = {}, {}, {}, {}
    for tta in (False, True):
        tag = 'tta' if tta else 'plain'
        modes = ['cc'] + (['watershed'] if has_det else [])
        modes += ['cc_amp'] if args.amp else []
        for mode in modes:
            out = osp.join(work, f'infer_{tag}_{mode}')
            cmd = [
                'tools/infer.py', args.config, args.checkpoint, images,
                '--out', out, '--instances',
                mode.split('_')[0], '--format', 'tif'
            ] + (['--tta'] if tta else []) + (['--amp']
                                              if 'amp' in mode else [])
            key = f'infer_{tag}_{mode}'
            commands[key] = ' '.join(cmd)
            seconds[key] = run(cmd, osp.join(work, key + '.log'))
            with open(osp.join(out, 'summary.json')) as f:
                counts[key] = json.load(f)['instances']
            paths[key] = out
        # tools/test.py over the config's lucchi/val split
        out = osp.join(work, f'test_{tag}')
        cmd = [
            'tools/test.py', args.config, args.checkpoint, '--work-dir',
            out + '_wd', '--out', out
        ] + (['--tta'] if tta else []) + [
            '--cfg-options', 'test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False',
            f'test_dataloader.dataset.data_root={args.data_root}'
        ]
        if args.limit:
            cmd += [f'test_dataloader.dataset.indices={args.limit}']
        key = f'test_{tag}'
        commands[key] = ' '.join(cmd)
        seconds[key] = run(cmd, osp.join(work, key + '.log'))
        paths[key] = out

    import tifffile
    masks = {}
    for key, out in paths.items():
        if key.startswith('infer'):
            masks[key] = tifffile.imread(osp.join(out, 'mask.tif')) > 0
        else:
            masks[key] = np.stack(
                [read_png(osp.join(out, 'masks', n)) > 0 for n in names])
        assert masks[key].shape == gt.shape, (key, masks[key].shape)
    # test.py's own per-slice Dice (EMSegMetric), for the record
    metric_dice = {}
    for tag in ('plain', 'tta'):
        csvs = glob.glob(
            osp.join(work, f'test_{tag}_wd', '*', 'em_seg_per_slice.csv'))
        with open(csvs[0]) as f:
            metric_dice[tag] = {
                r['name']: float(r['dice'])
                for r in csv.DictReader(f)
            }

    keys = list(masks)
    rows = []
    for z, name in enumerate(names):
        row = dict(slice=name)
        for key in keys:
            row[f'dice_{key}'] = dice(masks[key][z], gt[z])
        for tag in ('plain', 'tta'):
            a, b = masks[f'infer_{tag}_cc'][z], masks[f'test_{tag}'][z]
            row[f'agree_{tag}'] = dice(a, b)
            row[f'differ_px_{tag}'] = int((a != b).sum())
            row[f'metric_dice_test_{tag}'] = metric_dice[tag][name]
            if args.amp:
                a = masks[f'infer_{tag}_cc_amp'][z]
                row[f'agree_amp_{tag}'] = dice(a, masks[f'infer_{tag}_cc'][z])
        rows.append(row)
    os.makedirs(osp.dirname(osp.abspath(args.results)), exist_ok=True)
    with open(args.results + '.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    def mean(col):
        return float(np.mean([r[col] for r in rows]))

    gt2, gt3 = count_instances(gt, 2), count_instances(gt, 3)
    lines = [
        '# `emda-infer` against `tools/test.py` on lucchi/val', '',
        f'Checkpoint `{args.checkpoint}` (config `{args.config}`), '
        f'{len(names)} val slices of {gt.shape[1]} x {gt.shape[2]}. '
        '`emda-infer` reads the val images as an unlabeled slice folder; '
        '`tools/test.py` the config\'s labeled split. Dice per slice '
        'against the labels (mean over slices), both paths scored by the '
        'same function; agreement = Dice between the two paths\' masks.', '',
        '| path | mean Dice | s |', '|---|---|---|'
    ]
    for key in keys:
        lines.append(f'| {key} | {mean("dice_" + key):.4f} | '
                     f'{seconds[key]:.0f} |')
    lines += [
        '', '| TTA | mean agreement (Dice infer vs test) | min agreement | '
        'slices identical | differing pixels (all slices) | '
        'max per-slice Dice difference |', '|---|---|---|---|---|---|'
    ]
    for tag in ('plain', 'tta'):
        same = sum(r[f'differ_px_{tag}'] == 0 for r in rows)
        gap = max(
            abs(r[f'dice_infer_{tag}_cc'] - r[f'dice_test_{tag}'])
            for r in rows)
        lines.append(
            f'| {tag} | {mean("agree_" + tag):.6f} | '
            f'{min(r["agree_" + tag] for r in rows):.6f} | '
            f'{same}/{len(rows)} | {sum(r["differ_px_" + tag] for r in rows)}'
            f' | {gap:.2e} |')
    if args.amp:
        lines += [
            '', '| TTA | emda-infer --amp against float32: mean agreement '
            '(Dice) | min agreement | mean Dice difference | speed-up |',
            '|---|---|---|---|---|'
        ]
        for tag in ('plain', 'tta'):
            fp32, amp = f'infer_{tag}_cc', f'infer_{tag}_cc_amp'
            gain = mean('dice_' + amp) - mean('dice_' + fp32)
            lines.append(
                f'| {tag} | {mean("agree_amp_" + tag):.6f} | '
                f'{min(r["agree_amp_" + tag] for r in rows):.6f} | '
                f'{gain:+.4f} | {seconds[fp32] / seconds[amp]:.2f}x |')
    lines += [
        '', f'test.py\'s own EMSegMetric per-slice Dice, mean: plain '
        f'{mean("metric_dice_test_plain"):.4f}, tta '
        f'{mean("metric_dice_test_tta"):.4f}.', '', '## Instances', '',
        '| | 3D components (pipeline) | 2D components summed over slices |',
        '|---|---|---|', f'| ground truth | {gt3} | {gt2} |'
    ]
    for key in keys:
        if key.startswith('infer'):
            lines.append(f'| {key} | {counts[key]} | '
                         f'{count_instances(masks[key], 2)} |')
    if not has_det:
        lines.append('')
        lines.append('The model has no center-detection head: '
                     '`--instances watershed` does not apply (cc only).')
    lines += ['', '## Commands', '', '```']
    lines += [f'OMP_NUM_THREADS=1 python {c}' for c in commands.values()]
    lines += ['```', '']
    with open(args.results + '.md', 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
