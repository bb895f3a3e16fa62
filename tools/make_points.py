"""Simulate sparse point annotations from dense masks.

One point per chosen instance, at its innermost pixel (distance-transform
maximum), on ``ceil(ratio * N)`` randomly chosen instances of each slice
(the protocol of the WDA line of papers). Example::

    python tools/make_points.py data/synthetic/target/train/labels \
        data/synthetic/target/train/points_15pct.json --ratio 0.15 --seed 20
"""
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('label_dir', help='folder of dense label slices')
    parser.add_argument('out_file', help='output JSON point file')
    parser.add_argument(
        '--ratio',
        type=float,
        default=0.15,
        help='fraction of instances per slice (0.15)')
    parser.add_argument('--seed', type=int, default=20)
    parser.add_argument(
        '--min-size',
        type=int,
        default=0,
        help='ignore instances smaller than this (pixels)')
    args = parser.parse_args(argv)
    # after parsing: --help answers before torch / mmseg are imported
    from emda.datasets.point_annotations import simulate_point_file
    points = simulate_point_file(args.label_dir, args.out_file, args.ratio,
                                 args.seed, args.min_size)
    for name, pts in points.items():
        print(f'{name}: {len(pts)} points')
    total = sum(len(p) for p in points.values())
    print(f'{total} points in {len(points)} slices -> {args.out_file}')


if __name__ == '__main__':
    main()
