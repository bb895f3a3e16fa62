import numpy as np
import pytest

from emda.evaluation.functional import (aggregated_jaccard_index,
                                        binary_counts, dice, jaccard,
                                        panoptic_quality, slice_scores)
from emda.utils.instances import label_instances


def _two_instance_case():
    """GT: G1 (8 px) and G2 (4 px). Pred: P1 inside G1 (6 px, IoU 6/8),
    P2 over G2's edge (6 px, 2 px shared, IoU 2/8), P3 a false positive
    (6 px)."""
    gt = np.zeros((6, 10), np.uint8)
    gt[0:2, 0:4] = 1  # G1
    gt[4:6, 0:2] = 1  # G2
    pred = np.zeros((6, 10), np.uint8)
    pred[0:2, 0:3] = 1  # P1
    pred[4:6, 1:4] = 1  # P2
    pred[0:2, 7:10] = 1  # P3
    return pred, gt


def test_dice_and_jaccard_by_hand():
    gt = np.zeros((4, 4), np.uint8)
    gt[0:2, 0:2] = 1
    pred = np.zeros((4, 4), np.uint8)
    pred[0:2, 1:3] = 1
    # |P| = |G| = 4, |P & G| = 2, |P | G| = 6
    assert dice(pred, gt) == pytest.approx(0.5)
    assert jaccard(pred, gt) == pytest.approx(1 / 3)
    assert binary_counts(pred, gt) == (2, 2, 2)
    # bool masks give the same result
    assert dice(pred.astype(bool), gt.astype(bool)) == pytest.approx(0.5)


def test_instance_scores_by_hand():
    pred, gt = _two_instance_case()
    pred_inst, gt_inst = label_instances(pred), label_instances(gt)
    assert pred_inst.max() == 3 and gt_inst.max() == 2
    # AJI: inter 6 + 2; unions 8 (G1|P1) + 8 (G2|P2) + 6 (unused P3)
    assert aggregated_jaccard_index(pred_inst,
                                    gt_inst) == pytest.approx(8 / 22)
    # PQ: only (G1, P1) matches (IoU 0.75); TP 1, FP 2, FN 1
    pq, dq, sq = panoptic_quality(pred_inst, gt_inst)
    assert dq == pytest.approx(1 / 2.5)
    assert sq == pytest.approx(0.75)
    assert pq == pytest.approx(0.3)
    scores = slice_scores(pred, gt)
    assert scores == pytest.approx(
        dict(dice=16 / 30, jaccard=8 / 22, aji=8 / 22, pq=0.3))
    assert all(type(v) is float for v in scores.values())


def test_aji_merged_prediction_is_picked_by_both_gt():
    gt = np.zeros((2, 7), np.int32)
    gt[:, 0:3] = 1
    gt[:, 4:7] = 2
    pred = np.ones((2, 7), np.int32)  # one 14 px instance over both
    # each GT picks the same prediction: inter 6 + 6, unions 14 + 14
    assert aggregated_jaccard_index(pred, gt) == pytest.approx(12 / 28)
    # IoU 6/14 < 0.5: no match at all
    assert panoptic_quality(pred, gt) == (0.0, 0.0, 0.0)


def test_aji_gt_without_overlap_adds_only_its_own_area():
    gt = np.zeros((2, 6), np.int32)
    gt[:, 0:2] = 1
    gt[:, 4:6] = 2
    pred = np.where(gt == 1, 1, 0).astype(np.int32)
    # G1 matched exactly (4 / 4); G2 adds its 4 px to the union only. A
    # bare argmax would pair G2 with P1 too and give 4 / 12.
    assert aggregated_jaccard_index(pred, gt) == pytest.approx(4 / 8)
    assert panoptic_quality(pred, gt) == pytest.approx((2 / 3, 2 / 3, 1.0))


def test_instance_ids_need_not_be_contiguous():
    pred, gt = _two_instance_case()
    pred_inst, gt_inst = label_instances(pred), label_instances(gt)
    sparse = np.choose(pred_inst, [0, 7, 1_000_000, 123]).astype(np.int64)
    assert aggregated_jaccard_index(sparse, gt_inst) == pytest.approx(8 / 22)
    assert panoptic_quality(sparse, gt_inst)[0] == pytest.approx(0.3)


def test_pq_match_needs_iou_strictly_above_threshold():
    gt = np.zeros((1, 4), np.int32)
    gt[0, :] = 1
    pred = np.zeros((1, 4), np.int32)
    pred[0, :2] = 1  # IoU exactly 0.5
    assert panoptic_quality(pred, gt) == (0.0, 0.0, 0.0)
    pred[0, :3] = 1  # IoU 0.75
    assert panoptic_quality(pred, gt) == pytest.approx((0.75, 1.0, 0.75))
    with pytest.raises(ValueError, match='iou_threshold'):
        panoptic_quality(pred, gt, iou_threshold=0.3)


@pytest.mark.parametrize('pred_empty,gt_empty,expected', [
    (True, True, 1.0),
    (True, False, 0.0),
    (False, True, 0.0),
])
def test_empty_conventions(pred_empty, gt_empty, expected):
    full = np.zeros((8, 8), np.uint8)
    full[2:5, 2:5] = 1
    empty = np.zeros((8, 8), np.uint8)
    pred = empty if pred_empty else full
    gt = empty if gt_empty else full
    scores = slice_scores(pred, gt)
    assert scores == dict(
        dice=expected, jaccard=expected, aji=expected, pq=expected)
    assert panoptic_quality(label_instances(pred),
                            label_instances(gt)) == (expected, ) * 3


def test_ignore_pixels_are_removed_from_both_masks():
    gt = np.zeros((6, 9), np.uint8)
    gt[0:2, 0:2] = 1
    gt[0:2, 7:9] = 1
    pred = gt.copy()
    pred[0:2, 2:7] = 1  # bridge joining both squares into one instance
    pred[4:6, 4:6] = 1  # false positive
    assert slice_scores(pred, gt)['pq'] == 0.0
    ignore = np.zeros((6, 9), bool)
    ignore[:, 2:7] = True  # covers the bridge and the false positive
    assert slice_scores(pred, gt, ignore) == dict(
        dice=1.0, jaccard=1.0, aji=1.0, pq=1.0)
    assert binary_counts(pred, gt, ignore) == (8, 0, 0)


def test_bad_inputs_raise():
    gt = np.zeros((4, 4), np.uint8)
    gt[0, 0] = 255
    with pytest.raises(ValueError, match='binary'):
        slice_scores(np.zeros((4, 4), np.uint8), gt)
    with pytest.raises(ValueError, match='same shape'):
        dice(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match='integer'):
        aggregated_jaccard_index(np.zeros((4, 4)), np.zeros((4, 4), int))
    with pytest.raises(ValueError, match='2D'):
        slice_scores(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)))


def test_large_slice_with_many_instances():
    """A 1024 x 1024 slice with 100 instances is scored through the sparse
    contingency table (this would take minutes with pairwise loops)."""
    gt = np.zeros((1024, 1024), np.uint8)
    pred = np.zeros_like(gt)
    for y in range(10, 1000, 100):
        for x in range(10, 1000, 100):
            gt[y:y + 40, x:x + 40] = 1
            pred[y + 5:y + 45, x + 3:x + 43] = 1
    assert label_instances(gt).max() == 100
    inter, union = 35 * 37, 2 * 1600 - 35 * 37
    scores = slice_scores(pred, gt)
    assert scores == pytest.approx(
        dict(
            dice=2 * inter / 3200,
            jaccard=inter / union,
            aji=inter / union,
            pq=inter / union))
