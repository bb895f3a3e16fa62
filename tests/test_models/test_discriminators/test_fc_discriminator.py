import pytest
import torch
import torch.nn as nn

from emda.models.discriminators import FCDiscriminator
from emda.registry import MODELS


@pytest.mark.parametrize('num_convs,out_size', [(5, 2), (3, 8)])
def test_patch_logits_shape(num_convs, out_size):
    disc = FCDiscriminator(in_channels=2, ndf=8, num_convs=num_convs)
    out = disc(torch.rand(3, 2, 64, 64))
    assert out.shape == (3, 1, out_size, out_size)


def test_default_is_adaptsegnet_layout():
    disc = MODELS.build(dict(type='FCDiscriminator'))
    convs = [m for m in disc.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 128, 256, 512, 1]
    assert all(c.kernel_size == (4, 4) and c.stride == (2, 2) for c in convs)
    assert not any(isinstance(m, nn.GroupNorm) for m in disc.modules())
    slopes = {
        m.negative_slope
        for m in disc.modules() if isinstance(m, nn.LeakyReLU)
    }
    assert slopes == {0.2}


@pytest.mark.parametrize('ndf,num_groups', [(64, 32), (32, 32), (8, 4)])
def test_group_norm_matches_conv_channels(ndf, num_groups):
    disc = FCDiscriminator(
        ndf=ndf, norm_cfg=dict(type='GN', num_groups=num_groups))
    norms = [m for m in disc.modules() if isinstance(m, nn.GroupNorm)]
    assert [n.num_channels for n in norms] == [ndf * 2**i for i in range(4)]
    assert all(n.num_groups == num_groups for n in norms)
    assert disc(torch.rand(1, 2, 32, 32)).shape == (1, 1, 1, 1)


def test_bad_configs_raise():
    with pytest.raises(ValueError, match='num_groups=32'):
        FCDiscriminator(ndf=16, norm_cfg=dict(type='GN', num_groups=32))
    with pytest.raises(ValueError, match='num_convs'):
        FCDiscriminator(num_convs=1)
    with pytest.raises(ValueError, match='B x C x H x W'):
        FCDiscriminator(ndf=8)(torch.rand(2, 16, 16))
