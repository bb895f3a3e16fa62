import numpy as np
import pytest

from emda.models.selectors import InstanceAwareSelector
from emda.structures import render_heatmap

SHAPE = (200, 400)
# Six instances in a row, 64 px apart (their 61 px Gaussians do not touch),
# detection peaks strictly decreasing from left to right.
CENTERS = [(100, 36 + 64 * i) for i in range(6)]
HEIGHTS = [255, 254, 253, 252, 251, 250]
DISC_RADIUS = 12  # confident core of each instance
BAND_RADIUS = 15  # uncertain rim (p = 0.5) around the core
MISSED_POINT = (30, 196)  # a point on confident background


def make_prob(centers=CENTERS, shape=SHAPE):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    prob = np.full(shape, 0.02, np.float32)
    for y, x in centers:
        dist = np.hypot(yy - y, xx - x)
        prob[dist <= BAND_RADIUS] = 0.5
        prob[dist <= DISC_RADIUS] = 0.97
    return prob


def make_heatmap(centers=CENTERS, heights=HEIGHTS, shape=SHAPE):
    maps = [
        render_heatmap([c], shape, peak=h) for c, h in zip(centers, heights)
    ]
    return np.maximum.reduce(maps)


def selected(result, centers=CENTERS):
    """Indices of the instances whose center is labelled foreground."""
    return [i for i, (y, x) in enumerate(centers) if result.label[y, x] == 1]


def test_ratio_zero_selects_only_point_hit_instances():
    selector = InstanceAwareSelector()
    result = selector(
        make_prob(), make_heatmap(), points=[CENTERS[2]], ratio=0.)
    assert selected(result) == [2]
    # the whole component (not just the point) is foreground
    y, x = CENTERS[2]
    assert (result.label[y, x - DISC_RADIUS:x + DISC_RADIUS + 1] == 1).all()
    # unselected predicted instances are ignored, not background
    for i in (0, 1, 3, 4, 5):
        assert result.label[CENTERS[i]] == 255
    assert result.info['n_point_hits'] == 1
    assert result.info['n_missed_points'] == 0


def test_heatmap_may_be_omitted_at_ratio_zero():
    result = InstanceAwareSelector()(
        make_prob(), None, points=[CENTERS[4]], ratio=0.)
    assert selected(result) == [4]
    assert result.info['n_instances_estimated'] is None


@pytest.mark.parametrize(
    'ratio, expected',
    [
        (0., [2]),
        (0.1, [0, 2]),  # ceil(0.6) = 1 peak: the highest one
        (0.2, [0, 1, 2]),  # ceil(1.2) = 2
        (0.5, [0, 1, 2, 3]),  # 3
        (0.6, [0, 1, 2, 3, 4]),  # 4: the point-hit peak is not counted
        (0.8, [0, 1, 2, 3, 4, 5]),  # 5
    ])
def test_growing_ratio_adds_instances_by_peak_height(ratio, expected):
    result = InstanceAwareSelector()(
        make_prob(), make_heatmap(), points=[CENTERS[2]], ratio=ratio)
    assert selected(result) == expected
    assert result.info['n_instances_estimated'] == 6
    assert result.info['n_selected'] == len(expected)
    unselected = set(range(6)) - set(expected)
    assert all(result.label[CENTERS[i]] == 255 for i in unselected)


def test_ceil_of_count_times_ratio_is_robust_to_float_error():
    # 10 instances and r = 0.3: 10 * 0.3 = 3.0000000000000004 in floats,
    # the intended ceil is 3, not 4.
    centers = [(50 + 100 * row, 36 + 64 * col) for row in range(2)
               for col in range(5)]
    heights = [255 - i for i in range(10)]
    shape = (200, 330)
    result = InstanceAwareSelector()(
        make_prob(centers, shape),
        make_heatmap(centers, heights, shape),
        ratio=0.3)
    assert result.info['n_instances_estimated'] == 10
    assert selected(result, centers) == [0, 1, 2]


