"""MatchTargetHistogram: source slices take the target's grey-value
distribution, read from the target images alone."""
import cv2
import numpy as np
import pytest

from emda.datasets.transforms import MatchTargetHistogram
from emda.registry import TRANSFORMS


def _write_target(folder, rng, n=3):
    folder.mkdir()
    for i in range(n):  # bright, low-contrast target slices
        img = np.clip(rng.normal(180, 10, (40, 50)), 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f'z{i:02d}.png'), img)
    return str(folder)


def test_source_takes_the_target_quantiles(tmp_path):
    rng = np.random.default_rng(0)
    ref_dir = _write_target(tmp_path / 'target', rng)
    transform = TRANSFORMS.build(
        dict(type='MatchTargetHistogram', reference_dir=ref_dir))
    source = rng.uniform(0, 0.4, (64, 64)).astype(np.float32)  # dark, wide
    out = transform(dict(img=source.copy()))['img']
    qs = [5, 25, 50, 75, 95]
    target = transform.reference().ravel()
    assert out.dtype == np.float32 and out.shape == source.shape
    np.testing.assert_allclose(
        np.percentile(out, qs), np.percentile(target, qs), atol=0.01)
    assert abs(np.percentile(source, 50) - np.percentile(target, 50)) > 0.3
    # grey-value order is kept: a monotone map of the source
    order = np.argsort(source.ravel())
    assert np.all(np.diff(out.ravel()[order]) >= -1e-6)


def test_reference_is_subsampled_and_cached(tmp_path):
    rng = np.random.default_rng(1)
    ref_dir = _write_target(tmp_path / 'target', rng, n=4)
    transform = MatchTargetHistogram(ref_dir, max_images=2, max_pixels=1000)
    ref = transform.reference()
    assert ref.shape[0] == 1 and ref.shape[1] <= 1000
    assert transform.reference() is ref


def test_bad_inputs_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match='no images in'):
        MatchTargetHistogram(str(tmp_path)).reference()
    with pytest.raises(ValueError, match='>= 1'):
        MatchTargetHistogram(str(tmp_path), max_images=0)
    ref_dir = _write_target(tmp_path / 'target', np.random.default_rng(2))
    with pytest.raises(ValueError, match='grayscale'):
        MatchTargetHistogram(ref_dir)(dict(img=np.zeros((4, 4, 3))))
