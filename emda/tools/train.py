"""Train any emda method from its config: ``emda-train CONFIG``."""
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train an emda method')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        default=None,
        help='resume from CHECKPOINT, or the latest one in work_dir when '
        'given without a value')
    parser.add_argument('--amp', action='store_true', help='mixed precision')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config keys, e.g. train_cfg.max_iters=100')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    return parser.parse_args(argv)


def build_config(args) -> Config:
    """The config with CLI overrides, work_dir and resume applied."""
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        wrapper = cfg.optim_wrapper
        children = [wrapper] if 'optimizer' in wrapper else [
            v for v in wrapper.values() if isinstance(v, dict)
        ]
        for child in children:
            child.type = 'AmpOptimWrapper'
            child.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def prepare_data(cfg: Config) -> None:
    """Write the embedded synthetic data (and its simulated points) on
    first use."""
    if cfg.get('synthetic_data'):
        from emda.datasets.synthetic import ensure_synthetic_data
        ensure_synthetic_data(**cfg.synthetic_data)
    for spec in cfg.get('simulated_points', []):
        if not osp.isfile(spec['out_file']):
            from emda.datasets.point_annotations import simulate_point_file
            simulate_point_file(**spec)


def main(argv=None):
    from emda.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    args = parse_args(argv)
    cfg = build_config(args)
    prepare_data(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


if __name__ == '__main__':
    sys.exit(main() and 0)
