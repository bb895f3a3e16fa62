"""Where the trained models of finished runs go wrong on lucchi/val:
precision and recall, and which share of the errors lies at the object
boundaries (within NEAR px) or in predicted objects that touch no
mitochondrion. Analysis against labels (the reported split); it selects and
tunes nothing. Prints a markdown table, writes OUT.md and OUT.csv::

    python tools/benchmarks/error_breakdown.py RUN_DIR [RUN_DIR ...] \
        --checkpoint iter_4000.pth --amp --out results/error_breakdown
"""
import argparse
import glob
import os
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+', help='run folders (config + ckpt)')
    p.add_argument('--checkpoint', default='iter_4000.pth')
    p.add_argument('--data-root', default=osp.join(REPO, '../shared/data'))
    p.add_argument('--near', type=float, default=4., help='boundary band px')
    p.add_argument('--limit', type=int, default=None, help='first N slices')
    p.add_argument('--amp', action='store_true', help='bf16 inference')
    p.add_argument('--out', default=None, help='report path without suffix')
    return p.parse_args(argv)


def run_config(run_dir: str) -> str:
    configs = sorted(glob.glob(osp.join(run_dir, '*.py')))
    if len(configs) != 1:
        raise SystemExit(f'expected one config in {run_dir}, found '
                         f'{len(configs)}')
    return configs[0]


def breakdown(run_dir, checkpoint, pairs, near, amp):
    import cv2
    from tqdm import tqdm

    from emda.apis import init_model, predict_slice
    from emda.evaluation.functional import (ERROR_COUNTS, error_counts,
                                            error_summary)
    model = init_model(
        run_config(run_dir), osp.join(run_dir, checkpoint), amp=amp)
    total = dict.fromkeys(ERROR_COUNTS, 0)
    for image_path, label_path in tqdm(pairs, desc=osp.basename(run_dir)):
        image = cv2.imread(image_path, cv2.IMREAD_UNCHANGED)
        label = cv2.imread(label_path, cv2.IMREAD_UNCHANGED) > 0
        pred = predict_slice(model, image)['prob_fg'] > 0.5
        for key, value in error_counts(pred, label, near).items():
            total[key] += value
    return error_summary(total)


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, REPO)
    from emda.apis import InferenceInputError
    from emda.benchmarking.report import (markdown_table,
                                          write_benchmark_report)
    val = osp.join(args.data_root, 'lucchi', 'val')
    images = sorted(glob.glob(osp.join(val, 'images', '*.png')))[:args.limit]
    if not images:
        raise SystemExit(f'no lucchi/val images under {args.data_root}')
    pairs = [(p, osp.join(val, 'labels', osp.basename(p))) for p in images]
    rows = []
    for run_dir in args.runs:
        try:
            summary = breakdown(run_dir, args.checkpoint, pairs, args.near,
                                args.amp)
        except InferenceInputError as e:
            raise SystemExit(str(e))
        rows.append(
            dict(run=run_dir, **{
                k: f'{v:.3f}'
                for k, v in summary.items()
            }))
    if args.out:
        header = (f'# Error breakdown on lucchi/val ({len(pairs)} slices, '
                  f'{args.checkpoint}, boundary band {args.near:g} px'
                  f"{', bf16' if args.amp else ''})\n\n"
                  '`fp_near_share`: false positives within the band of a '
                  'mitochondrion; `fp_false_object_share`: in predicted '
                  'objects touching none; `fn_near_share`: false negatives '
                  'within the band of the background. Analysis only.\n')
        write_benchmark_report(rows, args.out, header)
    else:
        print(markdown_table(rows), end='')


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '1')
    main()
