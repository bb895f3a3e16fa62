"""Smoothing the probability along z: what it fixes, that blocks give the
whole-volume result, and ``emda-infer --z-smooth`` end to end."""
import os.path as osp

import numpy as np
import pytest
import zarr

from emda.apis import InferenceInputError, segment_volume
from emda.apis.z_smoothing import smooth_mask_along_z, z_radius, z_smooth


def tube_volume():
    """A mitochondrion through all 9 slices, missed on slice 4, and a
    spurious patch on slice 1 only."""
    prob = np.full((9, 12, 12), 0.05, np.float32)
    prob[:, 2:6, 2:6] = 0.9
    prob[4, 2:6, 2:6] = 0.3
    prob[1, 8:11, 8:11] = 0.7
    return prob


def test_one_slice_errors_are_averaged_out():
    prob = tube_volume()
    mask = z_smooth(prob, 1.) >= 0.5
    assert mask[4, 3, 3]  # the missed slice is filled
    assert not mask[1, 9, 9]  # the one-slice patch is gone
    # the end slices are extended, not zero-padded: the tube stays
    assert mask[0, 3, 3] and mask[8, 3, 3]
    np.testing.assert_array_equal(z_smooth(prob, 0), prob)  # off
    unsmoothed = prob >= 0.5
    assert not unsmoothed[4, 3, 3] and unsmoothed[1, 9, 9]


@pytest.mark.parametrize('dtype', ['uint8', 'float16'])
def test_chunked_smoothing_equals_the_whole_volume(dtype):
    rng = np.random.default_rng(0)
    prob = rng.random((23, 16, 16)).astype(np.float32)
    stored = (
        np.round(prob * 255).astype(np.uint8)
        if dtype == 'uint8' else prob.astype(np.float16))
    # z-chunks of 3 slices, thinner than the halo of sigma 2 (8 slices)
    mask = zarr.zeros((23, 16, 16), chunks=(3, 8, 8), dtype='uint8')
    assert z_radius(2.) > 3
    count = smooth_mask_along_z(stored, mask, 2.)
    scale = 1 / 255 if dtype == 'uint8' else 1
    expected = z_smooth(stored.astype(np.float32) * scale, 2.) >= 0.5
    np.testing.assert_array_equal(mask[:], expected)
    assert count == expected.sum()
    with pytest.raises(ValueError, match='>= 0'):
        smooth_mask_along_z(stored, mask, -1.)


def read_store(out):
    root = zarr.open_group(osp.join(out, 'predictions.ome.zarr'), mode='r')
    return (np.asarray(root['0']).astype(np.float32) / 255,
            np.asarray(root['labels/mask/0']))


def test_infer_z_smooth_end_to_end(tmp_path, tiny_ckpt, make_volume):
    """One-slice z-blocks (the halo comes from neighbouring blocks): the
    written mask is the smoothed stored probability, thresholded, and
    not the unsmoothed one; instances are labelled from it."""
    import tifffile
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(stack, make_volume(6, (40, 40)))
    kw = dict(fmt='zarr', progress=False, block=(1, 32, 32))
    plain = segment_volume(*tiny_ckpt, stack, str(tmp_path / 'plain'), **kw)
    smooth = segment_volume(
        *tiny_ckpt, stack, str(tmp_path / 'smooth'), z_smooth=1., **kw)
    prob, mask = read_store(str(tmp_path / 'smooth'))
    plain_prob, plain_mask = read_store(str(tmp_path / 'plain'))
    np.testing.assert_array_equal(prob, plain_prob)  # same network output
    expected = (z_smooth(prob, 1.) >= 0.5).astype(np.uint8)
    np.testing.assert_array_equal(mask, expected)
    assert (mask != plain_mask).any()
    assert smooth['z_smooth'] == 1. and plain['z_smooth'] == 0.
    assert smooth['foreground_fraction'] == pytest.approx(expected.mean())
    with pytest.raises(InferenceInputError, match='--z-smooth'):
        segment_volume(
            *tiny_ckpt, stack, str(tmp_path / 'bad'), z_smooth=-1., **kw)
    assert not osp.exists(str(tmp_path / 'bad'))  # nothing written


def test_cli_passes_z_smooth_through(tmp_path, tiny_ckpt, make_volume, capsys):
    import tifffile

    from emda.tools.infer import main
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(stack, make_volume(4, (40, 40)), photometric='minisblack')
    summary = main([
        *tiny_ckpt, stack, '--out',
        str(tmp_path / 'seg'), '--z-smooth', '1', '--no-progress'
    ])
    assert summary['z_smooth'] == 1.
    with pytest.raises(SystemExit) as exit_info:
        main([
            *tiny_ckpt, stack, '--out',
            str(tmp_path / 'bad'), '--z-smooth', '-0.5', '--no-progress'
        ])
    assert exit_info.value.code == 2
    assert '--z-smooth must be >= 0' in capsys.readouterr().err
