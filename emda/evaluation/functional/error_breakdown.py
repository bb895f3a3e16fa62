"""Where a binary prediction goes wrong: at the object boundaries (a
boundary-convention or resolution effect) or away from them (false objects,
missed objects). Analysis of finished runs against labels; no method reads
it."""
from typing import Dict

import numpy as np
from scipy import ndimage as ndi

from emda.utils.instances import label_instances

ERROR_COUNTS = ('tp', 'fp', 'fn', 'fp_near', 'fn_near', 'fp_in_false_objects')


def error_counts(pred: np.ndarray,
                 gt: np.ndarray,
                 near_px: float = 4.) -> Dict[str, int]:
    """Pixel counts of one slice.

    ``fp_near``: false positives within ``near_px`` of the true foreground;
    ``fn_near``: false negatives within ``near_px`` of the true background;
    ``fp_in_false_objects``: false positives in predicted 8-connected
    objects that overlap no true foreground at all.
    """
    pred, gt = np.asarray(pred, bool), np.asarray(gt, bool)
    if pred.shape != gt.shape:
        raise ValueError(f'prediction {pred.shape} and label {gt.shape} '
                         'differ in shape')
    true_pos, false_pos, false_neg = pred & gt, pred & ~gt, gt & ~pred
    dist_to_fg = ndi.distance_transform_edt(~gt) if gt.any() else np.full(
        gt.shape, np.inf)
    dist_to_bg = ndi.distance_transform_edt(gt)
    objects = label_instances(pred)
    hits = np.zeros(int(objects.max()) + 1, bool)
    hits[np.unique(objects[true_pos])] = True
    false_objects = ~hits[objects] & pred
    return dict(
        tp=int(true_pos.sum()),
        fp=int(false_pos.sum()),
        fn=int(false_neg.sum()),
        fp_near=int((false_pos & (dist_to_fg <= near_px)).sum()),
        fn_near=int((false_neg & (dist_to_bg <= near_px)).sum()),
        fp_in_false_objects=int(false_objects.sum()))


def error_summary(counts: Dict[str, int]) -> Dict[str, float]:
    """Dice, precision, recall and the shares of the errors of summed
    :func:`error_counts`."""
    tp, fp, fn = counts['tp'], counts['fp'], counts['fn']
    return dict(
        dice=2 * tp / max(2 * tp + fp + fn, 1),
        precision=tp / max(tp + fp, 1),
        recall=tp / max(tp + fn, 1),
        fp_near_share=counts['fp_near'] / max(fp, 1),
        fp_false_object_share=counts['fp_in_false_objects'] / max(fp, 1),
        fn_near_share=counts['fn_near'] / max(fn, 1))
