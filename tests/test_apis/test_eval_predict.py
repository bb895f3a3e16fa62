"""Validation / test predictions go through ``emda.apis`` and equal
mmseg's whole-image predict bit for bit (the golden regression runs pin
validation metrics computed on this path)."""
import copy

import pytest
import torch
from mmseg.structures import SegDataSample

from emda.registry import MODELS
from emda.utils import register_all_modules

register_all_modules(init_default_scope=True)


def build_method(parts, seed=0):
    """A random SourceOnly in eval mode with non-trivial BN statistics."""
    segmentor, preprocessor = parts
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(
            type='SourceOnly',
            segmentor=segmentor,
            data_preprocessor=preprocessor))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        model.segmentor.decode_head.conv_seg.weight.mul_(10)
    return model.eval()


def eval_batch(model, shape=(37, 45), ori_shape=(75, 90), n=2, seed=1):
    """A preprocessed test batch: images not a multiple of the size
    divisor (padded), original shape twice the working one (resized)."""
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(n):
        sample = SegDataSample()
        sample.set_metainfo(
            dict(img_shape=shape, ori_shape=ori_shape, img_path='x.png'))
        samples.append(sample)
    data = dict(
        inputs=[torch.rand((1, ) + shape, generator=gen) for _ in range(n)],
        data_samples=samples)
    out = model.data_preprocessor(data, False)
    return out['inputs'], out['data_samples']


def mmseg_predict(model, inputs, samples):
    """What ``BaseDAModel.predict`` computed before: mmseg's predict."""
    return model.segmentor.predict(inputs, copy.deepcopy(samples))


@pytest.mark.parametrize('parts', ['tiny_model_parts', 'tiny_multitask_parts'])
def test_whole_slice_predict_is_bit_identical_to_mmseg(parts, request):
    model = build_method(request.getfixturevalue(parts))
    inputs, samples = eval_batch(model)
    assert inputs.shape[-2:] == (40, 48)  # padded to the divisor
    with torch.no_grad():
        ours = model(inputs, copy.deepcopy(samples), mode='predict')
        ref = mmseg_predict(model, inputs, samples)
    for a, b in zip(ours, ref):
        assert a.seg_logits.data.shape == (2, 75, 90)
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
    # the comparison is not vacuous: both classes are predicted
    pred = torch.stack([s.pred_sem_seg.data for s in ours])
    assert 0 < pred.float().mean() < 1


def test_predict_goes_through_the_inference_layer(tiny_model_parts,
                                                  monkeypatch):
    import emda.apis.predict as api
    model = build_method(tiny_model_parts)
    inputs, samples = eval_batch(model)
    calls = []
    original = api.predict_tensor

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(api, 'predict_tensor', spy)
    with torch.no_grad():
        model(inputs, samples, mode='predict')
    assert calls and calls[0]['keys'] == ('seg_logits', )
    assert calls[0]['tile'] is None and calls[0]['tta'] is False
    assert calls[0]['divisor'] == 4  # the preprocessor's test padding


def test_test_cfg_tta_averages_flipped_probabilities(tiny_model_parts):
    model = build_method(tiny_model_parts)
    inputs, samples = eval_batch(model, ori_shape=(37, 45))
    with torch.no_grad():
        plain = model(inputs, copy.deepcopy(samples), mode='predict')
        model.segmentor.test_cfg['tta'] = True
        tta = model(inputs, copy.deepcopy(samples), mode='predict')
        # the expected average of the 4 flips' softmax, cropped
        probs = 0
        for dims in ((), (2, ), (3, ), (2, 3)):
            x = inputs.flip(dims) if dims else inputs
            p = model.segmentor(x, mode='tensor').softmax(1)
            probs = probs + (p.flip(dims) if dims else p)
        expected = (probs / 4)[:, :, :37, :45]
    got = torch.stack([s.seg_logits.data for s in tta]).softmax(1)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    # TTA changes the prediction of a random network
    a = torch.stack([s.seg_logits.data for s in plain]).softmax(1)
    assert (a - expected).abs().max() > 1e-3


def test_test_cfg_tile_blends_tiles_near_whole_slice(tiny_model_parts):
    model = build_method(tiny_model_parts)
    inputs, samples = eval_batch(model, shape=(70, 93), ori_shape=(70, 93))
    with torch.no_grad():
        whole = model(inputs, copy.deepcopy(samples), mode='predict')
        model.segmentor.test_cfg.update(tile=(32, 32), overlap=16)
        seen = []
        hook = model.segmentor.backbone.register_forward_hook(
            lambda m, i, o: seen.append(tuple(i[0].shape[-2:])))
        tiled = model(inputs, copy.deepcopy(samples), mode='predict')
        hook.remove()
    assert seen and all(s == (32, 32) for s in seen)
    a = torch.stack([s.seg_logits.data for s in whole]).softmax(1)
    b = torch.stack([s.seg_logits.data for s in tiled]).softmax(1)
    assert a.shape == b.shape == (2, 2, 70, 93)
    inner = (a - b).abs()[..., 8:-8, 8:-8]
    assert inner.max() < 2e-2, inner.max()
