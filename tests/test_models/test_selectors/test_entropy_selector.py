import numpy as np
import pytest

from emda.models.selectors import EntropySelector
from emda.models.selectors.entropy_selector import binary_entropy


def column_map(values_and_counts):
    """A 1 x N probability map from (value, count) pairs."""
    values = np.concatenate([np.full(n, v) for v, n in values_and_counts])
    return values.astype(np.float32)[None]


def test_binary_entropy_is_normalised():
    np.testing.assert_allclose(
        binary_entropy(np.array([0., 0.5, 1., 0.11])), [0, 1, 0, 0.4999],
        atol=1e-3)


def test_min_threshold_bounds_a_low_percentile():
    # fg: 80 px at 0.99 (H 0.08), 20 px at 0.6 (H 0.97): the 80th
    # percentile is ~0.26 < 0.5, so the threshold is 0.5
    prob = column_map([(0.99, 80), (0.6, 20)])
    result = EntropySelector()(prob)
    assert (result.label[0, :80] == 1).all()
    assert (result.label[0, 80:] == 255).all()
    assert result.info['entropy_threshold_fg'] == 0.5


def test_percentile_threshold_per_class():
    # fg: 50 px 0.99, 40 px 0.8 (H 0.722), 10 px 0.7 (H 0.881): the 80th
    # percentile is 0.722, so 0.8 stays foreground and 0.7 is ignored
    # bg: 90 px 0.01, 10 px 0.3 (H 0.881 > 0.5)
    prob = column_map([(0.99, 50), (0.8, 40), (0.7, 10), (0.01, 90),
                       (0.3, 10)])
    result = EntropySelector(percentile=80, min_threshold=0.5)(prob)
    label = result.label[0]
    assert (label[:90] == 1).all()
    assert (label[90:100] == 255).all()
    assert (label[100:190] == 0).all()
    assert (label[190:] == 255).all()
    assert result.info['entropy_threshold_fg'] == pytest.approx(
        float(binary_entropy(np.array([0.8]))[0]), abs=1e-6)
    assert result.info['entropy_threshold_bg'] == 0.5
    np.testing.assert_array_equal(result.det_background, label[None] == 0)


def test_half_probability_is_background_class():
    prob = column_map([(0.5, 4), (0.01, 96)])
    result = EntropySelector(min_threshold=1.0)(prob)
    assert (result.label[0, :4] == 0).all()


def test_points_only_enter_the_label_with_point_blobs():
    prob = np.full((100, 100), 0.01, np.float32)
    prob[0:10, 0:10] = 0.99
    points = np.array([[5, 5], [60, 60]])
    plain = EntropySelector()(prob, points=points)
    assert plain.label[60, 60] == 0
    assert plain.point_instances[5, 5] and plain.point_instances.sum() == 100
    assert plain.info['n_missed_points'] == 1
    blobs = EntropySelector(point_blobs=True)(prob, points=points)
    assert blobs.label[60, 60] == 1


@pytest.mark.parametrize(
    'kwargs',
    [dict(percentile=120), dict(min_threshold=-0.1)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        EntropySelector(**kwargs)
