"""tools/benchmarks/z_sigma_isotropy.py: an isotropic object changes as
much across sections as within them, per-section flicker does not, and
the in-plane lag puts anisotropic sections on the same physical scale."""
import os.path as osp
import sys

import numpy as np
import pytest

sys.path.insert(
    0, osp.join(osp.dirname(__file__), '..', '..', 'tools', 'benchmarks'))
from z_sigma_isotropy import (
    anisotropy,
    anisotropy_per_sigma,  # noqa: E402
    choose_sigma,
    in_plane_lag)


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


def test_a_ball_changes_as_much_across_sections_as_within():
    assert anisotropy(ball()) == pytest.approx(1., abs=1e-6)
    assert choose_sigma(anisotropy_per_sigma(ball(), [0., 1., 2.])) == 0.


def test_flicker_across_sections_asks_for_smoothing():
    rng = np.random.default_rng(0)
    flicker = ball(shifts=rng.integers(-3, 4, 33))
    ratios = anisotropy_per_sigma(flicker, [0., 0.5, 1., 2., 4.])
    assert ratios[0.] > 1.5
    # smoothing along z only lowers the change across sections
    assert all(
        a > b
        for a, b in zip(list(ratios.values()),
                        list(ratios.values())[1:]))
    assert choose_sigma(ratios) > 0.


def test_the_lag_spans_one_section_of_anisotropic_voxels():
    """A physical sphere cut in sections 3x thicker than the pixels is
    3x flatter in voxels: at lag 1 it looks anisotropic, at the lag of
    one section thickness it does not."""
    assert in_plane_lag((15., 5., 5.)) == 3
    assert in_plane_lag((5., 5., 5.)) == 1
    assert in_plane_lag((2., 5., 5.)) == 1
    flat = ball(shape=(15, 61, 61), radius=(6., 18., 18.))
    assert anisotropy(flat, lag=1) > 2.5
    assert anisotropy(flat, lag=3) == pytest.approx(1., abs=0.25)
    with pytest.raises(ValueError, match='> 0'):
        in_plane_lag((0., 5., 5.))


def test_choice_rule():
    assert choose_sigma({0.: 1.8, 1.: 1.2, 2.: 0.9, 4.: 0.5}) == 2.
    assert choose_sigma({0.: 3., 1.: 2., 2.: 1.5}) == 2.  # none reaches 1
    assert choose_sigma({0.: 0.7, 1.: 0.4}) == 0.
