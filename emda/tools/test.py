"""Evaluate a checkpoint on a config's test split: ``emda-test CONFIG CKPT
[--out DIR] [--tta [dihedral]] [--tile H W --overlap N]``; per-slice scores
go to the work_dir, masks and overlays to ``--out``. Predictions go through
``emda.apis`` (the layer ``emda-infer`` uses): without ``--tta`` / ``--tile``
each slice is predicted whole, as mmseg does."""
import argparse
import os.path as osp

from emda.tools.tool_output import (add_cfg_options_flag, add_verbose_flag,
                                    print_outputs)
from emda.tools.train import add_channels_last_hook, load_config, prepare_data


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an emda model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where the scores are written')
    parser.add_argument(
        '--out', help='write predicted masks (PNG) and overlays here')
    parser.add_argument(
        '--tta',
        nargs='?',
        const='flip',
        choices=['flip', 'dihedral'],
        help='average the 4 flips (--tta) or the 8 symmetries of the square '
        '(--tta dihedral) of each slice')
    parser.add_argument(
        '--tile',
        nargs=2,
        type=int,
        metavar=('H', 'W'),
        help='predict slices in Gaussian-blended tiles of at most H x W '
        'working-scale pixels (default: each slice whole)')
    parser.add_argument(
        '--overlap',
        type=int,
        help='least overlap of neighbouring tiles, working-scale pixels '
        '(default 64)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='test under autocast, as tools/train.py --amp validates '
        '(bfloat16 and channels_last weights on CPU, float16 on a GPU)')
    add_cfg_options_flag(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none')
    add_verbose_flag(parser)
    return parser.parse_args(argv)


def apply_predict_options(cfg, tta=None, tile=None, overlap=None) -> None:
    """Write ``--tta`` / ``--tile`` / ``--overlap`` into the segmentor's
    ``test_cfg``, where ``BaseDAModel.predict`` reads them
    (``emda.apis.eval_options``)."""
    if tta is None and tile is None and overlap is None:
        return
    if overlap is not None and tile is None:
        raise SystemExit('--overlap needs --tile H W')
    segmentor = cfg.model.get('segmentor')
    if segmentor is None:
        raise SystemExit('--tta/--tile need a method config with '
                         'model.segmentor (an emda BaseDAModel)')
    test_cfg = dict(segmentor.get('test_cfg') or dict(mode='whole'))
    if test_cfg.get('mode', 'whole') == 'slide':
        raise SystemExit("--tta/--tile replace mmseg's mode='slide'; "
                         "set model.segmentor.test_cfg.mode='whole'")
    if tta is not None:
        test_cfg['tta'] = tta
    if tile is not None:
        test_cfg['tile'] = [int(t) for t in tile]
    if overlap is not None:
        test_cfg['overlap'] = int(overlap)
    segmentor['test_cfg'] = test_cfg


def apply_amp(cfg) -> None:
    """``--amp``: MMEngine's ``TestLoop(fp16=True)`` autocast (bfloat16 on
    CPU) and, on CPU, channels_last weights: the inference a run trained
    with ``tools/train.py --amp`` validated with."""
    from mmengine.device import get_device
    cfg.test_cfg = dict(cfg.get('test_cfg') or dict(type='TestLoop'))
    cfg.test_cfg['fp16'] = True
    if get_device() == 'cpu':
        from emda.utils.bf16_support import warn_if_emulated_bf16
        warn_if_emulated_bf16('tools/test.py --amp')
        add_channels_last_hook(cfg)


def main(argv=None):
    args = parse_args(argv)  # before the slow imports: --help is instant
    from emda.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    cfg.log_dumps_to_console = args.verbose
    apply_predict_options(cfg, args.tta, args.tile, args.overlap)
    if args.amp:
        apply_amp(cfg)
    if args.out:
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type='SavePredictionsHook', out_dir=args.out)
        ]
    prepare_data(cfg)
    from emda.engine.em_runner import EMRunner
    runner = EMRunner.from_cfg(cfg)
    metrics = runner.test()
    print_outputs(runner,
                  [('predictions', osp.abspath(args.out))] if args.out else [])
    return metrics


if __name__ == '__main__':
    main()
