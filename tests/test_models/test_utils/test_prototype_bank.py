import io

import pytest
import torch
import torch.nn.functional as F

from emda.models.utils import PrototypeBank, PrototypeMemory
from emda.registry import MODELS

DIMS = 8
UNIT = torch.eye(DIMS)
A, B, C, D = UNIT[0], UNIT[1], UNIT[2], UNIT[3]


def _block_features(vectors):
    """(1, DIMS, 8, 4 * len) low-res map whose k-th 4-column block holds
    ``vectors[k]``; upsampled x4, block k is pure over columns
    [16k + 2, 16k + 12) of the 32 x 64k label grid."""
    blocks = [v[:, None, None].expand(DIMS, 8, 4) for v in vectors]
    return torch.cat(blocks, dim=2)[None].clone()


def _block_mask(blocks, num_blocks=4):
    mask = torch.zeros(1, 32, 16 * num_blocks, dtype=torch.bool)
    for k in blocks:
        mask[:, :, 16 * k + 2:16 * k + 12] = True
    return mask


def _same_rows_any_order(actual, expected):
    return any(
        torch.allclose(actual, expected[list(order)], atol=1e-5)
        for order in ([0, 1], [1, 0]))


def test_memory_is_fifo_with_maxlen():
    memory = PrototypeMemory(maxlen=3, embed_dims=2)
    assert len(memory) == 0 and memory.values().shape == (0, 2)
    for value in range(1, 6):
        memory.push(torch.full((2, ), float(value)))
        assert len(memory) == min(value, 3)
    assert memory.values()[:, 0].tolist() == [3., 4., 5.]


def test_memory_push_detaches_and_checks_shape():
    memory = PrototypeMemory(maxlen=1, embed_dims=2)
    memory.push(torch.ones(2, requires_grad=True) * 2)
    assert not memory.entries.requires_grad
    with pytest.raises(ValueError):
        memory.push(torch.ones(3))
    with pytest.raises(ValueError):
        PrototypeMemory(maxlen=0, embed_dims=2)


def test_update_target_pushes_each_prototype_to_its_memories():
    bank = PrototypeBank(embed_dims=DIMS)
    feats = _block_features([A, B, C, D])
    bank.update_target(
        feats,
        fg_mask=_block_mask([0, 1]),
        bg_mask=_block_mask([2, 3]),
        point_instance_mask=_block_mask([0]))
    fg_mean, bg_mean = (A + B) / 2, (C + D) / 2
    # obj_pos: point-instance then all-fg prototype, oldest first.
    assert torch.allclose(bank.obj_pos.values(), torch.stack([A, fg_mean]))
    # bck_neg: point-instance, all-fg, then the 2 fg k-means modes.
    bck_neg = bank.bck_neg.values()
    assert torch.allclose(bck_neg[:2], torch.stack([A, fg_mean]))
    assert _same_rows_any_order(bck_neg[2:], torch.stack([A, B]))
    # bck_pos: all-bg; obj_neg: all-bg then the 2 bg k-means modes.
    assert torch.allclose(bank.bck_pos.values(), bg_mean[None])
    obj_neg = bank.obj_neg.values()
    assert torch.allclose(obj_neg[0], bg_mean)
    assert _same_rows_any_order(obj_neg[1:], torch.stack([C, D]))
    assert len(bank.src_obj_pos) == 0


def test_update_target_skips_empty_masks():
    bank = PrototypeBank(embed_dims=DIMS)
    feats = _block_features([A, B, C, D])
    bank.update_target(
        feats,
        fg_mask=_block_mask([]),
        bg_mask=_block_mask([2, 3]),
        point_instance_mask=_block_mask([]))
    assert len(bank.obj_pos) == 0 and len(bank.bck_neg) == 0
    assert len(bank.bck_pos) == 1 and len(bank.obj_neg) == 3
    # A single bg pixel gives a mean but no k-means modes.
    bank = PrototypeBank(embed_dims=DIMS)
    single = _block_mask([])
    single[0, 5, 40] = True
    bank.update_target(feats, fg_mask=_block_mask([0]), bg_mask=single)
    assert len(bank.obj_neg) == 1 and len(bank.bck_pos) == 1
    assert torch.allclose(bank.obj_neg.values()[0], C)
    assert len(bank.obj_pos) == 1  # no point-instance mask given


def test_kmeans_subsample_keeps_the_modes():
    bank = PrototypeBank(embed_dims=DIMS, kmeans_pixels=16)
    bank.update_target(
        _block_features([A, B, C, D]),
        fg_mask=_block_mask([0, 1]),
        bg_mask=_block_mask([2, 3]))
    assert _same_rows_any_order(bank.bck_neg.values()[1:], torch.stack([A, B]))


