"""Tiled prediction equals whole-slice prediction; TTA; working scale."""
import numpy as np
import pytest
import torch

from emda.apis import init_model, predict_slice, predict_tensor
from emda.apis.predict import balanced_tile


class FlipSensitive(torch.nn.Module):
    """seg logits favour fg on the left half; the heatmap is the input."""

    def forward(self, x, mode='tensor'):
        left = torch.zeros_like(x)
        left[..., :x.shape[-1] // 2] = 4.
        return dict(seg=torch.cat([torch.zeros_like(x), left], 1), det=x)


@pytest.mark.parametrize('tta', [True, 'dihedral'])
def test_tta_averages_in_the_input_frame(tta):
    x = torch.arange(16.).reshape(1, 1, 4, 4)
    out = predict_tensor(FlipSensitive(), x, tta=tta)
    assert torch.allclose(out['heatmap'][0], x[0, 0])
    p = torch.sigmoid(torch.tensor(4.))
    # half of the transforms move the left half to the right (for the
    # dihedral group the transposes put it on top or bottom instead)
    mean = out['prob_fg'].mean()
    assert torch.allclose(mean, (p + 0.5) / 2, atol=1e-6)


def test_balanced_tiles_cover_with_few_tiles():
    # 2048 with tiles <= 1024, overlap 64: 3 tiles of 736, not 1024 + ...
    side = balanced_tile(2048, 1024, 64, 16)
    assert side % 16 == 0 and side <= 1024
    assert 3 * side - 2 * 64 >= 2048 and 2 * side - 64 < 2048
    assert balanced_tile(50, 64, 8, 4) == 52  # fits: padded to divisor


@pytest.mark.parametrize('shape', [(70, 93), (128, 128)])
def test_tiled_equals_whole_slice_away_from_tile_borders(
        tiny_ckpt_full, make_volume, shape):
    # overlap twice the receptive-field radius: every pixel has one tile
    # whose context is complete and that tile carries the Gaussian weight
    model = init_model(*tiny_ckpt_full, tile=(48, 48), overlap=24)
    image = make_volume(1, shape)[0]
    tiled = predict_slice(model, image)['prob_fg']
    model.infer_settings.tile = (512, 512)  # one tile: the whole slice
    whole = predict_slice(model, image)['prob_fg']
    assert tiled.shape == whole.shape == shape
    inner = np.abs(tiled - whole)[8:-8, 8:-8]  # receptive radius 7
    # the model is not trivial: predictions vary over the slice, far more
    # than tiling changes them
    assert whole.max() - whole.min() > 0.5
    assert inner.max() < 1e-2, inner.max()


def test_tile_larger_than_image_and_16_bit_input(tiny_ckpt_full, make_volume):
    model = init_model(*tiny_ckpt_full, tile=(256, 256))
    img8 = make_volume(1, (30, 41))[0]
    img16 = img8.astype(np.uint16) * 257  # the same image, 16-bit
    p8 = predict_slice(model, img8)['prob_fg']
    p16 = predict_slice(model, img16)['prob_fg']
    assert p8.shape == (30, 41)
    np.testing.assert_allclose(p8, p16, atol=1e-5)


def test_working_scale_resizes_and_returns_full_resolution(
        tiny_ckpt, make_volume):
    model = init_model(*tiny_ckpt)
    assert model.infer_settings.scale == 0.5
    assert not model.training
    image = make_volume(1, (64, 80))[0]
    seen = []
    hook = model.backbone.register_forward_hook(
        lambda m, i, o: seen.append(tuple(i[0].shape[-2:])))
    out = predict_slice(model, image)
    hook.remove()
    assert out['prob_fg'].shape == (64, 80)
    # the network sees the half-resolution slice (32 x 40) in tiles
    assert seen and all(h == 32 and w < 40 for h, w in seen)


def test_multitask_model_returns_heatmap(tiny_multitask_ckpt, make_volume):
    model = init_model(*tiny_multitask_ckpt)
    assert model.infer_settings.has_det
    out = predict_slice(model, make_volume(1, (40, 50))[0], tta=True)
    assert out['heatmap'].shape == out['prob_fg'].shape == (40, 50)


class ConvTwoHeads(torch.nn.Module):
    """A real conv (autocast runs it in bf16) with seg and det outputs;
    records the dtype its convolution computed in."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(1, 3, 3, padding=1)
        self.dtypes = []

    def forward(self, x, mode='tensor'):
        y = self.conv(x)
        self.dtypes.append(y.dtype)
        return dict(seg=y[:, :2], det=y[:, 2:])


def test_autocast_runs_the_network_in_bf16_and_returns_float32():
    net = ConvTwoHeads()
    x = torch.randn(1, 1, 16, 20)
    ref = predict_tensor(net, x, tta=True)
    assert set(net.dtypes) == {torch.float32}
    net.dtypes.clear()
    out = predict_tensor(net, x, tta=True, autocast=True)
    assert set(net.dtypes) == {torch.bfloat16}  # every flip's forward
    for key in ('prob_fg', 'heatmap'):
        assert out[key].dtype == torch.float32
        assert not torch.equal(out[key], ref[key])  # computed in bf16
        torch.testing.assert_close(out[key], ref[key], atol=0.03, rtol=0.03)
