"""Final outputs from a :class:`PredictionStore`: multi-page TIFF (ImageJ
hyperstacks with the voxel size for mask and probability, OME-TIFF for the
uint32 instances, which ImageJ's format cannot hold), PNG slice folders,
and a quick-look overlay montage. Files are written under a temporary
name and renamed when complete, slice by slice (flat memory)."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import cv2
import numpy as np

from .volume_io import SHORT_UNITS

#: what each stored array becomes
OUTPUTS = ('mask', 'prob', 'instances')


def _pages(array, to_page=None):
    for z in range(array.shape[0]):
        page = np.asarray(array[z])
        yield to_page(page) if to_page else page


def _display(name: str):
    if name == 'mask':
        return lambda m: m * np.uint8(255)
    return None


def write_tiff(path: str, array, name: str, voxel_size, unit) -> None:
    """``array`` (Z, Y, X) as a multi-page TIFF at ``path``."""
    import tifffile
    dtype = np.dtype(array.dtype)
    shape = tuple(array.shape)
    if dtype == np.float16:
        dtype = np.dtype(np.float32)
    convert = _display(name)
    if dtype == np.float32 and array.dtype == np.float16:
        convert = (lambda p: p.astype(np.float32))
    kwargs = {}
    short = SHORT_UNITS.get(unit, unit) if unit else None
    tmp = path + '.partial'
    big = int(np.prod(shape)) * dtype.itemsize > 2**31
    if dtype == np.uint32:  # ImageJ has no 32-bit integers: OME-TIFF
        meta = dict(axes='ZYX')
        if voxel_size:
            meta.update(
                PhysicalSizeZ=voxel_size[0],
                PhysicalSizeY=voxel_size[1],
                PhysicalSizeX=voxel_size[2])
            if short:
                for ax in 'XYZ':
                    meta[f'PhysicalSize{ax}Unit'] = short.replace('um', 'µm')
        with tifffile.TiffWriter(tmp, bigtiff=big, ome=True) as tif:
            tif.write(
                _pages(array, convert),
                shape=shape,
                dtype=dtype,
                metadata=meta,
                compression='zlib')
    else:
        meta = dict(axes='ZYX')
        if voxel_size:
            meta.update(spacing=voxel_size[0], unit=short or 'pixel')
            kwargs['resolution'] = (1. / voxel_size[2], 1. / voxel_size[1])
        with tifffile.TiffWriter(tmp, bigtiff=big, imagej=True) as tif:
            tif.write(
                _pages(array, convert),
                shape=shape,
                dtype=dtype,
                metadata=meta,
                **kwargs)
    os.replace(tmp, path)


def write_png_folder(folder: str, array, name: str) -> None:
    """``array`` as ``folder/z0000.png`` ... (instances as 16-bit PNG)."""
    from .errors import InferenceInputError
    tmp = folder + '.partial'
    os.makedirs(tmp, exist_ok=True)
    convert = _display(name)
    for z, page in enumerate(_pages(array, convert)):
        if page.dtype == np.uint32:
            if page.max() > np.iinfo(np.uint16).max:
                raise InferenceInputError(
                    f'slice {z} has more than 65535 instances: PNG holds '
                    '16 bits; use --format tif or zarr')
            page = page.astype(np.uint16)
        elif page.dtype == np.float16:
            page = np.round(page.astype(np.float32) * 255).astype(np.uint8)
        cv2.imwrite(osp.join(tmp, f'z{z:04d}.png'), page)
    if osp.isdir(folder):
        import shutil
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def export(store, fmt: str, voxel_size, unit) -> Dict[str, str]:
    """Write the final ``fmt`` (``'tif'``, ``'png'`` or ``'zarr'``)
    outputs of ``store``; returns ``{name: path}``."""
    paths = {}
    for name in OUTPUTS:
        if fmt == 'zarr':
            paths[name] = osp.join(
                store.path, *{
                    'prob': ['0'],
                    'mask': ['labels', 'mask'],
                    'instances': ['labels', 'instances']
                }[name])
            continue
        array = store.array(name, mode='r')
        if fmt == 'tif':
            path = osp.join(store.out, f'{name}.tif')
            write_tiff(path, array, name, voxel_size, unit)
        else:
            path = osp.join(store.out, name)
            write_png_folder(path, array, name)
        paths[name] = path
    return paths


def _colour(ids: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random colour per instance id (0 black)."""
    rng = np.random.default_rng(0)
    lut = rng.integers(64, 256, (4096, 3), dtype=np.uint8)
    lut[0] = 0
    return lut[ids.astype(np.int64) % 4096 * (ids > 0)]


def overlay_rgb(image: np.ndarray,
                labels: np.ndarray,
                missed: Optional[np.ndarray] = None) -> np.ndarray:
    """BGR check image of a uint8 slice: each instance (or a 0/1 mask) in
    its colour with a solid outline, ``missed`` label pixels in red."""
    rgb = np.repeat(image[..., None], 3, 2)
    labels = labels.astype(np.int64)
    colour = _colour(labels) if labels.max() > 1 else np.where(
        labels[..., None] > 0, np.uint8([0, 255, 0]), 0).astype(np.uint8)
    if missed is not None:
        colour[missed > 0] = (0, 0, 255)
        labels = np.where(missed > 0, -1, labels)
    fg = labels != 0
    rgb[fg] = (0.6 * rgb[fg] + 0.4 * colour[fg]).astype(np.uint8)
    box = np.ones((3, 3), np.uint8)
    lab = labels.astype(np.float32)
    edge = fg & (cv2.dilate(lab, box) != cv2.erode(lab, box))
    rgb[edge] = colour[edge]
    return rgb


def quicklook(path: str,
              source,
              store,
              n: int = 4,
              width: int = 512,
              z_indices: Optional[Sequence[int]] = None) -> str:
    """A PNG montage of ``n`` slices: the image, instance outlines in
    colour, each slice shrunk to ``width`` pixels."""
    depth = source.shape[0]
    zs = z_indices or sorted(
        set(
            np.linspace(0, depth - 1, min(
                n, depth)).round().astype(int).tolist()))
    instances = store.array('instances', mode='r')
    tiles = []
    for z in zs:
        img = np.asarray(source[int(z)]).astype(np.float32)
        img = cv2.normalize(img, None, 0, 255,
                            cv2.NORM_MINMAX).astype(np.uint8)
        ids = np.asarray(instances[int(z)])
        f = min(1., width / img.shape[1])
        size = (max(1, int(img.shape[1] * f)), max(1, int(img.shape[0] * f)))
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        ids = cv2.resize(
            ids.astype(np.float32), size,
            interpolation=cv2.INTER_NEAREST).astype(np.int64)
        rgb = overlay_rgb(img, ids)
        cv2.putText(rgb, f'z={z}', (5, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    (255, 255, 255), 1)
        tiles.append(rgb)
    h = max(t.shape[0] for t in tiles)
    tiles = [np.pad(t, ((0, h - t.shape[0]), (0, 4), (0, 0))) for t in tiles]
    cv2.imwrite(path, np.concatenate(tiles, 1))
    return path
