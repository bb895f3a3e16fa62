"""Bad inputs are found when a dataset is built, all at once, with the
files named; colour images and out-of-image points are refused the same
way by every consumer."""
import json

import cv2
import numpy as np
import pytest
import torch

from emda.datasets import EMSliceDataset
from emda.datasets.data_check import DataCheckError
from emda.datasets.point_annotations import pixel_points
from emda.structures import rasterize_point_counts_tensor as rasterize_points
from emda.registry import MODELS
from emda.datasets import pipelines

OUTSIDE = r'point \(y=70, x=3\) of image "z000.png".* lies outside the ' \
          r'64x64 image'


def _write(root, name, img, label=None):
    (root / 'img').mkdir(exist_ok=True)
    (root / 'lab').mkdir(exist_ok=True)
    cv2.imwrite(str(root / 'img' / name), img)
    if label is not None:
        cv2.imwrite(str(root / 'lab' / name), label)


def _gray(size=64):
    return np.full((size, size), 100, np.uint8)


def test_all_problems_are_listed_at_once_naming_the_files(tmp_path):
    _write(tmp_path, 'z000.png', _gray(), np.zeros((64, 64), np.uint8))
    _write(tmp_path, 'z001.png', _gray(), np.zeros((32, 64), np.uint8))
    _write(tmp_path, 'z002.png', _gray(), np.full((64, 64), 7, np.uint8))
    _write(tmp_path, 'z003.png', _gray(), np.zeros((64, 64), np.uint8))
    (tmp_path / 'img' / 'z003.png').write_bytes(b'truncated')
    (tmp_path / 'points.json').write_text(json.dumps({'z000.png': [[70, 3]]}))
    with pytest.raises(DataCheckError) as error:
        EMSliceDataset(
            img_path=str(tmp_path / 'img'),
            ann_path=str(tmp_path / 'lab'),
            points_file=str(tmp_path / 'points.json'))
    message = str(error.value)
    assert '4 problem(s) in the 4 slices' in message
    assert 'lab/z001.png has shape (32, 64)' in message
    assert 'lab/z002.png has values [7]' in message
    assert 'img/z003.png: unknown format or corrupt file' in message
    assert '(y=70, x=3) of image "z000.png"' in message


def test_rgb_with_differing_channels_is_refused_naming_the_option(tmp_path):
    rgb = np.stack([_gray(), _gray() + 50, _gray()], -1)
    _write(tmp_path, 'z000.png', rgb)
    with pytest.raises(
            DataCheckError, match=r"z000.png: a colour image.*"
            r"color='to_gray'"):
        EMSliceDataset(img_path=str(tmp_path / 'img'))
    pipeline = [dict(type='LoadEMImage')]
    ds = EMSliceDataset(
        img_path=str(tmp_path / 'img'), color='to_gray', pipeline=pipeline)
    expected = cv2.cvtColor(rgb, cv2.COLOR_BGR2GRAY) / 255.
    assert np.allclose(ds[0]['img'], expected)


def test_rgb_with_equal_channels_reads_as_its_gray_image(tmp_path):
    img = np.random.default_rng(0).integers(0, 255, (64, 64), np.uint8)
    _write(tmp_path, 'z000.png', np.stack([img] * 3, -1))
    ds = EMSliceDataset(
        img_path=str(tmp_path / 'img'), pipeline=[dict(type='LoadEMImage')])
    assert np.array_equal(ds[0]['img'], img / np.float32(255.))


def test_unknown_color_mode_is_an_error(tmp_path):
    _write(tmp_path, 'z000.png', _gray())
    with pytest.raises(ValueError, match='color must be one of'):
        EMSliceDataset(img_path=str(tmp_path / 'img'), color='rgb')


def test_pseudo_label_source_with_outside_point_fails_at_build(
        tiny_em, tmp_path):
    """The IPL-CFCL case: the point was clamped to the border before."""
    from emda.engine.pseudo_label_generator import PseudoLabelGenerator
    bad = tmp_path / 'points.json'
    bad.write_text(json.dumps({'points': {'z000.png': [[70, 3]]}}))
    dataset = dict(
        type='EMSliceDataset',
        data_root=tiny_em,
        img_path='tgt/images',
        points_file=str(bad),
        pipeline=pipelines.test_pipeline(with_labels=False))
    with pytest.raises(DataCheckError, match=OUTSIDE):
        PseudoLabelGenerator(dataset, dict(type='ThresholdSelector'),
                             str(tmp_path / 'pl'))
    assert not (tmp_path / 'pl').exists()


def test_every_point_consumer_raises_the_same_error(tiny_model_parts):
    points = np.array([[70., 3.]])
    with pytest.raises(ValueError, match=r'\(y=70, x=3\).*outside the 64x64'):
        pixel_points(points, (64, 64), 'z000.png')
    with pytest.raises(ValueError, match=r'\(y=70, x=3\).*outside the 64x64'):
        rasterize_points([torch.tensor(points)], (64, 64))
    model = MODELS.build(
        dict(
            type='PointOnly',
            segmentor=tiny_model_parts[0],
            data_preprocessor=tiny_model_parts[1]))
    with pytest.raises(ValueError, match=r'\(y=70, x=3\).*outside the 64x64'):
        model.point_labels(points, (64, 64))


def test_rounding_at_the_border_stays_inside():
    # 63 at full resolution is 31.5 at half scale: rounds to 32 = h
    assert pixel_points([[31.5, 0.4]], (32, 32)).tolist() == [[31, 0]]
    with pytest.raises(ValueError):
        pixel_points([[-0.5, 0]], (32, 32))
