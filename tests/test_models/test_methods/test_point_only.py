"""PointOnly: labels grown from the points (blob 1, ring 255, rest 0), a
loss that falls on a tiny overfit, clear errors, and an end-to-end
tools/train.py run on the synthetic points."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

from emda.models.selectors.point_regions import dilate_points
from emda.models.utils import segmentation_outputs
from emda.registry import MODELS

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTH = osp.join(REPO, 'configs', 'point_only',
                 'point-only_unet-s4-c16_1xb4-2k_synth-192x192.py')
KERNELS = dict(
    blob_kernel=(3, 5),
    blob_iterations=2,
    ring_kernel=(7, 7),
    ring_iterations=2)


def build(parts, **kwargs):
    return MODELS.build(
        dict(
            type='PointOnly',
            segmentor=parts[0],
            data_preprocessor=parts[1],
            **kwargs))


def target_batch(points_per_slice, size=32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for points in points_per_slice:
        sample = SegDataSample(
            metainfo=dict(img_shape=(size, size), ori_shape=(size, size)))
        sample.set_field(
            torch.tensor(points, dtype=torch.float32), 'gt_points')
        samples.append(sample)
    img = torch.randn(len(samples), 1, size, size, generator=gen)
    return {'target': img}, {'target': samples}


def test_labels_are_blob_ring_and_background(tiny_model_parts):
    model = build(tiny_model_parts, bg_weight=0.3, **KERNELS)
    points = np.array([[10.2, 9.8], [30., 40.]])
    label, weight = model.point_labels(points, (48, 64))
    ids = np.array([[10, 10], [30, 40]])
    blob = dilate_points(ids, (48, 64), (3, 5), 2)
    ring = dilate_points(ids, (48, 64), (7, 7), 2)
    assert np.array_equal(label == 1, blob)
    assert np.array_equal(label == 255, ring & ~blob)
    assert np.array_equal(label == 0, ~ring)
    assert np.all(weight[blob] == 1) and np.all(weight[ring & ~blob] == 0)
    assert np.allclose(weight[~ring], 0.3)
    # batch padding beyond the sample's img_shape is ignored
    label, _ = model.point_labels(points, (48, 64), valid_shape=(40, 60))
    assert np.all(label[40:] == 255) and np.all(label[:, 60:] == 255)
    # no points: all background
    label, _ = model.point_labels(np.zeros((0, 2)), (8, 8))
    assert np.all(label == 0)


def test_loss_is_finite_and_falls_on_a_tiny_overfit(tiny_model_parts):
    torch.manual_seed(0)
    model = build(tiny_model_parts, **KERNELS)
    inputs, samples = target_batch([[[8, 8], [20, 24]], [[16, 12]]])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = []
    for _ in range(12):
        losses = model.loss(inputs, samples)
        loss, log_vars = model.parse_losses(losses)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(float(loss))
    assert all(np.isfinite(history))
    assert np.mean(history[-3:]) < 0.7 * np.mean(history[:3])
    assert set(losses) == {'tgt.loss_ce', 'tgt.blob_fraction', 'tgt.n_points'}
    assert log_vars['tgt.n_points'] == 3


def test_balanced_background_weighs_as_much_as_the_blobs(tiny_model_parts):
    """``bg_weight='balanced'``: the loss equals the CE averaged per class
    and then over the two classes (equal total weight per class)."""
    torch.manual_seed(0)
    model = build(tiny_model_parts, bg_weight='balanced', **KERNELS).eval()
    with torch.no_grad():  # favour foreground: the classes' CE differ
        model.segmentor.decode_head.conv_seg.bias.copy_(torch.tensor([0., 2.]))
    inputs, samples = target_batch([[[8, 8], [20, 24]], [[16, 12]]])
    loss = model.loss(inputs, samples)['tgt.loss_ce']
    labels = np.stack([
        model.point_labels(s.gt_points.numpy(), (32, 32))[0]
        for s in samples['target']
    ])
    label = torch.from_numpy(labels.astype(np.int64))
    logits, _ = segmentation_outputs(model.segmentor, inputs['target'])
    ce = F.cross_entropy(logits, label, ignore_index=255, reduction='none')
    per_class = [ce[label == c].mean() for c in (0, 1)]
    assert float(loss) == pytest.approx(float(sum(per_class) / 2), rel=1e-5)
    # and it differs from the unweighted mean (blobs are a small minority)
    assert float(loss) != pytest.approx(
        float(ce[label != 255].mean()), rel=1e-2)


def test_missing_points_and_domain_are_named(tiny_model_parts):
    model = build(tiny_model_parts)
    inputs, samples = target_batch([[[8, 8]]])
    del samples['target'][0].gt_points
    with pytest.raises(KeyError, match='needs gt_points'):
        model.loss(inputs, samples)
    with pytest.raises(KeyError, match='needs a "target" batch'):
        model.loss({'source': inputs['target']}, {'source': []})
    with pytest.raises(ValueError, match='bg_weight'):
        build(tiny_model_parts, bg_weight=-1)
    with pytest.raises(ValueError, match='bg_weight'):
        build(tiny_model_parts, bg_weight='auto')
    with pytest.raises(ValueError, match='blob_kernel'):
        build(tiny_model_parts, blob_kernel=(0, 3))


def test_train_tool_end_to_end_on_synthetic_points(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    args = [
        'train_cfg.max_iters=3', 'train_cfg.val_interval=3',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=3', 'synthetic_data.n_train=4',
        'synthetic_data.n_val=2'
    ]
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'train.py'), SYNTH, '--work-dir', 'wd',
        '--cfg-options', *args
    ],
                          cwd=tmp_path,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert osp.isfile(tmp_path /
                      'data/synthetic/target/train/points_15pct.json')
    assert osp.isfile(tmp_path / 'wd' / 'iter_3.pth')
    assert 'tgt.loss_ce' in log and 'src.' not in log.split('Iter(train)')[1]
    # the synthetic crops carry points (15 % of the instances)
    n_points = [
        float(line.split('tgt.n_points: ')[1].split()[0])
        for line in log.splitlines() if 'tgt.n_points: ' in line
    ]
    assert len(n_points) == 3 and max(n_points) > 0