@pytest.mark.parametrize(
    'heights, expected',
    [
        ([255] * 6, 6),
        ([255, 255, 255, 255, 128, 128], 5),
        ([100] * 6, 2),  # 600 / 255 = 2.35
    ])
def test_instance_count_is_the_heatmap_mass(heights, expected):
    result = InstanceAwareSelector()(
        make_prob(), make_heatmap(heights=heights), ratio=0.5)
    assert result.info['n_instances_estimated'] == expected


def test_peaks_outside_confident_components_add_nothing():
    # the strongest peak sits on confident background
    centers = CENTERS + [(30, 300)]
    heatmap = make_heatmap(centers, [200] * 6 + [255])
    result = InstanceAwareSelector()(make_prob(), heatmap, ratio=1 / 7)
    assert result.info['n_instances_estimated'] == 6
    assert result.info['n_peaks_kept'] == 1
    assert result.info['n_selected'] == 0
    assert result.label[30, 300] == 0


def test_missed_point_becomes_blob_with_ignore_ring():
    y, x = MISSED_POINT
    result = InstanceAwareSelector()(
        make_prob(), make_heatmap(), points=[MISSED_POINT], ratio=0.)
    label = result.label
    # blob: (11, 13) ellipse dilated 3 times reaches 15 px in x, 18 in y
    assert label[y, x] == 1
    assert label[y, x + 15] == 1 and label[y, x + 16] == 255
    assert label[y + 18, x] == 1 and label[y + 19, x] == 255
    # ring: (31, 33) ellipse 3 times reaches 45 px in x
    assert label[y, x + 45] == 255 and label[y, x + 46] == 0
    assert result.info['n_missed_points'] == 1
    assert result.info['n_point_hits'] == 0
    assert result.point_instances[y, x]
    np.testing.assert_allclose(result.centers, [[y, x]], atol=0.5)


def test_confident_background_is_zero_and_uncertain_is_ignored():
    result = InstanceAwareSelector()(
        make_prob(), make_heatmap(), points=[CENTERS[0]], ratio=1.)
    prob = make_prob()
    assert (result.label[prob < 0.1] == 0).all()
    assert (result.label[prob == 0.5] == 255).all()
    assert (result.weight == (result.label != 255)).all()
    assert result.weight.dtype == np.float32


def test_tau_sets_the_ternary_map():
    prob = make_prob()
    prob[prob == 0.02] = 0.15  # background only 0.85 sure
    strict = InstanceAwareSelector(tau=0.9)(prob, make_heatmap(), ratio=1.)
    loose = InstanceAwareSelector(tau=0.8)(prob, make_heatmap(), ratio=1.)
    assert (strict.label[prob == 0.15] == 255).all()
    assert (loose.label[prob == 0.15] == 0).all()


def test_components_below_min_size_are_not_instances():
    prob = make_prob()
    prob[20:22, 20:22] = 0.99  # 4 px
    heatmap = make_heatmap(CENTERS + [(21, 21)], [100] * 6 + [255])
    # the highest peak lies on the 4 px component
    kept = InstanceAwareSelector(min_size=4)(prob, heatmap, ratio=0.01)
    dropped = InstanceAwareSelector(min_size=5)(prob, heatmap, ratio=0.01)
    assert kept.label[21, 21] == 1
    assert dropped.label[21, 21] == 255


def test_det_background_excludes_disk_around_points():
    y, x = MISSED_POINT
    heatmap = make_heatmap()
    result = InstanceAwareSelector()(
        make_prob(), heatmap, points=[MISSED_POINT], ratio=0.)
    det_bg = result.det_background
    assert det_bg.dtype == bool
    assert not det_bg[y, x] and not det_bg[y, x + 30]
    assert det_bg[y, x + 31]
    # heatmap support is never detection background
    assert not det_bg[heatmap >= 2].any()
    assert det_bg[0, 0]


