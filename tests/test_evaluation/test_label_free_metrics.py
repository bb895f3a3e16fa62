"""Label-free selection metrics on hand-built predictions: the point
metric prefers covering the points without flooding or spurious blobs, the
flip metric rewards self-consistent foreground and not empty predictions."""
import numpy as np
import pytest

from emda.registry import METRICS

SIZE = 90
CENTERS = [(15 + 30 * i, 15 + 30 * j) for i in range(3) for j in range(3)]


def discs(centers, radius=6):
    yy, xx = np.mgrid[:SIZE, :SIZE]
    mask = np.zeros((SIZE, SIZE), bool)
    for y, x in centers:
        mask |= (yy - y)**2 + (xx - x)**2 <= radius**2
    return mask.astype(np.float32)


TRUTH = discs(CENTERS)
POINTS = np.array(CENTERS[:3])  # 3 of the 9 instances: ratio 1/3


def point_score(prob, points=POINTS, **kwargs):
    metric = METRICS.build(
        dict(type='PointInstanceMetric', point_ratio=1 / 3, **kwargs))
    metric.process(None, [dict(prob_fg=prob, points=points)])
    return metric.compute_metrics(metric.results)


def test_point_metric_prefers_the_instances_to_flooding():
    exact = point_score(TRUTH)
    assert exact['score'] == pytest.approx(1.)
    flood = point_score(np.ones((SIZE, SIZE)))
    # one component holds all 3 points: it matches once
    assert flood['recall'] == pytest.approx(1 / 3)
    assert flood['point_hit'] == 1.
    assert flood['score'] == pytest.approx(0.5)
    assert point_score(np.zeros((SIZE, SIZE)))['score'] == 0.
    spurious = discs(CENTERS + [(y, x + 12) for y, x in CENTERS], 3)
    spurious = np.maximum(TRUTH, spurious * (discs(CENTERS, 6) == 0))
    noisy = point_score(spurious)
    assert noisy['precision'] < 1 and noisy['score'] < exact['score']
    assert exact['score'] > max(flood['score'], noisy['score'])


def test_point_metric_drops_specks_and_needs_points():
    specks = TRUTH.copy()
    specks[::9, 2] = 1  # isolated 1-pixel false positives
    assert point_score(specks, min_size=4)['score'] == pytest.approx(1.)
    assert point_score(specks, min_size=0)['score'] < 1
    with pytest.raises(ValueError, match='no points'):
        point_score(TRUTH, points=np.zeros((0, 2)))
    with pytest.raises(ValueError, match='point_ratio'):
        METRICS.build(dict(type='PointInstanceMetric', point_ratio=0))


def flip_score(views):
    metric = METRICS.build(dict(type='FlipAgreementMetric'))
    metric.process(None, [dict(flip_prob_fg=np.stack(views))])
    return metric.compute_metrics(metric.results)['score']


def test_flip_metric_rewards_consistency_not_emptiness():
    assert flip_score([TRUTH] * 4) == pytest.approx(1.)
    shifted = [TRUTH] + [np.roll(TRUTH, 3 * k, axis=1) for k in (1, 2, 3)]
    assert flip_score(shifted) < 0.9
    assert flip_score([np.zeros((SIZE, SIZE))] * 4) == 0.
