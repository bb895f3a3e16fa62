"""Generate the embedded synthetic two-domain EM data set.

Example::

    python tools/make_synthetic.py --out data/synthetic --seed 0
"""
import argparse

from emda.datasets.synthetic import save_montage, write_synthetic_pair


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write synthetic source/target EM slices with dense '
        'mitochondria labels.')
    parser.add_argument(
        '--out', default='data/synthetic', help='output folder')
    parser.add_argument('--seed', type=int, default=0, help='root seed')
    parser.add_argument(
        '--size', type=int, default=256, help='slice side in pixels')
    parser.add_argument(
        '--n-train', type=int, default=16, help='training slices per domain')
    parser.add_argument(
        '--n-val', type=int, default=8, help='validation slices per domain')
    parser.add_argument(
        '--preset',
        default='realistic',
        choices=['realistic', 'hard'],
        help='target domain: realistic (imaging shift only, the default) '
        'or hard (adds distractors drawn like the source mitochondria)')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace a folder written with other arguments')
    parser.add_argument(
        '--montage',
        default=None,
        help='also save a PNG montage of validation slices here')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    manifest = write_synthetic_pair(
        args.out,
        seed=args.seed,
        size=args.size,
        n_train=args.n_train,
        n_val=args.n_val,
        domains=args.preset,
        overwrite=args.overwrite,
        progress=not args.no_progress)
    print(f'synthetic EM pair ({args.preset}) in {args.out} '
          f'(seed {manifest["seed"]}, '
          f'size {manifest["size"]}, {manifest["n_train"]} train + '
          f'{manifest["n_val"]} val slices per domain)')
    for domain, fractions in manifest['foreground_fraction'].items():
        text = ', '.join(f'{split} {value:.1%}'
                         for split, value in fractions.items())
        print(f'  {domain}: mitochondria {text}')
    if args.montage:
        save_montage(args.out, args.montage)
        print(f'montage saved to {args.montage}')


if __name__ == '__main__':
    main()
