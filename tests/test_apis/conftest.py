"""Tiny configs + checkpoints for the inference tests (saved like
MMEngine's CheckpointHook saves them: ``{'state_dict': ...}``)."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config


def write_model(root, parts, scale=1.0, seed=0, tile=(32, 32), overlap=8):
    """``(config_path, checkpoint_path)`` of a random-weight SourceOnly
    with BN statistics made non-trivial (eval mode differs from train)."""
    from emda.registry import MODELS
    os.makedirs(root, exist_ok=True)
    segmentor, preprocessor = parts
    cfg = Config(
        dict(
            default_scope='emda',
            scale=scale,
            infer_cfg=dict(tile=tile, overlap=overlap),
            model=dict(
                type='SourceOnly',
                segmentor=segmentor,
                data_preprocessor=preprocessor)))
    config = osp.join(root, 'tiny.py')
    cfg.dump(config)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
        # confident logits: probabilities spread over (0, 1)
        model.segmentor.decode_head.conv_seg.weight.mul_(10)
        model.segmentor.decode_head.conv_seg.bias.zero_()
    checkpoint = osp.join(root, 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), checkpoint)
    return config, checkpoint


@pytest.fixture
def tiny_ckpt(tmp_path, tiny_model_parts):
    """``(config, checkpoint)`` of the tiny UNet at half working scale."""
    return write_model(str(tmp_path / 'half'), tiny_model_parts, scale=0.5)


@pytest.fixture
def tiny_ckpt_full(tmp_path, tiny_model_parts):
    """The tiny UNet at full scale (tiling tests)."""
    return write_model(str(tmp_path / 'full'), tiny_model_parts, scale=1.0)


@pytest.fixture
def tiny_multitask_ckpt(tmp_path, tiny_multitask_parts):
    """The tiny multitask net (detection head) at full scale."""
    return write_model(
        str(tmp_path / 'multitask'), tiny_multitask_parts, scale=1.0)


@pytest.fixture
def make_volume():
    """``make_volume(depth, size, dtype, seed)``: see :func:`em_volume`."""
    return em_volume


def em_volume(depth=3, size=(70, 90), dtype=np.uint8, seed=0):
    """A (Z, Y, X) volume of dark blobs on a noisy background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size[0], :size[1]]
    vol = rng.normal(150, 10, (depth, ) + size)
    for z in range(depth):
        for _ in range(4):
            cy, cx = rng.integers(8, size[0] - 8), rng.integers(8, size[1] - 8)
            vol[z][(yy - cy)**2 + (xx - cx)**2 < 36] -= 70
    vol = np.clip(vol, 0, 255)
    if dtype == np.uint16:
        vol = vol * 200
    return vol.astype(dtype)
