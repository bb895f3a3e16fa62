"""Block-by-block prediction of a volume into a :class:`PredictionStore`,
in this process or on dask workers.

Each block is a chunk of the output; it is read with a halo in y/x that
covers the network's receptive field (measured, :func:`context_radius`, at
full resolution and rounded to the working scale's pixel grid), so its core
does not see the block border. A block writes its data, then its marker;
``--resume`` skips marked blocks, and a block killed before its marker is
recomputed. Per-slice intensity ranges are computed once for the whole
volume (a ``dask.array`` reduction) so every block of a slice is
normalized like the whole slice.
"""
import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .store import PredictionStore, as_prob_dtype, bounded_zarr_io

Region = Tuple[slice, slice, slice]


@dataclass
class BlockJob:
    """What one block needs, picklable for dask workers."""
    index: Tuple[int, int, int]
    core: Tuple[Tuple[int, int], ...]  # (start, stop) per axis
    halo: int
    source: object  # VolumeSource
    store: PredictionStore
    model_spec: dict  # config, checkpoint, device, tile, overlap
    tta: object
    prob_dtype: str
    ranges: List[Tuple[float, float]]  # per slice of the block
    threads: int = 0


def block_grid(shape: Sequence[int],
               block: Sequence[int]) -> List[Tuple[tuple, tuple]]:
    """``[(index, ((z0, z1), (y0, y1), (x0, x1))), ...]`` covering
    ``shape`` with blocks of ``block`` (the last ones cut short)."""
    counts = [int(math.ceil(n / b)) for n, b in zip(shape, block)]
    grid = []
    for index in np.ndindex(*counts):
        core = tuple((i * b, min(n, (i + 1) * b))
                     for i, b, n in zip(index, block, shape))
        grid.append((tuple(int(i) for i in index), core))
    return grid


def default_block(shape: Sequence[int],
                  chunks: Optional[Sequence[int]] = None,
                  min_side: int = 1024,
                  max_side: int = 4096) -> Tuple[int, int, int]:
    """Blocks over the input's zarr/HDF5 chunks (y/x grown to a multiple
    of the chunk of at least ``min_side``), else whole slices up to
    ``max_side``."""
    if chunks is None:
        return (1, ) + tuple(n if n <= max_side else max_side // 2
                             for n in shape[1:])
    out = [max(1, int(chunks[0]))]
    for n, c in zip(shape[1:], chunks[1:]):
        side = int(c) * max(1, int(math.ceil(min_side / int(c))))
        out.append(min(n, side))
    return tuple(out)


def grid_step(scale: float, divisor: int) -> int:
    """Full-resolution multiple that block origins keep so the working
    scale's pixels and the network's pooling grid fall alike in a block
    and in the whole slice (2 x 16 = 32 for the CPU profile)."""
    factor = max(1, int(round(1 / scale))) if scale < 1 else 1
    return factor * max(1, int(divisor))


def halo_pixels(context: int, scale: float, divisor: int = 1) -> int:
    """Full-resolution halo covering ``context`` working-scale pixels, a
    multiple of :func:`grid_step`."""
    step = grid_step(scale, divisor)
    full = int(math.ceil(context / scale))
    return int(math.ceil(full / step) * step)


_MODELS: Dict[tuple, object] = {}


def cached_model(spec: dict):
    """The model of ``spec``, loaded once per process (dask workers)."""
    key = tuple(sorted((k, str(v)) for k, v in spec.items()))
    if key not in _MODELS:
        from .model import init_model
        _MODELS[key] = init_model(**spec)
    return _MODELS[key]


