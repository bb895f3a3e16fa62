"""tools/benchmarks/z_sigma_loo.py: the leave-one-slice-out error is exact
(it predicts a slice from its neighbours only) and chooses more smoothing
where the per-slice errors are independent than where they are not."""
import os.path as osp
import sys

import numpy as np
import pytest

sys.path.insert(
    0, osp.join(osp.dirname(__file__), '..', '..', 'tools', 'benchmarks'))
from z_sigma_loo import choose_sigma, loo_errors  # noqa: E402


def smooth_object(z=60):
    """A sphere-like probability: a disk whose radius varies slowly in z."""
    yy, xx = np.mgrid[:24, :24]
    radius = 6 + 4 * np.sin(np.linspace(0, np.pi, z))
    return (np.hypot(yy - 12, xx - 12)[None] < radius[:, None,
                                                      None]).astype(np.float32)


def test_the_centre_slice_is_left_out():
    """A spike on one slice is invisible to that slice's own prediction
    (squared error 1), and each neighbour at distance k sees it with the
    Gaussian's weight renormalised without the centre."""
    prob = np.zeros((60, 1, 1), np.float32)
    prob[30] = 1.  # all its neighbours are inner slices for each sigma
    for sigma in (0.5, 1., 2.):
        radius = int(4 * sigma + 0.5)
        weights = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma)**2)
        weights /= weights.sum()
        neighbours = np.delete(weights, radius) / (1 - weights[radius])
        expected = (1 + (neighbours**2).sum()) / (60 - 2 * radius)
        assert loo_errors(prob, [sigma])[sigma] == pytest.approx(expected)
    # a constant volume is predicted exactly
    assert max(
        loo_errors(np.full((20, 2, 2), .3, np.float32),
                   [0.5, 1., 2.]).values()) < 1e-10


def test_independent_slice_noise_asks_for_more_smoothing():
    rng = np.random.default_rng(0)
    clean = smooth_object()
    noisy = np.clip(clean + rng.normal(0, 0.4, clean.shape), 0, 1)
    grid = [0.5, 1., 2., 3., 4.]
    assert choose_sigma(loo_errors(clean, grid)) == 0.5
    assert choose_sigma(loo_errors(noisy, grid)) > 1.


def test_too_few_slices_are_refused():
    with pytest.raises(ValueError, match='too few'):
        loo_errors(np.zeros((10, 2, 2), np.float32), [4.])
