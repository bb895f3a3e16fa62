import json
import os
import os.path as osp
import subprocess
import sys
from dataclasses import replace

import cv2
import numpy as np
import pytest

from emda.datasets.synthetic import (SOURCE, TARGET, EMDomainParams,
                                     ensure_synthetic_data, generate_slice,
                                     save_montage, write_synthetic_pair)
from emda.utils.instances import label_instances

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL = dict(seed=3, size=64, n_train=2, n_val=1, progress=False)


def _slices(params, seeds, size=256):
    return [
        generate_slice(params, np.random.default_rng(seed), size)
        for seed in seeds
    ]


@pytest.fixture(scope='module')
def domain_slices():
    return {p.name: _slices(p, range(4)) for p in (SOURCE, TARGET)}


def _read(path):
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def test_generate_slice_is_deterministic_by_seed():
    image_a, label_a = generate_slice(SOURCE, np.random.default_rng(7), 96)
    image_b, label_b = generate_slice(SOURCE, np.random.default_rng(7), 96)
    image_c, _ = generate_slice(SOURCE, np.random.default_rng(8), 96)
    assert image_a.tobytes() == image_b.tobytes()
    assert label_a.tobytes() == label_b.tobytes()
    assert np.mean(image_a != image_c) > 0.5


def test_generate_slice_shapes_and_label_values():
    image, label = generate_slice(TARGET, np.random.default_rng(0), (80, 120))
    assert image.shape == label.shape == (80, 120)
    assert image.dtype == label.dtype == np.uint8
    assert set(np.unique(label)) <= {0, 1}
    assert 0 < image.mean() < 255


def test_generate_slice_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match='size'):
        generate_slice(SOURCE, rng, (16, 64))
    with pytest.raises(TypeError, match='rng'):
        generate_slice(SOURCE, 0, 64)
    with pytest.raises(ValueError, match='noise'):
        replace(SOURCE, noise='speckle')


def test_foreground_fraction_in_range(domain_slices):
    for slices in domain_slices.values():
        fractions = [label.mean() for _, label in slices]
        assert all(0.03 < f < 0.2 for f in fractions), fractions
        assert 0.05 <= np.mean(fractions) <= 0.15


def test_mitochondria_are_separate_and_not_tiny(domain_slices):
    # Instances never touch, so each rendered mitochondrion is one
    # component; only ones cut by the border can be small.
    for _, label in domain_slices['source']:
        instances = label_instances(label)
        areas = np.bincount(instances.ravel())[1:]
        assert len(areas) >= 4
        assert np.median(areas) > 100


def test_domains_differ_measurably(domain_slices):

    def median_area(slices):
        return np.median(
            np.concatenate([
                np.bincount(label_instances(label).ravel())[1:]
                for _, label in slices
            ]))

    def histogram(slices):
        values = np.concatenate([image.ravel() for image, _ in slices])
        return np.bincount(values, minlength=256) / values.size

    source, target = domain_slices['source'], domain_slices['target']
    # ~1.4x larger objects -> ~2x the area.
    assert median_area(target) > 1.5 * median_area(source)
    total_variation = 0.5 * np.abs(histogram(source) - histogram(target)).sum()
    assert total_variation > 0.3
    mean_source = np.mean([image.mean() for image, _ in source])
    mean_target = np.mean([image.mean() for image, _ in target])
    assert mean_source - mean_target > 8


def test_domain_params_round_trip_through_json():
    restored = EMDomainParams.from_dict(
        json.loads(json.dumps(TARGET.to_dict())))
    assert restored == TARGET


def test_write_synthetic_pair_layout_and_manifest(tmp_path):
    manifest = write_synthetic_pair(str(tmp_path), **SMALL)
    for domain in ('source', 'target'):
        for split, count in (('train', 2), ('val', 1)):
            folder = tmp_path / domain / split
            names = sorted(os.listdir(folder / 'images'))
            assert names == [f'z{i:03d}.png' for i in range(count)]
            assert sorted(os.listdir(folder / 'labels')) == names
            image = _read(str(folder / 'images' / names[0]))
            label = _read(str(folder / 'labels' / names[0]))
            assert image.shape == label.shape == (64, 64)
            assert image.dtype == np.uint8
            assert set(np.unique(label)) <= {0, 255}
            fraction = manifest['foreground_fraction'][domain][split]
            expected = np.mean([
                _read(str(folder / 'labels' / n)).mean() / 255 for n in names
            ])
            assert fraction == pytest.approx(expected, abs=1e-4)
    on_disk = json.loads((tmp_path / 'manifest.json').read_text())
    assert on_disk == manifest
    assert on_disk['seed'] == 3 and on_disk['size'] == [64, 64]
    assert on_disk['domains']['target']['scale'] == TARGET.scale
    assert on_disk['splits']['source']['val']['img_path'] == \
        'source/val/images'
    assert not (tmp_path / '.staging').exists()