def test_centers_and_point_instances():
    result = InstanceAwareSelector()(
        make_prob(), make_heatmap(), points=[CENTERS[2]], ratio=0.2)
    np.testing.assert_allclose(
        result.centers, [CENTERS[0], CENTERS[1], CENTERS[2]], atol=0.5)
    assert result.centers.dtype == np.float32
    # only the point-hit instance, whole
    y, x = CENTERS[2]
    assert result.point_instances[y, x + DISC_RADIUS]
    assert not result.point_instances[CENTERS[0]]
    assert result.point_instances.sum() == (result.label[:,
                                                         132:196] == 1).sum()


def test_uda_mode_uses_top_peaks_as_points():
    selector = InstanceAwareSelector(mode='uda', uda_point_ratio=0.15)
    result = selector(make_prob(), make_heatmap(), ratio=0.5)
    # ceil(6 * 0.5) = 3 instances; ceil(6 * 0.15) = 1 pseudo point
    assert selected(result) == [0, 1, 2]
    assert result.info['n_pseudo_points'] == 1
    assert result.point_instances[CENTERS[0]]
    assert not result.point_instances[CENTERS[1]]
    # detection background: the uint8 heatmap (0..255 here, truncated) is
    # 0, with no point disk cut out of it
    np.testing.assert_array_equal(result.det_background, make_heatmap() < 1)


def test_uda_pseudo_points_are_selected_even_below_their_ratio():
    selector = InstanceAwareSelector(mode='uda', uda_point_ratio=0.5)
    result = selector(make_prob(), make_heatmap(), ratio=0.)
    assert selected(result) == [0, 1, 2]


def test_uda_unmatched_selected_peak_becomes_blob_without_ring():
    y, x = 30, 300
    centers = CENTERS + [(y, x)]
    heatmap = make_heatmap(centers, [200] * 6 + [255])
    result = InstanceAwareSelector(mode='uda')(make_prob(), heatmap, ratio=0.)
    assert result.label[y, x] == 1 and result.label[y, x + 15] == 1
    assert result.label[y, x + 16] == 0  # no ignore ring in UDA
    assert result.info['n_blobs'] == 1
    assert result.point_instances[y, x]


def test_uda_rejects_points_and_needs_heatmap():
    selector = InstanceAwareSelector(mode='uda')
    with pytest.raises(ValueError, match='uda'):
        selector(make_prob(), make_heatmap(), points=[CENTERS[0]], ratio=0.5)
    with pytest.raises(ValueError, match='heatmap'):
        selector(make_prob(), None, ratio=0.5)


def test_full_mode_sets_unhit_instances_to_background():
    points = [CENTERS[1], CENTERS[4], MISSED_POINT]
    result = InstanceAwareSelector(mode='full')(make_prob(), points=points)
    assert selected(result) == [1, 4]
    for i in (0, 2, 3, 5):
        y, x = CENTERS[i]
        assert (result.label[y,
                             x - DISC_RADIUS:x + DISC_RADIUS + 1] == 0).all()
        assert result.label[y, x + BAND_RADIUS] == 255  # uncertain rim
    y, x = MISSED_POINT
    assert result.label[y, x] == 1 and result.label[y, x + 45] == 255
    # without heatmap, detection background is label == 0 minus the disks
    assert not result.det_background[y, x + 30]
    assert result.det_background[y, x + 60]
    assert result.det_background[CENTERS[0]]


def test_wda_without_heatmap_at_positive_ratio_is_an_error():
    with pytest.raises(ValueError, match='heatmap'):
        InstanceAwareSelector()(make_prob(), None, ratio=0.3)
    with pytest.raises(ValueError, match='ratio'):
        InstanceAwareSelector()(make_prob(), make_heatmap())


@pytest.mark.parametrize('kwargs', [
    dict(mode='semi'),
    dict(tau=0.3),
    dict(nms_window=4),
    dict(uda_point_ratio=1.5),
    dict(blob_kernel=(11, )),
])
def test_bad_constructor_arguments(kwargs):
    with pytest.raises(ValueError):
        InstanceAwareSelector(**kwargs)
