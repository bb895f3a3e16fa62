"""``tools/infer.py`` end to end, and every bad input's one-line error."""
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

import numpy as np
import pytest
import tifffile
import torch

from emda.apis import InferenceInputError, init_model, segment_volume

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def infer(*args, cwd, python_flags=()):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    return subprocess.run([
        sys.executable, *python_flags,
        osp.join(REPO, 'tools', 'infer.py'), *args
    ],
                          cwd=cwd,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)


def test_cli_segments_an_unlabeled_tiff_stack(tmp_path, tiny_ckpt,
                                              make_volume):
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(
        stack, make_volume(3, (75, 60), np.uint16), photometric='minisblack')
    # --help answers before the heavy libraries load: the modules that
    # ``-X importtime`` lists for that call
    help_proc = infer(
        '--help', cwd=str(tmp_path), python_flags=('-X', 'importtime'))
    assert help_proc.returncode == 0 and '--scheduler' in help_proc.stdout
    imported = {
        line.rsplit('|', 1)[-1].strip().split('.')[0]
        for line in help_proc.stderr.splitlines()
        if line.startswith('import time')
    }
    assert 'emda' in imported
    assert not imported & {'torch', 'mmseg', 'dask', 'monai'}
    proc = infer(
        *tiny_ckpt,
        stack,
        '--out',
        'seg',
        '--tta',
        '--voxel-size',
        '30',
        '5',
        '5',
        '--min-size',
        '4',
        '--no-progress',
        cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'mitochondria:' in proc.stdout and 'voxel size: (30.0, 5.0, 5.0)' \
        in proc.stdout
    out = tmp_path / 'seg'
    with open(out / 'summary.json') as f:
        summary = json.load(f)
    mask = tifffile.imread(out / 'mask.tif')
    ids = tifffile.imread(out / 'instances.tif')
    assert mask.shape == ids.shape == (3, 75, 60) and ids.dtype == np.uint32
    assert summary['instances'] == len(np.unique(ids)) - 1
    assert summary['foreground_fraction'] == pytest.approx((mask > 0).mean())
    assert ((ids > 0) <= (mask > 0)).all()  # min size only removes
    assert osp.isfile(out / 'overlay.png')
    assert not osp.exists(out / '.emda')  # scratch store removed
    # an existing output is refused, as one line, exit 2, files kept
    again = infer(*tiny_ckpt, stack, '--out', 'seg', cwd=str(tmp_path))
    assert again.returncode == 2
    assert again.stderr.strip().count('\n') == 0
    assert '--overwrite' in again.stderr and osp.isfile(out / 'mask.tif')


def test_checkpoint_of_another_network_is_refused(tmp_path, tiny_ckpt,
                                                  tiny_multitask_ckpt):
    config, _ = tiny_ckpt
    _, other = tiny_multitask_ckpt
    with pytest.raises(InferenceInputError, match='does not match config'):
        init_model(config, other)
    with pytest.raises(InferenceInputError, match='checkpoint not found'):
        init_model(config, str(tmp_path / 'none.pth'))


def test_bad_settings_and_outputs(tmp_path, tiny_ckpt, make_volume,
                                  monkeypatch):
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(stack, make_volume(1, (20, 20)))
    kw = dict(progress=False)
    with pytest.raises(InferenceInputError, match='needs a center-det'):
        segment_volume(
            *tiny_ckpt,
            stack,
            str(tmp_path / 'a'),
            instances='watershed',
            **kw)
    with pytest.raises(InferenceInputError, match='local:N'):
        segment_volume(
            *tiny_ckpt,
            stack,
            str(tmp_path / 'b'),
            scheduler='local:zero',
            **kw)
    (tmp_path / 'mine').mkdir()
    (tmp_path / 'mine' / 'notes.txt').write_text('keep me')
    with pytest.raises(InferenceInputError, match='did not write'):
        segment_volume(
            *tiny_ckpt, stack, str(tmp_path / 'mine'), overwrite=True, **kw)
    assert (tmp_path / 'mine' / 'notes.txt').read_text() == 'keep me'

    def read_only(*args, **kwargs):
        raise PermissionError(30, 'Read-only file system')

    # what a read-only mount answers (root ignores permission bits)
    monkeypatch.setattr(tempfile, 'TemporaryFile', read_only)
    with pytest.raises(InferenceInputError, match='cannot write to .*Read'):
        segment_volume(*tiny_ckpt, stack, str(tmp_path / 'c'), **kw)


@pytest.mark.skipif(os.geteuid() == 0, reason='root writes anywhere')
def test_read_only_folder_is_refused(tmp_path, tiny_ckpt, make_volume):
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(stack, make_volume(1, (20, 20)))
    ro = tmp_path / 'ro'
    ro.mkdir()
    ro.chmod(0o555)
    with pytest.raises(InferenceInputError, match='cannot write'):
        segment_volume(*tiny_ckpt, stack, str(ro / 'out'), progress=False)


def test_torch_threads_untouched_in_process(tiny_ckpt, make_volume, tmp_path):
    threads = torch.get_num_threads()
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(stack, make_volume(1, (20, 20)))
    segment_volume(*tiny_ckpt, stack, str(tmp_path / 'o'), progress=False)
    assert torch.get_num_threads() == threads


def test_amp_inference_agrees_with_float32(tiny_ckpt, make_volume, tmp_path):
    """``--amp``: the tiny model in bfloat16 gives the float32 mask on
    almost every voxel and probabilities within a few uint8 levels."""
    stack = str(tmp_path / 'stack.tif')
    tifffile.imwrite(stack, make_volume(2, (64, 72)))
    segment_volume(*tiny_ckpt, stack, str(tmp_path / 'fp32'), progress=False)
    segment_volume(
        *tiny_ckpt, stack, str(tmp_path / 'amp'), amp=True, progress=False)
    ref = tifffile.imread(tmp_path / 'fp32' / 'prob.tif').astype(int)
    out = tifffile.imread(tmp_path / 'amp' / 'prob.tif').astype(int)
    assert ref.std() > 10  # the model is not constant
    assert np.abs(out - ref).max() <= 8
    assert not np.array_equal(out, ref)  # it did run in bfloat16
    masks = [
        tifffile.imread(tmp_path / name / 'mask.tif') > 0
        for name in ('fp32', 'amp')
    ]
    assert (masks[0] == masks[1]).mean() > 0.99
