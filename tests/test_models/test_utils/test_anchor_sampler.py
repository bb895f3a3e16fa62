import pytest
import torch
import torch.nn.functional as F

from emda.models.utils import (check_dense_inputs, gather_pixel_features,
                               sample_anchors)


def _generator(seed=0):
    return torch.Generator().manual_seed(seed)


def test_anchors_are_class_pixels_even_when_others_are_less_confident():
    # The authors' indexing bug drew anchors from the global confidence
    # ranking; here non-class pixels are the least confident of all, so any
    # such mix-up would return them.
    prob = torch.rand(64, 64, generator=_generator(1))
    class_mask = torch.zeros(64, 64, dtype=torch.bool)
    class_mask[10:30, 5:40] = True
    prob[~class_mask] = 0.
    anchors = sample_anchors(prob, class_mask, generator=_generator())
    assert class_mask.reshape(-1)[anchors].all()
    assert anchors.unique().numel() == anchors.numel()


@pytest.mark.parametrize('num_class_pixels, expected_num', [(1, 0), (7, 3),
                                                            (600, 300),
                                                            (3000, 512)])
def test_anchor_count_follows_the_spec(num_class_pixels, expected_num):
    prob = torch.rand(4000, generator=_generator(2))
    class_mask = torch.zeros(4000, dtype=torch.bool)
    class_mask[:num_class_pixels] = True
    anchors = sample_anchors(prob, class_mask, generator=_generator())
    assert anchors.numel() == 2 * expected_num
    assert anchors.dtype == torch.long


def test_hard_anchors_come_from_the_least_confident_pool():
    prob = torch.rand(100, 100, generator=_generator(3))
    class_mask = prob > 0.2
    max_per_class = 64
    anchors = sample_anchors(
        prob, class_mask, max_per_class=max_per_class, generator=_generator())
    candidates = class_mask.reshape(-1).nonzero()[:, 0]
    ranked = candidates[prob.reshape(-1)[candidates].argsort()]
    pool = set(ranked[:2 * max_per_class].tolist())
    hard, uniform = anchors[:max_per_class], anchors[max_per_class:]
    assert set(hard.tolist()) <= pool
    assert not set(hard.tolist()) & set(uniform.tolist())
    # The random half spreads over all confidences, the hard half does not.
    assert prob.reshape(-1)[uniform].mean() > prob.reshape(-1)[hard].max()


def test_small_class_hard_half_never_takes_the_most_confident_pixel():
    # 5 candidates -> num = 2, hard pool = the 4 least confident: whatever
    # the draw, the most confident candidate (index 0) is not a hard anchor,
    # and hard + random anchors are 4 distinct candidates.
    prob = torch.tensor([0.99, 0.1, 0.8, 0.2, 0.7, 0.3, 0.4])
    class_mask = torch.tensor([True, True, False, True, False, True, True])
    for seed in range(20):
        anchors = sample_anchors(prob, class_mask, generator=_generator(seed))
        assert 0 not in anchors[:2].tolist()
        assert anchors.unique().numel() == 4
        assert class_mask[anchors].all()


def test_anchor_sampling_is_reproducible_with_a_generator():
    prob = torch.rand(50, 50, generator=_generator(4))
    class_mask = prob > 0.5
    first = sample_anchors(prob, class_mask, generator=_generator(9))
    second = sample_anchors(prob, class_mask, generator=_generator(9))
    assert torch.equal(first, second)


@pytest.mark.parametrize('kwargs', [
    dict(prob_c=torch.rand(4, 4), class_mask=torch.ones(4, 4)),
    dict(prob_c=torch.rand(4, 5), class_mask=torch.ones(4, 4).bool()),
    dict(
        prob_c=torch.rand(4, 4),
        class_mask=torch.ones(4, 4).bool(),
        fraction=0.6),
    dict(
        prob_c=torch.rand(4, 4),
        class_mask=torch.ones(4, 4).bool(),
        max_per_class=-1),
])
def test_sample_anchors_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        sample_anchors(**kwargs)


def test_gather_matches_upsample_then_normalize():
    feats = torch.randn(2, 6, 5, 7, generator=_generator(5))
    out_size = (20, 21)
    dense = F.normalize(
        F.interpolate(feats, out_size, mode='bilinear', align_corners=False),
        dim=1)
    mask = torch.rand(2, *out_size, generator=_generator(6)) > 0.5
    coords = mask.nonzero()
    coords = coords[torch.randperm(coords.shape[0], generator=_generator())]
    sampled = gather_pixel_features(feats, coords, out_size)
    expected = dense.permute(0, 2, 3, 1)[coords[:, 0], coords[:, 1], coords[:,
                                                                            2]]
    assert torch.allclose(sampled, expected, atol=1e-6)


def test_gather_passes_gradients_to_the_features():
    feats = torch.randn(1, 4, 3, 3, requires_grad=True)
    coords = torch.tensor([[0, 0, 0], [0, 5, 7]])
    gather_pixel_features(feats, coords, (12, 12)).sum().backward()
    assert feats.grad.abs().sum() > 0
    assert torch.isfinite(feats.grad).all()


def test_check_dense_inputs_reports_the_bad_argument():
    feats = torch.zeros(2, 3, 4, 4)
    good = torch.zeros(2, 16, 16, dtype=torch.bool)
    assert check_dense_inputs(feats, dict(fg_mask=good)) == (16, 16)
    with pytest.raises(ValueError, match='bg_mask'):
        check_dense_inputs(feats, dict(fg_mask=good, bg_mask=good.float()))
    with pytest.raises(ValueError, match='fg_prob'):
        check_dense_inputs(feats, dict(fg_mask=good),
                           dict(fg_prob=torch.zeros(2, 16, 8)))
    with pytest.raises(ValueError, match='feats'):
        check_dense_inputs(feats[0], dict(fg_mask=good))
