"""Average the kept checkpoints of a finished run: ``emda-average-checkpoints
RUN_DIR [--from-iter N] [--to-iter M] [--last K] [--out PATH]``.

The post-hoc form of ``WeightAverageHook``: the uniform mean of the
``state_dict`` of the run's ``iter_*.pth`` (from iteration N to M, the last
K of them), written as a checkpoint that ``tools/test.py`` and ``emda-infer``
load. A mean-teacher run's checkpoints hold its teacher (``EMAHook`` saves
the averaged weights as ``state_dict``), so this averages the teachers, as
the hook does. No target data is read.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import List, Tuple

from mmengine.runner import CheckpointLoader
from mmengine.runner.checkpoint import save_checkpoint

from emda.engine.hooks.weight_average_hook import accumulate_average_
from emda.tools.select_checkpoint import run_checkpoints
from emda.utils.setup_env import allow_mmengine_checkpoints


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Average the weights of a run\'s kept checkpoints')
    parser.add_argument('run_dir', help='the run\'s work dir (iter_*.pth)')
    parser.add_argument(
        '--from-iter',
        type=int,
        default=0,
        help='average only the checkpoints from this iteration on')
    parser.add_argument(
        '--to-iter',
        type=int,
        help='average only the checkpoints up to this iteration (default: '
        'the last one)')
    parser.add_argument(
        '--last',
        type=int,
        help='average only the last K of those checkpoints (default: all)')
    parser.add_argument(
        '--out',
        help='the averaged checkpoint (default: '
        'RUN_DIR/weight_average_<first>-<last>.pth)')
    return parser.parse_args(argv)


def average_checkpoints(checkpoints: List[Tuple[int, str]]) -> dict:
    """Checkpoint dict (``meta.averaged_iters``, ``state_dict``) of the
    uniform average of ``checkpoints`` (``(iteration, path)`` pairs)."""
    if not checkpoints:
        raise ValueError('no checkpoint to average')
    allow_mmengine_checkpoints()
    average = OrderedDict()
    for count, (_, path) in enumerate(checkpoints):
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        try:
            accumulate_average_(average,
                                checkpoint.get('state_dict', checkpoint),
                                count)
        except ValueError as err:
            raise ValueError(f'{path}: {err} (not the same network as '
                             f'{checkpoints[0][1]})') from None
    return dict(
        meta=dict(averaged_iters=[it for it, _ in checkpoints]),
        state_dict=average)


def main(argv=None):
    args = parse_args(argv)
    checkpoints = run_checkpoints(args.run_dir, args.from_iter, args.to_iter)
    if args.last is not None:
        if args.last < 1:
            raise SystemExit(f'--last must be >= 1, got {args.last}')
        checkpoints = checkpoints[-args.last:]
    out = args.out or osp.join(
        args.run_dir,
        f'weight_average_{checkpoints[0][0]}-{checkpoints[-1][0]}.pth')
    save_checkpoint(average_checkpoints(checkpoints), out)
    iters = ', '.join(str(it) for it, _ in checkpoints)
    print(f'averaged {len(checkpoints)} checkpoints (iterations {iters}) '
          f'into {out}')


if __name__ == '__main__':
    main()
