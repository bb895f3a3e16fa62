"""Inference in float32 against bfloat16 autocast, with and without
channels_last weights, on the two paths a self-training round spends its
inference time in: pseudo-labelling (4-flip TTA, segmentation and detection
heads) and validation (one forward, segmentation only).

    OMP_NUM_THREADS=1 python tools/benchmarks/bf16_inference.py CONFIG CKPT
        [--slices 16] [--out results/bf16_inference/bf16_inference]

The slices are the config's pseudo-labelling set (the round hook's
``dataset``), predicted by :class:`PseudoLabelGenerator` exactly as a round
does; the variants are interleaved slice by slice so that all see the same
machine load. Agreement with float32 is measured where it matters: the
foreground mask (p > 0.5), the confident masks the selector starts from
(p > tau), the detection peaks' heatmap, and the selected pseudo-label
itself (the config's selector at r = 1, the last rounds' ratio). Prints the
figures and writes them as a markdown table and a CSV.
"""
import argparse
import copy
import os.path as osp
import sys
import time

import numpy as np
import torch

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from emda.apis.predict import predict_tensor
from emda.benchmarking.report import write_benchmark_report
from emda.engine.pseudo_label_generator import PseudoLabelGenerator
from emda.registry import MODELS
from emda.utils import register_all_modules

#: name -> (autocast, channels_last)
VARIANTS = {
    'fp32': (False, False),
    'fp32+channels_last': (False, True),
    'bf16': (True, False),
    'bf16+channels_last': (True, True),
}


def round_hook(cfg) -> dict:
    """The config's SelfTrainingRoundHook entry."""
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'SelfTrainingRoundHook':
            return hook
    raise SystemExit(f'{cfg.filename} has no SelfTrainingRoundHook: this '
                     'benchmark times the pseudo-labelling path of a '
                     'self-training config')


def dice(a: np.ndarray, b: np.ndarray) -> float:
    total = int(a.sum()) + int(b.sum())
    return 1. if total == 0 else 2. * int((a & b).sum()) / total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--slices', type=int, default=16)
    parser.add_argument('--ratio', type=float, default=1.0)
    parser.add_argument('--tau', type=float, default=0.8)
    parser.add_argument(
        '--out', default='results/bf16_inference/bf16_inference')
    args = parser.parse_args(argv)

    cfg = Config.fromfile(args.config)
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'emda'))
    method = MODELS.build(cfg.model)  # what the round hook predicts with
    load_checkpoint(method, args.checkpoint, map_location='cpu')
    method.eval()
    hook = round_hook(cfg)
    generators, models = {}, {}
    for name, (autocast, channels_last) in VARIANTS.items():
        models[name] = copy.deepcopy(method)
        if channels_last:
            models[name].to(memory_format=torch.channels_last)
        generators[name] = PseudoLabelGenerator(
            hook['dataset'], hook['selector'], autocast=autocast)
    n = min(args.slices, len(generators['fp32'].dataset))
    times = {name: dict(pseudo_label=[], validation=[]) for name in VARIANTS}
    agree = {name: [] for name in VARIANTS if name != 'fp32'}
    torch.set_grad_enabled(False)
    for index in range(n):
        preds = {}
        for name, generator in generators.items():
            pred = generator.predict_slice(models[name], index)
            times[name]['pseudo_label'].append(pred['predict_s'])
            inputs = generator._slice_inputs(models[name], index)[0]
            start = time.perf_counter()
            predict_tensor(
                models[name].segmentor,
                inputs,
                keys=('seg_logits', ),
                autocast=VARIANTS[name][0])
            times[name]['validation'].append(time.perf_counter() - start)
            pred['label'] = generator.selector(
                pred['prob'],
                heatmap=pred['heatmap'],
                points=pred['points'],
                ratio=args.ratio,
                tau=args.tau).label
            preds[name] = pred
        ref = preds['fp32']
        for name in agree:
            pred = preds[name]
            scale = max(float(np.abs(ref['heatmap']).max()), 1e-6)
            agree[name].append(
                dict(
                    max_abs_prob=float(
                        np.abs(pred['prob'] - ref['prob']).max()),
                    mask_dice=dice(pred['prob'] > .5, ref['prob'] > .5),
                    tau_mask_dice=dice(pred['prob'] > args.tau, ref['prob']
                                       > args.tau),
                    heatmap_rel=float(
                        np.abs(pred['heatmap'] - ref['heatmap']).max()) /
                    scale,
                    label_changed=float((pred['label']
                                         != ref['label']).mean()),
                    fg_label_dice=dice(pred['label'] == 1, ref['label'] == 1)))
        print(f'slice {index + 1}/{n}', flush=True)

    rows = []
    base = {k: float(np.median(v)) for k, v in times['fp32'].items()}
    for name in VARIANTS:
        row = dict(variant=name)
        for path in ('pseudo_label', 'validation'):
            median = float(np.median(times[name][path]))
            row[f'{path}_s_per_slice'] = round(median, 3)
            row[f'{path}_speedup'] = round(base[path] / median, 2)
        for key in ('mask_dice', 'tau_mask_dice', 'fg_label_dice',
                    'label_changed', 'max_abs_prob', 'heatmap_rel'):
            values = [a[key] for a in agree.get(name, [])]
            similarity = key.endswith('dice')
            values = values or [float(similarity)]  # fp32 against itself
            if key in ('fg_label_dice', 'label_changed'):  # discrete: mean
                row[f'mean_{key}'] = round(float(np.mean(values)), 5)
            worst = min(values) if similarity else max(values)
            row[f'{"min" if similarity else "max"}_{key}'] = round(worst, 5)
        rows.append(row)
    header = (f'# Inference precision on CPU\n\n'
              f'{n} slices of the pseudo-labelling set of '
              f'`{osp.basename(args.config)}` at '
              f'`{osp.basename(args.checkpoint)}`, '
              f'{torch.get_num_threads()} thread(s), variants interleaved '
              f'slice by slice; torch {torch.__version__}, '
              f'{torch.backends.cpu.get_cpu_capability()} kernels. '
              'Speedups: median seconds per slice against fp32; '
              'agreement with fp32 on the worst slice (min_ / max_) and '
              'on average (mean_; pseudo-labels: the selector at r = '
              f'{args.ratio}, tau = {args.tau}).\n'
              'Command: python tools/benchmarks/bf16_inference.py '
              f'{" ".join(argv if argv is not None else sys.argv[1:])}\n\n')
    write_benchmark_report(rows, args.out, header)
    return rows


if __name__ == '__main__':
    main()
