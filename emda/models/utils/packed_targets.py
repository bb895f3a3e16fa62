"""Checks on the detection targets the pipeline packed
(``GenerateCenterHeatmap``): the models read them instead of rendering."""
from typing import Optional, Sequence

import torch
from torch import Tensor

from emda.structures import render_heatmap_tensor


def check_target_kernels(samples: Sequence,
                         heatmap_kernel: Optional[int] = None,
                         center_kernel: Optional[int] = None) -> None:
    """Raise if a sample's packed ``gt_heatmap`` / ``gt_center_weight`` was
    rendered with another kernel than the model's (metainfo
    ``heatmap_kernel`` / ``center_kernel``; samples without it pass)."""
    expected = dict(heatmap_kernel=heatmap_kernel, center_kernel=center_kernel)
    for sample in samples:
        for name, want in expected.items():
            got = sample.metainfo.get(name)
            if want is not None and got is not None and int(got) != int(want):
                raise ValueError(
                    f'{sample.metainfo.get("img_path", "a sample")}: the '
                    f'pipeline rendered its targets with {name}={got}, the '
                    f'model expects {want}: set GenerateCenterHeatmap('
                    f'{"kernel_size" if name == "heatmap_kernel" else name}'
                    f'={want}) or the model\'s {name}')


def stack_pixel_field(samples, key: str, hint: str) -> Tensor:
    """B x H x W tensor of the PixelData field ``key`` of every sample; a
    KeyError with ``hint`` (how to get the field) when one lacks it."""
    if any(key not in s for s in samples):
        raise KeyError(f'samples lack {key}: {hint}')
    return torch.stack([s.get(key).data[0] for s in samples])


def packed_heatmaps(samples: Sequence,
                    hint: str,
                    heatmap_kernel: Optional[int] = None,
                    moved: Optional[Sequence] = None) -> Tensor:
    """B x H x W packed ``gt_heatmap`` of ``samples`` (checked against
    ``heatmap_kernel``); images whose points a mixer moved (``moved[i]``,
    (N, 2) points, not None) re-rendered from them in torch."""
    check_target_kernels(samples, heatmap_kernel=heatmap_kernel)
    target = stack_pixel_field(samples, 'gt_heatmap', hint)
    for i, points in enumerate(moved or []):
        if points is not None:
            target[i] = render_heatmap_tensor(
                points,
                target.shape[-2:],
                heatmap_kernel,
                device=target.device)
    return target


def masked_heatmap_loss(loss_fn,
                        det: Tensor,
                        target: Tensor,
                        background: Optional[Tensor] = None,
                        centers: Optional[Tensor] = None) -> Tensor:
    """``loss_fn`` (a heatmap loss) of ``det`` against the Gaussian
    ``target``; with a bool ``background`` map only on the background and
    the Gaussians' support (the target detection loss of IPL-CFCL and
    WDA-Net), weighted by the packed ``centers`` map when given."""
    target = target.to(det.device)
    mask = None if background is None else background | (target > 0)
    return loss_fn(det, target, mask=mask, center_weight_map=centers)