def test_second_write_is_a_no_op_and_mismatch_raises(tmp_path):
    first = write_synthetic_pair(str(tmp_path), **SMALL)
    image = tmp_path / 'source' / 'train' / 'images' / 'z000.png'
    stamp = image.stat().st_mtime_ns
    assert ensure_synthetic_data(str(tmp_path), **SMALL) == first
    assert image.stat().st_mtime_ns == stamp
    with pytest.raises(ValueError, match='seed'):
        write_synthetic_pair(str(tmp_path), **dict(SMALL, seed=4))
    with pytest.raises(ValueError, match='domain parameters'):
        write_synthetic_pair(
            str(tmp_path),
            domains=(SOURCE, replace(TARGET, scale=1.2)),
            **SMALL)
    # overwrite replaces everything, leaving no stale slices behind.
    write_synthetic_pair(
        str(tmp_path), overwrite=True, **dict(SMALL, seed=4, n_train=1))
    assert os.listdir(tmp_path / 'target' / 'train' / 'images') == \
        ['z000.png']
    assert json.loads((tmp_path / 'manifest.json').read_text())['seed'] == 4


def test_write_refuses_domain_folders_without_manifest(tmp_path):
    (tmp_path / 'source').mkdir()
    with pytest.raises(ValueError, match='manifest'):
        write_synthetic_pair(str(tmp_path), **SMALL)


def test_splits_use_independent_streams(tmp_path):
    write_synthetic_pair(str(tmp_path / 'a'), **SMALL)
    write_synthetic_pair(str(tmp_path / 'b'), **dict(SMALL, n_val=2))
    for domain in ('source', 'target'):
        for split in ('train/images/z000.png', 'train/images/z001.png',
                      'train/labels/z001.png', 'val/images/z000.png'):
            a = (tmp_path / 'a' / domain / split).read_bytes()
            b = (tmp_path / 'b' / domain / split).read_bytes()
            assert a == b, (domain, split)
    source = (tmp_path / 'a' / 'source/train/images/z000.png').read_bytes()
    target = (tmp_path / 'a' / 'target/train/images/z000.png').read_bytes()
    assert source != target


def test_save_montage(tmp_path):
    write_synthetic_pair(str(tmp_path), **dict(SMALL, n_val=2))
    montage = save_montage(str(tmp_path), str(tmp_path / 'm' / 'x.png'))
    # Two domains (rows) x two slices x (raw, overlay) of 64x64.
    assert montage.shape == (128, 256, 3)
    assert _read(str(tmp_path / 'm' / 'x.png')).shape == montage.shape
    with pytest.raises(ValueError, match='n_slices'):
        save_montage(str(tmp_path), str(tmp_path / 'y.png'), n_slices=3)


def test_cli_writes_the_pair(tmp_path):
    out = tmp_path / 'synthetic'
    result = subprocess.run([
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'make_synthetic.py'), '--out',
        str(out), '--seed', '1', '--size', '64', '--n-train', '1', '--n-val',
        '1', '--no-progress'
    ],
                            capture_output=True,
                            text=True,
                            cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert 'target: mitochondria' in result.stdout
    manifest = json.loads((out / 'manifest.json').read_text())
    assert manifest['n_train'] == 1 and manifest['seed'] == 1
    assert (out / 'target' / 'val' / 'labels' / 'z000.png').is_file()


def test_presets_share_the_imaging_and_differ_in_distractors():
    """The hard preset is the realistic target plus look-alike distractors;
    the realistic target keeps the source's distractors."""
    from emda.datasets.synthetic import PRESETS, TARGET_HARD
    assert PRESETS['realistic'] == (SOURCE, TARGET)
    assert PRESETS['hard'] == (SOURCE, TARGET_HARD)
    imaging = ('scale', 'contrast', 'gamma', 'noise', 'noise_level',
               'blur_sigma', 'texture_sigma', 'mito_matrix_darkness')
    for key in imaging:
        assert getattr(TARGET, key) == getattr(TARGET_HARD, key), key
    for key in ('organelle_elongation', 'organelle_darkness', 'organelle_rim'):
        assert getattr(TARGET, key) == getattr(SOURCE, key), key
        assert getattr(TARGET_HARD, key) != getattr(SOURCE, key), key


def test_preset_by_name_and_unknown_preset(tmp_path):
    manifest = write_synthetic_pair(
        str(tmp_path / 'hard'), domains='hard', **SMALL)
    from emda.datasets.synthetic import TARGET_HARD
    assert manifest['domains']['target'] == json.loads(
        json.dumps(TARGET_HARD.to_dict()))
    with pytest.raises(ValueError, match='unknown synthetic preset'):
        write_synthetic_pair(str(tmp_path / 'x'), domains='nope', **SMALL)


def test_ensure_regenerates_a_stale_folder_it_wrote(tmp_path, capsys):
    """A folder written with another preset is replaced (with a message)
    by ensure_synthetic_data, but write_synthetic_pair still refuses."""
    out = str(tmp_path / 'pair')
    write_synthetic_pair(out, domains='hard', **SMALL)
    with pytest.raises(ValueError, match='other arguments'):
        write_synthetic_pair(out, domains='realistic', **SMALL)
    manifest = ensure_synthetic_data(out, domains='realistic', **SMALL)
    assert 'regenerating' in capsys.readouterr().out
    assert manifest['domains']['target'] == json.loads(
        json.dumps(TARGET.to_dict()))
    from emda.datasets.synthetic import read_manifest
    assert read_manifest(out) == manifest
