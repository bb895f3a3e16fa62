"""The multitask segmentor: named outputs, plain-segmentor inference and the
optional detection loss."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.registry import MODELS


def samples(n=2, size=32, with_heatmap=True):
    out = []
    for i in range(n):
        s = SegDataSample()
        label = torch.zeros(1, size, size, dtype=torch.long)
        label[:, 8:16, 8:16] = 1
        s.gt_sem_seg = PixelData(data=label)
        if with_heatmap:
            s.set_data(
                dict(
                    gt_heatmap=PixelData(
                        data=torch.full((1, size, size), 10.)))),
        s.set_metainfo(
            dict(
                img_shape=(size, size),
                ori_shape=(size, size),
                pad_shape=(size, size)))
        out.append(s)
    return out


def test_tensor_mode_returns_every_head_by_name(tiny_multitask_parts):
    model = MODELS.build(tiny_multitask_parts[0])
    x = torch.randn(2, 1, 32, 32)
    out = model(x, mode='tensor')
    assert set(out) == {'seg', 'det', 'proj'}
    assert out['seg'].shape == (2, 2, 32, 32)
    assert out['det'].shape == (2, 1, 32, 32)
    assert (out['det'] >= 0).all()  # heatmaps are non-negative
    assert out['proj'].shape == (2, 16, 32, 32)
    only = model.forward_tasks(x, heads=('seg', ))
    assert set(only) == {'seg'}
    with pytest.raises(ValueError, match='unknown heads'):
        model.forward_tasks(x, heads=('seg', 'count'))


def test_predict_uses_the_segmentation_output_only(tiny_multitask_parts):
    # ConfigDict: mmseg reads test_cfg.mode as an attribute
    model = MODELS.build(ConfigDict(tiny_multitask_parts[0])).eval()
    x = torch.randn(1, 1, 32, 32)
    with torch.no_grad():
        pred = model(x, samples(1, with_heatmap=False), mode='predict')[0]
        seg = model(x, mode='tensor')['seg']
    assert torch.equal(pred.pred_sem_seg.data[0], seg[0].argmax(0))


def test_loss_adds_the_detection_term_only_when_configured(
        tiny_multitask_parts):
    cfg = tiny_multitask_parts[0]
    plain = MODELS.build(cfg)
    x = torch.randn(2, 1, 32, 32)
    assert 'det.loss_det' not in plain.loss(x, samples())
    cfg = dict(
        cfg,
        det_loss=dict(
            type='WeightedHeatmapMSELoss', normalize='mean', loss_weight=0.05))
    model = MODELS.build(cfg)
    losses = model.loss(x, samples())
    det = model.det_head(model.extract_feat(x))
    expected = 0.05 * ((det - 10.)**2).mean()
    assert torch.allclose(losses['det.loss_det'], expected)
    with pytest.raises(KeyError, match='gt_heatmap'):
        model.loss(x, samples(with_heatmap=False))


def test_det_loss_without_det_head_is_rejected(tiny_multitask_parts):
    cfg = dict(tiny_multitask_parts[0])
    cfg.pop('det_head')
    cfg['det_loss'] = dict(type='WeightedHeatmapMSELoss')
    with pytest.raises(ValueError, match='det_head'):
        MODELS.build(cfg)
