"""Reading every input kind, and round trips through the outputs."""
import os

import cv2
import h5py
import numpy as np
import pytest
import tifffile
import zarr

from emda.apis import InferenceInputError, VolumeSource
from emda.apis.export import write_tiff
from emda.apis.store import multiscales


def write_inputs(root, vol):
    """The same volume as every supported input; returns their specs."""
    os.makedirs(f'{root}/slices')
    for z, page in enumerate(vol):
        cv2.imwrite(f'{root}/slices/z{z:02d}.png', page)
    tifffile.imwrite(
        f'{root}/stack.tif',
        vol,
        imagej=True,
        resolution=(1 / 4., 1 / 4.),
        metadata=dict(spacing=40., unit='nm', axes='ZYX'))
    with h5py.File(f'{root}/vol.h5', 'w') as f:
        f.create_dataset(
            'raw', data=vol).attrs['element_size_um'] = [0.04, 0.004, 0.004]
        f.create_dataset('other', data=vol[:1])
    group = zarr.open_group(f'{root}/vol.zarr', mode='w', zarr_format=2)
    group.create_array('0', data=vol, chunks=(1, 16, 16))
    group.attrs['multiscales'] = [
        multiscales('raw', (40., 4., 4.), 'nanometer')
    ]
    return dict(
        folder=f'{root}/slices',
        tiff=f'{root}/stack.tif',
        h5=f'{root}/vol.h5:/raw',
        zarr=f'{root}/vol.zarr/0',
        ome=f'{root}/vol.zarr')


@pytest.mark.parametrize('kind', ['folder', 'tiff', 'h5', 'zarr', 'ome'])
def test_every_input_reads_the_same_volume(tmp_path, make_volume, kind):
    vol = make_volume(4, (30, 40))
    spec = write_inputs(str(tmp_path), vol)[kind]
    src = VolumeSource(spec, z_range=(1, 3))
    assert src.shape == (2, 30, 40) and src.dtype == np.uint8
    np.testing.assert_array_equal(src.read(slice(0, 2)), vol[1:3])
    np.testing.assert_array_equal(src[1][5:9], vol[2, 5:9])
    if kind != 'folder':  # PNG has no voxel size
        scale = 1000. if kind == 'h5' else 1.
        np.testing.assert_allclose(
            np.array(src.voxel_size) * scale, (40., 4., 4.), rtol=1e-5)
        assert src.unit == ('micrometer' if kind == 'h5' else 'nanometer')


@pytest.mark.parametrize('dtype', [np.uint8, np.uint16, np.float16, np.uint32])
def test_tiff_output_round_trip_keeps_shape_dtype_voxel_size(tmp_path, dtype):
    vol = (np.arange(2 * 5 * 6) % 7).reshape(2, 5, 6).astype(dtype)
    path = str(tmp_path / 'out.tif')
    write_tiff(path, vol, 'prob', (30., 5., 5.), 'nanometer')
    back = VolumeSource(path)
    stored = np.float32 if dtype == np.float16 else dtype  # no float16 in IJ
    assert back.shape == vol.shape and back.dtype == stored
    np.testing.assert_array_equal(back.read(slice(0, 2)), vol.astype(stored))
    assert back.voxel_size == pytest.approx((30., 5., 5.))
    assert not os.path.exists(path + '.partial')


def test_bad_inputs_raise_one_clear_error(tmp_path, make_volume):
    root = str(tmp_path)
    specs = write_inputs(root, make_volume(2, (20, 20)))
    with pytest.raises(InferenceInputError, match='not found: .*nope.tif'):
        VolumeSource(f'{root}/nope.tif')
    open(f'{root}/vol.mrc', 'w').close()
    with pytest.raises(InferenceInputError, match='vol.mrc: unknown input'):
        VolumeSource(f'{root}/vol.mrc')
    with pytest.raises(InferenceInputError, match='no dataset "/missing"'):
        VolumeSource(f'{root}/vol.h5:/missing')
    with pytest.raises(InferenceInputError, match=r'holds datasets'):
        VolumeSource(f'{root}/vol.h5')
    with pytest.raises(InferenceInputError, match='no array "9"'):
        VolumeSource(f'{root}/vol.zarr/9')
    tifffile.imwrite(f'{root}/rgb.tif', np.zeros((20, 20, 3), np.uint8))
    with pytest.raises(InferenceInputError, match='rgb.tif.*colour'):
        VolumeSource(f'{root}/rgb.tif')
    tifffile.imwrite(f'{root}/4d.tif', np.zeros((2, 2, 20, 20), np.uint8))
    with pytest.raises(InferenceInputError, match='4d.tif.*grayscale'):
        VolumeSource(f'{root}/4d.tif')
    with pytest.raises(InferenceInputError, match='z range 1..5'):
        VolumeSource(specs['tiff'], z_range=(1, 5))
