"""tools/benchmarks/bf16_throughput.py --base-channels: the wider UNet it
times is the CPU-profile network with more channels, and it runs."""
import os.path as osp
import sys

import torch
from mmengine.config import Config

sys.path.insert(
    0, osp.join(osp.dirname(__file__), '..', '..', 'tools', 'benchmarks'))
from bf16_throughput import build_method  # noqa: E402
from framework_overhead import CFG  # noqa: E402

from emda.utils import register_all_modules  # noqa: E402


def test_a_wider_unet_keeps_the_network_and_widens_it():
    register_all_modules()
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..', CFG))
    narrow, wide = build_method(cfg, 16), build_method(cfg, 24)
    assert cfg.segmentor.backbone.base_channels == 16  # config untouched
    n_narrow = sum(p.numel() for p in narrow.parameters())
    n_wide = sum(p.numel() for p in wide.parameters())
    # conv weights grow with the square of the width
    assert 2.0 < n_wide / n_narrow < 2.5
    out = wide.segmentor(torch.zeros(1, 1, 64, 64), mode='tensor')
    assert out.shape == (1, 2, 64, 64)
