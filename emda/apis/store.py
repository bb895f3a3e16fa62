"""Where a run's predictions live while it runs: one OME-Zarr store
(probability image at ``0``, ``labels/mask`` and ``labels/instances``,
optional ``heatmap``), chunked by block, plus records in ``OUT/.emda/``:
``params.json`` (what the run computes) and one marker per finished block,
written after the block's data. The store's ``emda.done`` attribute is
written last, so a partial output never reads as finished.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Optional, Sequence

import numpy as np

from .errors import InferenceInputError

STATE_DIR = '.emda'
ARRAYS = {
    'prob': '0',
    'mask': 'labels/mask/0',
    'instances': 'labels/instances/0',
    'heatmap': 'heatmap/0'
}

#: chunks zarr encodes or decodes at once: its default (10) keeps ten
#: decoded chunks of a slab in flight, about 1 GB of the labelling peak
#: on 4096 x 4096 slices for no measured speed gain on CPU
ZARR_CONCURRENCY = 1


def bounded_zarr_io():
    """Context in which zarr reads and writes hold few chunks at once."""
    import zarr
    return zarr.config.set({'async.concurrency': ZARR_CONCURRENCY})


def atomic_write_json(path: str, data: dict) -> None:
    """Write JSON to ``path`` through a rename (never half a file)."""
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def multiscales(name: str, voxel_size, unit) -> dict:
    """OME-NGFF 0.4 ``multiscales`` of a one-level (z, y, x) image."""
    axes = [dict(name=a, type='space') for a in 'zyx']
    if unit:
        for a in axes:
            a['unit'] = unit
    scale = list(voxel_size) if voxel_size else [1., 1., 1.]
    return dict(
        version='0.4',
        name=name,
        axes=axes,
        datasets=[
            dict(
                path='0',
                coordinateTransformations=[dict(type='scale', scale=scale)])
        ])


class PredictionStore:
    """The zarr store and block records of one output folder ``out``.

    Args:
        out (str): output folder.
        zarr_path (str): the store (inside ``out``).
    """

    def __init__(self, out: str, zarr_path: str):
        self.out = out
        self.path = zarr_path
        self.state = osp.join(out, STATE_DIR)
        self.blocks_dir = osp.join(self.state, 'blocks')

    # --- creating / reopening -------------------------------------------
    def create(self, shape: Sequence[int], chunks: Sequence[int],
               prob_dtype: str, with_heatmap: bool, voxel_size, unit,
               params: dict) -> None:
        """A fresh store and records for ``params``."""
        import zarr
        os.makedirs(self.blocks_dir, exist_ok=True)
        root = zarr.open_group(self.path, mode='w', zarr_format=2)
        kw = dict(shape=tuple(shape), chunks=tuple(chunks), fill_value=0)
        root.create_array('0', dtype=prob_dtype, **kw)
        labels = root.create_group('labels')
        for name, dtype in (('mask', 'uint8'), ('instances', 'uint32')):
            group = labels.create_group(name)
            group.create_array('0', dtype=dtype, **kw)
            group.attrs.update(
                multiscales=[multiscales(name, voxel_size, unit)],
                **{
                    'image-label':
                    dict(version='0.4', source=dict(image='../../'))
                })
        labels.attrs['labels'] = ['mask', 'instances']
        if with_heatmap:
            root.create_group('heatmap').create_array(
                '0', dtype='float16', **kw)
        root.attrs.update(
            multiscales=[multiscales('probability', voxel_size, unit)],
            emda=dict(done=False, params=params))
        atomic_write_json(osp.join(self.state, 'params.json'), params)

    def params(self) -> Optional[dict]:
        path = osp.join(self.state, 'params.json')
        if not osp.isfile(path) or not osp.isdir(self.path):
            return None
        with open(path) as f:
            return json.load(f)

    def array(self, name: str, mode: str = 'r+'):
        import zarr
        return zarr.open_array(
            osp.join(self.path, ARRAYS[name]), mode=mode, zarr_format=2)

    def has(self, name: str) -> bool:
        return osp.isdir(osp.join(self.path, ARRAYS[name]))

    # --- block records ----------------------------------------------------
    @staticmethod
    def block_id(index: Sequence[int]) -> str:
        return '_'.join(str(int(i)) for i in index)

    def finished(self) -> Dict[str, dict]:
        """``{block id: record}`` of the blocks already written."""
        if not osp.isdir(self.blocks_dir):
            return {}
        done = {}
        for name in os.listdir(self.blocks_dir):
            if name.endswith('.json'):
                with open(osp.join(self.blocks_dir, name)) as f:
                    done[name[:-5]] = json.load(f)
        return done

    def mark_block(self, index: Sequence[int], record: dict) -> None:
        """Record a block as finished (after its data is written)."""
        atomic_write_json(
            osp.join(self.blocks_dir,
                     self.block_id(index) + '.json'), record)

    # --- completion -------------------------------------------------------
    def mark_done(self, summary: dict) -> None:
        import zarr
        root = zarr.open_group(self.path, mode='r+', zarr_format=2)
        meta = dict(root.attrs['emda'])
        meta.update(done=True, summary=summary)
        root.attrs['emda'] = meta

    def is_done(self) -> bool:
        import zarr
        if not osp.isdir(self.path):
            return False
        root = zarr.open_group(self.path, mode='r', zarr_format=2)
        return bool(dict(root.attrs).get('emda', {}).get('done'))

    def remove_work(self) -> None:
        """Drop the records (and the store when it is scratch space)."""
        shutil.rmtree(self.state, ignore_errors=True)


def check_output(out: str, overwrite: bool, resume: bool) -> None:
    """Refuse an existing non-empty ``out`` unless ``--overwrite`` (clears
    it) or ``--resume`` (continues it); raise for a read-only location."""
    from .volume_io import ensure_writable
    ensure_writable(out)
    if osp.exists(out) and not osp.isdir(out):
        raise InferenceInputError(
            f'--out {out} is a file; give a folder for the outputs')
    if osp.isdir(out) and os.listdir(out):
        if resume:
            return
        if not overwrite:
            raise InferenceInputError(
                f'output folder {out} exists and is not empty; pass '
                '--overwrite to replace it or --resume to continue it')
        if not osp.isdir(osp.join(out, STATE_DIR)) and not any(
                osp.exists(osp.join(out, n))
                for n in ('summary.json', 'predictions.ome.zarr', 'mask.tif',
                          'mask')):
            raise InferenceInputError(
                f'{out} holds files that emda-infer did not write; '
                'refusing to delete them, choose an empty --out')
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise InferenceInputError(f'cannot write to {out}; choose another '
                                  '--out')


def as_prob_dtype(prob: np.ndarray, dtype: str) -> np.ndarray:
    """Probability in the stored dtype: uint8 = round(p x 255)."""
    if dtype == 'uint8':
        return np.round(prob * 255).astype(np.uint8)
    return prob.astype(dtype)
