import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.models.heads import CenterDetHead, HSCSegHead, ProjectionHead
from emda.registry import MODELS
from emda.utils import register_all_modules

C = 12  # backbone width used throughout


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


def fake_feats(batch=2, height=32, width=48):
    """Random tensors shaped like HSCNet's (u4, u3, u2, c2)."""
    return (torch.rand(batch, C, height // 2, width // 2),
            torch.rand(batch, 2 * C, height // 4, width // 4),
            torch.rand(batch, 4 * C, height // 8, width // 8),
            torch.rand(batch, 2 * C, height // 4, width // 4))


def segmentor_cfg(base_channels=24):
    # The test_cfg must be a ConfigDict (as from a config file): mmseg's
    # EncoderDecoder reads ``test_cfg.mode`` as an attribute.
    return ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=None,
        backbone=dict(type='HSCNet', base_channels=base_channels),
        decode_head=dict(
            type='HSCSegHead',
            in_channels=base_channels,
            channels=base_channels,
            num_classes=2,
            in_index=0,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        test_cfg=dict(mode='whole'))


def seg_samples(batch, height, width):
    samples = []
    for _ in range(batch):
        labels = torch.randint(0, 2, (1, height, width))
        samples.append(
            SegDataSample(
                gt_sem_seg=PixelData(data=labels),
                metainfo=dict(
                    img_shape=(height, width), ori_shape=(height, width))))
    return samples


def test_seg_head_logits_at_input_resolution():
    head = HSCSegHead(in_channels=C, channels=C, num_classes=2, in_index=0)
    assert head.dropout is None  # paper: no dropout
    logits = head(fake_feats())
    assert logits.shape == (2, 2, 32, 48)


def test_seg_head_rejects_multiple_inputs():
    with pytest.raises((ValueError, AssertionError)):
        HSCSegHead(
            in_channels=[C, 2 * C],
            channels=C,
            num_classes=2,
            in_index=[0, 1],
            input_transform='multiple_select')


def test_encoder_decoder_loss_predict_tensor():
    torch.manual_seed(0)
    segmentor = MODELS.build(segmentor_cfg())
    inputs = torch.rand(2, 1, 64, 64)
    samples = seg_samples(2, 64, 64)

    losses = segmentor(inputs, samples, mode='loss')
    loss = losses['decode.loss_ce']
    assert loss.requires_grad and torch.isfinite(loss)
    loss.backward()
    stem_grad = segmentor.backbone.stem.conv.weight.grad
    assert stem_grad is not None and stem_grad.abs().sum() > 0

    segmentor.eval()
    with torch.no_grad():
        results = segmentor(inputs, samples, mode='predict')
        logits = segmentor(inputs, mode='tensor')
    assert len(results) == 2
    pred = results[0].pred_sem_seg.data
    assert pred.shape == (1, 64, 64)
    assert set(pred.unique().tolist()) <= {0, 1}
    assert logits.shape == (2, 2, 64, 64)
    assert torch.equal(pred[0], logits[0].argmax(0))


def test_det_head_heatmap_is_non_negative_full_resolution():
    torch.manual_seed(0)
    head = MODELS.build(dict(type='CenterDetHead', in_channels=C))
    assert len(head.blocks) == 4  # paper default
    torch.nn.init.zeros_(head.conv_out.bias)  # pre-activation of both signs
    heatmap = head(fake_feats())
    assert heatmap.shape == (2, 1, 32, 48)
    assert (heatmap >= 0).all()
    assert (heatmap == 0).any() and (heatmap > 0).any()


def test_det_head_reads_in_index_and_block_count():
    head = CenterDetHead(in_channels=2 * C, num_blocks=2, in_index=1)
    assert len(head.blocks) == 2
    assert head(fake_feats()).shape == (2, 1, 16, 24)
    with pytest.raises(ValueError, match='num_blocks'):
        CenterDetHead(in_channels=C, num_blocks=0)


def test_output_conv_commutes_with_bilinear_upsampling():
    """The heads apply their 1x1 conv before the x2 upsampling; the spec's
    order (upsample, then conv) must give the same result."""
    head = CenterDetHead(in_channels=C, num_blocks=1)
    x = torch.randn(1, C, 8, 12)
    upsample_first = head.conv_out(
        F.interpolate(x, scale_factor=2, mode='bilinear'))
    conv_first = F.interpolate(
        head.conv_out(x), scale_factor=2, mode='bilinear')
    assert torch.allclose(upsample_first, conv_first, atol=1e-5)


def test_projection_head_embeddings():
    head = MODELS.build(
        dict(type='ProjectionHead', in_channels=4 * C, channels=2 * C))
    embeddings = head(fake_feats())
    assert embeddings.shape == (2, 128, 8, 12)
    assert (embeddings >= 0).all()  # final ReLU, normalized in the loss
    small = ProjectionHead(4 * C, 2 * C, embed_dims=16)
    assert small(fake_feats()).shape == (2, 16, 8, 12)


def test_projection_head_rejects_bad_in_index_and_skip():
    with pytest.raises(ValueError, match='in_index'):
        ProjectionHead(4 * C, 2 * C, in_index=(2, ))
    head = ProjectionHead(4 * C, 2 * C, in_index=(2, 0))  # u4 is no skip
    with pytest.raises(ValueError, match='skip'):
        head(fake_feats())


def test_heads_share_one_backbone():
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='HSCNet', base_channels=C))
    seg_head = HSCSegHead(in_channels=C, channels=C, num_classes=2, in_index=0)
    det_head = CenterDetHead(in_channels=C, num_blocks=2)
    proj_head = ProjectionHead(4 * C, 2 * C)
    feats = backbone(torch.rand(1, 1, 32, 32))
    assert seg_head(feats).shape == (1, 2, 32, 32)
    assert det_head(feats).shape == (1, 1, 32, 32)
    assert proj_head(feats).shape == (1, 128, 8, 8)
