"""Segment your own EM volume: ``emda-infer CONFIG CHECKPOINT INPUT --out
OUT [--tta] [--instances cc|watershed] [--tile H W --overlap N]
[--scheduler local:N|tcp://HOST:PORT] [--resume] [--overwrite]
[--z-range A B] [--voxel-size Z Y X]``.

Heavy modules (torch, mmseg, dask) are imported after argument parsing so
``--help`` answers at once; bad input is one line on stderr and exit 2.
"""
import argparse
import sys


def z_sigma(text: str):
    """``--z-smooth``: ``'auto'`` or a sigma in slices >= 0."""
    if text == 'auto':
        return text
    try:
        value = float(text)
    except ValueError:
        value = -1.
    if not value >= 0:
        raise argparse.ArgumentTypeError(
            f"expected a sigma >= 0 (slices) or 'auto', got {text!r}")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='emda-infer',
        description='Segment mitochondria in an EM volume with a trained '
        'emda model: mask, probability, instances and an overlay montage. '
        'No labels or dataset config needed.')
    parser.add_argument(
        'config', help='config the checkpoint was trained '
        'with')
    parser.add_argument('checkpoint', help='checkpoint (.pth)')
    parser.add_argument(
        'input',
        help='folder of PNG/TIFF slices, TIFF stack, file.h5:/key or '
        'volume.zarr/0')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--format',
        choices=['tif', 'zarr', 'png'],
        default='tif',
        help='tif: mask/prob/instances.tif (Fiji, napari); zarr: '
        'predictions.ome.zarr (chunked, napari); png: slice folders')
    parser.add_argument(
        '--tta',
        nargs='?',
        const='flip',
        choices=['flip', 'dihedral'],
        help='test-time augmentation: 4 flips (default with --tta) or the '
        '8 dihedral transforms')
    parser.add_argument(
        '--instances',
        choices=['cc', 'watershed'],
        default='cc',
        help='connected components, or a watershed from the detection '
        "head's peaks (multitask models) that splits touching mitochondria")
    parser.add_argument(
        '--instance-dim',
        type=int,
        choices=[2, 3],
        default=3,
        help='connected components per slice (2) or across slices (3)')
    parser.add_argument(
        '--min-size',
        type=int,
        default=0,
        help='drop smaller instances '
        '(voxels)')
    parser.add_argument(
        '--tile',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='largest tile at the working scale (default: config '
        'infer_cfg or 1024 1024)')
    parser.add_argument(
        '--overlap', type=int, help='least tile overlap, working-scale px')
    parser.add_argument(
        '--block',
        type=int,
        nargs=3,
        metavar=('Z', 'Y', 'X'),
        help='block size (default: the input chunks, or whole slices)')
    parser.add_argument(
        '--scheduler',
        help='run blocks on dask: local:N (N worker processes) or '
        'tcp://HOST:PORT (a running cluster); default: this process')
    parser.add_argument(
        '--resume', action='store_true', help='continue an interrupted run')
    parser.add_argument(
        '--overwrite', action='store_true', help='replace an existing --out')
    parser.add_argument(
        '--z-range',
        type=int,
        nargs=2,
        metavar=('A', 'B'),
        help='slices A..B-1 only')
    parser.add_argument(
        '--voxel-size',
        type=float,
        nargs=3,
        metavar=('Z', 'Y', 'X'),
        help='voxel size (default: from the input metadata)')
    parser.add_argument('--unit', default='nm', help='unit of --voxel-size')
    parser.add_argument(
        '--prob-dtype', choices=['uint8', 'float16'], default='uint8')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: bfloat16 on CPU (about 2x faster with '
        'AVX512-BF16, probabilities within about 0.01), float16 on CUDA')
    parser.add_argument(
        '--z-smooth',
        type=z_sigma,
        default=0.,
        metavar='SIGMA|auto',
        help='smooth the probability along z by a Gaussian of SIGMA slices '
        "before thresholding (0: off); 'auto' chooses SIGMA from the "
        'prediction and the voxel size alone, no labels: the smallest '
        'that makes it change no more across a section than over the same '
        'distance in the plane (docs/user_guides/inference.md)')
    parser.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from emda.apis import InferenceInputError, segment_volume
    from emda.apis.segment import format_summary
    try:
        summary = segment_volume(
            args.config,
            args.checkpoint,
            args.input,
            args.out,
            fmt=args.format,
            tta=args.tta or False,
            instances=args.instances,
            instance_dim=args.instance_dim,
            min_size=args.min_size,
            tile=args.tile,
            overlap=args.overlap,
            block=args.block,
            scheduler=args.scheduler,
            resume=args.resume,
            overwrite=args.overwrite,
            z_range=args.z_range,
            voxel_size=args.voxel_size,
            unit=args.unit,
            prob_dtype=args.prob_dtype,
            device=args.device,
            amp=args.amp,
            z_smooth=args.z_smooth,
            progress=not args.no_progress)
    except InferenceInputError as e:
        print(f'emda-infer: error: {e}', file=sys.stderr)
        sys.exit(2)
    print(format_summary(summary))
    return summary


if __name__ == '__main__':
    main()
