"""What smoothing the probability along z adds on lucchi/val: each run's
label-free checkpoint through ``emda-infer --tta --amp --z-smooth SIGMA``
(the val images as an unlabeled slice folder), then the per-slice Dice of
the stored probability thresholded without and with each sigma.

    OMP_NUM_THREADS=1 python tools/benchmarks/z_smooth_gain.py CONFIG
        --work-root WORK_ROOT [--seeds 0 1 2] [--checkpoint FILE]
        [--sigmas 1 2] [--pipeline-sigma 1] [--tta flip|dihedral]
        [--no-amp] [--jobs 2] [--out DIR]

The pipeline's own mask (``--pipeline-sigma``) is checked against the same
sigma applied here to its stored probability, so the table is what the
command gives; a finished ``emda-infer`` output is reused
(``--resume``). Writes ``z_smooth_gain.csv`` (one row per run) and
``z_smooth_gain.md`` (mean +- sample std per sigma) and
``z_smooth_gain.png`` (Dice against sigma, one line per run).
"""
import argparse
import csv
import importlib.util
import json
import os
import os.path as osp
import statistics
from concurrent.futures import ThreadPoolExecutor

import numpy as np

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))


def _script(name):
    """Another benchmark script as a module (its shared helpers)."""
    path = osp.join(REPO, 'tools', 'benchmarks', name + '.py')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config')
    p.add_argument('--work-root', required=True)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument(
        '--checkpoint',
        help='RUN_DIR/CHECKPOINT instead of the final checkpoint')
    p.add_argument('--sigmas', type=float, nargs='+', default=[1., 2.])
    p.add_argument('--pipeline-sigma', type=float, default=1.)
    p.add_argument(
        '--tta',
        choices=['flip', 'dihedral'],
        default='flip',
        help="emda-infer's test-time augmentation")
    p.add_argument(
        '--no-amp',
        action='store_true',
        help='infer in fp32 (bf16 is emulated, and slow, on a CPU without '
        'AVX512-BF16)')
    p.add_argument('--data-root', default=osp.join(REPO, '../shared/data'))
    p.add_argument('--jobs', type=int, default=1)
    p.add_argument('--out', default=osp.join(REPO, 'results', 'z_smooth_gain'))
    return p.parse_args(argv)


def link_images(src: str, dst: str) -> str:
    """``dst``, a folder of links to the images of ``src``: the split read
    as unlabeled slices, as a user's volume would be."""
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        link = osp.join(dst, name)
        if not osp.lexists(link):
            os.symlink(osp.abspath(osp.join(src, name)), link)
    return dst


def infer_run(args, seed, images, out, helpers):
    """One run's label-free checkpoint through emda-infer on the slice
    folder ``images`` into ``out``; returns the stored probability (float32
    Z x Y x X), the pipeline's mask, the checkpoint and its seconds."""
    import zarr
    infer_vs_test, tta_gain = helpers
    stem = osp.splitext(osp.basename(args.config))[0]
    run_dir = osp.join(args.work_root, stem, f'seed{seed}')
    checkpoint = tta_gain.chosen_checkpoint(run_dir, args.checkpoint)
    if checkpoint is None:
        raise SystemExit(f'{run_dir}: no checkpoint {args.checkpoint}')
    cmd = [
        'tools/infer.py', args.config, checkpoint, images, '--out', out,
        '--format', 'zarr', '--prob-dtype', 'float16', '--tta', args.tta,
        '--z-smooth',
        str(args.pipeline_sigma), '--no-progress', '--resume'
    ] + ([] if args.no_amp else ['--amp'])
    infer_vs_test.run(cmd, out + '.log')
    with open(osp.join(out, 'summary.json')) as f:
        seconds = json.load(f)['seconds']  # the inference's own, if reused
    root = zarr.open_group(osp.join(out, 'predictions.ome.zarr'), mode='r')
    prob = np.asarray(root['0'][:], dtype=np.float32)
    mask = np.asarray(root['labels/mask/0'][:]).astype(bool)
    return prob, mask, checkpoint, seconds


def score_run(args, seed, images, gt, helpers):
    """One run: emda-infer, then per-slice Dice per sigma."""
    from emda.apis.z_smoothing import z_smooth
    prob, mask, checkpoint, seconds = infer_run(
        args, seed, images, osp.join(args.out, 'infer', f'seed{seed}'),
        helpers)
    row = dict(seed=seed, checkpoint=checkpoint, infer_s=round(seconds, 1))
    for sigma in [0.] + list(args.sigmas):
        pred = z_smooth(prob, sigma) >= 0.5
        row[f'dice_z{sigma:g}'] = float(
            np.mean([helpers[0].dice(p, g) for p, g in zip(pred, gt)]))
        if sigma == args.pipeline_sigma:
            row['pipeline_mask_differs'] = int((pred != mask).sum())
    return row


def plot(rows, sigmas, path):
    """Dice against sigma, one line per run (sigma 0: no smoothing)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    xs = [0.] + list(sigmas)
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for row in rows:
        ax.plot(
            xs, [row[f'dice_z{x:g}'] for x in xs],
            marker='o',
            label=f'seed {row["seed"]}')
    ax.set_xlabel('z Gaussian sigma (slices)')
    ax.set_ylabel('per-slice Dice, lucchi/val')
    ax.set_xticks(xs)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    args.config = osp.abspath(args.config)
    args.work_root = osp.abspath(args.work_root)
    args.out = osp.abspath(args.out)
    helpers = (_script('infer_vs_test_lucchi'), _script('tta_gain'))
    val = osp.join(args.data_root, 'lucchi', 'val')
    names = sorted(os.listdir(osp.join(val, 'images')))
    images = link_images(osp.join(val, 'images'), osp.join(args.out, 'images'))
    gt = np.stack(
        [helpers[0].read_png(osp.join(val, 'labels', n)) > 0 for n in names])
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(
            pool.map(lambda s: score_run(args, s, images, gt, helpers),
                     args.seeds))
    keys = list(rows[0])
    with open(osp.join(args.out, 'z_smooth_gain.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, keys)
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        '# Smoothing the probability along z (lucchi/val, per-slice Dice)', '',
        f'Config `{osp.relpath(args.config, REPO)}`, checkpoint '
        f'`{args.checkpoint or "final"}`, seeds {args.seeds}; '
        f'`emda-infer --tta {args.tta}{"" if args.no_amp else " --amp"} '
        '--format zarr --prob-dtype float16 '
        f'--z-smooth {args.pipeline_sigma:g}`.', '',
        '| sigma (slices) | per seed | Dice | gain over no smoothing |',
        '|---|---|---|---|'
    ]
    base = [r['dice_z0'] for r in rows]
    for sigma in [0.] + list(args.sigmas):
        vals = [r[f'dice_z{sigma:g}'] for r in rows]
        spread = statistics.stdev(vals) if len(vals) > 1 else 0.
        gains = [v - b for v, b in zip(vals, base)]
        lines.append(f'| {sigma:g} | ' + ' / '.join(f'{v:.4f}' for v in vals) +
                     f' | {statistics.mean(vals):.3f} ± {spread:.3f} | ' +
                     ' / '.join(f'{g:+.4f}' for g in gains) + ' |')
    differs = [r.get('pipeline_mask_differs') for r in rows]
    lines += [
        '', f'Pipeline mask against sigma {args.pipeline_sigma:g} applied '
        f'here to its stored probability: {differs} differing voxels.', ''
    ]
    plot(rows, args.sigmas, osp.join(args.out, 'z_smooth_gain.png'))
    with open(osp.join(args.out, 'z_smooth_gain.md'), 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
