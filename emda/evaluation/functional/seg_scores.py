"""Segmentation scores as the EM mitochondria literature reports them.

One home for every score (pure numpy) so that the metric, the test tool and
the comparison tool agree:

- ``dice`` / ``jaccard``: foreground-only overlap of two binary masks.
- ``aggregated_jaccard_index``: AJI of Kumar et al. 2017 over instances.
- ``panoptic_quality``: PQ = DQ * SQ with unique matching at IoU > 0.5.
- ``slice_scores``: all four on one slice, instances being the 2D
  8-connected components (``emda.utils.instances.label_instances``).

Empty conventions (identical for every score): if both prediction and ground
truth are empty the score is 1.0 (nothing to find, nothing found); if exactly
one of them is empty the score is 0.0.

Instance scores use a sparse contingency table: only pixels where both maps
are foreground form (gt id, pred id) pairs, so the cost is one pass over the
pixels plus a sort of the overlapping pixels, never a loop over instances
times pixels.
"""
from typing import Dict, NamedTuple, Optional, Tuple

import numpy as np

from emda.utils.instances import label_instances


def _check_same_shape(pred: np.ndarray, gt: np.ndarray) -> None:
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt must have the same shape, got '
                         f'{pred.shape} and {gt.shape}')


def _as_binary(mask: np.ndarray, name: str) -> np.ndarray:
    """``mask`` as a bool array; values other than 0/1 are a ValueError
    (a 255 ignore label passed as foreground would silently inflate
    scores)."""
    mask = np.asarray(mask)
    if mask.dtype == bool:
        return mask
    if not ((mask == 0) | (mask == 1)).all():
        bad = np.unique(mask[(mask != 0) & (mask != 1)])[:5]
        raise ValueError(f'{name} must be binary (0/1 or bool), found '
                         f'values {bad.tolist()}')
    return mask.astype(bool)


