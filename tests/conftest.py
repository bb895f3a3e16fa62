"""Shared fixtures: a tiny two-domain EM-like dataset written to tmp."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from emda.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.join(REPO, '..', 'shared', 'data')

register_all_modules(init_default_scope=True)
# Many tiny ops: on a shared 2-core machine one OpenMP thread is several
# times faster than two spinning ones.
torch.set_num_threads(1)


def make_slice(rng, size=64, n_obj=3, invert=False):
    """A noisy slice with ``n_obj`` dark ellipses and its 0/1 mask."""
    img = rng.normal(150, 12, (size, size))
    mask = np.zeros((size, size), np.uint8)
    for _ in range(n_obj):
        c = tuple(int(v) for v in rng.integers(10, size - 10, 2))
        axes = tuple(int(v) for v in rng.integers(4, 8, 2))
        cv2.ellipse(mask, c, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    img[mask == 1] -= 60
    if invert:
        img = 255 - img
    return np.clip(img, 0, 255).astype(np.uint8), mask


def write_domain(root, rng, n=4, size=64, invert=False, label_scale=255):
    os.makedirs(osp.join(root, 'images'), exist_ok=True)
    os.makedirs(osp.join(root, 'labels'), exist_ok=True)
    for i in range(n):
        img, mask = make_slice(rng, size, invert=invert)
        cv2.imwrite(osp.join(root, 'images', f'z{i:03d}.png'), img)
        cv2.imwrite(
            osp.join(root, 'labels', f'z{i:03d}.png'), mask * label_scale)


@pytest.fixture(scope='session')
def tiny_em(tmp_path_factory):
    """``root/{src,tgt}/{images,labels}`` (64x64, 4 slices) and a point
    file ``root/tgt/points.json`` with one point per slice."""
    root = str(tmp_path_factory.mktemp('tiny_em'))
    rng = np.random.default_rng(0)
    write_domain(osp.join(root, 'src'), rng)
    write_domain(osp.join(root, 'tgt'), rng, invert=True)
    from emda.datasets.point_annotations import simulate_point_file
    simulate_point_file(
        osp.join(root, 'tgt', 'labels'),
        osp.join(root, 'tgt', 'points.json'),
        ratio=0.3,
        seed=0,
        progress=False)
    with open(osp.join(root, 'tgt', 'points.json')) as f:
        assert json.load(f)['points']
    return root


def tiny_segmentor():
    """A 2-stage mmseg UNet with 8 channels: fast enough for CPU tests."""
    norm = dict(type='BN', requires_grad=True)
    return dict(
        type='EncoderDecoder',
        backbone=dict(
            type='UNet',
            in_channels=1,
            base_channels=8,
            num_stages=2,
            strides=(1, 1),
            enc_num_convs=(1, 1),
            dec_num_convs=(1, ),
            downsamples=(True, ),
            enc_dilations=(1, 1),
            dec_dilations=(1, ),
            norm_cfg=norm),
        decode_head=dict(
            type='FCNHead',
            in_channels=8,
            in_index=1,
            channels=8,
            num_convs=1,
            concat_input=False,
            num_classes=2,
            norm_cfg=norm,
            loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        test_cfg=dict(mode='whole'))


def tiny_preprocessor():
    return dict(
        type='MultiDomainDataPreProcessor',
        mean=[0.5],
        std=[0.5],
        size_divisor=4,
        test_cfg=dict(size_divisor=4))


@pytest.fixture
def tiny_model_parts():
    """``(segmentor_cfg, data_preprocessor_cfg)`` of a tiny 2D UNet."""
    return tiny_segmentor(), tiny_preprocessor()


def tiny_multitask_segmentor():
    """``tiny_segmentor`` with a 1-block detection head on the full
    resolution feature and a 16-d projection head at 1/1 (up block from
    the 1/2 feature)."""
    cfg = tiny_segmentor()
    cfg.update(
        type='MultiTaskEncoderDecoder',
        det_head=dict(
            type='CenterDetHead',
            in_channels=8,
            num_blocks=1,
            in_index=1,
            upsample=False,
            num_branches=2),
        proj_head=dict(
            type='ProjectionHead',
            in_channels=16,
            channels=8,
            embed_dims=16,
            in_index=(0, 1),
            num_branches=2))
    return cfg


@pytest.fixture
def tiny_multitask_parts():
    """``(segmentor_cfg, data_preprocessor_cfg)`` of a tiny multitask net."""
    return tiny_multitask_segmentor(), tiny_preprocessor()


@pytest.fixture
def lr_trace():
    """``trace(config, steps, state=None)``: the LR of ``config``'s param
    schedulers before each of ``steps`` iterations and after the last
    (``steps + 1`` values), from scheduler ``state`` when given (a
    resumed run); the schedulers stepped as the runner steps them."""

    def trace(config, steps, state=None):
        from mmengine.config import Config

        from emda.registry import PARAM_SCHEDULERS
        cfg = Config.fromfile(config)
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))],
                                    lr=cfg.optim_wrapper.optimizer.lr)
        schedulers = [
            PARAM_SCHEDULERS.build(
                dict(s), default_args=dict(optimizer=optimizer))
            for s in cfg.param_scheduler
        ]
        for scheduler, s in zip(schedulers, state or []):
            scheduler.load_state_dict(s)
        lrs = []
        for _ in range(steps):
            lrs.append(optimizer.param_groups[0]['lr'])
            optimizer.step()
            for scheduler in schedulers:
                scheduler.step()
        return lrs + [optimizer.param_groups[0]['lr']]

    return trace


@pytest.fixture
def bf16_cpu(monkeypatch):
    """``set(native)``: make PyTorch's probes report a CPU with (AVX512-BF16)
    or without (neither it nor AMX) native bfloat16, and no GPU."""

    def set_native(native: bool):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
        monkeypatch.setattr(torch.cpu, '_is_avx512_bf16_supported',
                            lambda: native)
        monkeypatch.setattr(torch.cpu, '_is_amx_tile_supported', lambda: False)

    return set_native
