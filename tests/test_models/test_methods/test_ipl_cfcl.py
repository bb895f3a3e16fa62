"""IPLCFCL: the loss set of each stage, the masked target detection loss,
the prototype refresh and what checkpoints carry."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.structures.heatmaps import center_weight_map

from emda.registry import MODELS

SIZE = 32


def make_samples(n=2, pseudo_value=1, det_background=0):
    out = []
    for _ in range(n):
        s = SegDataSample()
        label = torch.zeros(1, SIZE, SIZE, dtype=torch.long)
        label[:, 8:16, 8:16] = 1
        s.gt_sem_seg = PixelData(data=label)
        pseudo = torch.full((1, SIZE, SIZE), 255, dtype=torch.uint8)
        pseudo[:, 8:16, 8:16] = pseudo_value
        pseudo[:, 24:, :] = 0
        heat = torch.zeros(1, SIZE, SIZE)
        heat[:, 10:14, 10:14] = 200.
        centre = torch.from_numpy(
            center_weight_map([[11.5, 11.5]], (SIZE, SIZE), 11))[None]
        s.set_data(
            dict(
                gt_heatmap=PixelData(data=heat),
                gt_center_weight=PixelData(data=centre),
                gt_pseudo_seg=PixelData(data=pseudo),
                gt_det_background=PixelData(
                    data=torch.full(
                        (1, SIZE, SIZE), det_background, dtype=torch.uint8)),
                gt_point_instances=PixelData(
                    data=(pseudo == 1).to(torch.uint8))))
        s.gt_points = torch.tensor([[11.5, 11.5]])
        s.set_metainfo(
            dict(
                img_shape=(SIZE, SIZE),
                ori_shape=(SIZE, SIZE),
                pad_shape=(SIZE, SIZE)))
        out.append(s)
    return out


def build(parts, **kwargs):
    segmentor, preprocessor = parts
    cfg = dict(
        type='IPLCFCL',
        segmentor=segmentor,
        data_preprocessor=preprocessor,
        prototype_bank=dict(embed_dims=16, kmeans_n_init=1),
        **kwargs)
    return MODELS.build(cfg)


def batch():
    torch.manual_seed(0)
    inputs = dict(
        source=torch.randn(2, 1, SIZE, SIZE),
        target=torch.randn(2, 1, SIZE, SIZE))
    return inputs, dict(source=make_samples(), target=make_samples())


def loss_terms(losses):
    return {k for k in losses if 'loss' in k}


def test_each_stage_trains_its_own_loss_set(tiny_multitask_parts):
    model = build(tiny_multitask_parts)
    inputs, samples = batch()
    model.set_stage(0)
    assert loss_terms(model.loss(
        inputs, samples)) == {'src.decode.loss_ce', 'src.loss_det'}
    model.set_stage(1)  # no target segmentation loss in stage 1
    assert loss_terms(model.loss(inputs, samples)) == {
        'src.decode.loss_ce', 'src.loss_det', 'tgt.loss_det', 'tgt.loss_con'
    }
    model.set_stage(2)  # no source loss in stage 2
    assert loss_terms(model.loss(
        inputs, samples)) == {'tgt.loss_seg', 'tgt.loss_det', 'tgt.loss_con'}


def test_zero_weights_remove_terms_and_bad_weights_are_rejected(
        tiny_multitask_parts):
    model = build(
        tiny_multitask_parts,
        loss_weights=dict(stage2=dict(contrast=0.), stage1=dict(contrast=0.)))
    assert not model.with_contrast
    model.set_stage(2)
    inputs, samples = batch()
    assert 'tgt.loss_con' not in model.loss(inputs, samples)
    with pytest.raises(ValueError, match='unknown terms'):
        build(tiny_multitask_parts, loss_weights=dict(stage1=dict(foo=1.)))
    with pytest.raises(ValueError, match='unknown stage'):
        build(tiny_multitask_parts, loss_weights=dict(stage3=dict()))
    with pytest.raises(ValueError, match='stage must be'):
        model.set_stage(3)


def test_target_seg_loss_is_the_ce_on_non_ignored_pixels(tiny_multitask_parts):
    model = build(
        tiny_multitask_parts,
        loss_weights=dict(stage2=dict(tgt_det=0., contrast=0.)))
    model.set_stage(2)
    model.eval()  # deterministic forward (the decode head has dropout)
    inputs, samples = batch()
    loss = model.loss(inputs, samples)['tgt.loss_seg']
    logits = model.segmentor(inputs['target'], mode='tensor')['seg']
    label = torch.stack([s.gt_pseudo_seg.data[0]
                         for s in samples['target']]).long()
    expected = torch.nn.functional.cross_entropy(
        logits, label, ignore_index=255)
    assert torch.allclose(loss, expected, atol=1e-5)


def test_target_detection_ignores_pixels_outside_background_and_gaussians(
        tiny_multitask_parts):
    """L_det^t only sees the detection background and the target
    Gaussians: with no background, the loss equals the weighted error on the
    Gaussian support alone."""
    model = build(tiny_multitask_parts)
    samples = make_samples(det_background=0)
    det = torch.rand(2, 1, SIZE, SIZE) * 50
    loss = model._target_det_loss(det, samples)
    target = torch.stack([s.gt_heatmap.data for s in samples])
    centre = torch.from_numpy(
        center_weight_map([[11.5, 11.5]], (SIZE, SIZE), 11))[None, None]
    weight = (target > 0).float() + 3 * centre
    expected = (weight * (det - target)**2).sum() / ((weight > 0).sum() + 1)
    assert torch.allclose(loss, expected, rtol=1e-5)
    # changing the prediction where w == 0 leaves the loss unchanged
    det2 = det.clone()
    det2[weight.expand_as(det) == 0] += 100.
    assert torch.allclose(model._target_det_loss(det2, samples), loss)
    # with the whole slice as detection background, it does change
    bg = make_samples(det_background=1)
    assert not torch.allclose(
        model._target_det_loss(det2, bg), model._target_det_loss(det, bg))


def test_prototypes_refresh_on_the_interval_and_ride_in_the_state_dict(
        tiny_multitask_parts):
    model = build(tiny_multitask_parts, prototype_interval=3)
    model.set_stage(2)  # stage-2 anchors and prototypes: the pseudo-label
    inputs, samples = batch()
    model.train()
    model.loss(inputs, samples)  # step 0: refresh
    assert int(model.step) == 0  # loss() leaves the counters alone
    model.advance_step()  # what train_step does after the update
    bank = model.prototype_bank
    assert bank.is_ready()
    first = bank.bck_pos.values().clone()
    model.loss(inputs, samples)  # step 1: no refresh
    model.advance_step()
    assert torch.equal(bank.bck_pos.values(), first)
    assert int(model.step) == 2
    state = {k: v.clone() for k, v in model.state_dict().items()}
    assert 'stage' in state and 'step' in state
    assert any(k.startswith('prototype_bank.') for k in state)
    fresh = build(tiny_multitask_parts, prototype_interval=3)
    fresh.load_state_dict(state)
    assert int(fresh.stage) == 2 and int(fresh.step) == 2
    assert torch.equal(fresh.prototype_bank.bck_pos.values(), first)
    assert torch.equal(fresh.prototype_bank.obj_pos.values(),
                       bank.obj_pos.values())


def test_contrast_pulls_target_features_toward_the_class_prototype(
        tiny_multitask_parts):
    """A few steps on L_con alone raise the similarity of target fg pixels
    to the fg positive relative to the bg positive."""
    model = build(
        tiny_multitask_parts,
        prototype_interval=1000,
        loss_weights=dict(stage2=dict(tgt_seg=0., tgt_det=0., contrast=1.)))
    model.set_stage(2)
    model.train()
    inputs, samples = batch()
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)

    def margin():
        with torch.no_grad():
            feats = model.segmentor(inputs['target'], mode='tensor')['proj']
            feats = torch.nn.functional.normalize(feats, dim=1)
            fg = torch.stack(
                [s.gt_pseudo_seg.data[0] for s in samples['target']]) == 1
            pix = feats.permute(0, 2, 3, 1)[fg]
            pos = model.prototype_bank.positive('fg')
            neg = model.prototype_bank.negatives('fg')
            return float((pix @ pos).mean() - (pix @ neg.T).mean())

    losses = []
    for i in range(8):
        loss = model.loss(inputs, samples)['tgt.loss_con']
        if i == 0:
            before = margin()
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert margin() > before


def test_needs_a_detection_head_and_a_projection_head_for_contrast(
        tiny_multitask_parts):
    segmentor, preprocessor = tiny_multitask_parts
    no_proj = {k: v for k, v in segmentor.items() if k != 'proj_head'}
    with pytest.raises(ValueError, match='proj_head'):
        build((no_proj, preprocessor))
    model = build(
        (no_proj, preprocessor),
        loss_weights=dict(stage1=dict(contrast=0.), stage2=dict(contrast=0.)))
    assert not model.with_contrast
    no_det = {k: v for k, v in segmentor.items() if k != 'det_head'}
    with pytest.raises(ValueError, match='det_head'):
        build((no_det, preprocessor))


def test_missing_pseudo_labels_raise_a_clear_error(tiny_multitask_parts):
    model = build(tiny_multitask_parts)
    model.set_stage(2)
    inputs, samples = batch()
    for s in samples['target']:
        del s.gt_pseudo_seg
    with pytest.raises(KeyError, match='pseudo_train_pipeline'):
        model.loss(inputs, samples)


def test_target_detection_reads_the_packed_center_weight(tiny_multitask_parts):
    """L_det^t uses the pipeline's gt_center_weight (no re-rendering) and
    rejects one rendered with another kernel."""
    model = build(tiny_multitask_parts)
    samples = make_samples(det_background=0)
    det = torch.rand(2, 1, SIZE, SIZE) * 50
    loss = model._target_det_loss(det, samples)
    for s in samples:
        s.gt_center_weight.data.zero_()
    assert not torch.allclose(model._target_det_loss(det, samples), loss)
    samples[0].set_metainfo(dict(center_kernel=7))
    with pytest.raises(ValueError, match='center_kernel'):
        model._target_det_loss(det, samples)
