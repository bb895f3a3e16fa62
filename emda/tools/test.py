"""Evaluate a checkpoint on a config's test split: ``emda-test CONFIG CKPT
[--out DIR]``; per-slice scores go to the work_dir, masks and overlays to
``--out``."""
import argparse
import os.path as osp

from mmengine.config import DictAction

from emda.tools.tool_output import add_verbose_flag, print_outputs
from emda.tools.train import load_config, prepare_data


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an emda model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where the scores are written')
    parser.add_argument(
        '--out', help='write predicted masks (PNG) and overlays here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none')
    add_verbose_flag(parser)
    return parser.parse_args(argv)


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
