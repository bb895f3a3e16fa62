import math

import pytest
import torch
import torch.nn.functional as F

from emda.models.losses import PrototypeContrastLoss
from emda.models.utils import PrototypeBank
from emda.registry import MODELS

DIMS = 8
UNIT = torch.eye(DIMS)
SIZE = 32  # label grid; features are SIZE / 4


def _ready_bank():
    """fg: positive A (target A, source A), negatives B, C, D.
    bg: positive B, negatives A, E, F, G."""
    bank = PrototypeBank(embed_dims=DIMS)
    bank.obj_pos.push(UNIT[0])
    bank.src_obj_pos.push(UNIT[0])
    for k in (1, 2, 3):
        bank.obj_neg.push(UNIT[k])
    bank.bck_pos.push(UNIT[1])
    for k in (0, 4, 5, 6):
        bank.bck_neg.push(UNIT[k])
    return bank


def _constant_feats(vector):
    """Every pixel (hence every anchor) has the feature ``vector``."""
    return vector[None, :, None, None].expand(1, DIMS, SIZE // 4,
                                              SIZE // 4).clone()


def _masks(fg=True, bg=False):
    full = torch.ones(1, SIZE, SIZE, dtype=torch.bool)
    return full & fg, full & bg


def _expected_term(vector, positive, negatives, temperature=0.5, eps=1e-4):
    a = F.normalize(vector, dim=0)
    pos = math.exp(float(a @ positive) / temperature)
    neg = sum(math.exp(float(a @ n) / temperature) for n in negatives)
    return -math.log(pos / (pos + neg + eps))


def _fg_loss(vector, loss=None):
    loss = loss or PrototypeContrastLoss()
    fg_mask, bg_mask = _masks(fg=True, bg=False)
    fg_prob = torch.rand(1, SIZE, SIZE)
    return loss(
        _constant_feats(vector), fg_prob, fg_mask, bg_mask, _ready_bank())


def test_loss_matches_the_info_nce_formula():
    vector = torch.linspace(0.1, 1., DIMS)
    expected = _expected_term(vector, UNIT[0], UNIT[1:4])
    assert _fg_loss(vector).item() == pytest.approx(expected, rel=1e-5)


def test_loss_sums_the_foreground_and_background_terms():
    vector = torch.linspace(1., 0.1, DIMS)
    fg_mask, bg_mask = _masks(fg=True, bg=True)
    loss = PrototypeContrastLoss(loss_weight=2.)(_constant_feats(vector),
                                                 torch.rand(1, SIZE,
                                                            SIZE), fg_mask,
                                                 bg_mask, _ready_bank())
    expected = (
        _expected_term(vector, UNIT[0], UNIT[1:4]) +
        _expected_term(vector, UNIT[1], UNIT[[0, 4, 5, 6]]))
    assert loss.item() == pytest.approx(2 * expected, rel=1e-5)


def test_loss_falls_toward_the_positive_and_rises_toward_a_negative():
    start = torch.full((DIMS, ), 0.5)
    positive, negative = UNIT[0], UNIT[2]
    base = _fg_loss(start).item()
    toward_positive = [
        _fg_loss(start + step * positive).item() for step in (1., 3., 9.)
    ]
    toward_negative = [
        _fg_loss(start + step * negative).item() for step in (1., 3., 9.)
    ]
    assert base > toward_positive[0] > toward_positive[1] > toward_positive[2]
    assert base < toward_negative[0] < toward_negative[1] < toward_negative[2]


def test_empty_bank_or_no_anchor_gives_an_exact_differentiable_zero():
    feats = torch.rand(1, DIMS, SIZE // 4, SIZE // 4, requires_grad=True)
    fg_prob = torch.rand(1, SIZE, SIZE)
    fg_mask, bg_mask = _masks(fg=True, bg=True)
    loss_fn = PrototypeContrastLoss()
    empty_bank = loss_fn(feats, fg_prob, fg_mask, bg_mask,
                         PrototypeBank(embed_dims=DIMS))
    no_pixels = torch.zeros_like(fg_mask)
    one_pixel = no_pixels.clone()
    one_pixel[0, 3, 3] = True  # floor(0.5 * 1) = 0 anchors
    no_anchor = loss_fn(feats, fg_prob, no_pixels, one_pixel, _ready_bank())
    for loss in (empty_bank, no_anchor):
        assert loss.item() == 0.
        loss.backward()
        assert torch.equal(feats.grad, torch.zeros_like(feats))


def test_a_class_without_anchors_leaves_the_other_term_unchanged():
    vector = torch.linspace(0.1, 1., DIMS)
    fg_only = _fg_loss(vector)
    fg_mask, _ = _masks()
    bank = _ready_bank()
    bank.bck_pos.count.zero_()  # bg not ready: its term is 0
    with_bg = PrototypeContrastLoss()(_constant_feats(vector),
                                      torch.rand(1, SIZE, SIZE), fg_mask,
                                      fg_mask, bank)
    assert with_bg.item() == pytest.approx(fg_only.item(), rel=1e-6)


def test_gradients_reach_only_the_anchor_features():
    generator = torch.Generator().manual_seed(0)
    feats = torch.rand(
        2, DIMS, SIZE // 4, SIZE // 4, generator=generator).requires_grad_()
    fg_prob = torch.rand(2, SIZE, SIZE, generator=generator)
    fg_prob.requires_grad_()
    bank = _ready_bank()
    before = {k: v.clone() for k, v in bank.state_dict().items()}
    loss = PrototypeContrastLoss(
        temperature=0.01, eps=0.)(feats, fg_prob, fg_prob > 0.6, fg_prob < 0.4,
                                  bank)
    loss.backward()
    assert torch.isfinite(loss) and loss > 0
    assert torch.isfinite(feats.grad).all() and feats.grad.abs().sum() > 0
    assert fg_prob.grad is None  # confidence only ranks anchors
    assert all(not v.requires_grad for v in bank.state_dict().values())
    for key, value in bank.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_loss_runs_after_a_real_bank_update():
    generator = torch.Generator().manual_seed(1)
    feats = torch.rand(1, DIMS, 8, 8, generator=generator)
    fg_prob = F.interpolate(feats[:, :1], (SIZE, SIZE), mode='bilinear')[:, 0]
    fg_mask, bg_mask = fg_prob > 0.5, fg_prob <= 0.5
    bank = PrototypeBank(embed_dims=DIMS, kmeans_n_init=2)
    bank.update_target(feats, fg_mask, bg_mask)
    bank.update_source(feats, fg_prob, fg_mask.long(), conf=0.5)
    feats.requires_grad_()
    loss = PrototypeContrastLoss()(feats, fg_prob, fg_mask, bg_mask, bank)
    loss.backward()
    assert loss.item() > 0 and torch.isfinite(feats.grad).all()


def test_loss_builds_from_registry_and_rejects_bad_input():
    loss = MODELS.build(dict(type='PrototypeContrastLoss', loss_weight=0.005))
    assert loss.loss_weight == 0.005 and loss.loss_name == 'loss_contrast'
    with pytest.raises(ValueError, match='temperature'):
        PrototypeContrastLoss(temperature=0.)
    with pytest.raises(ValueError, match='anchor_fraction'):
        PrototypeContrastLoss(anchor_fraction=0.8)
    fg_mask, bg_mask = _masks()
    feats = _constant_feats(UNIT[0])
    with pytest.raises(ValueError, match='fg_prob'):
        loss(feats, torch.rand(1, 1, SIZE, SIZE), fg_mask, bg_mask,
             _ready_bank())
    with pytest.raises(ValueError, match='bg_mask'):
        loss(feats, torch.rand(1, SIZE, SIZE), fg_mask, bg_mask.float(),
             _ready_bank())
