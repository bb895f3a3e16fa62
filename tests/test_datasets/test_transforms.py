import numpy as np
import pytest
import torch

from emda.datasets.transforms import (GenerateCenterHeatmap,
                                      LoadPointAnnotations, PackEMInputs,
                                      points_from_map)
from emda.registry import TRANSFORMS
from emda.structures import center_weight_map

POINTS = np.array([[10, 12], [40, 50], [25, 33]])


def results_with_points(h=64, w=80, points=POINTS):
    img = np.zeros((h, w), np.float32)
    for y, x in points:
        img[y, x] = 1.  # the image marks the points: they must move together
    res = dict(
        img=img,
        img_shape=(h, w),
        ori_shape=(h, w),
        seg_fields=[],
        points=points,
        name='z000.png')
    return LoadPointAnnotations()(res)


def marked_pixels(img):
    return {tuple(p) for p in np.argwhere(img > 0.5)}


def recovered(res):
    return {
        tuple(np.round(p).astype(int))
        for p in points_from_map(res['gt_point_map'])
    }


@pytest.mark.parametrize('transform', [
    dict(type='RandomFlip', prob=1., direction='horizontal'),
    dict(type='RandomFlip', prob=1., direction='vertical'),
    dict(type='RandomRotFlip', rotate_prob=0., flip_prob=1.),
    dict(type='RandomCrop', crop_size=(48, 56)),
])
def test_points_move_exactly_with_the_image(transform):
    np.random.seed(3)
    res = TRANSFORMS.build(transform)(results_with_points())
    pts = recovered(res)
    assert len(pts) == len(marked_pixels(res['img'])) > 0
    assert pts == marked_pixels(res['img'])


def test_points_survive_arbitrary_rotation_within_a_pixel():
    np.random.seed(0)
    rot = TRANSFORMS.build(
        dict(type='RandomRotate', prob=1., degree=(37, 37), seg_pad_val=255))
    # points near the centre stay inside the rotated frame
    res = results_with_points(64, 64, np.array([[20, 30], [40, 36], [30, 22]]))
    # rotate a blurred copy of the marks so they survive interpolation
    import cv2
    res['img'] = cv2.GaussianBlur(res['img'], (0, 0), 1.5)
    res = rot(res)
    pts = points_from_map(res['gt_point_map'])
    assert len(pts) == 3
    for y, x in pts:
        win = res['img'][int(y) - 2:int(y) + 3, int(x) - 2:int(x) + 3]
        peak = np.unravel_index(win.argmax(), win.shape)
        assert abs(peak[0] - 2) <= 1 and abs(peak[1] - 2) <= 1


def test_resize_by_half_keeps_every_point():
    res = results_with_points()
    res = TRANSFORMS.build(
        dict(type='Resize', scale_factor=0.5, keep_ratio=True))(
            res)
    pts = points_from_map(res['gt_point_map'])
    assert len(pts) == 3
    np.testing.assert_allclose(
        np.sort(pts, 0), np.sort(POINTS / 2., 0), atol=1.)


def test_heatmap_peaks_at_points_with_peak_255():
    res = GenerateCenterHeatmap(
        source='points', kernel_size=21)(
            results_with_points())
    hm = res['gt_heatmap']
    assert hm.max() == pytest.approx(255.)
    for y, x in POINTS:
        assert hm[y, x] == pytest.approx(255.)
        assert hm[y - 1:y + 2, x - 1:x + 2].argmax() == 4


def test_heatmap_from_mask_uses_component_centroids():
    mask = np.zeros((40, 40), np.uint8)
    mask[4:9, 4:9] = 1  # centroid (6, 6)
    mask[20:30, 10:20] = 1  # centroid (24.5, 14.5)
    mask[35, 35] = 1  # below min_size: no peak
    res = dict(img=np.zeros((40, 40), np.float32), gt_seg_map=mask)
    res = GenerateCenterHeatmap(source='mask', kernel_size=11)(res)
    np.testing.assert_allclose(res['gt_points'], [[6, 6], [24.5, 14.5]])
    assert res['gt_heatmap'][6, 6] == pytest.approx(255.)
    assert res['gt_heatmap'][35, 35] == 0


def test_pack_carries_heatmap_and_points():
    res = GenerateCenterHeatmap(kernel_size=11)(results_with_points())
    res.update(
        img_path='x.png',
        seg_map_path=None,
        scale_factor=1.,
        flip=False,
        flip_direction=None,
        reduce_zero_label=False,
        pad_shape=(64, 80))
    packed = PackEMInputs()(res)
    sample = packed['data_samples']
    assert packed['inputs'].shape == (1, 64, 80)
    assert sample.gt_heatmap.data.shape == (1, 64, 80)
    assert isinstance(sample.gt_points, torch.Tensor)
    assert sample.gt_points.shape == (3, 2)
    # the center-weight map is rendered once here, with its kernels
    expected = center_weight_map(res['gt_points'], (64, 80), 11)
    assert np.array_equal(sample.gt_center_weight.data[0].numpy(), expected)
    assert sample.metainfo['heatmap_kernel'] == 11
    assert sample.metainfo['center_kernel'] == 11


def test_standard_train_pipeline_on_points(tiny_em):
    from emda.datasets import EMSliceDataset
    from emda.datasets.pipelines import points_train_pipeline
    ds = EMSliceDataset(
        data_root=tiny_em,
        img_path='tgt/images',
        points_file='tgt/points.json',
        pipeline=points_train_pipeline(crop_size=(48, 48), heatmap_kernel=11))
    np.random.seed(0)
    out = ds[0]
    assert out['inputs'].shape == (1, 48, 48)
    assert 0. <= float(out['inputs'].min()) and float(
        out['inputs'].max()) <= 1.
    hm = out['data_samples'].gt_heatmap.data[0]
    for y, x in out['data_samples'].gt_points.round().long().tolist():
        assert hm[y, x] == pytest.approx(255., abs=1e-3)


def test_elastic_and_intensity_keep_labels_binary():
    np.random.seed(1)
    mask = np.zeros((32, 32), np.uint8)
    mask[8:20, 8:20] = 1
    res = dict(
        img=np.random.rand(32, 32).astype(np.float32),
        gt_seg_map=mask,
        seg_fields=['gt_seg_map'])
    res = TRANSFORMS.build(dict(type='RandomElasticDeform', prob=1.))(res)
    res = TRANSFORMS.build(dict(type='RandomIntensity', prob=1.))(res)
    res = TRANSFORMS.build(dict(type='NormalizeIntensity'))(res)
    assert set(np.unique(res['gt_seg_map'])) <= {0, 1}
    assert res['img'].min() == 0 and res['img'].max() == 1
