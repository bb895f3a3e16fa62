import math

import pytest
import torch
import torch.nn.functional as F

from emda.models.losses import AdversarialLoss
from emda.registry import MODELS


def test_bce_values_for_known_logits():
    loss = AdversarialLoss('bce')
    uniform = loss(torch.zeros(2, 1, 3, 3), True)
    assert uniform.item() == pytest.approx(math.log(2))
    logits = torch.full((1, 1, 2, 2), 2.)
    assert loss(logits, True).item() == pytest.approx(
        math.log(1 + math.exp(-2)), rel=1e-5)
    assert loss(logits, False).item() == pytest.approx(
        math.log(1 + math.exp(2)), rel=1e-5)


def test_least_squares_values_for_known_logits():
    loss = MODELS.build(dict(type='AdversarialLoss', gan_type='LS'))
    logits = torch.tensor([0.5, 2.])
    assert loss(logits, True).item() == pytest.approx((0.25 + 1.) / 2)
    assert loss(logits, False).item() == pytest.approx((0.25 + 4.) / 2)


@pytest.mark.parametrize('gan_type', ['bce', 'ls'])
def test_gradient_pushes_logits_towards_label(gan_type):
    loss = AdversarialLoss(gan_type, loss_weight=0.5)
    for is_real, sign in ((True, -1), (False, 1)):
        logits = torch.tensor([0.2, 0.7], requires_grad=True)
        loss(logits, is_real).backward()
        # between the labels 0 and 1, descent (-grad) raises logits for
        # "real" and lowers them for "fake"
        assert (torch.sign(logits.grad) == sign).all()


def test_loss_weight_scales():
    logits = torch.randn(4)
    torch.testing.assert_close(
        AdversarialLoss(loss_weight=0.25)(logits, True),
        0.25 * F.binary_cross_entropy_with_logits(logits, torch.ones(4)))


def test_unknown_gan_type_raises():
    with pytest.raises(ValueError, match='gan_type'):
        AdversarialLoss('wgan')
