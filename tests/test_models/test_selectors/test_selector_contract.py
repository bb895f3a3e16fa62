"""The swap property: every selector takes the same arguments and returns
the same result type, and all of them validate their inputs alike."""
import numpy as np
import pytest
import torch

from emda.models.selectors import (EntropySelector, InstanceAwareSelector,
                                   SelectionResult, ThresholdSelector)
from emda.registry import TASK_UTILS
from emda.structures import render_heatmap
from emda.utils import register_all_modules

SELECTOR_CFGS = [
    dict(type='InstanceAwareSelector'),
    dict(type='InstanceAwareSelector', mode='full'),
    dict(type='ThresholdSelector'),
    dict(type='ThresholdSelector', weight_mode='dacs'),
    dict(type='EntropySelector'),
]


def scene():
    shape = (96, 128)
    centers = [(40, 40), (40, 100)]
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    prob = np.full(shape, 0.03, np.float32)
    for y, x in centers:
        prob[np.hypot(yy - y, xx - x) <= 8] = 0.96
    heatmap = render_heatmap(centers, shape)
    points = np.array([[40, 40], [85, 10]])
    return prob, heatmap, points


@pytest.fixture(scope='module', autouse=True)
def registered():
    register_all_modules()


@pytest.mark.parametrize('cfg', SELECTOR_CFGS)
def test_selectors_share_call_signature_and_result_types(cfg):
    selector = TASK_UTILS.build(cfg)
    prob, heatmap, points = scene()
    result = selector(prob, heatmap=heatmap, points=points, ratio=0.5)
    assert isinstance(result, SelectionResult)
    assert result.label.dtype == np.uint8 and result.label.shape == prob.shape
    assert set(np.unique(result.label)) <= {0, 1, 255}
    assert result.weight.dtype == np.float32
    assert result.weight.shape == prob.shape
    assert (result.weight[result.label == 255] == 0).all()
    assert result.det_background.dtype == bool
    assert result.point_instances.dtype == bool
    assert result.centers.dtype == np.float32
    assert result.centers.shape == (result.info['n_selected'], 2)
    for key in ('n_selected', 'n_point_hits', 'n_missed_points', 'fg_fraction',
                'ignore_fraction'):
        assert key in result.info
    # the hit point is foreground; the missed one becomes a blob except
    # for the entropy selection, which (as WDA-Net) leaves points out
    on_points = result.label[points[:, 0], points[:, 1]]
    missed_label = 0 if cfg['type'] == 'EntropySelector' else 1
    np.testing.assert_array_equal(on_points, [1, missed_label])
    assert result.info['n_point_hits'] == 1
    assert result.info['n_missed_points'] == 1
    # positional call works too, and torch tensors are accepted
    again = selector(
        torch.from_numpy(prob), torch.from_numpy(heatmap), points, 0.5)
    np.testing.assert_array_equal(again.label, result.label)


@pytest.mark.parametrize(
    'selector',
    [InstanceAwareSelector(),
     ThresholdSelector(),
     EntropySelector()])
def test_inputs_are_validated(selector):
    prob, heatmap, points = scene()
    with pytest.raises(ValueError, match=r'prob_fg.*\[0, 1\]'):
        selector(prob * 2, heatmap, points, 0.5)
    with pytest.raises(ValueError, match='prob_fg must be a non-empty HxW'):
        selector(prob[None], heatmap, points, 0.5)
    with pytest.raises(ValueError, match='NaN'):
        selector(np.full_like(prob, np.nan), heatmap, points, 0.5)
    with pytest.raises(ValueError, match=r'heatmap shape \(96, 127\)'):
        selector(prob, heatmap[:, 1:], points, 0.5)
    with pytest.raises(ValueError, match=r'point #1 \(y=96, x=3\)'):
        selector(prob, heatmap, np.array([[1, 1], [96, 3]]), 0.5)
    with pytest.raises(ValueError, match=r'point #0 \(y=2, x=-1\)'):
        selector(prob, heatmap, np.array([[2, -1]]), 0.5)
    with pytest.raises(ValueError, match=r'\(N, 2\)'):
        selector(prob, heatmap, np.array([1, 2, 3]), 0.5)
    with pytest.raises(ValueError, match='ratio'):
        selector(prob, heatmap, points, 1.5)


def test_tiny_float_overshoot_of_probabilities_is_tolerated():
    prob, heatmap, points = scene()
    prob[0, 0] = 1 + 1e-7
    result = ThresholdSelector()(prob, heatmap, points, 0.5)
    assert result.label[0, 0] == 1


def test_float_points_are_rounded_and_empty_points_mean_none():
    prob, heatmap, _ = scene()
    selector = InstanceAwareSelector()
    with_float = selector(prob, heatmap, np.array([[39.6, 40.4]]), 0.)
    with_int = selector(prob, heatmap, np.array([[40, 40]]), 0.)
    np.testing.assert_array_equal(with_float.label, with_int.label)
    empty = selector(prob, heatmap, np.zeros((0, 2)), 0.)
    none = selector(prob, heatmap, None, 0.)
    np.testing.assert_array_equal(empty.label, none.label)
    assert none.info['n_selected'] == 0
