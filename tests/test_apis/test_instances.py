"""Instances from hand-built probability volumes."""
import cc3d
import numpy as np
import pytest

from emda.apis import instances, label_volume


def disc(shape, center, radius):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return (yy - center[0])**2 + (xx - center[1])**2 <= radius**2


def test_watershed_splits_a_touching_pair_at_its_peaks():
    shape = (40, 60)
    a, b = disc(shape, (20, 20), 10), disc(shape, (20, 38), 10)
    prob = (a | b).astype(np.float32)
    heat = np.zeros(shape, np.float32)
    yy, xx = np.mgrid[:40, :60]
    for cy, cx in ((20, 20), (20, 38)):
        heat += 255 * np.exp(-((yy - cy)**2 + (xx - cx)**2) / 50.)
    cc = instances(prob, mode='cc')
    ws = instances(prob, mode='watershed', heatmap=heat)
    assert cc.max() == 1  # one touching blob
    assert ws.max() == 2 and ws.dtype == np.uint32
    assert ws[20, 20] != ws[20, 38]
    assert ((ws > 0) == (prob > 0.5)).all()  # nothing lost or added


def test_3d_components_join_slices_2d_components_do_not():
    prob = np.zeros((3, 20, 20), np.float32)
    prob[:, 5:10, 5:10] = 0.9  # one tube through the slices
    prob[1, 14:17, 14:17] = 0.8  # a small blob on one slice
    three = instances(prob, dim=3)
    two = instances(prob, dim=2)
    assert three.max() == 2 and len(np.unique(three[:, 7, 7])) == 1
    assert two.max() == 4  # the tube is 3 instances, ids unique
    assert len(np.unique(two[:, 7, 7])) == 3
    # min size (voxels): the 9-voxel blob goes, the 75-voxel tube stays
    kept = instances(prob, dim=3, min_size=10)
    assert kept.max() == 1 and kept[1, 15, 15] == 0 and kept[0, 7, 7] == 1


def test_slab_by_slab_equals_whole_volume_labelling():
    rng = np.random.default_rng(0)
    mask = rng.random((13, 24, 24)) > 0.6
    out = np.zeros(mask.shape, np.uint32)
    n = label_volume(mask, out, dim=3, slab=4)
    ref = cc3d.connected_components(mask, connectivity=26)
    assert n == ref.max()
    # the same partition: a one-to-one map between the two labellings
    pairs = np.unique(np.stack([out[mask], ref[mask]]), axis=1)
    assert pairs.shape[1] == n
    assert ((out > 0) == mask).all()


@pytest.mark.parametrize('connectivity', [6, 26])
def test_slab_face_pairs_do_not_depend_on_the_row_band(connectivity):
    from emda.apis.labelling import _faces
    rng = np.random.default_rng(1)
    # runs of one label along rows (collapsed) and isolated labels
    prev = rng.integers(0, 4, (37, 29)).astype(np.uint32)
    prev[5:20] = 7
    cur = rng.integers(0, 5, (37, 29)).astype(np.uint32)
    # the pairs by definition: labels touching under each shift
    shifts = [(0, 0)] if connectivity == 6 else [(dy, dx) for dy in (-1, 0, 1)
                                                 for dx in (-1, 0, 1)]
    expected = set()
    for y, x in np.ndindex(prev.shape):
        for dy, dx in shifts:
            yy, xx = y + dy, x + dx
            if 0 <= yy < 37 and 0 <= xx < 29 and prev[y, x] and cur[yy, xx]:
                expected.add((int(prev[y, x]), int(cur[yy, xx])))
    for band in (1, 4, 512):
        got = {
            tuple(p)
            for p in _faces(prev, cur, connectivity, band).tolist()
        }
        assert got == expected, band
