import pytest
import torch
import torch.nn.functional as F

from emda.models.backbones import (HierarchicalCascade, HSCBlock, HSCDownBlock,
                                   HSCNet, HSCUpBlock,
                                   SelectiveKernelAttention, space_to_depth)
from emda.registry import MODELS
from emda.utils import register_all_modules


@pytest.fixture(scope='module', autouse=True)
def registered_single_thread():
    """Register modules; run on one thread: these nets are many tiny ops,
    and two OpenMP threads on a shared 2-core box are several times slower.
    """
    register_all_modules()
    num_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num_threads)


@pytest.mark.parametrize('channels', [1, 3])
def test_space_to_depth_stacks_pixel_phases(channels):
    x = torch.randn(2, channels, 8, 12)
    out = space_to_depth(x)
    assert out.shape == (2, 4 * channels, 4, 6)
    restored = torch.empty_like(x)
    for phase, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        block = out[:, phase * channels:(phase + 1) * channels]
        assert torch.equal(block, x[..., i::2, j::2])
        restored[..., i::2, j::2] = block
    assert torch.equal(restored, x)  # lossless: every pixel kept once


def test_space_to_depth_matches_pixel_unshuffle_for_one_channel():
    x = torch.randn(1, 1, 16, 16)
    assert torch.equal(space_to_depth(x), F.pixel_unshuffle(x, 2))


@pytest.mark.parametrize('shape', [(1, 1, 7, 8), (1, 8, 8)])
def test_space_to_depth_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match='space_to_depth'):
        space_to_depth(torch.zeros(shape))


def test_cascade_is_hierarchical():
    torch.manual_seed(0)
    cascade = HierarchicalCascade(2, 4, (1, 3)).eval()
    x = torch.randn(1, 8, 6, 6)
    outs = cascade(x)
    assert len(outs) == 4 and all(o.shape == (1, 2, 6, 6) for o in outs)
    assert torch.equal(outs[0], x[:, :2])  # first group passes through
    x_changed = x.clone()
    x_changed[:, 4:6] += 1.  # third group only
    outs_changed = cascade(x_changed)
    for k in range(2):
        assert torch.equal(outs[k], outs_changed[k])
    for k in range(2, 4):  # the change flows down the cascade
        assert not torch.allclose(outs[k], outs_changed[k])


def test_selective_kernel_weights_sum_to_one_across_branches():
    torch.manual_seed(0)
    attention = SelectiveKernelAttention(branch_channels=4, num_branches=6)
    branches = [torch.randn(3, 4, 5, 5) for _ in range(6)]
    weights = attention(branches)
    assert weights.shape == (3, 6, 4)
    assert (weights > 0).all()
    assert torch.allclose(weights.sum(dim=1), torch.ones(3, 4))
    # not a constant: the weights depend on the input
    other = attention([b * 3 + 1 for b in branches])
    assert not torch.allclose(weights, other)
    with pytest.raises(ValueError, match='branches'):
        attention(branches[:5])


@pytest.mark.parametrize('in_channels,out_channels', [(12, 12), (24, 12)])
def test_hsc_block_keeps_size(in_channels, out_channels):
    block = HSCBlock(in_channels, out_channels)
    out = block(torch.randn(2, in_channels, 8, 10))
    assert out.shape == (2, out_channels, 8, 10)
    assert (out >= 0).all()  # final ReLU
    projected = in_channels != out_channels
    assert isinstance(block.shortcut, torch.nn.Conv2d) == projected


def test_hsc_block_rejects_width_not_divisible_by_branches():
    with pytest.raises(ValueError, match='out_channels=10'):
        HSCBlock(12, 10)


def test_down_block_concatenates_pool_and_strided_conv():
    down_block = HSCDownBlock(12, 12)
    skip, down = down_block(torch.randn(1, 12, 8, 8))
    assert skip.shape == (1, 12, 8, 8)
    assert down.shape == (1, 24, 4, 4)
    assert torch.equal(down[:, :12], F.max_pool2d(skip, 2))


def test_up_block_shapes_and_skip_check():
    up_block = HSCUpBlock(24, 12)
    out = up_block(torch.randn(1, 24, 4, 4), torch.randn(1, 12, 8, 8))
    assert out.shape == (1, 12, 8, 8)
    with pytest.raises(ValueError, match='twice the size'):
        up_block(torch.randn(1, 24, 4, 4), torch.randn(1, 12, 6, 6))
    with pytest.raises(ValueError, match='12 channels'):
        up_block(torch.randn(1, 24, 4, 4), torch.randn(1, 24, 8, 8))


@pytest.mark.parametrize('base_channels,size', [(12, (32, 32)), (24, (64, 96)),
                                                (72, (32, 48))])
def test_hsc_net_output_shapes(base_channels, size):
    backbone = MODELS.build(dict(type='HSCNet', base_channels=base_channels))
    height, width = size
    u4, u3, u2, c2 = backbone(torch.rand(2, 1, height, width))
    c = base_channels
    assert u4.shape == (2, c, height // 2, width // 2)
    assert u3.shape == (2, 2 * c, height // 4, width // 4)
    assert u2.shape == (2, 4 * c, height // 8, width // 8)
    assert c2.shape == (2, 2 * c, height // 4, width // 4)


def test_hsc_net_paper_width_stage_channels():
    backbone = HSCNet()  # paper: 72 -> 144 -> 288 -> 576
    assert backbone.stem.conv.out_channels == 72
    assert backbone.bottleneck.fuse.out_channels == 576
    assert backbone.up2.block.fuse.out_channels == 288


def test_hsc_net_gradient_reaches_stem():
    backbone = HSCNet(base_channels=12)
    feats = backbone(torch.rand(1, 1, 32, 32))
    sum(f.square().mean() for f in feats).backward()
    grad = backbone.stem.conv.weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs', [
    dict(base_channels=20),
    dict(base_channels=24, num_branches=5),
    dict(base_channels=24, num_branches=1),
    dict(in_channels=0),
])
def test_hsc_net_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        HSCNet(**kwargs)


@pytest.mark.parametrize('shape,match', [((1, 1, 40, 48), 'divisible by 16'),
                                         ((1, 1, 32, 36), 'divisible by 16'),
                                         ((1, 1, 16, 32), 'at least 32'),
                                         ((1, 3, 32, 32), 'B x 1 x H x W'),
                                         ((1, 32, 32), 'B x 1 x H x W')])
def test_hsc_net_rejects_bad_inputs(shape, match):
    backbone = HSCNet(base_channels=12)
    with pytest.raises(ValueError, match=match):
        backbone(torch.rand(shape))
