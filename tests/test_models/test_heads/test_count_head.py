"""CountHead: a non-negative density whose sum, in Gaussians, is the
count."""
import pytest
import torch

from emda.registry import MODELS
from emda.structures import gaussian_integral


def test_count_is_the_density_mass_in_gaussians():
    torch.manual_seed(0)
    head = MODELS.build(
        dict(type='CountHead', channels=4, num_branches=2, kernel_size=11))
    heatmap = torch.rand(3, 1, 24, 24) * 255
    count, density = head(heatmap)
    assert count.shape == (3, ) and density.shape == (3, 1, 24, 24)
    assert (density >= 0).all()
    assert torch.allclose(count,
                          density.sum((1, 2, 3)) / gaussian_integral(11))
    # a bias of one Gaussian's mass spread over the image counts one
    with torch.no_grad():
        head.conv_out.weight.zero_()
        head.conv_out.bias.fill_(gaussian_integral(11) / 24**2)
    assert torch.allclose(head(heatmap)[0], torch.ones(3))


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='kernel_size'):
        MODELS.build(dict(type='CountHead', kernel_size=10))
    head = MODELS.build(dict(type='CountHead', channels=4, num_branches=2))
    with pytest.raises(ValueError, match='B x 1 x H x W'):
        head(torch.rand(2, 2, 8, 8))
