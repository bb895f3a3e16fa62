import pytest
import torch

from emda.models.losses import CountRankingLoss


def test_zero_inside_margin():
    loss = CountRankingLoss(margin=3.)
    count = torch.tensor([7., 8.5, 10., 13.])
    assert loss(count, torch.full((4, ), 10.)).item() == 0


def test_linear_outside_margin():
    loss = CountRankingLoss(margin=3., loss_weight=2.)
    count = torch.tensor([5., 16.], requires_grad=True)
    value = loss(count, 10.)
    # hinge distances 2 and 3, batch mean 2.5, times loss_weight
    assert value.item() == pytest.approx(5.)
    value.backward()
    torch.testing.assert_close(count.grad, torch.tensor([-1., 1.]))


def test_reference_is_not_trained():
    count = torch.tensor([0.], requires_grad=True)
    ref = torch.tensor([10.], requires_grad=True)
    CountRankingLoss()(count, ref).backward()
    assert ref.grad is None
    assert count.grad.item() == pytest.approx(-1.)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='margin'):
        CountRankingLoss(margin=-1)
    with pytest.raises(ValueError, match='ref_count'):
        CountRankingLoss()(torch.zeros(2), torch.zeros(3))
