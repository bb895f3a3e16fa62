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
import os.path as osp
import sys

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import z_sigma_loo  # noqa: E402


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
    z_sigma_loo.add_scoring_args(p)
    return p.parse_args(argv)


def main(argv=None):
    from emda.apis.z_smoothing import (ISOTROPY_GRID, in_plane_lag,
                                       isotropy_sigma)
    args = parse_args(argv)
    lag = in_plane_lag(args.voxel_size)
    sigmas = sorted(set(args.sigmas or ISOTROPY_GRID))
    rows = z_sigma_loo.score_rule(
        args.infer_dirs, z_sigma_loo.read_labels(args.labels),
        lambda prob: isotropy_sigma(prob, args.voxel_size, sigmas), sigmas,
        'ratio')
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
    z_sigma_loo.write_report(args.out, 'z_sigma_isotropy', rows, lines)


if __name__ == '__main__':
    main()
