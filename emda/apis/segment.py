"""``segment_volume``: a user's volume on disk -> mask, probability and
instances on disk, block by block, resumable; what ``emda-infer`` runs."""
import json
import numbers
import os
import os.path as osp
import time
from typing import Callable, Optional, Sequence, Union

from .blocks import (BlockJob, block_grid, default_block, halo_pixels,
                     run_blocks, slice_ranges)
from .errors import InferenceInputError
from .export import export, quicklook
from .labelling import label_volume
from .store import (PredictionStore, atomic_write_json, bounded_zarr_io,
                    check_output)
from .volume_io import VolumeSource, parse_voxel_size

FORMATS = ('tif', 'zarr', 'png')


def open_client(scheduler: Optional[str]):
    """``None``/``'single'``: this process; ``'local:N'``: a LocalCluster of
    N one-thread worker processes; ``'tcp://HOST:PORT'``: a running
    cluster; a ``distributed.Client`` is used as is. Returns
    ``(client, cluster_to_close)``."""
    if scheduler in (None, '', 'single'):
        return None, None
    if not isinstance(scheduler, str):
        return scheduler, None
    from distributed import Client, LocalCluster
    if scheduler.startswith('local:'):
        try:
            n = int(scheduler.split(':', 1)[1])
        except ValueError:
            n = 0
        if n < 1:
            raise InferenceInputError(
                f'--scheduler {scheduler}: give local:N with N >= 1 workers')
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None)
        return Client(cluster), cluster
    if scheduler.startswith(('tcp://', 'tls://')):
        try:
            return Client(scheduler, timeout='20s'), None
        except OSError as e:
            raise InferenceInputError(
                f'cannot reach the dask scheduler {scheduler}: {e}')
    raise InferenceInputError(
        f'--scheduler {scheduler!r}: use local:N or tcp://HOST:PORT')


