"""A label-free z sigma from isotropy, and what it would give.

A 2D network predicts each section alone, so its probability changes more
from section to section than within a section, while on a volume of
isotropic voxels the true masks change about as much either way. The rule,
``emda.apis.z_smoothing.isotropy_sigma`` (what ``emda-infer --z-smooth
auto`` runs), smooths along z until the mean squared change across one
section is no more than over the same distance in the plane (protocol:
``results/z_sigma_isotropy/protocol.md``).
Only the probability and the voxel size are read; the labels are read
afterwards, only to score every sigma for the report.

    python tools/benchmarks/z_sigma_isotropy.py INFER_DIR [INFER_DIR ...]
        [--voxel-size 5 5 5] [--labels ../shared/data/lucchi/val/labels]
        [--out DIR]

INFER_DIR: a finished ``emda-infer --format zarr`` output
(``tools/benchmarks/z_smooth_gain.py`` leaves one per seed under
``OUT/infer/seedK``). Writes ``z_sigma_isotropy.csv`` and
``z_sigma_isotropy.md``.
"""
import argparse
import csv
import os
import os.path as osp
import statistics
import sys

import numpy as np

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('infer_dirs', nargs='+')
    p.add_argument(
        '--sigmas',
        type=float,
        nargs='+',
        default=None,
        help='default: the grid of emda.apis.z_smoothing.isotropy_sigma')
    p.add_argument(
        '--voxel-size',
        type=float,
        nargs=3,
        default=[5., 5., 5.],
        metavar=('Z', 'Y', 'X'),
        help='nm (Lucchi: 5 5 5)')
    p.add_argument(
        '--labels',
        default=osp.join(REPO, '../shared/data/lucchi/val/labels'),
        help='only to score the choice afterwards')
    p.add_argument('--out', required=True)
    return p.parse_args(argv)


def main(argv=None):
    import zarr
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    from infer_vs_test_lucchi import read_png
    from z_sigma_loo import dice_per_sigma

    from emda.apis.z_smoothing import (ISOTROPY_GRID, in_plane_lag,
                                       isotropy_sigma)
    args = parse_args(argv)
    lag = in_plane_lag(args.voxel_size)
    names = sorted(os.listdir(args.labels))
    labels = np.stack([read_png(osp.join(args.labels, n)) > 0 for n in names])
    sigmas = sorted(set(args.sigmas or ISOTROPY_GRID))
    rows = []
    for infer_dir in args.infer_dirs:
        root = zarr.open_group(
            osp.join(infer_dir, 'predictions.ome.zarr'), mode='r')
        prob = np.asarray(root['0'][:], dtype=np.float32)
        chosen, ratios = isotropy_sigma(prob, args.voxel_size,
                                        sigmas)  # no labels
        dice = dice_per_sigma(prob, labels, [s for s in sigmas if s > 0])
        row = dict(run=osp.relpath(infer_dir, REPO), chosen_sigma=chosen)
        row.update({f'ratio_z{s:g}': r for s, r in ratios.items()})
        row.update({f'dice_z{s:g}': d for s, d in dice.items()})
        row['dice_chosen'] = dice[chosen]
        rows.append(row)
        print(row, flush=True)
    os.makedirs(args.out, exist_ok=True)
    with open(
            osp.join(args.out, 'z_sigma_isotropy.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    grid = ' / '.join(f'{s:g}' for s in sigmas)
    lines = [
        '# Label-free z sigma from isotropy', '',
        f'Voxel size {args.voxel_size} nm (in-plane lag {lag}); grid '
        f'{grid}.', '',
        '| run | chosen sigma | R per sigma | Dice at the choice | '
        'Dice at 1 | Dice per sigma |', '|---|---|---|---|---|---|'
    ]
    for r in rows:
        lines.append(f'| {r["run"]} | {r["chosen_sigma"]:g} | ' +
                     ' / '.join(f'{r[f"ratio_z{s:g}"]:.2f}' for s in sigmas) +
                     f' | {r["dice_chosen"]:.4f} | ' +
                     (f'{r["dice_z1"]:.4f}' if 'dice_z1' in r else '-') +
                     ' | ' + ' / '.join(f'{r[f"dice_z{s:g}"]:.4f}'
                                        for s in sigmas) + ' |')
    chosen = [r['dice_chosen'] for r in rows]
    spread = statistics.stdev(chosen) if len(chosen) > 1 else 0.
    lines += [
        '', f'Dice at the chosen sigma: {statistics.mean(chosen):.3f} ± '
        f'{spread:.3f} over {len(chosen)} prediction(s).', ''
    ]
    with open(osp.join(args.out, 'z_sigma_isotropy.md'), 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
