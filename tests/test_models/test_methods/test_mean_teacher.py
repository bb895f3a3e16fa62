"""MeanTeacher: a gradient-free EMA teacher, selectors swapped by one config
line, exact ClassMix/CutMix labels, a seeded strong augmentation, and an
end-to-end tools/train.py run that resumes the EMA ramp."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from emda.registry import MODELS, TASK_UTILS

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
SYNTH = osp.join(REPO, 'configs', 'mean_teacher',
                 'mean-teacher_unet-s4-c16_1xb4-2k_synth-192x192.py')


def build(parts, **kwargs):
    return MODELS.build(
        dict(
            type='MeanTeacher',
            segmentor=parts[0],
            data_preprocessor=parts[1],
            **kwargs))


def batch(size=32, n=2, seed=0):
    """``(inputs, data_samples)`` keyed by domain; the source label holds
    ellipse-like blobs of 1 and a corner of 255."""
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = {}, {}
    yy, xx = torch.meshgrid(
        torch.arange(size), torch.arange(size), indexing='ij')
    for domain in ('source', 'target'):
        inputs[domain] = torch.randn(n, 1, size, size, generator=gen)
        samples[domain] = []
        for i in range(n):
            sample = SegDataSample(
                metainfo=dict(img_shape=(size, size), ori_shape=(size, size)))
            if domain == 'source':
                label = ((yy - 8 - 4 * i)**2 + (xx - 10)**2 < 20).long()
                label[(yy - 22)**2 + (xx - 20 - i)**2 < 12] = 1
                label[:3, -3:] = 255
                sample.gt_sem_seg = PixelData(data=label[None])
            samples[domain].append(sample)
    return inputs, samples


class FixedProb(nn.Module):
    """A stand-in teacher whose foreground probability is ``prob``."""

    def __init__(self, prob):
        super().__init__()
        prob = torch.as_tensor(prob, dtype=torch.float32)
        self.register_buffer('logit', torch.log(prob / (1 - prob)))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        fg = self.logit.expand(inputs.shape[0], 1, *self.logit.shape)
        return torch.cat([torch.zeros_like(fg), fg], dim=1)


def test_teacher_gets_no_gradient_and_stays_in_eval(tiny_model_parts):
    model = build(tiny_model_parts)
    model.init_weights()
    for t, s in zip(model.teacher.state_dict().values(),
                    model.segmentor.state_dict().values()):
        assert torch.equal(t, s)
    model.train()
    assert model.segmentor.training and not model.teacher.training
    inputs, samples = batch()
    losses = model.loss(inputs, samples)
    loss, log_vars = model.parse_losses(losses)
    loss.backward()
    assert all(p.grad is None and not p.requires_grad
               for p in model.teacher.parameters())
    assert all(p.grad is not None for p in model.segmentor.parameters())
    assert {'src.decode.loss_ce', 'tgt.loss_ce'} <= set(losses)
    for key in ('tgt.pl_fg_fraction', 'tgt.pl_confident_fraction',
                'tgt.mix_fraction'):
        assert key in log_vars and 'loss' not in key
    # the loss never updates the teacher (EMATeacherHook does)
    assert int(model.ema_step) == 0


def test_selector_swap_by_one_config_line_changes_pseudo_labels(tmp_path):
    swapped = tmp_path / 'entropy.py'
    swapped.write_text(
        f'_base_ = [{SYNTH!r}]\n'
        "model = dict(selector=dict(_delete_=True, type='EntropySelector', "
        'percentile=50.))\n')
    prob = torch.linspace(0.02, 0.98, 32).repeat(32, 1)
    labels = {}
    for name, path in (('threshold', SYNTH), ('entropy', str(swapped))):
        model = MODELS.build(Config.fromfile(path).model)
        model.teacher = FixedProb(prob)
        label, weight = model.pseudo_labels(torch.zeros(1, 1, 32, 32), None)
        expected = model.selector(prob.numpy())
        assert np.array_equal(label[0].numpy(), expected.label)
        assert np.array_equal(weight[0].numpy(), expected.weight)
        labels[name] = label
    assert type(model.selector).__name__ == 'EntropySelector'
    assert not torch.equal(labels['threshold'], labels['entropy'])


def test_multitask_teacher_heatmap_and_points_reach_the_selector(
        tiny_model_parts):
    calls = []

    def recording_selector(prob, heatmap=None, points=None, ratio=None):
        calls.append((heatmap, points, ratio))
        return TASK_UTILS.build(dict(type='ThresholdSelector'))(prob)

    class MultiTask(FixedProb):

        def forward(self, inputs, data_samples=None, mode='tensor'):
            seg = super().forward(inputs)
            return dict(seg=seg, det=seg[:, 1:] * 0 + 7.)

    model = build(tiny_model_parts, pl_ratio=0.3)
    model.selector = recording_selector
    model.teacher = MultiTask(torch.full((8, 8), 0.95))
    _, samples = batch(size=8)
    samples['target'][0].set_field(torch.tensor([[2., 3.]]), 'gt_points')
    model.pseudo_labels(torch.zeros(2, 1, 8, 8), samples['target'])
    assert [c[2] for c in calls] == [0.3, 0.3]
    assert all(np.allclose(c[0], 7.) and c[0].shape == (8, 8) for c in calls)
    assert calls[0][1].tolist() == [[2., 3.]] and calls[1][1] is None


def test_classmix_labels_exactly_the_pasted_source_pixels(tiny_model_parts):
    model = build(tiny_model_parts, mix='classmix', strong_aug=None)
    inputs, samples = batch()
    src = torch.stack([s.gt_sem_seg.data[0] for s in samples['source']])
    pseudo = torch.zeros_like(src)  # the teacher saw only background
    pseudo[:, 20:, :4] = 255
    weight = torch.full(src.shape, 0.5)
    img, label, out_weight, pasted = model.mix_batch(inputs, samples, pseudo,
                                                     weight)
    fg = src == 1
    assert torch.equal(pasted, fg)
    assert torch.equal(label == 1, fg)
    assert torch.equal(label[~fg], pseudo[~fg])
    assert torch.equal(img[:, 0][fg], inputs['source'][:, 0][fg])
    assert torch.equal(img[:, 0][~fg], inputs['target'][:, 0][~fg])
    assert torch.all(out_weight[fg] == 1) and torch.all(out_weight[~fg] == .5)

    # with source context: pasted background is 0 and source ignore stays
    # ignored (weight 0)
    model = build(tiny_model_parts, mix='classmix', mix_dilation=2)
    _, label, out_weight, pasted = model.mix_batch(inputs, samples, pseudo,
                                                   weight)
    assert torch.equal(label[pasted], src[pasted]) and pasted.sum() > fg.sum()
    assert torch.all(out_weight[pasted & (src == 255)] == 0)


def test_cutmix_pastes_one_source_box(tiny_model_parts):
    model = build(tiny_model_parts, mix='cutmix', cutmix_area=(0.25, 0.25))
    inputs, samples = batch()
    src = torch.stack([s.gt_sem_seg.data[0] for s in samples['source']])
    pseudo = torch.full_like(src, 255)
    _, label, _, pasted = model.mix_batch(inputs, samples, pseudo,
                                          torch.zeros(src.shape))
    for box in pasted:
        rows, cols = box.any(1).nonzero(), box.any(0).nonzero()
        assert box.sum() == 16 * 16 == len(rows) * len(cols)
    assert torch.equal(label[pasted], src[pasted])
    assert torch.all(label[~pasted] == 255)


def test_bad_mix_mode_and_mismatched_crops_are_named(tiny_model_parts):
    with pytest.raises(ValueError, match='mix must be one of'):
        build(tiny_model_parts, mix='mixup')
    model = build(tiny_model_parts)
    inputs, samples = batch()
    inputs['source'] = inputs['source'][..., :16]
    with pytest.raises(ValueError, match='crops of one size'):
        model.loss(inputs, samples)
    del inputs['source']
    with pytest.raises(KeyError, match='needs a "source" batch'):
        model.loss(inputs, samples)


def test_strong_augment_is_seeded_and_photometric():
    aug = TASK_UTILS.build(
        dict(
            type='StrongIntensityAugment',
            jitter_prob=1.,
            gamma_prob=1.,
            blur_prob=1.,
            noise_prob=1.))
    img = torch.rand(3, 1, 24, 24) * 2 - 1
    out = aug(img, torch.Generator().manual_seed(3))
    assert torch.equal(out, aug(img, torch.Generator().manual_seed(3)))
    assert not torch.equal(out, aug(img, torch.Generator().manual_seed(4)))
    assert out.shape == img.shape and not torch.allclose(out, img)
    low = img.amin(dim=(1, 2, 3))
    high = img.amax(dim=(1, 2, 3))
    assert torch.all(out.amin(dim=(1, 2, 3)) >= low - 1e-5)
    assert torch.all(out.amax(dim=(1, 2, 3)) <= high + 1e-5)
    identity = TASK_UTILS.build(
        dict(
            type='StrongIntensityAugment',
            jitter_prob=0.,
            gamma_prob=0.,
            blur_prob=0.,
            noise_prob=0.))
    assert torch.allclose(identity(img), img, atol=1e-6)


def test_plain_checkpoint_starts_the_teacher_as_the_student(tiny_model_parts):
    source_only = MODELS.build(
        dict(
            type='SourceOnly',
            segmentor=tiny_model_parts[0],
            data_preprocessor=tiny_model_parts[1]))
    model = build(tiny_model_parts)
    model.ema_step.fill_(7)
    model.load_state_dict(source_only.state_dict(), strict=True)
    for key, value in source_only.segmentor.state_dict().items():
        assert torch.equal(model.teacher.state_dict()[key], value)
    assert int(model.ema_step) == 0


def run_train(*args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    proc = subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools', 'train.py'), SYNTH, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_train_tool_end_to_end_and_resume(tmp_path):
    small = [
        'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=3',
        'synthetic_data.n_train=4',
        'synthetic_data.n_val=2',
        # RandomCrop: after LoadEMImage(, LoadEMAnnotations), RandomRotate
        'train_dataloader.dataset.source.pipeline.3.crop_size=(64,64)',
        'train_dataloader.dataset.target.pipeline.2.crop_size=(64,64)'
    ]
    log = run_train(
        '--work-dir',
        'wd',
        '--cfg-options',
        'train_cfg.max_iters=3',
        'train_cfg.val_interval=3',
        *small,
        cwd=tmp_path)
    assert 'tgt.loss_ce' in log and 'tgt.pl_fg_fraction' in log
    ckpt = torch.load(tmp_path / 'wd' / 'iter_3.pth', weights_only=False)
    assert int(ckpt['state_dict']['ema_step']) == 3
    assert any(k.startswith('teacher.') for k in ckpt['state_dict'])

    log = run_train(
        '--work-dir',
        'wd',
        '--resume',
        '--cfg-options',
        'train_cfg.max_iters=4',
        'train_cfg.val_interval=100',
        *small,
        cwd=tmp_path)
    # the ramp continues: update number 3 uses alpha = 1 - 1/4
    assert 'Iter(train) [4/4]' in log and 'ema_alpha: 0.7500' in log
    ckpt = torch.load(tmp_path / 'wd' / 'iter_4.pth', weights_only=False)
    assert int(ckpt['state_dict']['ema_step']) == 4