def segment_volume(config: str,
                   checkpoint: str,
                   input: str,
                   out: str,
                   fmt: str = 'tif',
                   tta=False,
                   instances: str = 'cc',
                   instance_dim: int = 3,
                   min_size: int = 0,
                   tile: Optional[Sequence[int]] = None,
                   overlap: Optional[int] = None,
                   block: Optional[Sequence[int]] = None,
                   scheduler=None,
                   resume: bool = False,
                   overwrite: bool = False,
                   z_range: Optional[Sequence[int]] = None,
                   voxel_size: Optional[Sequence[float]] = None,
                   unit: str = 'nm',
                   prob_dtype: str = 'uint8',
                   device: str = 'cpu',
                   amp: bool = False,
                   z_smooth: Union[float, str] = 0.,
                   progress: bool = True,
                   on_block: Optional[Callable] = None) -> dict:
    """Segment ``input`` with ``config`` + ``checkpoint`` into folder
    ``out``; returns the summary (also ``out/summary.json``, written
    last). See ``docs/user_guides/inference.md``."""
    start = time.perf_counter()
    if fmt not in FORMATS:
        raise InferenceInputError(f'--format must be one of {FORMATS}')
    if prob_dtype not in ('uint8', 'float16'):
        raise InferenceInputError('--prob-dtype must be uint8 or float16')
    auto_z = z_smooth == 'auto'
    if not auto_z and not (isinstance(z_smooth, numbers.Real)
                           and z_smooth >= 0):
        raise InferenceInputError(
            f"--z-smooth must be >= 0 slices or 'auto', got {z_smooth!r}")
    source = VolumeSource(input, z_range)
    vs, vs_unit = parse_voxel_size(voxel_size, unit)
    if vs is None:
        vs, vs_unit = source.voxel_size, source.unit
    if auto_z and not vs:
        raise InferenceInputError(
            f'--z-smooth auto compares the change across sections with the '
            f'change in the plane at the same distance, so it needs the '
            f'voxel size, and {source.spec} does not record one: give '
            '--voxel-size Z Y X (e.g. 5 5 5 for Lucchi)')
    if auto_z:
        from .z_smoothing import in_plane_lag
        lag = in_plane_lag(vs)
        if source.shape[0] < 2 or min(source.shape[1:]) <= lag:
            raise InferenceInputError(
                f'--z-smooth auto needs at least 2 sections and slices wider '
                f'than {lag} pixels (one section thickness); {source.spec} '
                f'is {tuple(source.shape)}: give a sigma instead')
    check_output(out, overwrite, resume)
    spec = dict(
        config=osp.abspath(config) if isinstance(config, str) else config,
        checkpoint=osp.abspath(checkpoint) if checkpoint else None,
        device=device,
        tile=tuple(tile) if tile else None,
        overlap=overlap,
        amp=bool(amp))
    from .blocks import cached_model
    from .slices import context_radius
    model = cached_model(spec)
    if instances == 'watershed' and not model.infer_settings.has_det:
        raise InferenceInputError(
            f'--instances watershed needs a center-detection head; '
            f'{config} has none: use --instances cc')
    settings = model.infer_settings
    block = tuple(block) if block else default_block(source.shape,
                                                     source.chunks)
    halo = halo_pixels(context_radius(model), settings.scale, settings.divisor)
    zarr_path = osp.join(out, 'predictions.ome.zarr') if fmt == 'zarr' \
        else osp.join(out, '.emda', 'work.zarr')
    store = PredictionStore(out, zarr_path)
    params = dict(
        input=osp.abspath(source.spec),
        z_range=[source.z0, source.z1],
        shape=list(source.shape),
        config=spec['config'] if isinstance(spec['config'], str) else '',
        checkpoint=spec['checkpoint'],
        tta=str(tta),
        tile=list(settings.tile),
        overlap=settings.overlap,
        scale=settings.scale,
        block=list(block),
        halo=halo,
        prob_dtype=prob_dtype,
        format=fmt,
        # recorded only when on, so runs of earlier versions still resume
        **(dict(amp=True) if amp else {}),
        **(dict(z_smooth='auto' if auto_z else float(z_smooth))
           if z_smooth else {}))
    old = store.params()
    summary_path = osp.join(out, 'summary.json')
    if resume and osp.isfile(summary_path):
        with open(summary_path) as f:
            return json.load(f)  # finished before: nothing to do
    if resume and old is not None:
        changed = [k for k in params if old.get(k) != params[k]]
        if changed:
            raise InferenceInputError(
                f'{out} was started with other settings ({", ".join(changed)}'
                '); rerun with the same ones or use --overwrite')
    else:
        store.create(source.shape, block, prob_dtype, settings.has_det, vs,
                     vs_unit, params)
    client, cluster = open_client(scheduler)
    try:
        ranges_path = osp.join(store.state, 'ranges.json')
        if not osp.isfile(ranges_path):
            atomic_write_json(
                ranges_path,
                dict(
                    ranges=slice_ranges(source, settings.scale, client
                                        and client.get)))
        with open(ranges_path) as f:
            ranges = json.load(f)['ranges']
        done = store.finished()
        # local workers share this machine's cores
        threads = max(1, (os.cpu_count() or 1) //
                      len(client.ncores())) if cluster else 0
        jobs = [
            BlockJob(index, core, halo, source, store, spec, tta, prob_dtype,
                     ranges[core[0][0]:core[0][1]], threads)
            for index, core in block_grid(source.shape, block)
            if PredictionStore.block_id(index) not in done
        ]
        records = dict(done)
        records.update(
            run_blocks(jobs, client, None if client else model, on_block,
                       progress))
    finally:
        if client is not None and cluster is not None:
            client.close()
            cluster.close()
    heatmap = store.array('heatmap', 'r') if store.has('heatmap') else None
    fg = sum(r['fg'] for r in records.values())
    z_choice = None
    if auto_z:
        from .z_smoothing import isotropy_sigma
        with bounded_zarr_io():
            z_smooth, ratios = isotropy_sigma(store.array('prob', 'r'), vs)
        z_choice = dict(
            rule='isotropy',
            ratios={
                f'{s:g}': round(r, 4)
                for s, r in ratios.items()
            })
    if z_smooth:
        from .z_smoothing import smooth_mask_along_z
        with bounded_zarr_io():
            fg = smooth_mask_along_z(
                store.array('prob', 'r'),
                store.array('mask'),
                z_smooth,
                progress=progress)
    with bounded_zarr_io():
        count = label_volume(
            store.array('mask', 'r'), store.array('instances'), instances,
            instance_dim, min_size, heatmap)
        paths = export(store, fmt, vs, vs_unit)
        paths['overlay'] = quicklook(
            osp.join(out, 'overlay.png'), source, store)
    voxels = sum(r['voxels'] for r in records.values())
    summary = dict(
        input=source.spec,
        shape=list(source.shape),
        voxel_size=list(vs) if vs else None,
        unit=vs_unit,
        instances=count,
        z_smooth=float(z_smooth),
        **(dict(z_smooth_choice=z_choice) if z_choice else {}),
        instance_mode=instances
        if instances == 'watershed' else f'cc{instance_dim}d',
        foreground_fraction=fg / max(1, voxels),
        blocks=len(records),
        computed_blocks=len(jobs),
        seconds=time.perf_counter() - start,
        outputs=paths)
    store.mark_done(summary)
    if fmt != 'zarr':
        store.remove_work()
    else:
        import shutil
        shutil.rmtree(osp.join(store.state, 'blocks'), ignore_errors=True)
    atomic_write_json(summary_path, summary)
    return summary


def format_summary(summary: dict) -> str:
    """The closing lines ``emda-infer`` prints."""
    vs = summary['voxel_size']
    unit = summary.get('unit') or ''
    lines = [
        f"shape (z, y, x): {tuple(summary['shape'])}",
        'voxel size: ' + (f"{tuple(vs)} {unit}" if vs else 'unknown '
                          '(pass --voxel-size Z Y X)'),
        f"mitochondria: {summary['instances']} ({summary['instance_mode']})",
        f"foreground fraction: {summary['foreground_fraction']:.4f}",
        f"time: {summary['seconds']:.1f} s "
        f"({summary['computed_blocks']}/{summary['blocks']} blocks computed)",
    ]
    if summary.get('z_smooth'):
        how = (' (chosen by --z-smooth auto: the isotropy rule)'
               if summary.get('z_smooth_choice') else '')
        lines.append(f"z smoothing: sigma {summary['z_smooth']:g} slices"
                     f'{how}')
    lines += [f'{k}: {v}' for k, v in summary['outputs'].items()]
    return '\n'.join(lines)
