import json
import os.path as osp

import cv2
import numpy as np
import pytest
import tifffile

from emda.datasets import EMSliceDataset, MultiDomainDataset
from emda.datasets.data_check import DataCheckError
from emda.registry import DATASETS


def load_pipeline(labels=True, points=False):
    p = [dict(type='LoadEMImage')]
    if labels:
        p.append(dict(type='LoadEMAnnotations'))
    if points:
        p.append(dict(type='LoadPointAnnotations'))
    return p


def test_png_folder_with_0_255_labels_binarized(tiny_em):
    ds = EMSliceDataset(
        data_root=tiny_em,
        img_path='src/images',
        ann_path='src/labels',
        pipeline=load_pipeline())
    assert len(ds) == 4
    item = ds[0]
    assert item['img'].dtype == np.float32 and item['img'].max() <= 1
    assert set(np.unique(item['gt_seg_map'])) == {0, 1}
    raw = cv2.imread(osp.join(tiny_em, 'src/labels/z000.png'), -1)
    assert np.array_equal(item['gt_seg_map'], raw // 255)


def test_unlabeled_target_has_no_label(tiny_em):
    ds = EMSliceDataset(
        data_root=tiny_em,
        img_path='tgt/images',
        pipeline=load_pipeline(False))
    assert 'gt_seg_map' not in ds[1] and 'seg_map_path' not in ds[1]


def test_tiff_stack_and_hdf5(tmp_path):
    import h5py
    rng = np.random.default_rng(0)
    vol = rng.integers(0, 65535, (3, 32, 48)).astype(np.uint16)
    lab = (rng.random((3, 32, 48)) > 0.7).astype(np.uint8)
    tifffile.imwrite(tmp_path / 'img.tif', vol)
    tifffile.imwrite(tmp_path / 'lab.tif', lab * 255)
    ds = EMSliceDataset(
        img_path=str(tmp_path / 'img.tif'),
        ann_path=str(tmp_path / 'lab.tif'),
        pipeline=load_pipeline())
    assert len(ds) == 3
    item = ds[2]
    np.testing.assert_allclose(item['img'], vol[2] / 65535., rtol=1e-6)
    assert np.array_equal(item['gt_seg_map'], lab[2])
    with h5py.File(tmp_path / 'vol.h5', 'w') as f:
        f['raw'] = (vol >> 8).astype(np.uint8)
        f['mito'] = lab
    ds = EMSliceDataset(
        img_path=str(tmp_path / 'vol.h5') + ':raw',
        ann_path=str(tmp_path / 'vol.h5') + ':mito',
        pipeline=load_pipeline())
    assert len(ds) == 3
    assert np.array_equal(ds[1]['gt_seg_map'], lab[1])
    with pytest.raises(KeyError, match='nope'):
        EMSliceDataset(
            img_path=str(tmp_path / 'vol.h5') + ':nope',
            pipeline=load_pipeline(False))


def test_points_are_attached(tiny_em):
    ds = EMSliceDataset(
        data_root=tiny_em,
        img_path='tgt/images',
        points_file='tgt/points.json',
        pipeline=load_pipeline(False, True))
    with open(osp.join(tiny_em, 'tgt/points.json')) as f:
        pts = json.load(f)['points']['z000.png']
    item = ds[0]
    for y, x in pts:
        assert item['gt_point_map'][y, x] > 0


def test_multi_domain_pairs_and_metainfo(tiny_em):
    src = dict(
        type='EMSliceDataset',
        data_root=tiny_em,
        img_path='src/images',
        pipeline=load_pipeline(False))
    tgt = dict(
        type='EMSliceDataset',
        data_root=tiny_em,
        img_path='tgt/images',
        pipeline=load_pipeline(False))
    ds = DATASETS.build(
        dict(
            type='MultiDomainDataset',
            source=src,
            target=tgt,
            pairing='cycle',
            length=10))
    assert len(ds) == 10
    item = ds[5]
    assert set(item) == {'source', 'target'}
    assert item['source']['img_path'].endswith('z001.png')
    assert ds.metainfo['classes'] == ('background', 'mitochondria')
    only = MultiDomainDataset(source=src)
    assert set(only[0]) == {'source'} and len(only) == 4
    with pytest.raises(ValueError, match='source or a target'):
        MultiDomainDataset()


# ---------------------------------------------------------------- bad input
def test_missing_folder_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        EMSliceDataset(img_path=str(tmp_path / 'nowhere'))


def test_unreadable_image_names_the_file(tmp_path):
    (tmp_path / 'img').mkdir()
    (tmp_path / 'img' / 'z000.png').write_bytes(b'not a png')
    with pytest.raises(DataCheckError, match='z000.png: unknown format'):
        EMSliceDataset(img_path=str(tmp_path / 'img'))
    ds = EMSliceDataset(
        img_path=str(tmp_path / 'img'),
        pipeline=load_pipeline(False),
        check_files=False)
    with pytest.raises(OSError, match='z000.png'):  # the loader's own check
        ds[0]


def test_label_missing_for_an_image(tiny_em, tmp_path):
    (tmp_path / 'lab').mkdir()
    cv2.imwrite(
        str(tmp_path / 'lab' / 'other.png'), np.zeros((64, 64), np.uint8))
    (tmp_path / 'img').mkdir()
    cv2.imwrite(
        str(tmp_path / 'img' / 'z000.png'), np.zeros((64, 64), np.uint8))
    with pytest.raises(FileNotFoundError, match='z000.png'):
        EMSliceDataset(
            img_path=str(tmp_path / 'img'), ann_path=str(tmp_path / 'lab'))


def _one_slice(tmp_path, label, check_files=False):
    (tmp_path / 'img').mkdir(exist_ok=True)
    (tmp_path / 'lab').mkdir(exist_ok=True)
    cv2.imwrite(
        str(tmp_path / 'img' / 'z000.png'), np.full((32, 32), 100, np.uint8))
    cv2.imwrite(str(tmp_path / 'lab' / 'z000.png'), label)
    return EMSliceDataset(
        img_path=str(tmp_path / 'img'),
        ann_path=str(tmp_path / 'lab'),
        pipeline=load_pipeline(),
        check_files=check_files)


def test_label_shape_mismatch_names_both_files(tmp_path):
    with pytest.raises(DataCheckError, match=r'lab/z000.png.*shape'):
        _one_slice(tmp_path, np.zeros((16, 32), np.uint8), check_files=True)
    ds = _one_slice(tmp_path, np.zeros((16, 32), np.uint8))
    with pytest.raises(ValueError, match=r'lab/z000.png.*shape'):
        ds[0]


def test_label_with_other_values_is_an_error(tmp_path):
    label = np.zeros((32, 32), np.uint8)
    label[:4] = 1
    label[4:8] = 2
    with pytest.raises(DataCheckError, match=r'z000.png has values'):
        _one_slice(tmp_path, label, check_files=True)
    ds = _one_slice(tmp_path, label)
    with pytest.raises(ValueError, match=r'z000.png has values \[0, 1, 2\]'):
        ds[0]


def test_point_outside_image_names_image_and_point(tiny_em, tmp_path):
    bad = tmp_path / 'points.json'
    bad.write_text(json.dumps({'points': {'z000.png': [[70, 3]]}}))
    match = r'\(y=70, x=3\) of image "z000.png" in .*points.json lies outside'
    with pytest.raises(DataCheckError, match=match):
        EMSliceDataset(
            data_root=tiny_em, img_path='tgt/images', points_file=str(bad))
    ds = EMSliceDataset(
        data_root=tiny_em,
        img_path='tgt/images',
        points_file=str(bad),
        pipeline=load_pipeline(False, True),
        check_files=False)
    with pytest.raises(ValueError, match=match):
        ds[0]


def test_unknown_image_in_point_file(tiny_em, tmp_path):
    bad = tmp_path / 'points.json'
    bad.write_text(json.dumps({'z999.png': [[3, 3]]}))
    with pytest.raises(KeyError, match='z999.png'):
        EMSliceDataset(
            data_root=tiny_em, img_path='tgt/images', points_file=str(bad))
    ds = EMSliceDataset(
        data_root=tiny_em,
        img_path='tgt/images',
        points_file=str(bad),
        unknown_points='ignore')
    assert len(ds) == 4


@pytest.mark.skipif(
    not osp.isdir(
        osp.join(
            osp.dirname(__file__), '..', '..', '..', 'shared', 'data',
            'lucchi')),
    reason='../shared/data is not available')
def test_real_lucchi_layout_and_published_points():
    root = osp.join(osp.dirname(__file__), '..', '..', '..', 'shared', 'data')
    ds = EMSliceDataset(
        data_root=root,
        img_path='lucchi/train/images',
        ann_path='lucchi/train/labels',
        points_file='lucchi/points/lucchi_train_15pct_split1.json',
        unknown_points='ignore',
        pipeline=load_pipeline(True, True))
    assert len(ds) == 40
    n_points = sum(len(d['points']) for d in ds.load_data_list())
    assert n_points == 141  # as documented in ../shared/data/README.md
    item = ds[0]
    assert item['img'].shape == (768, 1024)
    # every published point lies on ground-truth mitochondria
    assert np.all(item['gt_seg_map'][item['gt_point_map'] > 0] == 1)
