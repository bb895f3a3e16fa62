"""The packed detection targets the staged methods read: the kernel check,
the heatmap stack with the mixer's re-render, and the masked loss."""
import pytest
import torch
from mmengine.structures import PixelData

from emda.models.utils import (check_target_kernels, masked_heatmap_loss,
                               packed_heatmaps)
from emda.structures import render_heatmap_tensor


def sample(heatmap, **metainfo):
    from mmseg.structures import SegDataSample
    s = SegDataSample(metainfo=metainfo)
    s.gt_heatmap = PixelData(data=heatmap[None])
    return s


def test_a_kernel_mismatch_is_refused_not_rerendered():
    s = sample(torch.zeros(8, 8), heatmap_kernel=11, img_path='a.png')
    check_target_kernels([s], heatmap_kernel=11)
    with pytest.raises(ValueError, match='heatmap_kernel=11.*expects 7'):
        check_target_kernels([s], heatmap_kernel=7)


def test_only_moved_images_are_rerendered():
    packed = [torch.full((16, 16), 3.), torch.full((16, 16), 5.)]
    samples = [sample(h, heatmap_kernel=5) for h in packed]
    moved = [None, torch.tensor([[8., 8.]])]
    out = packed_heatmaps(samples, 'hint', heatmap_kernel=5, moved=moved)
    assert torch.equal(out[0], packed[0])  # the pipeline's map, as packed
    assert torch.equal(out[1], render_heatmap_tensor(moved[1], (16, 16), 5))
    with pytest.raises(KeyError, match='hint'):
        packed_heatmaps([SegDataSampleless()], 'hint')


class SegDataSampleless:
    """A sample without ``gt_heatmap``."""
    metainfo = {}

    def __contains__(self, key):
        return False


def test_the_masked_loss_sees_background_and_the_gaussians_only():
    """Pixels that are neither background nor under a Gaussian do not
    count: changing the prediction there leaves the loss as it is."""

    def mse(det, target, mask=None, center_weight_map=None):
        err = (det[:, 0] - target)**2
        return err.mean() if mask is None else err[mask].mean()

    target = torch.zeros(1, 8, 8)
    target[0, 2, 2] = 1.
    background = torch.zeros(1, 8, 8, dtype=torch.bool)
    background[0, 6:] = True
    det = torch.zeros(1, 1, 8, 8)
    base = masked_heatmap_loss(mse, det, target, background)
    det[0, 0, 4, 4] = 10.  # neither background nor foreground support
    assert masked_heatmap_loss(mse, det, target, background) == base
    det[0, 0, 7, 7] = 10.  # background counts
    assert masked_heatmap_loss(mse, det, target, background) > base
    # without a background map every pixel counts
    assert masked_heatmap_loss(mse, det, target) > 0
