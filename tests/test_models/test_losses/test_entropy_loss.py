import math

import pytest
import torch

from emda.models.losses import EntropyLoss, weighted_self_information
from emda.registry import MODELS


def test_uniform_prediction_entropy_is_log2_or_one():
    logits = torch.zeros(2, 2, 4, 5)
    raw = EntropyLoss(normalize=False)(logits)
    assert raw.item() == pytest.approx(math.log(2), abs=1e-6)
    assert EntropyLoss()(logits).item() == pytest.approx(1.0, abs=1e-6)


def test_one_hot_prediction_entropy_is_zero():
    logits = torch.zeros(1, 2, 3, 3)
    logits[:, 0] = 50.
    logits[:, 1] = -50.
    assert EntropyLoss()(logits).item() == pytest.approx(0.0, abs=1e-6)


def test_self_information_sums_to_entropy():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 4, 4)
    p = logits.softmax(1)
    info = weighted_self_information(logits)
    assert info.shape == logits.shape
    torch.testing.assert_close(info, -p * p.log())
    entropy = info.sum(1)
    raw = EntropyLoss(normalize=False)(logits)
    torch.testing.assert_close(raw, entropy.mean())
    normalized = weighted_self_information(logits, normalize=True)
    torch.testing.assert_close(normalized, info / math.log(3))
    torch.testing.assert_close(EntropyLoss()(logits), raw / math.log(3))


def test_weight_and_ignore_mask():
    # left column uniform (entropy 1 normalized), right column one-hot (0)
    logits = torch.zeros(1, 2, 2, 2)
    logits[0, 0, :, 1] = 50.
    loss = EntropyLoss()
    assert loss(logits).item() == pytest.approx(0.5, abs=1e-6)
    ignore = torch.tensor([[[False, True], [False, True]]])
    # ignored pixels leave the count: mean over the uniform column only
    assert loss(logits, ignore_mask=ignore).item() == pytest.approx(1.0)
    weight = torch.full((1, 1, 2, 2), 3.)
    assert loss(logits, weight=weight).item() == pytest.approx(1.5)
    assert loss(logits, ignore_mask=torch.ones(1, 2, 2).bool()).item() == 0


def test_loss_weight_and_finite_gradient_when_saturated():
    logits = torch.tensor([[[[1e4]], [[-1e4]]]], requires_grad=True)
    loss = MODELS.build(dict(type='EntropyLoss', loss_weight=2.))(logits)
    loss.backward()
    assert torch.isfinite(logits.grad).all()
    uniform = EntropyLoss(loss_weight=2.)(torch.zeros(1, 2, 1, 1))
    assert uniform.item() == pytest.approx(2.0)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match='C >= 2'):
        EntropyLoss()(torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match='weight'):
        EntropyLoss()(torch.zeros(1, 2, 4, 4), weight=torch.ones(1, 3, 3))
