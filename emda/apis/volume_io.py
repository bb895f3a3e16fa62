"""Reading an EM volume for inference: a PNG/TIFF slice folder, a
multi-page TIFF stack, an HDF5 dataset (``file.h5:/key``) or a zarr /
OME-Zarr array (``volume.zarr/0``), with an optional z range and the voxel
size from the file's metadata.

:class:`VolumeSource` is a picklable spec: dask workers open it themselves
and read only the region of their block.
"""
import glob
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np

from emda.datasets.em_io import (H5_SUFFIXES, STACK_SUFFIXES, read_slice,
                                 split_h5_path)
from .errors import InferenceInputError

SLICE_SUFFIXES = ('.png', '.tif', '.tiff', '.jpg', '.jpeg', '.bmp')
#: units of the voxel size, as OME-NGFF spells them
UNITS = {
    'nm': 'nanometer',
    'um': 'micrometer',
    'micron': 'micrometer',
    '\\u00B5m': 'micrometer',
    'µm': 'micrometer',
    'mm': 'millimeter',
    'nanometer': 'nanometer',
    'micrometer': 'micrometer',
    'millimeter': 'millimeter'
}
SHORT_UNITS = {'nanometer': 'nm', 'micrometer': 'um', 'millimeter': 'mm'}


def split_zarr_path(path: str) -> Tuple[str, str]:
    """``'vol.zarr/0'`` -> ``('vol.zarr', '0')``."""
    norm = path.replace('\\', '/')
    idx = norm.lower().find('.zarr')
    if idx < 0:
        return path, ''
    cut = idx + len('.zarr')
    return path[:cut], norm[cut:].strip('/')


def kind_of(spec: str) -> str:
    """``'zarr'``, ``'h5'``, ``'tiff'`` or ``'folder'``; raises for a
    missing path or an unknown extension."""
    if '.zarr' in spec.lower():
        root, _ = split_zarr_path(spec)
        if not osp.exists(root):
            raise InferenceInputError(f'input not found: {root}')
        return 'zarr'
    file, _ = split_h5_path(spec)
    if not osp.exists(file):
        raise InferenceInputError(f'input not found: {file}')
    if osp.isdir(file):
        return 'folder'
    if file.lower().endswith(H5_SUFFIXES):
        return 'h5'
    if file.lower().endswith(STACK_SUFFIXES):
        return 'tiff'
    raise InferenceInputError(
        f'{file}: unknown input type; give a folder of PNG/TIFF slices, a '
        'TIFF stack (.tif), an HDF5 dataset (file.h5:/key) or a zarr array '
        '(volume.zarr/0)')


def _check_shape(shape: Sequence[int], where: str, axes: str = '') -> None:
    if len(shape) == 2:
        return
    rgb = ('S' in axes
           or 'C' in axes) or (len(shape) == 3 and shape[-1] in (3, 4)
                               and shape[0] > 4)
    if len(shape) != 3 or rgb:
        raise InferenceInputError(
            f'{where}: expected a grayscale (Z, Y, X) volume or one 2D '
            f'slice, got shape {tuple(shape)}'
            f'{" (colour channels)" if rgb else ""}; save a single-channel '
            'grayscale stack (e.g. Fiji: Image > Type > 8-bit)')


def _unit(name) -> Optional[str]:
    if not name:
        return None
    return UNITS.get(str(name).strip(), None)


