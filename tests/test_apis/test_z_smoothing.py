"""Smoothing the probability along z: what it fixes, that blocks give the
whole-volume result, and ``emda-infer --z-smooth`` end to end."""
import os.path as osp

import numpy as np
import pytest
import zarr

from emda.apis import InferenceInputError, segment_volume
from emda.apis.z_smoothing import (anisotropy, in_plane_lag, isotropy_sigma,
                                   smooth_mask_along_z, z_radius, z_smooth)


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
    assert "expected a sigma >= 0 (slices) or 'auto'" in capsys.readouterr(
    ).err


def ball(shape=(33, 33, 33), radius=(10., 10., 10.), shifts=None):
    """A binary ellipsoid centred in ``shape`` (radii in voxels per axis);
    ``shifts``: an x offset per section (a 2D network's flicker)."""
    zz, yy, xx = np.mgrid[:shape[0], :shape[1], :shape[2]].astype(float)
    centre = [(n - 1) / 2 for n in shape]
    if shifts is not None:
        xx = xx - np.asarray(shifts, float)[:, None, None]
    dist = (((zz - centre[0]) / radius[0])**2 +
            ((yy - centre[1]) / radius[1])**2 +
            ((xx - centre[2]) / radius[2])**2)
    return (dist <= 1).astype(np.float32)


def test_isotropy_leaves_an_isotropic_ball_alone():
    """A ball changes as much across sections as within them: R = 1 and
    no smoothing is chosen."""
    assert anisotropy(ball()) == pytest.approx(1., abs=1e-6)
    sigma, ratios = isotropy_sigma(ball(), (5., 5., 5.), [0., 1., 2.])
    assert sigma == 0. and ratios[0.] == pytest.approx(1., abs=1e-6)


def test_isotropy_smooths_away_flicker_across_sections():
    """Per-section shifts (a 2D network's flicker) raise R above 1;
    smoothing along z lowers it monotonically, and the choice is the
    first sigma of the grid that brings it to 1."""
    rng = np.random.default_rng(0)
    flicker = ball(shifts=rng.integers(-3, 4, 33))
    grid = [0., 0.5, 1., 2., 4., 8.]
    sigma, ratios = isotropy_sigma(flicker, (5., 5., 5.), grid)
    values = [ratios[s] for s in grid]
    assert values[0] > 1.5
    assert all(a > b for a, b in zip(values, values[1:]))
    assert sigma > 0. and ratios[sigma] <= 1.
    assert all(ratios[s] > 1. for s in grid if s < sigma)
    # stored as uint8 (p x 255), the choice is the same
    as_uint8 = (flicker * 255).astype(np.uint8)
    assert isotropy_sigma(as_uint8, (5., 5., 5.), grid)[0] == sigma
    # none reaching 1: the largest sigma
    assert isotropy_sigma(flicker, (5., 5., 5.), [0., 0.5])[0] == 0.5


def test_isotropy_compares_at_one_section_of_distance():
    """A physical sphere cut in sections 3x thicker than the pixels is 3x
    flatter in voxels: at lag 1 it looks anisotropic, at the lag of one
    section thickness it does not."""
    assert in_plane_lag((15., 5., 5.)) == 3
    assert in_plane_lag((5., 5., 5.)) == 1
    assert in_plane_lag((2., 5., 5.)) == 1
    flat = ball(shape=(15, 61, 61), radius=(6., 18., 18.))
    assert anisotropy(flat, lag=1) > 2.5
    assert anisotropy(flat, lag=3) == pytest.approx(1., abs=0.1)
    with pytest.raises(ValueError, match='> 0'):
        in_plane_lag((0., 5., 5.))


def test_isotropy_measures_the_central_crop_of_a_large_volume():
    """Beyond ``max_shape`` only the central crop is read: an object in
    the corner outside it changes nothing."""
    rng = np.random.default_rng(1)
    volume = np.zeros((33, 80, 80), np.float32)
    volume[:, 23:56, 23:56] = ball(shifts=rng.integers(-3, 4, 33))
    cropped = isotropy_sigma(volume, (5., 5., 5.), max_shape=(33, 40, 40))
    volume[:, :8, :8] = np.indices((33, 8, 8))[0] % 2  # flicker, outside
    assert isotropy_sigma(
        volume, (5., 5., 5.), max_shape=(33, 40, 40)) == cropped


def test_infer_z_smooth_auto_applies_the_isotropy_choice(
        tmp_path, tiny_ckpt, make_volume):
    """``--z-smooth auto``: the sigma is the isotropy rule's on the stored
    probability, the mask is that sigma's, the summary says so; without a
    voxel size it stops before writing anything."""
    import tifffile
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(stack, make_volume(8, (40, 40)))  # blobs move per slice
    kw = dict(fmt='zarr', progress=False, block=(2, 32, 32))
    with pytest.raises(InferenceInputError, match='--voxel-size'):
        segment_volume(
            *tiny_ckpt, stack, str(tmp_path / 'novs'), z_smooth='auto', **kw)
    assert not osp.exists(str(tmp_path / 'novs'))
    one = str(tmp_path / 'one.tif')
    tifffile.imwrite(one, make_volume(1, (40, 40)))
    with pytest.raises(InferenceInputError, match='at least 2 sections'):
        segment_volume(
            *tiny_ckpt,
            one,
            str(tmp_path / 'one'),
            z_smooth='auto',
            voxel_size=(5., 5., 5.),
            **kw)
    assert not osp.exists(str(tmp_path / 'one'))
    out = str(tmp_path / 'auto')
    summary = segment_volume(
        *tiny_ckpt, stack, out, z_smooth='auto', voxel_size=(5., 5., 5.), **kw)
    prob, mask = read_store(out)
    sigma, ratios = isotropy_sigma(prob, (5., 5., 5.))
    assert sigma > 0.  # independent blobs per slice flicker across z
    assert summary['z_smooth'] == sigma
    assert summary['z_smooth_choice']['rule'] == 'isotropy'
    assert summary['z_smooth_choice']['ratios']['0'] == pytest.approx(
        ratios[0.], abs=1e-4)
    expected = (z_smooth(prob, sigma) >= 0.5).astype(np.uint8)
    np.testing.assert_array_equal(mask, expected)
    from emda.apis.segment import format_summary
    assert f'sigma {sigma:g} slices (chosen by --z-smooth auto' in \
        format_summary(summary)
    with pytest.raises(InferenceInputError, match='--z-smooth'):
        segment_volume(
            *tiny_ckpt, stack, str(tmp_path / 'bad'), z_smooth='2', **kw)


def test_cli_reads_z_smooth_auto():
    from emda.tools.infer import parse_args
    assert parse_args(
        ['c.py', 'k.pth', 'in', '--out', 'o', '--z-smooth',
         'auto']).z_smooth == 'auto'
    assert parse_args(
        ['c.py', 'k.pth', 'in', '--out', 'o', '--z-smooth',
         '1.5']).z_smooth == 1.5
