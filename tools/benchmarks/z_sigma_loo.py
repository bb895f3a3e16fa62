"""A label-free choice of the z-smoothing sigma, and what it would give.

Leave-one-slice-out: for each sigma of a fixed grid, every slice's
probability is predicted from its neighbours alone (the Gaussian of sigma
slices with its centre weight removed) and compared with the network's own
prediction there; the sigma with the smallest mean squared error is the
classic cross-validated bandwidth. It reads only the predicted probability
of the volume being segmented, never labels, so a user could run it on
their own volume. Only afterwards, and only for this report, the chosen
sigma and every other is scored on the labels.

    python tools/benchmarks/z_sigma_loo.py INFER_DIR [INFER_DIR ...]
        [--sigmas 0.5 1 1.5 2 3 4] [--labels ../shared/data/lucchi/val/labels]
        [--out DIR]

INFER_DIR: a finished ``emda-infer --format zarr --prob-dtype float16``
output (``tools/benchmarks/z_smooth_gain.py`` leaves one per seed under
``OUT/infer/seedK``). Writes ``z_sigma_loo.csv`` and ``z_sigma_loo.md``.
"""
import argparse
import csv
import os
import os.path as osp
import statistics

import numpy as np

REPO = osp.abspath(osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))
GRID = (0.5, 1., 1.5, 2., 3., 4.)


def loo_errors(prob: np.ndarray, sigmas) -> dict:
    """Mean squared leave-one-slice-out error of ``prob`` (Z x Y x X) per
    sigma, over the slices that every sigma's Gaussian reaches in full (the
    end slices, where the volume is extended, are left out for all)."""
    from scipy.ndimage import gaussian_filter1d

    from emda.apis.z_smoothing import TRUNCATE, z_radius
    prob = np.asarray(prob, dtype=np.float32)
    margin = max(z_radius(s) for s in sigmas)
    if prob.shape[0] <= 2 * margin:
        raise ValueError(f'{prob.shape[0]} slices are too few for sigma '
                         f'{max(sigmas)} (needs more than {2 * margin})')
    inner = slice(margin, prob.shape[0] - margin)
    errors = {}
    for sigma in sigmas:
        radius = z_radius(sigma)
        offsets = np.arange(-radius, radius + 1)
        centre = 1. / np.exp(-0.5 * (offsets / sigma)**2).sum()
        smooth = gaussian_filter1d(
            prob, sigma, axis=0, mode='nearest', truncate=TRUNCATE)
        loo = (smooth[inner] - centre * prob[inner]) / (1. - centre)
        errors[float(sigma)] = float(np.mean((loo - prob[inner])**2))
    return errors


def choose_sigma(errors: dict) -> float:
    """The sigma of the smallest leave-one-out error."""
    return min(errors, key=errors.get)


def dice_per_sigma(prob, labels, sigmas) -> dict:
    """Per-slice Dice of ``prob`` smoothed by each sigma (0: none)."""
    from infer_vs_test_lucchi import dice

    from emda.apis.z_smoothing import z_smooth
    scores = {}
    for sigma in (0., ) + tuple(sigmas):
        pred = z_smooth(prob, sigma) >= 0.5
        scores[float(sigma)] = float(
            np.mean([dice(p, g) for p, g in zip(pred, labels)]))
    return scores


def add_scoring_args(p: argparse.ArgumentParser) -> None:
    """``--labels`` (read only to score, afterwards) and ``--out``."""
    p.add_argument(
        '--labels',
        default=osp.join(REPO, '../shared/data/lucchi/val/labels'),
        help='only to score the choice afterwards')
    p.add_argument('--out', required=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('infer_dirs', nargs='+')
    p.add_argument('--sigmas', type=float, nargs='+', default=list(GRID))
    add_scoring_args(p)
    return p.parse_args(argv)


def read_labels(folder: str) -> np.ndarray:
    """The label PNGs of ``folder`` (sorted by name) as a boolean stack."""
    from infer_vs_test_lucchi import read_png
    names = sorted(os.listdir(folder))
    return np.stack([read_png(osp.join(folder, n)) > 0 for n in names])


def score_rule(infer_dirs, labels, rule, sigmas, key: str) -> list:
    """One row per ``emda-infer --format zarr`` output: ``rule(prob)`` ->
    ``(chosen sigma, {sigma: value})`` reads the probability alone; then
    the labelled Dice of every sigma (0 first) and of the choice."""
    import zarr
    rows = []
    for infer_dir in infer_dirs:
        root = zarr.open_group(
            osp.join(infer_dir, 'predictions.ome.zarr'), mode='r')
        prob = np.asarray(root['0'][:], dtype=np.float32)
        chosen, values = rule(prob)  # no labels
        dice = dice_per_sigma(prob, labels, [s for s in sigmas if s > 0])
        row = dict(run=osp.relpath(infer_dir, REPO), chosen_sigma=chosen)
        row.update({f'{key}_z{s:g}': v for s, v in values.items()})
        row.update({f'dice_z{s:g}': d for s, d in dice.items()})
        row['dice_chosen'] = dice[chosen]
        rows.append(row)
        print(row, flush=True)
    return rows


def write_report(out: str, stem: str, rows: list, lines: list) -> None:
    """``OUT/STEM.csv`` (the rows) and ``OUT/STEM.md`` (``lines``, then the
    mean Dice at the chosen sigmas), printed too."""
    os.makedirs(out, exist_ok=True)
    with open(osp.join(out, stem + '.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    chosen = [r['dice_chosen'] for r in rows]
    spread = statistics.stdev(chosen) if len(chosen) > 1 else 0.
    lines = list(lines) + [
        '', f'Dice at the chosen sigma: {statistics.mean(chosen):.3f} ± '
        f'{spread:.3f} over {len(chosen)} prediction(s).', ''
    ]
    with open(osp.join(out, stem + '.md'), 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


def main(argv=None):
    args = parse_args(argv)

    def rule(prob):
        errors = loo_errors(prob, args.sigmas)
        return choose_sigma(errors), errors

    rows = score_rule(args.infer_dirs, read_labels(args.labels), rule,
                      args.sigmas, 'loo_mse')
    lines = [
        '# Label-free z sigma: leave-one-slice-out error of the prediction',
        '', f'Runs: {", ".join(r["run"] for r in rows)}; grid '
        f'{args.sigmas}.', '',
        '| run | chosen sigma | leave-one-out MSE per sigma | '
        'Dice at the chosen sigma | Dice per sigma (0 first) |',
        '|---|---|---|---|---|'
    ]
    for r in rows:
        lines.append(f'| {r["run"]} | {r["chosen_sigma"]:g} | ' +
                     ' / '.join(f'{r[f"loo_mse_z{s:g}"]:.5f}'
                                for s in args.sigmas) +
                     f' | {r["dice_chosen"]:.4f} | ' +
                     ' / '.join(f'{r[f"dice_z{s:g}"]:.4f}'
                                for s in (0., *args.sigmas)) + ' |')
    write_report(args.out, 'z_sigma_loo', rows, lines)


if __name__ == '__main__':
    main()
