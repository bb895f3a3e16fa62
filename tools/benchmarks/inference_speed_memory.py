"""Inference benchmark: tiled + flip-TTA throughput against plain
whole-slice forwards, peak memory of blockwise inference on zarr volumes
of growing size, and the dask LocalCluster speed-up.

    OMP_NUM_THREADS=1 python tools/benchmarks/inference_speed_memory.py \
        [--sizes 32 256] [--skip-throughput] [--workdir /tmp/emda_bench]

Writes ``results/inference_benchmark.{md,csv}``. Each volume run is a
fresh subprocess whose peak resident memory (``ru_maxrss``) is reported.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

REPO = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
sys.path.insert(0, REPO)

CPU_CONFIG = osp.join(
    REPO, 'configs/source_only/'
    'source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py')
#: a fast network for the volume runs (2 stages, 8 channels, half scale):
#: memory and scheduling, not the network, are measured there
FAST_MODEL = dict(
    default_scope='emda',
    scale=0.5,
    infer_cfg=dict(tile=(1024, 1024), overlap=32),
    model=dict(
        type='SourceOnly',
        data_preprocessor=dict(
            type='MultiDomainDataPreProcessor',
            mean=[0.5],
            std=[0.5],
            size_divisor=4,
            test_cfg=dict(size_divisor=4)),
        segmentor=dict(
            type='EncoderDecoder',
            backbone=dict(
                type='UNet',
                in_channels=1,
                base_channels=8,
                num_stages=2,
                strides=(1, 1),
                enc_num_convs=(1, 1),
                dec_num_convs=(1, ),
                downsamples=(True, ),
                enc_dilations=(1, 1),
                dec_dilations=(1, ),
                norm_cfg=dict(type='BN')),
            decode_head=dict(
                type='FCNHead',
                in_channels=8,
                in_index=1,
                channels=8,
                num_convs=1,
                concat_input=False,
                num_classes=2,
                norm_cfg=dict(type='BN'),
                loss_decode=dict(type='CrossEntropyLoss')),
            test_cfg=dict(mode='whole'))))


def timed(fn, repeat):
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def throughput(rows, repeat):
    """Tiled + 4-flip TTA (the whole inference path) against 4 plain
    whole-slice forwards of the CPU-profile UNet on the same input."""
    import torch

    from emda.apis import init_model, predict_slice, prepare_slice
    model = init_model(CPU_CONFIG, None)
    rng = np.random.default_rng(0)
    for shape in ((768, 1024), (4096, 4096)):
        image = rng.integers(0, 255, shape, dtype=np.uint8)
        x = prepare_slice(image, model.infer_settings)

        def plain():
            with torch.no_grad():
                for _ in range(4):
                    model(x, mode='tensor')

        def tiled_tta():
            predict_slice(model, image, tta=True)

        n = repeat if shape[0] < 2000 else 1
        t_plain = timed(plain, n)
        t_tta = timed(tiled_tta, n)
        rows.append(
            dict(
                measure=f'throughput {shape[0]}x{shape[1]} (working '
                f'{tuple(x.shape[-2:])})',
                value=f'{t_plain / t_tta:.2f}',
                detail=f'4 plain forwards {t_plain:.2f} s, tiled+4-flip '
                f'TTA {t_tta:.2f} s per slice (tile '
                f'{model.infer_settings.tile}, overlap '
                f'{model.infer_settings.overlap})'))
        print(rows[-1], flush=True)


def make_volume(path, depth, side=4096, chunk=(8, 1024, 1024)):
    """A uint8 zarr volume of noisy blobs, written chunk-slab by slab."""
    import zarr
    arr = zarr.open_group(
        path, mode='w', zarr_format=2).create_array(
            '0', shape=(depth, side, side), chunks=chunk, dtype='uint8')
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:side, :side]
    base = (128 + 40 * np.sin(yy / 37.) * np.cos(xx / 53.)).astype(np.uint8)
    for z0 in range(0, depth, chunk[0]):
        slab = np.repeat(base[None], min(chunk[0], depth - z0), 0)
        slab = slab + rng.integers(0, 20, slab.shape, dtype=np.uint8)
        arr[z0:z0 + len(slab)] = slab
    return path + '/0'


RUN = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
import torch
torch.manual_seed(0)  # the same random-weight fast model every run
from emda.apis import segment_volume
t = time.perf_counter()
s = segment_volume({config!r}, None, {spec!r}, {out!r}, fmt='zarr',
                   overwrite=True, scheduler={scheduler!r}, progress=False)
print(json.dumps(dict(seconds=time.perf_counter() - t,
                      maxrss_mb=resource.getrusage(
                          resource.RUSAGE_SELF).ru_maxrss / 1024,
                      instances=s['instances'],
                      fg=s['foreground_fraction'])))
"""