def run_block(job: BlockJob, model=None) -> dict:
    """Predict, write and mark one block; returns its record."""
    from .slices import predict_slice
    if job.threads:
        import torch
        torch.set_num_threads(job.threads)
    model = model if model is not None else cached_model(job.model_spec)
    start = time.perf_counter()
    (z0, z1), (y0, y1), (x0, x1) = job.core
    h = job.halo
    ny, nx = job.source.shape[1:]
    ry0, ry1 = max(0, y0 - h), min(ny, y1 + h)
    rx0, rx1 = max(0, x0 - h), min(nx, x1 + h)
    with bounded_zarr_io():
        region = job.source.read(
            slice(z0, z1), slice(ry0, ry1), slice(rx0, rx1))
    core = (slice(y0 - ry0, y1 - ry0), slice(x0 - rx0, x1 - rx0))
    probs, heats = [], []
    for image, value_range in zip(region, job.ranges):
        out = predict_slice(model, image, job.tta, tuple(value_range))
        probs.append(out['prob_fg'][core])
        if 'heatmap' in out:
            heats.append(out['heatmap'][core])
    prob = np.stack(probs)
    mask = (prob >= 0.5).astype(np.uint8)
    where = (slice(z0, z1), slice(y0, y1), slice(x0, x1))
    with bounded_zarr_io():
        job.store.array('prob')[where] = as_prob_dtype(prob, job.prob_dtype)
        job.store.array('mask')[where] = mask
        if heats and job.store.has('heatmap'):
            job.store.array('heatmap')[where] = np.stack(heats).astype(
                np.float16)
    record = dict(
        fg=int(mask.sum()),
        voxels=int(mask.size),
        seconds=time.perf_counter() - start,
        pid=os.getpid())
    job.store.mark_block(job.index, record)
    return record


def _chunk_range(chunk: np.ndarray, scale: float) -> np.ndarray:
    """(1, 1, 2) [min, max] of a (1, y, x) chunk at the working scale."""
    from .slices import prepare_range
    return np.array(prepare_range(chunk[0], scale),
                    np.float64).reshape(1, 1, 2)


def slice_ranges(source,
                 scale: float = 1.0,
                 scheduler=None) -> List[Tuple[float, float]]:
    """Per-slice (min, max) of the volume at the working scale, in
    dtype-scaled units (what the test pipeline min-max scales with), as
    one ``dask.array`` reduction over the input's chunks (area resizing is
    local, so chunks of even size give the whole slice's range)."""
    import dask.array as da
    chunks = source.chunks or (1, ) + tuple(source.shape[1:])
    arr = da.from_array(
        source, chunks=(1, ) + tuple(chunks[1:]), asarray=True, fancy=False)
    ranges = arr.map_blocks(
        _chunk_range,
        scale,
        chunks=(arr.chunks[0], (1, ) * len(arr.chunks[1]),
                (2, ) * len(arr.chunks[2])),
        dtype=np.float64,
        meta=np.zeros((0, 0, 0), np.float64))
    values = ranges.compute(scheduler=scheduler or 'synchronous')
    lo = values[..., 0::2].min(axis=(1, 2))
    hi = values[..., 1::2].max(axis=(1, 2))
    return [(float(a), float(b)) for a, b in zip(lo, hi)]


def run_blocks(jobs: Sequence[BlockJob],
               client=None,
               model=None,
               on_block: Optional[Callable[[BlockJob, dict], None]] = None,
               progress: bool = True) -> Dict[str, dict]:
    """Run ``jobs`` in this process (``client=None``, with ``model``) or
    on a ``distributed.Client``; ``on_block(job, record)`` is called in
    this process after each finished block (progress, tests)."""
    from tqdm import tqdm
    records = {}
    bar = tqdm(
        total=len(jobs),
        desc='blocks',
        unit='block',
        disable=not progress or None)
    try:
        if client is None:
            for job in jobs:
                record = run_block(job, model)
                records[PredictionStore.block_id(job.index)] = record
                bar.update()
                if on_block is not None:
                    on_block(job, record)
        else:
            from distributed import as_completed
            futures = client.map(run_block, list(jobs), pure=False)
            by_key = {f.key: job for f, job in zip(futures, jobs)}
            try:
                for future in as_completed(futures):
                    job = by_key[future.key]
                    record = future.result()
                    records[PredictionStore.block_id(job.index)] = record
                    bar.update()
                    if on_block is not None:
                        on_block(job, record)
            except BaseException:
                client.cancel(futures)  # finished blocks keep their marks
                raise
    finally:
        bar.close()
    return records