def _binary_pair(pred: np.ndarray,
                 gt: np.ndarray,
                 ignore_mask: Optional[np.ndarray] = None
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Both masks as bool arrays, with ignored pixels set to background."""
    pred = _as_binary(pred, 'pred')
    gt = _as_binary(gt, 'gt')
    _check_same_shape(pred, gt)
    if ignore_mask is not None:
        keep = ~_as_binary(ignore_mask, 'ignore_mask')
        _check_same_shape(pred, keep)
        pred = pred & keep
        gt = gt & keep
    return pred, gt


def binary_counts(
        pred: np.ndarray,
        gt: np.ndarray,
        ignore_mask: Optional[np.ndarray] = None) -> Tuple[int, int, int]:
    """Foreground (tp, fp, fn) pixel counts of two binary masks.

    Pixels where ``ignore_mask`` is True are left out. The counts add up
    over slices, which gives the volume-level Dice/IoU.
    """
    pred, gt = _binary_pair(pred, gt, ignore_mask)
    tp = int(np.count_nonzero(pred & gt))
    fp = int(np.count_nonzero(pred)) - tp
    fn = int(np.count_nonzero(gt)) - tp
    return tp, fp, fn


def dice_from_counts(tp: int, fp: int, fn: int) -> float:
    """2TP / (2TP + FP + FN); 1.0 when both masks are empty."""
    denom = 2 * tp + fp + fn
    return 1.0 if denom == 0 else 2.0 * tp / denom


def jaccard_from_counts(tp: int, fp: int, fn: int) -> float:
    """TP / (TP + FP + FN); 1.0 when both masks are empty."""
    denom = tp + fp + fn
    return 1.0 if denom == 0 else float(tp) / denom


def dice(pred: np.ndarray, gt: np.ndarray) -> float:
    """Foreground Dice 2|P&G| / (|P| + |G|) of two binary masks."""
    return dice_from_counts(*binary_counts(pred, gt))


def jaccard(pred: np.ndarray, gt: np.ndarray) -> float:
    """Foreground Jaccard (IoU) |P&G| / |P|G| of two binary masks."""
    return jaccard_from_counts(*binary_counts(pred, gt))


class InstanceOverlaps(NamedTuple):
    """Sparse contingency table of two instance maps.

    ``gt_area[i]`` / ``pred_area[j]`` are the areas of ids i / j (index 0 is
    background, an absent id has area 0). ``pair_gt``, ``pair_pred``,
    ``pair_inter`` and ``pair_iou`` list every (gt, pred) pair that overlaps.
    """
    gt_area: np.ndarray
    pred_area: np.ndarray
    pair_gt: np.ndarray
    pair_pred: np.ndarray
    pair_inter: np.ndarray
    pair_iou: np.ndarray


def _instance_ids(labels: np.ndarray, name: str) -> np.ndarray:
    """Instance ids as a flat int64 array with ids in 0..N; sparse huge ids
    are compacted so that ``np.bincount`` stays small."""
    labels = np.asarray(labels)
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f'{name} must be an integer instance map (0 = '
                         f'background), got dtype {labels.dtype}')
    flat = labels.ravel().astype(np.int64)
    if flat.size and flat.min() < 0:
        raise ValueError(f'{name} has negative instance ids')
    if flat.size and flat.max() > flat.size:
        _, flat = np.unique(flat, return_inverse=True)
        if not (labels == 0).any():
            flat = flat + 1  # keep id 0 for background
    return flat


def instance_overlaps(pred_inst: np.ndarray,
                      gt_inst: np.ndarray) -> InstanceOverlaps:
    """Areas and pairwise intersections/IoUs of two instance maps."""
    _check_same_shape(np.asarray(pred_inst), np.asarray(gt_inst))
    pred = _instance_ids(pred_inst, 'pred_inst')
    gt = _instance_ids(gt_inst, 'gt_inst')
    pred_area = np.bincount(pred)
    gt_area = np.bincount(gt)
    pred_area[:1] = 0
    gt_area[:1] = 0
    both = (pred > 0) & (gt > 0)
    codes = gt[both] * len(pred_area) + pred[both]
    codes, inter = np.unique(codes, return_counts=True)
    pair_gt, pair_pred = np.divmod(codes, len(pred_area))
    union = gt_area[pair_gt] + pred_area[pair_pred] - inter
    return InstanceOverlaps(gt_area, pred_area, pair_gt, pair_pred, inter,
                            inter / union)


def aggregated_jaccard_index(pred_inst: np.ndarray,
                             gt_inst: np.ndarray) -> float:
    """Aggregated Jaccard Index (Kumar et al., IEEE TMI 2017).

    Each ground-truth instance is paired with the predicted instance of
    highest IoU (ties: the smaller id); the pairs' intersections and unions
    are summed, and every predicted instance that no ground truth picked
    adds its area to the union. A ground-truth instance that overlaps no
    prediction adds its own area to the union only (not an arbitrary
    zero-IoU prediction, as a bare argmax would). A prediction may be picked
    by several ground-truth instances, as in the original definition.
    """
    ov = instance_overlaps(pred_inst, gt_inst)
    total_gt = int(ov.gt_area.sum())
    total_pred = int(ov.pred_area.sum())
    if total_gt == 0 and total_pred == 0:
        return 1.0
    if total_gt == 0 or total_pred == 0:
        return 0.0
    # Sort pairs by gt id, then by IoU descending, then by pred id; the first
    # pair of each gt id is its best match.
    order = np.lexsort((ov.pair_pred, -ov.pair_iou, ov.pair_gt))
    pair_gt = ov.pair_gt[order]
    first = np.ones(len(order), bool)
    first[1:] = pair_gt[1:] != pair_gt[:-1]
    best = order[first]
    best_gt, best_pred = ov.pair_gt[best], ov.pair_pred[best]
    inter = int(ov.pair_inter[best].sum())
    # Sum of unions over pairs; unmatched gt and unused pred add their area.
    union = int((ov.gt_area[best_gt] + ov.pred_area[best_pred]).sum()) - inter
    matched_gt = np.zeros(len(ov.gt_area), bool)
    matched_gt[best_gt] = True
    used_pred = np.zeros(len(ov.pred_area), bool)
    used_pred[best_pred] = True
    union += int(ov.gt_area[~matched_gt].sum())
    union += int(ov.pred_area[~used_pred].sum())
    return inter / union


def panoptic_quality(pred_inst: np.ndarray,
                     gt_inst: np.ndarray,
                     iou_threshold: float = 0.5) -> Tuple[float, float, float]:
    """Panoptic quality (Kirillov et al. 2019) of one instance map.

    A (gt, pred) pair is a true positive when IoU > ``iou_threshold``; at
    a threshold >= 0.5 each instance has at most one such partner, so the
    matching is unique without an assignment solver.

    Returns:
        tuple: ``(pq, dq, sq)`` with DQ = TP / (TP + FP/2 + FN/2), SQ the
        mean IoU of the true positives (0.0 when there are none) and
        PQ = DQ * SQ.
    """
    if not 0.5 <= iou_threshold < 1.0:
        raise ValueError(f'iou_threshold must be in [0.5, 1) so that '
                         f'matches are unique, got {iou_threshold}')
    ov = instance_overlaps(pred_inst, gt_inst)
    num_gt = int(np.count_nonzero(ov.gt_area))
    num_pred = int(np.count_nonzero(ov.pred_area))
    if num_gt == 0 and num_pred == 0:
        return 1.0, 1.0, 1.0
    matched = ov.pair_iou > iou_threshold
    tp = int(np.count_nonzero(matched))
    if tp == 0:
        return 0.0, 0.0, 0.0
    fp = num_pred - tp
    fn = num_gt - tp
    dq = tp / (tp + 0.5 * fp + 0.5 * fn)
    sq = float(ov.pair_iou[matched].sum()) / tp
    return dq * sq, dq, sq


def slice_scores(pred_mask: np.ndarray,
                 gt_mask: np.ndarray,
                 ignore_mask: Optional[np.ndarray] = None) -> Dict[str, float]:
    """Dice, Jaccard, AJI and PQ of one 2D slice.

    Args:
        pred_mask (np.ndarray): (H, W) binary prediction (bool or 0/1).
        gt_mask (np.ndarray): (H, W) binary ground truth (bool or 0/1).
        ignore_mask (np.ndarray, optional): (H, W) bool; True pixels are
            removed from both masks before scoring, so they neither count
            nor split or join instances.

    Returns:
        dict: ``{'dice', 'jaccard', 'aji', 'pq'}`` as Python floats.
    """
    pred, gt = _binary_pair(pred_mask, gt_mask, ignore_mask)
    if pred.ndim != 2:
        raise ValueError(f'pred_mask must be 2D (H, W), got shape '
                         f'{pred.shape}')
    counts = binary_counts(pred, gt)
    pred_inst = label_instances(pred)
    gt_inst = label_instances(gt)
    return dict(
        dice=dice_from_counts(*counts),
        jaccard=jaccard_from_counts(*counts),
        aji=aggregated_jaccard_index(pred_inst, gt_inst),
        pq=panoptic_quality(pred_inst, gt_inst)[0])
