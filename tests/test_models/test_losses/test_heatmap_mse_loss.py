import math

import numpy as np
import pytest
import torch

from emda.models.losses import WeightedHeatmapMSELoss, center_weight_map
from emda.registry import MODELS


def _example():
    pred = torch.tensor([[[[10., 0., 5.], [255., 0., 1.]]]])
    target = torch.tensor([[[[0., 0., 0.], [250., 4., 1.]]]])
    mask = torch.tensor([[[[1., 0., 1.], [1., 0., 0.]]]])
    centers = torch.tensor([[[[0., 0., 0.], [1., 0.5, 0.]]]])
    return pred, target, mask, centers


def test_mask_normalization_matches_hand_computation():
    pred, target, mask, centers = _example()
    loss = MODELS.build(dict(type='WeightedHeatmapMSELoss', loss_weight=.5))
    # w = mask + 3 * centers = [[1, 0, 1], [4, 1.5, 0]]: 4 pixels with w > 0
    expected = (1 * 100 + 1 * 25 + 4 * 25 + 1.5 * 16) / (4 + 1)
    value = loss(pred, target, mask=mask, center_weight_map=centers)
    assert value.item() == pytest.approx(0.5 * expected)
    # without the center map only the 3 mask pixels count
    masked_only = loss(pred, target, mask=mask)
    assert masked_only.item() == pytest.approx(0.5 * (100 + 25 + 25) / 4)


def test_mean_normalization_and_defaults():
    pred, target, _, centers = _example()
    loss = WeightedHeatmapMSELoss(normalize='mean')
    plain = ((pred - target)**2).mean()
    torch.testing.assert_close(loss(pred, target), plain)
    weighted = loss(pred, target, center_weight_map=centers)
    expected = (100 + 25 + 4 * 25 + 2.5 * 16) / 6
    assert weighted.item() == pytest.approx(expected)


def test_ignored_pixels_get_no_gradient_and_hw_maps_accepted():
    pred, target, mask, _ = _example()
    pred.requires_grad_(True)
    WeightedHeatmapMSELoss()(pred, target[:, 0], mask=mask[:, 0]).backward()
    assert (pred.grad[mask == 0] == 0).all()
    assert (pred.grad[(mask == 1) & (pred != target)] != 0).all()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='normalize'):
        WeightedHeatmapMSELoss(normalize='sum')
    with pytest.raises(ValueError, match='mask'):
        WeightedHeatmapMSELoss()(
            torch.zeros(1, 1, 4, 4),
            torch.zeros(1, 1, 4, 4),
            mask=torch.ones(1, 1, 3, 4))


def test_center_weight_map_is_peak_one_11x11_sigma2():
    wmap = center_weight_map([(10, 10), (12, 11)], (30, 40))
    assert wmap.shape == (30, 40) and wmap.dtype == np.float32
    assert wmap[10, 10] == pytest.approx(1.) and wmap.max() <= 1.
    single = center_weight_map([(10, 10)], (30, 30))
    assert single[10, 11] == pytest.approx(math.exp(-1 / 8), rel=1e-4)
    assert single[10, 15] > 0 and single[10, 16] == 0
