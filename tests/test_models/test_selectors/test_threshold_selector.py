import numpy as np
import pytest

from emda.models.selectors import ThresholdSelector


def prob_grid():
    """Left third 0.02 (bg), middle 0.5 (uncertain), right third 0.97."""
    prob = np.full((60, 90), 0.5, np.float32)
    prob[:, :30] = 0.02
    prob[:, 60:] = 0.97
    return prob


def test_pixel_confidence_ternary_map():
    result = ThresholdSelector(tau=0.9)(prob_grid())
    assert (result.label[:, :30] == 0).all()
    assert (result.label[:, 30:60] == 255).all()
    assert (result.label[:, 60:] == 1).all()
    np.testing.assert_array_equal(result.det_background, result.label == 0)
    np.testing.assert_array_equal(result.weight, result.label != 255)
    np.testing.assert_allclose(result.centers, [[29.5, 74.5]])


def test_tau_boundaries_are_strict():
    prob = np.array([[0.9, 0.95, 0.1, 0.05]], np.float32)
    label = ThresholdSelector(tau=0.9)(prob).label
    np.testing.assert_array_equal(label, [[255, 1, 255, 0]])


def test_missed_points_become_blobs_with_ring():
    prob = np.full((120, 160), 0.02, np.float32)
    prob[:, 140:] = 0.97
    points = np.array([[60, 60], [60, 150]])  # first on background
    result = ThresholdSelector()(prob, points=points)
    label = result.label
    assert label[60, 60] == 1 and label[60, 75] == 1 and label[60, 76] == 255
    assert label[60, 105] == 255 and label[60, 106] == 0
    assert result.info['n_point_hits'] == 1
    assert result.info['n_missed_points'] == 1
    # both the blob and the point-hit column are point instances
    assert result.point_instances[60, 60] and result.point_instances[0, 150]
    assert not result.det_background[60, 80]

    no_blobs = ThresholdSelector(point_blobs=False)(prob, points=points)
    assert no_blobs.label[60, 60] == 0
    assert no_blobs.info['n_missed_points'] == 1


def test_dacs_weight_is_the_confident_fraction():
    result = ThresholdSelector(weight_mode='dacs')(prob_grid())
    confident = 2 / 3
    np.testing.assert_allclose(result.weight[result.label != 255], confident)
    assert (result.weight[result.label == 255] == 0).all()
    assert result.info['confident_fraction'] == pytest.approx(confident)


def test_bad_arguments():
    with pytest.raises(ValueError, match='weight_mode'):
        ThresholdSelector(weight_mode='soft')
    with pytest.raises(ValueError, match='tau'):
        ThresholdSelector(tau=1.0)