def test_update_target_is_deterministic():
    feats = torch.rand(
        2, DIMS, 4, 4, generator=torch.Generator().manual_seed(0))
    fg = torch.rand(2, 16, 16, generator=torch.Generator().manual_seed(1)) > .5
    banks = [PrototypeBank(embed_dims=DIMS, kmeans_n_init=3) for _ in range(2)]
    for bank in banks:
        bank.update_target(feats, fg, ~fg)
    for (name, first), (_, second) in zip(banks[0].state_dict().items(),
                                          banks[1].state_dict().items()):
        assert torch.equal(first, second), name


def test_update_source_uses_confident_and_correct_pixels_only():
    bank = PrototypeBank(embed_dims=DIMS)
    feats = _block_features([A, B, C, D])
    fg_prob = torch.zeros(1, 32, 64)
    gt = torch.zeros(1, 32, 64, dtype=torch.long)
    fg_prob[_block_mask([0, 2])] = 0.99  # confident
    fg_prob[_block_mask([1])] = 0.5  # correct but not confident
    gt[_block_mask([0, 1])] = 1
    gt[_block_mask([2])] = 255  # confident but ignored
    bank.update_source(feats, fg_prob, gt, conf=0.95)
    assert torch.allclose(bank.src_obj_pos.values(), A[None])
    # Nothing confident and correct: nothing pushed.
    empty = PrototypeBank(embed_dims=DIMS)
    empty.update_source(feats, fg_prob * 0, gt)
    assert len(empty.src_obj_pos) == 0


def test_positive_and_negatives_are_normalized_class_sets():
    bank = PrototypeBank(embed_dims=DIMS)
    assert not bank.is_ready() and not bank.is_ready('fg')
    with pytest.raises(RuntimeError):
        bank.positive('fg')
    bank.src_obj_pos.push(3 * A)
    assert not bank.is_ready('fg')  # a positive but no negative yet
    bank.obj_pos.push(B)
    bank.obj_pos.push(2 * B)
    bank.obj_neg.push(5 * C)
    assert bank.is_ready('fg') and not bank.is_ready('bg')
    # fg positive: normalized mean of the unit obj_pos and src_obj_pos.
    expected = F.normalize((A + B + B) / 3, dim=0)
    assert torch.allclose(bank.positive('fg'), expected)
    assert torch.allclose(bank.negatives('fg'), C[None])
    bank.bck_pos.push(4 * D)
    bank.bck_neg.push(A + B)
    assert bank.is_ready()
    assert torch.allclose(bank.positive('bg'), D)
    assert torch.allclose(
        bank.negatives('bg'),
        F.normalize(A + B, dim=0)[None])
    with pytest.raises(ValueError):
        bank.positive('mito')


def _partly_filled_bank():
    bank = PrototypeBank(embed_dims=DIMS)
    for k in range(5):  # obj_neg wraps around: holds pushes 2, 3, 4
        bank.obj_neg.push(UNIT[k])
    bank.obj_pos.push(UNIT[6])  # 1 of 2
    bank.bck_neg.push(UNIT[7])  # 1 of 4
    return bank


def _assert_same_memories(first, second):
    for name in ('obj_pos', 'obj_neg', 'bck_pos', 'bck_neg', 'src_obj_pos'):
        mine, theirs = getattr(first, name), getattr(second, name)
        assert len(mine) == len(theirs), name
        assert torch.equal(mine.values(), theirs.values()), name


def test_state_dict_round_trip_restores_fill_and_order():
    bank = _partly_filled_bank()
    fresh = PrototypeBank(embed_dims=DIMS)
    fresh.load_state_dict(bank.state_dict())
    _assert_same_memories(bank, fresh)
    assert fresh.obj_neg.values()[:, 2:5].equal(torch.eye(3))
    # Both keep evolving identically after the restore.
    for memories in (bank, fresh):
        memories.obj_neg.push(UNIT[5])
        memories.obj_pos.push(UNIT[1])
    _assert_same_memories(bank, fresh)


def test_state_dict_round_trip_through_torch_save():
    bank = _partly_filled_bank()
    buffer = io.BytesIO()
    torch.save(bank.state_dict(), buffer)
    buffer.seek(0)
    fresh = PrototypeBank(embed_dims=DIMS)
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    _assert_same_memories(bank, fresh)


def test_bank_builds_from_registry_and_rejects_bad_input():
    bank = MODELS.build(dict(type='PrototypeBank', obj_neg_len=5))
    assert bank.obj_neg.maxlen == 5 and bank.embed_dims == 128
    feats = torch.zeros(1, 128, 4, 4)
    mask = torch.zeros(1, 16, 16, dtype=torch.bool)
    with pytest.raises(ValueError, match='fg_mask'):
        bank.update_target(feats, mask.long(), mask)
    with pytest.raises(ValueError, match='bg_mask'):
        bank.update_target(feats, mask, mask[:, :8])
    with pytest.raises(ValueError, match='gt'):
        bank.update_source(feats, mask.float(), torch.zeros(2, 16, 16))
