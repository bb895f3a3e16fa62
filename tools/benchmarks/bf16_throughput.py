"""Training-step throughput of the CPU-profile UNet: float32, bfloat16
autocast (``BF16OptimWrapper``), each with and without channels_last
weights (``ChannelsLastHook``; ``tools/train.py --amp`` on CPU uses both),
in one run; ``--base-channels 16 24`` adds wider UNets (the heads follow)
to the same interleaved run.

Each variant is emda's ``SourceOnly.train_step`` (forward, loss, backward,
Adam step through the optimizer wrapper) on the same fixed batch from the
same initial weights; the variants are interleaved step by step so that all
see the same machine load. Prints the figures and writes them as a markdown
table and a CSV (``--out``, without extension). Data loading is excluded
(it runs in dataloader workers during real training).
"""
import argparse
import os.path as osp
import sys
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # framework_overhead
from framework_overhead import CFG, make_batch  # noqa: E402

from emda.benchmarking.report import write_benchmark_report  # noqa: E402

from emda.registry import MODELS  # noqa: E402
from emda.utils import register_all_modules  # noqa: E402

#: name -> (optimizer wrapper type, channels_last)
VARIANTS = {
    'fp32': ('OptimWrapper', False),
    'fp32+channels_last': ('OptimWrapper', True),
    'bf16': ('BF16OptimWrapper', False),
    'bf16+channels_last': ('BF16OptimWrapper', True),
}


def widened(segmentor: dict, base_channels: int) -> dict:
    """The CPU-profile segmentor with ``base_channels`` in the UNet and its
    segmentation head reading them."""
    segmentor = Config(segmentor).to_dict()
    segmentor['backbone']['base_channels'] = base_channels
    segmentor['decode_head'].update(
        in_channels=base_channels, channels=base_channels)
    return segmentor


def build_method(cfg, base_channels):
    return MODELS.build(
        dict(
            type='SourceOnly',
            segmentor=widened(cfg.segmentor, base_channels),
            data_preprocessor=cfg.data_preprocessor))


def build_variant(cfg, state, wrapper_type, channels_last, base_channels=16):
    """A SourceOnly model from ``state`` and its optimizer wrapper."""
    method = build_method(cfg, base_channels)
    method.load_state_dict(state)
    if channels_last:
        method.to(memory_format=torch.channels_last)
    wrapper = build_optim_wrapper(
        method, dict(type=wrapper_type, optimizer=dict(type='Adam', lr=1e-3)))
    return method, wrapper


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument(
        '--base-channels',
        type=int,
        nargs='+',
        default=[16],
        help='UNet widths to time (the first is the speedup baseline)')
    parser.add_argument('--out', default='results/bf16_throughput')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    register_all_modules()
    torch.manual_seed(0)
    cfg = Config.fromfile(CFG)
    states = {
        width: build_method(cfg, width).state_dict()
        for width in args.base_channels
    }
    imgs, samples = make_batch(args.batch_size, args.size)
    data = dict(source=dict(inputs=imgs, data_samples=samples))
    variants = {
        (width, name): build_variant(cfg, states[width], *spec, width)
        for width in args.base_channels
        for name, spec in VARIANTS.items()
    }
    times = {key: [] for key in variants}
    losses = {key: [] for key in variants}
    for i in range(args.warmup + args.iters):
        for key, (method, wrapper) in variants.items():
            start = time.perf_counter()
            log = method.train_step(data, wrapper)
            elapsed = time.perf_counter() - start
            if i >= args.warmup:
                times[key].append(elapsed)
                losses[key].append(float(log['loss']))
    base = float(np.median(times[(args.base_channels[0], 'fp32')]))
    rows = []
    for (width, name), (method, _) in variants.items():
        median = float(np.median(times[(width, name)]))
        rows.append({
            'base_channels': width,
            'parameters': sum(p.numel() for p in method.parameters()),
            'variant': name,
            'optim_wrapper': VARIANTS[name][0],
            's_per_iter': f'{median:.3f}',
            'images_per_s': f'{args.batch_size / median:.2f}',
            'speedup_vs_fp32': f'{base / median:.2f}',
            'last_loss': f'{losses[(width, name)][-1]:.4f}',
        })
    header = (f'# bf16 training throughput (CPU-profile UNet, {CFG})\n\n'
              f'SourceOnly.train_step, batch {args.batch_size} x '
              f'{args.size}^2, {args.threads} thread(s), median of '
              f'{args.iters} steps after {args.warmup} warm-up steps, '
              f'variants interleaved; speedup against fp32 at '
              f'{args.base_channels[0]} base channels; torch '
              f'{torch.__version__}, '
              f'{torch.backends.cpu.get_cpu_capability()} kernels.\n'
              f'Command: python tools/benchmarks/bf16_throughput.py '
              f'{" ".join(argv if argv is not None else sys.argv[1:])}\n\n')
    write_benchmark_report(rows, args.out, header)


if __name__ == '__main__':
    main()