def run_volume(config, spec, out, scheduler=None):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([
        sys.executable, '-c',
        RUN.format(
            repo=REPO, config=config, spec=spec, out=out, scheduler=scheduler)
    ],
                          capture_output=True,
                          text=True,
                          env=env)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # children (dask workers) report through RUSAGE_CHILDREN of this one
    return result


def volumes(rows, sizes, workdir, cluster_depth):
    from mmengine.config import Config
    os.makedirs(workdir, exist_ok=True)
    config = osp.join(workdir, 'fast_model.py')
    Config(FAST_MODEL).dump(config)
    for depth in sizes:
        spec = make_volume(osp.join(workdir, f'vol{depth}.zarr'), depth)
        gb = depth * 4096 * 4096 / 1e9
        res = run_volume(config, spec, osp.join(workdir, f'out{depth}'))
        rows.append(
            dict(
                measure=f'peak RSS, {gb:.2f} GB uint8 volume '
                f'({depth}x4096x4096)',
                value=f'{res["maxrss_mb"]:.0f} MB',
                detail=f'{res["seconds"]:.0f} s one process, '
                f'{depth * 16.8 / res["seconds"]:.1f} Mvoxel/s, '
                f'{res["instances"]} instances'))
        print(rows[-1], flush=True)
    if cluster_depth:
        cluster(rows, config, workdir, cluster_depth)


def cluster(rows, config, workdir, depth):
    """The same volume in one process, on a 1-worker and on a 2-worker
    ``LocalCluster``: the dask speed-up is 2 workers over 1 worker (both pay
    the cluster start and a model load per worker); one process is the
    plain baseline."""
    spec = make_volume(osp.join(workdir, f'vol{depth}.zarr'), depth)
    one = run_volume(config, spec, osp.join(workdir, 'one'))
    runs = {
        n: run_volume(config, spec, osp.join(workdir, f'local{n}'),
                      f'local:{n}')
        for n in (1, 2)
    }
    rows.append(
        dict(
            measure=f'LocalCluster speed-up, 2 workers vs 1 worker '
            f'({depth}x4096x4096)',
            value=f'{runs[1]["seconds"] / runs[2]["seconds"]:.2f}x',
            detail=f'{runs[2]["seconds"]:.0f} s vs {runs[1]["seconds"]:.0f} '
            f's (incl. cluster start and one model load per worker); '
            f'cpus={os.cpu_count()}'))
    rows.append(
        dict(
            measure=f'2-worker LocalCluster vs one process, no dask '
            f'({depth}x4096x4096)',
            value=f'{one["seconds"] / runs[2]["seconds"]:.2f}x',
            detail=f'{runs[2]["seconds"]:.0f} s vs {one["seconds"]:.0f} s'))
    print(rows[-2], rows[-1], sep='\n', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--sizes', type=int, nargs='*', default=[32, 256])
    parser.add_argument(
        '--cluster-depth',
        type=int,
        default=16,
        help='depth of the cluster speed-up volume; 0 skips it')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--skip-throughput', action='store_true')
    parser.add_argument('--workdir', default='/tmp/emda_infer_bench')
    parser.add_argument(
        '--out', default=osp.join(REPO, 'results', 'inference_benchmark'))
    args = parser.parse_args()
    from emda.benchmarking.report import print_table_and_csv as report
    from emda.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    rows = []
    if not args.skip_throughput:
        throughput(rows, args.repeat)
    volumes(rows, args.sizes, args.workdir, args.cluster_depth)
    report(rows, args.out + '.csv')
    with open(args.out + '.md', 'w') as f:
        f.write('# Inference benchmark\n\n`OMP_NUM_THREADS=1 python '
                'tools/benchmarks/inference_speed_memory.py ' +
                ' '.join(sys.argv[1:]) + '`\n\n| measure | value | detail '
                '|\n|---|---|---|\n')
        for row in rows:
            f.write(f'| {row["measure"]} | {row["value"]} | '
                    f'{row["detail"]} |\n')
    print(f'written {args.out}.md')


if __name__ == '__main__':
    main()
