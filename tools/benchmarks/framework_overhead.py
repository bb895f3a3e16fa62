"""Training throughput of the CPU profile and emda's framework overhead.

Times (a) a plain PyTorch loop (forward, cross-entropy, backward, Adam step)
and (b) emda's ``SourceOnly.train_step`` through MMEngine's ``OptimWrapper``
and the multi-domain data preprocessor, on the same model and the same fixed
batch, interleaved so that both see the same machine load. Prints the
figures and writes them to ``--out`` (JSON). Data loading is excluded from
both (it runs in workers during real training).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.registry import MODELS
from emda.utils import register_all_modules

CFG = 'configs/_base_/models/unet_s4_c16.py'


def make_batch(batch_size, size, seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = [torch.rand(1, size, size, generator=g) for _ in range(batch_size)]
    samples = []
    for _ in range(batch_size):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(
            data=(torch.rand(1, size, size, generator=g) > 0.9).long())
        s.set_metainfo(
            dict(
                img_shape=(size, size),
                ori_shape=(size, size),
                pad_shape=(size, size)))
        samples.append(s)
    return imgs, samples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--out', default='work_dirs/bench/overhead.json')
    args = parser.parse_args(argv)
    register_all_modules()
    torch.manual_seed(0)
    cfg = Config.fromfile(CFG)
    method = MODELS.build(
        dict(
            type='SourceOnly',
            segmentor=cfg.segmentor,
            data_preprocessor=cfg.data_preprocessor))
    plain = MODELS.build(cfg.segmentor)
    plain.load_state_dict(method.segmentor.state_dict())
    wrapper = build_optim_wrapper(
        method,
        dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)))
    plain_opt = torch.optim.Adam(plain.parameters(), lr=1e-3)
    imgs, samples = make_batch(args.batch_size, args.size)
    data = dict(source=dict(inputs=imgs, data_samples=samples))
    x = (torch.stack(imgs) - 0.5) / 0.5
    y = torch.stack([s.gt_sem_seg.data[0] for s in samples])

    def plain_step():
        logits = plain(x, mode='tensor')
        logits = F.interpolate(logits, y.shape[-2:], mode='bilinear')
        loss = F.cross_entropy(logits, y)
        plain_opt.zero_grad()
        loss.backward()
        plain_opt.step()

    def emda_step():
        method.train_step(data, wrapper)

    times = dict(plain=[], emda=[])
    for i in range(args.warmup + args.iters):
        for name, step in (('plain', plain_step), ('emda', emda_step)):
            t = time.perf_counter()
            step()
            if i >= args.warmup:
                times[name].append(time.perf_counter() - t)
    plain_s = float(np.median(times['plain']))
    emda_s = float(np.median(times['emda']))
    result = dict(
        model=CFG,
        batch_size=args.batch_size,
        crop=args.size,
        iters=args.iters,
        torch_threads=torch.get_num_threads(),
        plain_s_per_iter=plain_s,
        emda_s_per_iter=emda_s,
        overhead_ratio=emda_s / plain_s,
        emda_iters_per_s=1 / emda_s,
        emda_images_per_s=args.batch_size / emda_s)
    for k, v in result.items():
        print(f'{k}: {v:.4f}' if isinstance(v, float) else f'{k}: {v}')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
