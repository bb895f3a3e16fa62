"""error_counts splits the errors of a prediction into boundary errors and
errors away from every object, on hand-built masks."""
import numpy as np
import pytest

from emda.evaluation.functional import error_counts, error_summary


def disk(shape, center, radius):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return (yy - center[0])**2 + (xx - center[1])**2 <= radius**2


def test_a_grown_boundary_counts_near_and_a_false_object_counts_far():
    shape = (96, 96)
    gt = disk(shape, (30, 30), 10)
    grown = disk(shape, (30, 30), 12)  # 2 px outward: boundary error
    blob = disk(shape, (75, 75), 5)  # touches no mitochondrion
    counts = error_counts(grown | blob, gt, near_px=4)
    assert counts['fn'] == 0
    assert counts['fp'] == (grown & ~gt).sum() + blob.sum()
    assert counts['fp_near'] == (grown & ~gt).sum()
    assert counts['fp_in_false_objects'] == blob.sum()
    summary = error_summary(counts)
    assert summary['recall'] == 1
    assert summary['fp_false_object_share'] == pytest.approx(blob.sum() /
                                                             counts['fp'])
    assert summary['fp_near_share'] + summary[
        'fp_false_object_share'] == pytest.approx(1)


def test_a_missed_object_is_a_far_false_negative_a_shrunk_one_near():
    shape = (96, 96)
    kept, missed = disk(shape, (30, 30), 10), disk(shape, (70, 70), 10)
    shrunk = disk(shape, (30, 30), 8)
    counts = error_counts(shrunk, kept | missed, near_px=3)
    assert counts['fp'] == 0
    # the shrunk object's missing rim lies within 3 px of the background;
    # of the missed object only its own rim does, not its interior
    far = counts['fn'] - counts['fn_near']
    assert counts['fn_near'] >= (kept & ~shrunk).sum()
    assert disk(shape, (70, 70), 6).sum() <= far
    assert far <= disk(shape, (70, 70), 8).sum()
    assert error_summary(counts)['dice'] == pytest.approx(
        2 * shrunk.sum() / (shrunk.sum() + kept.sum() + missed.sum()))


def test_shapes_must_match():
    with pytest.raises(ValueError, match='shape'):
        error_counts(np.zeros((4, 4)), np.zeros((4, 5)))
