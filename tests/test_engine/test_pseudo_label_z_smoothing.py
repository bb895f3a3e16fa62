"""Pseudo-labels smoothed along z (``PseudoLabelGenerator(z_smooth=...)``):
a slice's selection sees its neighbours' evidence, in the dataset's z
order."""
import numpy as np
import pytest

from emda.apis.z_smoothing import z_smooth
from emda.datasets import pipelines
from emda.datasets.pseudo_label_store import PseudoLabelStore
from emda.engine.hooks import SelfTrainingRoundHook
from emda.engine.pseudo_label_generator import PseudoLabelGenerator
from emda.registry import MODELS

SQUARE = (slice(10, 30), slice(10, 30))  # an object in every slice ...
PATCH = (slice(40, 50), slice(40, 50))  # ... a false patch in slice 1 only
MISSED = 2  # the slice whose prediction misses the object


def stack_probs(shape=(4, 64, 64)) -> np.ndarray:
    prob = np.full(shape, 0.02, np.float32)
    for z in range(shape[0]):
        if z != MISSED:
            prob[(z, ) + SQUARE] = 0.98
    prob[(1, ) + PATCH] = 0.98
    return prob


def generator_on(tiny_em, tmp_path, z_sigma):
    dataset = dict(
        type='EMSliceDataset',
        data_root=tiny_em,
        img_path='tgt/images',
        pipeline=pipelines.test_pipeline(with_labels=False))
    return PseudoLabelGenerator(
        dataset,
        dict(type='ThresholdSelector', tau=0.5),
        str(tmp_path / f'pl_{z_sigma}'),
        tta=False,
        save_visuals=False,
        z_smooth=z_sigma)


@pytest.mark.parametrize('z_sigma', [0., 1.])
def test_a_one_slice_miss_and_patch_follow_the_neighbours(
        tiny_em, tiny_model_parts, tmp_path, monkeypatch, z_sigma):
    """Through ``run``: with z smoothing the missed object is pseudo-
    labelled and the one-slice patch is not; without, each slice keeps its
    own errors."""
    model = MODELS.build(
        dict(
            type='PointOnly',
            segmentor=tiny_model_parts[0],
            data_preprocessor=tiny_model_parts[1]))
    generator = generator_on(tiny_em, tmp_path, z_sigma)
    probs = stack_probs()
    predict = generator.predict_slice

    def controlled(model, index):  # the real slice, a known prediction
        pred = predict(model, index)
        assert pred['prob'].shape == probs.shape[1:]
        return dict(pred, prob=probs[index].copy())

    monkeypatch.setattr(generator, 'predict_slice', controlled)
    summary = generator.run(model, 'round_01')
    assert summary['slices'] == len(probs)
    store = PseudoLabelStore(generator.root)
    names = [
        generator.dataset.get_data_info(i)['name'] for i in range(len(probs))
    ]
    labels = np.stack([store.read('round_01', n)['label'] for n in names])
    smoothed = z_sigma > 0
    assert (labels[(MISSED, ) + SQUARE] == 1).all() == smoothed
    assert (labels[(1, ) + PATCH] == 1).all() != smoothed
    assert (labels[(0, ) + SQUARE] == 1).all()  # the end slice kept
    assert (labels[(3, ) + PATCH] == 0).all()


def test_both_maps_are_smoothed_as_one_stack(tiny_em, tmp_path):
    generator = generator_on(tiny_em, tmp_path, 1.)
    rng = np.random.default_rng(0)
    prob, heatmap = rng.random((2, 5, 8, 8), dtype=np.float32)
    preds = [dict(prob=prob[z], heatmap=heatmap[z], name=z) for z in range(5)]
    out = generator.smooth_along_z(preds)
    assert [p['name'] for p in out] == list(range(5))  # order kept
    np.testing.assert_allclose(
        np.stack([p['prob'] for p in out]), z_smooth(prob, 1.))
    np.testing.assert_allclose(
        np.stack([p['heatmap'] for p in out]), z_smooth(heatmap, 1.))
    assert not np.allclose(out[2]['prob'], prob[2])
    preds[3] = dict(preds[3], prob=np.zeros((8, 9), np.float32))
    with pytest.raises(ValueError, match='different shapes'):
        generator.smooth_along_z(preds)


def test_a_negative_sigma_is_refused(tiny_em, tmp_path):
    with pytest.raises(ValueError, match='z_smooth must be >= 0'):
        generator_on(tiny_em, tmp_path, -1.)
    with pytest.raises(ValueError, match='z_smooth must be >= 0'):
        SelfTrainingRoundHook(dataset=dict(), selector=dict(), z_smooth=-0.5)
