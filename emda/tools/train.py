"""Train any emda method from its config: ``emda-train CONFIG``."""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config

from emda.tools.tool_output import (add_cfg_options_flag, add_verbose_flag,
                                    print_outputs)


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
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: float16 on a GPU; bfloat16 + channels_last on '
        'CPU, faster only with AVX512-BF16 or AMX (elsewhere it is emulated '
        'and slower, and a warning says so)')
    add_cfg_options_flag(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    add_verbose_flag(parser)
    return parser.parse_args(argv)


def load_config(path: str,
                cfg_options=None,
                work_dir=None,
                launcher: str = 'none') -> Config:
    """Read a config, apply ``--cfg-options`` and set ``work_dir`` (CLI,
    then config, then ``work_dirs/<config stem>``); shared by the tools."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'config not found: {path}')
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    from emda.utils.distributed import prepare_launch
    prepare_launch(cfg)  # DDP: process group and per-device model wrapper
    return cfg


def build_config(args) -> Config:
    """The config with CLI overrides, work_dir, AMP and resume applied."""
    cfg = load_config(args.config, args.cfg_options, args.work_dir,
                      args.launcher)
    if args.amp:
        # accelerators: float16 with loss scaling (AmpOptimWrapper); CPU:
        # bfloat16 autocast (no loss scaling needed) and channels_last
        # weights, oneDNN's fast layout (tools/benchmarks/bf16_throughput.py)
        from mmengine.device import get_device
        on_cpu = get_device() == 'cpu'
        wrapper = cfg.optim_wrapper
        children = [wrapper] if 'optimizer' in wrapper else [
            v for v in wrapper.values() if isinstance(v, dict)
        ]
        for child in children:
            if on_cpu:
                child.type = 'BF16OptimWrapper'
            else:
                child.type = 'AmpOptimWrapper'
                child.setdefault('loss_scale', 'dynamic')
        if on_cpu:
            from emda.utils.bf16_support import warn_if_emulated_bf16
            warn_if_emulated_bf16('tools/train.py --amp')
            add_channels_last_hook(cfg)
        hooks = list(cfg.get('custom_hooks', []))
        # inference in the run too: validation (MMEngine's ValLoop autocast)
        # and pseudo-labelling (tools/benchmarks/bf16_inference.py: about
        # 1.9x on CPU, pseudo-labels within 0.2 % of pixels of float32)
        for hook in hooks:
            if hook['type'] == 'SelfTrainingRoundHook':
                hook.setdefault('autocast', True)
        cfg.custom_hooks = hooks
        if cfg.get('val_cfg') and cfg.val_cfg.get('type') == 'ValLoop':
            cfg.val_cfg.setdefault('fp16', True)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def add_channels_last_hook(cfg: Config) -> None:
    """Append ``ChannelsLastHook`` to ``cfg.custom_hooks`` unless it is
    there: oneDNN's fast layout for bf16 on CPU (``--amp``)."""
    hooks = list(cfg.get('custom_hooks', []))
    if 'ChannelsLastHook' not in [h['type'] for h in hooks]:
        hooks.append(dict(type='ChannelsLastHook'))
    cfg.custom_hooks = hooks


def prepare_data(cfg: Config) -> None:
    """Check that every component the config names is registered (the
    error names the key), then write the embedded synthetic data (and its
    simulated points) on first use, on rank 0 while the other ranks wait."""
    from emda.utils.config_check import check_component_names
    from emda.utils.distributed import run_on_main
    check_component_names(cfg)
    run_on_main(lambda: _write_data(cfg))


def _write_data(cfg: Config) -> None:
    if cfg.get('synthetic_data'):
        from emda.datasets.synthetic import ensure_synthetic_data
        ensure_synthetic_data(**cfg.synthetic_data)
    for spec in cfg.get('simulated_points', []):
        if not osp.isfile(spec['out_file']):
            from emda.datasets.point_annotations import simulate_point_file
            simulate_point_file(**spec)


def main(argv=None):
    args = parse_args(argv)  # before the slow imports: --help is instant
    from emda.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = build_config(args)
    cfg.log_dumps_to_console = args.verbose
    prepare_data(cfg)
    from emda.engine.em_runner import EMRunner
    runner = EMRunner.from_cfg(cfg)
    runner.train()
    print_outputs(runner)
    return runner


if __name__ == '__main__':
    sys.exit(main() and 0)