class VolumeSource:
    """A (Z, Y, X) grayscale volume on disk, read region by region.

    Args:
        spec (str): folder, ``stack.tif``, ``file.h5:/key`` or
            ``volume.zarr[/path]``.
        z_range (tuple, optional): ``(start, stop)`` slices to use.

    Attributes: ``shape``, ``dtype``, ``voxel_size`` ((z, y, x) or None),
    ``unit`` (OME-NGFF name, e.g. ``'nanometer'``), ``chunks`` (the zarr
    chunks, else None), ``kind``.
    """

    def __init__(self, spec: str, z_range: Optional[Sequence[int]] = None):
        self.spec = str(spec)
        self.kind = kind_of(self.spec)
        self.voxel_size: Optional[Tuple[float, float, float]] = None
        self.unit: Optional[str] = None
        self.chunks: Optional[Tuple[int, int, int]] = None
        self._handle = None
        getattr(self, f'_open_{self.kind}')()
        self.full_shape = tuple(int(s) for s in self.full_shape)
        z0, z1 = z_range if z_range is not None else (0, self.full_shape[0])
        if not 0 <= z0 < z1 <= self.full_shape[0]:
            raise InferenceInputError(
                f'{self.spec}: z range {z0}..{z1} is outside its '
                f'{self.full_shape[0]} slices; give 0 <= A < B <= '
                f'{self.full_shape[0]}')
        self.z0, self.z1 = int(z0), int(z1)
        self.shape = (self.z1 - self.z0, ) + self.full_shape[1:]

    # --- opening ---------------------------------------------------------
    def _open_folder(self):
        files = sorted(
            f for f in glob.glob(osp.join(self.spec, '*'))
            if f.lower().endswith(SLICE_SUFFIXES))
        if not files:
            raise InferenceInputError(
                f'{self.spec}: no image files ({"/".join(SLICE_SUFFIXES)})')
        self.files = files
        import cv2
        first = cv2.imread(files[0], cv2.IMREAD_UNCHANGED)
        if first is None:
            raise InferenceInputError(f'cannot read image {files[0]}')
        _check_shape(first.shape, files[0])
        if first.ndim == 3:
            raise InferenceInputError(
                f'{files[0]}: a colour image (shape {first.shape}); '
                'save the slices as single-channel grayscale')
        self.dtype = first.dtype
        self.full_shape = (len(files), ) + first.shape

    def _open_tiff(self):
        import tifffile
        with tifffile.TiffFile(self.spec) as tif:
            series = tif.series[0]
            _check_shape(series.shape, self.spec, series.axes)
            self.dtype = np.dtype(series.dtype)
            shape = series.shape
            self.full_shape = (1, ) + shape if len(shape) == 2 else shape
            self._tiff_voxel_size(tif)

    def _tiff_voxel_size(self, tif):
        page = tif.pages[0]
        ij = tif.imagej_metadata or {}
        unit = _unit(ij.get('unit'))
        if tif.is_ome:
            import re
            xml = tif.ome_metadata or ''
            vals = {}
            for ax in 'XYZ':
                m = re.search(rf'PhysicalSize{ax}="([0-9.eE+-]+)"', xml)
                if m:
                    vals[ax] = float(m.group(1))
            m = re.search(r'PhysicalSizeXUnit="([^"]+)"', xml)
            if 'X' in vals:
                self.voxel_size = (vals.get('Z', 1.), vals.get('Y', vals['X']),
                                   vals['X'])
                self.unit = _unit(m.group(1) if m else 'um') or 'micrometer'
            return
        tags = page.tags
        if 'XResolution' not in tags or unit is None:
            return
        xr = tags['XResolution'].value
        yr = tags['YResolution'].value if 'YResolution' in tags else xr
        x = xr[1] / xr[0] if xr[0] else 1.
        y = yr[1] / yr[0] if yr[0] else x
        self.voxel_size = (float(ij.get('spacing', 1.)), float(y), float(x))
        self.unit = unit

    def _open_h5(self):
        import h5py
        file, key = split_h5_path(self.spec)
        self.file, self.key = file, (key or '').lstrip('/') or None
        with h5py.File(file, 'r') as f:
            if self.key is None:
                keys = list(f.keys())
                if len(keys) != 1:
                    raise InferenceInputError(
                        f'{file} holds datasets {keys}; name one as '
                        f'"{file}:/<key>"')
                self.key = keys[0]
            if self.key not in f or not hasattr(f[self.key], 'shape'):
                raise InferenceInputError(
                    f'{file} has no dataset "/{self.key}" (it has '
                    f'{list(f.keys())}); give it as "{file}:/<key>"')
            ds = f[self.key]
            _check_shape(ds.shape, f'{file}:/{self.key}')
            self.dtype = np.dtype(ds.dtype)
            self.full_shape = (1, ) + ds.shape if ds.ndim == 2 else ds.shape
            if ds.chunks is not None and ds.ndim == 3:
                self.chunks = tuple(ds.chunks)
            for name, unit in (('element_size_um', 'micrometer'),
                               ('voxel_size', None), ('resolution', None)):
                if name in ds.attrs:
                    vs = [float(v) for v in np.ravel(ds.attrs[name])]
                    if len(vs) == 3:
                        self.voxel_size = tuple(vs)
                        self.unit = unit or _unit(ds.attrs.get(
                            'unit', 'nm')) or 'nanometer'
                        break

    def _open_zarr(self):
        import zarr
        root, sub = split_zarr_path(self.spec)
        self.root, self.sub = root, sub
        try:
            node = zarr.open(root, mode='r')
        except Exception as e:  # noqa: BLE001 (zarr raises several types)
            raise InferenceInputError(f'cannot open zarr store {root}: {e}')
        group = node
        if sub:
            try:
                node = group[sub]
            except KeyError:
                have = list(group.keys()) if hasattr(group, 'keys') else []
                raise InferenceInputError(
                    f'{root} has no array "{sub}" (it has {have}); give '
                    f'it as {root}/<path>') from None
        if hasattr(node, 'keys') and not hasattr(node, 'dtype'):
            ms = _multiscales(node.attrs)
            if ms:
                node_path = ms['datasets'][0]['path']
                group, sub = node, (sub + '/' + node_path).strip('/')
                node = node[node_path]
            else:
                raise InferenceInputError(
                    f'{self.spec} is a zarr group, not an array (it has '
                    f'{list(node.keys())}); give it as '
                    f'{self.spec.rstrip("/")}/<array>')
        self.sub = sub
        _check_shape(node.shape, self.spec)
        self.dtype = np.dtype(node.dtype)
        self.full_shape = (1, ) + node.shape if node.ndim == 2 else node.shape
        if node.ndim == 3:
            self.chunks = tuple(int(c) for c in node.chunks)
        self._zarr_voxel_size(root, sub)

    def _zarr_voxel_size(self, root, sub):
        import zarr
        parent, _, name = sub.rpartition('/')
        try:
            group = zarr.open_group(osp.join(root, parent), mode='r')
        except Exception:  # noqa: BLE001 (no group above: no metadata)
            return
        ms = _multiscales(group.attrs)
        if not ms:
            return
        for ds in ms.get('datasets', []):
            if ds.get('path') == name:
                for t in ds.get('coordinateTransformations', []):
                    if t.get('type') == 'scale' and len(t['scale']) >= 3:
                        self.voxel_size = tuple(
                            float(v) for v in t['scale'][-3:])
                units = [
                    a.get('unit') for a in ms.get('axes', [])
                    if isinstance(a, dict)
                ]
                self.unit = _unit(units[-1] if units else None)

    # --- reading ---------------------------------------------------------
    def __getstate__(self):
        state = dict(self.__dict__)
        state['_handle'] = None
        return state

    @property
    def ndim(self) -> int:
        return 3

    def read(
        self, z: slice, y: slice = slice(None),
        x: slice = slice(None)) -> np.ndarray:
        """Region ``[z, y, x]`` (z relative to the z range) as a numpy
        (z, y, x) array."""
        z0, z1, _ = z.indices(self.shape[0])
        zs = slice(self.z0 + z0, self.z0 + z1)
        if self.kind in ('zarr', 'h5'):
            arr = self._array()
            if len(self.full_shape) == 3 and arr.ndim == 2:
                return np.asarray(arr[y, x])[None]
            return np.asarray(arr[zs, y, x])
        if self.kind == 'folder':
            return np.stack([
                self._check_slice(read_slice(self.files[i]), self.files[i])[y,
                                                                            x]
                for i in range(zs.start, zs.stop)
            ])
        return np.stack(
            [read_slice(self.spec, i)[y, x] for i in range(zs.start, zs.stop)])

    def __getitem__(self, key) -> np.ndarray:
        """``source[z]`` (one slice) or ``source[z0:z1, y0:y1, x0:x1]``
        (what ``dask.array.from_array`` asks for)."""
        if not isinstance(key, tuple):
            key = (key, )
        if isinstance(key[0], (int, np.integer)):
            z = int(key[0])
            return self.read(slice(z, z + 1), *key[1:])[0]
        return self.read(*key)

    def _check_slice(self, arr: np.ndarray, file: str) -> np.ndarray:
        if arr.shape != self.full_shape[1:]:
            raise InferenceInputError(
                f'{file}: shape {arr.shape} differs from the first slice '
                f'{self.full_shape[1:]}; all slices must have one size')
        return arr

    def _array(self):
        if self._handle is None:
            if self.kind == 'zarr':
                import zarr
                group = zarr.open(self.root, mode='r')
                self._handle = group[self.sub] if self.sub else group
            else:
                import h5py
                self._handle = h5py.File(self.file, 'r')[self.key]
        return self._handle


def _multiscales(attrs) -> Optional[dict]:
    """The first OME-NGFF multiscales entry (0.4 or 0.5 layout)."""
    attrs = dict(attrs)
    ms = attrs.get('multiscales') or attrs.get('ome', {}).get('multiscales')
    return ms[0] if ms else None


def parse_voxel_size(values, unit: str = 'nm'):
    """``(z, y, x)`` floats and the OME-NGFF unit of ``--voxel-size``."""
    if values is None:
        return None, None
    if len(values) != 3 or any(float(v) <= 0 for v in values):
        raise InferenceInputError(
            f'--voxel-size needs three positive numbers Z Y X, got {values}')
    unit_name = _unit(unit)
    if unit_name is None:
        raise InferenceInputError(f'unknown unit {unit!r}; use nm, um or mm')
    return tuple(float(v) for v in values), unit_name


def ensure_writable(path: str) -> None:
    """Raise :class:`InferenceInputError` unless ``path`` (a folder that
    may not exist yet) can be created and written: a probe file is made in
    its nearest existing parent (permission bits say nothing to root or
    about read-only mounts)."""
    import tempfile
    parent = osp.abspath(path)
    while not osp.exists(parent):
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        parent = osp.dirname(parent)
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as e:
        raise InferenceInputError(
            f'cannot write to {parent} ({e.strerror or e}); choose another '
            '--out') from None
